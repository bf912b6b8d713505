-- Serves usage retention: the rows of days older than any reader asks for
-- are found by day, not by scanning every key's rows. A flush's upsert of
-- an existing row changes no indexed column, so it does not touch this
-- index; a new key and day adds one entry.
CREATE INDEX key_usage_day ON key_usage (day);
