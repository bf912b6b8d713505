-- The audit log (SPEC §10). seq is AUTOINCREMENT so that it is never
-- reused after retention deletes old rows: with created_at it orders the
-- log, and cursors name positions by both. data is a JSON object.
CREATE TABLE audit_events (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT    NOT NULL UNIQUE,
	user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	type       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	actor_type TEXT    NOT NULL,
	actor_id   TEXT,
	ip         TEXT,
	user_agent TEXT,
	key_id     TEXT,
	data       TEXT    NOT NULL DEFAULT '{}'
) STRICT;

-- Serves a user's log in its order; the second serves retention.
CREATE INDEX audit_events_user ON audit_events (user_id, created_at DESC, seq DESC);
CREATE INDEX audit_events_created_at ON audit_events (created_at);
