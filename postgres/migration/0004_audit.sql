-- The audit log (SPEC §10). seq is an identity, never reused: with
-- created_at it orders the log, and cursors name positions by both.
CREATE TABLE audit_events (
	seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id         text        NOT NULL UNIQUE,
	user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	type       text        NOT NULL,
	created_at timestamptz NOT NULL,
	actor_type text        NOT NULL,
	actor_id   text,
	ip         text,
	user_agent text,
	key_id     text,
	data       jsonb       NOT NULL DEFAULT '{}'
);

-- Serves a user's log in its order; the second serves retention.
CREATE INDEX audit_events_user ON audit_events (user_id, created_at DESC, seq DESC);
CREATE INDEX audit_events_created_at ON audit_events (created_at);
