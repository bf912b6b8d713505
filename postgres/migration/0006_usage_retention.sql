-- Serves usage retention: the rows of days older than any reader asks for
-- are found by day, not by scanning every key's rows. A flush's upsert of
-- an existing row changes no indexed column, so it stays a HOT update; a
-- new key and day adds one entry. (Not CONCURRENTLY: migrations run in a
-- transaction, and key_usage is new and small when this runs.)
CREATE INDEX key_usage_day ON key_usage (day);
