-- What a key has beyond the page's fields (SPEC §8–§9).
-- ip_allowlist: normalised CIDR strings, NULL for any address.
-- rate_limit and rate_window (seconds) are both set or both NULL.
-- replaced_by: the id of the key a roll made in its place.
ALTER TABLE api_keys ADD COLUMN ip_allowlist text[];
ALTER TABLE api_keys ADD COLUMN rate_limit integer;
ALTER TABLE api_keys ADD COLUMN rate_window integer;
ALTER TABLE api_keys ADD COLUMN replaced_by text;
ALTER TABLE api_keys ADD COLUMN revocation_reason text;
