-- Times are INTEGER unix seconds, UTC. Tables are STRICT so that a value of
-- the wrong type is an error rather than silently stored.

CREATE TABLE users (
	id            TEXT    PRIMARY KEY,
	email         TEXT    NOT NULL UNIQUE,
	plan          TEXT    NOT NULL,
	password_hash TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
	token_hash BLOB    PRIMARY KEY,
	user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;

-- For pruning a user's expired sessions when they log in again.
CREATE INDEX sessions_user_id ON sessions (user_id, expires_at);

-- seq is the rowid: it grows with every insert (keys are never deleted), so
-- it orders keys created within the same second.
CREATE TABLE api_keys (
	seq          INTEGER PRIMARY KEY,
	id           TEXT    NOT NULL UNIQUE,
	user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL,
	key_prefix   TEXT    NOT NULL,
	key_hash     BLOB    NOT NULL UNIQUE,
	scopes       TEXT    NOT NULL, -- JSON array of strings
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	revoked_at   INTEGER,
	last_used_at INTEGER
) STRICT;

-- Serves ListKeys (in its order) and the active-key count of CreateKey.
CREATE INDEX api_keys_user_id ON api_keys (user_id, created_at DESC, seq DESC);

CREATE TABLE login_failures (
	email TEXT    NOT NULL,
	at    INTEGER NOT NULL
) STRICT;

CREATE INDEX login_failures_email_at ON login_failures (email, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- AUTOINCREMENT so that a seq is never reused once old rows are pruned:
-- readers remember the last seq they saw. at is the database's clock, used
-- only for pruning.
CREATE TABLE changes (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	key_id  TEXT,
	user_id TEXT,
	at      INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

CREATE INDEX changes_at ON changes (at);
