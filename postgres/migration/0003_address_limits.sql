-- Per-address limits (SPEC §12): one fixed window per key ("login|203.0.113.7").
-- reset_at is when the window ends, in unix milliseconds; rows whose window
-- ended are pruned.
CREATE TABLE address_hits (
	key      text   PRIMARY KEY,
	reset_at bigint NOT NULL,
	count    bigint NOT NULL
);

CREATE INDEX address_hits_reset_at ON address_hits (reset_at);

-- login_failures are pruned by age across all emails, not only the email
-- being tried (SPEC §12).
CREATE INDEX login_failures_at ON login_failures (at);
