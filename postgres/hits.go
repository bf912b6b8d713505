package postgres

import (
	"context"
	"time"
)

// CountHit implements skillett.HitCounter with one upsert: a window that
// has ended starts again at this hit.
func (s *Store) CountHit(ctx context.Context, key string, now time.Time, window time.Duration) (int64, time.Time, error) {
	var count, reset int64
	err := s.pool.QueryRow(ctx, `INSERT INTO address_hits (key, reset_at, count) VALUES ($1, $2, 1)
		ON CONFLICT (key) DO UPDATE SET
			count    = CASE WHEN address_hits.reset_at <= $3 THEN 1 ELSE address_hits.count + 1 END,
			reset_at = CASE WHEN address_hits.reset_at <= $3 THEN $2 ELSE address_hits.reset_at END
		RETURNING count, reset_at`, key, now.Add(window).UnixMilli(), now.UnixMilli()).Scan(&count, &reset)
	if err != nil {
		return 0, time.Time{}, wrap("count hit", err)
	}
	return count, time.UnixMilli(reset).UTC(), nil
}

// PruneHits implements skillett.HitCounter. It also deletes the failed
// logins older than a day: ReserveLoginAttempt prunes only the email it is
// given, and emails tried once would otherwise stay for ever.
func (s *Store) PruneHits(ctx context.Context, now time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM address_hits WHERE reset_at <= $1`, now.UnixMilli()); err != nil {
		return wrap("prune hits", err)
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM login_failures WHERE at <= $1`, now.Add(-24*time.Hour))
	return wrap("prune login failures", err)
}
