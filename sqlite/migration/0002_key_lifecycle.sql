-- What a key has beyond the page's fields (SPEC §8–§9).
-- ip_allowlist: JSON array of normalised CIDR strings, NULL for any address.
-- rate_limit and rate_window (seconds) are both set or both NULL.
-- replaced_by: the id of the key a roll made in its place.
ALTER TABLE api_keys ADD COLUMN ip_allowlist TEXT;
ALTER TABLE api_keys ADD COLUMN rate_limit INTEGER;
ALTER TABLE api_keys ADD COLUMN rate_window INTEGER;
ALTER TABLE api_keys ADD COLUMN replaced_by TEXT;
ALTER TABLE api_keys ADD COLUMN revocation_reason TEXT;
