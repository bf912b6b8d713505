-- Per-address limits (SPEC §12): one fixed window per key ("login|203.0.113.7").
-- reset_at is when the window ends, in unix milliseconds; rows whose window
-- ended are pruned.
CREATE TABLE address_hits (
	key      TEXT    PRIMARY KEY,
	reset_at INTEGER NOT NULL,
	count    INTEGER NOT NULL
) STRICT;

CREATE INDEX address_hits_reset_at ON address_hits (reset_at);
