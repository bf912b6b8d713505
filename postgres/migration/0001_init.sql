-- Times are timestamptz, written to the whole second by the Go code.

CREATE TABLE users (
	id            text        PRIMARY KEY,
	email         text        NOT NULL CONSTRAINT users_email_key UNIQUE,
	plan          text        NOT NULL,
	password_hash text        NOT NULL DEFAULT '',
	created_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
	token_hash bytea       PRIMARY KEY,
	user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);

-- For pruning a user's expired sessions when they log in again.
CREATE INDEX sessions_user_id ON sessions (user_id, expires_at);

-- seq orders keys created within the same second: CreateKey inserts a
-- user's keys one at a time (it locks the user's row), so a later key gets
-- a larger seq.
CREATE TABLE api_keys (
	seq          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id           text        NOT NULL UNIQUE,
	user_id      text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         text        NOT NULL,
	key_prefix   text        NOT NULL,
	key_hash     bytea       NOT NULL UNIQUE,
	scopes       text[]      NOT NULL,
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz,
	revoked_at   timestamptz,
	last_used_at timestamptz
);

-- Serves ListKeys (in its order) and the active-key count of CreateKey.
CREATE INDEX api_keys_user_id ON api_keys (user_id, created_at DESC, seq DESC);

CREATE TABLE login_failures (
	email text        NOT NULL,
	at    timestamptz NOT NULL
);

CREATE INDEX login_failures_email_at ON login_failures (email, at);

-- The change log that every process follows. Writers append to it one at a
-- time (see recordChange), so seqs become visible in increasing order. at is
-- the database's clock, used only for pruning.
CREATE TABLE changes (
	seq     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key_id  text,
	user_id text,
	at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX changes_at ON changes (at);
