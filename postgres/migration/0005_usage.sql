-- Usage counts per key, UTC day and outcome (SPEC §9). Rows are added to
-- by coalesced upserts, one per key and day per flush.
CREATE TABLE key_usage (
	key_id             text   NOT NULL,
	day                date   NOT NULL,
	valid              bigint NOT NULL DEFAULT 0,
	rate_limited       bigint NOT NULL DEFAULT 0,
	insufficient_scope bigint NOT NULL DEFAULT 0,
	ip_not_allowed     bigint NOT NULL DEFAULT 0,
	revoked            bigint NOT NULL DEFAULT 0,
	expired            bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (key_id, day)
);
