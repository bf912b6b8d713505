package sqlite

import (
	"context"
	"time"
)

// CountHit implements skillett.HitCounter with one upsert: a window that
// has ended starts again at this hit.
func (s *Store) CountHit(ctx context.Context, key string, now time.Time, window time.Duration) (int64, time.Time, error) {
	var count, reset int64
	err := s.write.QueryRowContext(ctx, `INSERT INTO address_hits (key, reset_at, count) VALUES (?1, ?2, 1)
		ON CONFLICT (key) DO UPDATE SET
			count    = CASE WHEN address_hits.reset_at <= ?3 THEN 1 ELSE address_hits.count + 1 END,
			reset_at = CASE WHEN address_hits.reset_at <= ?3 THEN ?2 ELSE address_hits.reset_at END
		RETURNING count, reset_at`, key, now.Add(window).UnixMilli(), now.UnixMilli()).Scan(&count, &reset)
	if err != nil {
		return 0, time.Time{}, wrap("count hit", err)
	}
	return count, time.UnixMilli(reset).UTC(), nil
}

// PruneHits implements skillett.HitCounter.
func (s *Store) PruneHits(ctx context.Context, now time.Time) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM address_hits WHERE reset_at <= ?`, now.UnixMilli())
	return wrap("prune hits", err)
}
