-- Usage counts per key, UTC day (YYYY-MM-DD) and outcome (SPEC §9). Rows
-- are added to by coalesced upserts, one per key and day per flush.
CREATE TABLE key_usage (
	key_id             TEXT    NOT NULL,
	day                TEXT    NOT NULL,
	valid              INTEGER NOT NULL DEFAULT 0,
	rate_limited       INTEGER NOT NULL DEFAULT 0,
	insufficient_scope INTEGER NOT NULL DEFAULT 0,
	ip_not_allowed     INTEGER NOT NULL DEFAULT 0,
	revoked            INTEGER NOT NULL DEFAULT 0,
	expired            INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (key_id, day)
) STRICT, WITHOUT ROWID;
