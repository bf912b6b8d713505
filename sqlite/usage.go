package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/skillett/skillett"
)

const usageColumns = `valid, rate_limited, insufficient_scope, ip_not_allowed, revoked, expired`

const dayLayout = "2006-01-02"

// AddUsage adds the counts of each key and day, one upsert each, in one
// transaction.
func (s *Store) AddUsage(ctx context.Context, days []skillett.UsageDay) error {
	if len(days) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO key_usage (key_id, day, `+usageColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key_id, day) DO UPDATE SET
				valid = valid + excluded.valid,
				rate_limited = rate_limited + excluded.rate_limited,
				insufficient_scope = insufficient_scope + excluded.insufficient_scope,
				ip_not_allowed = ip_not_allowed + excluded.ip_not_allowed,
				revoked = revoked + excluded.revoked,
				expired = expired + excluded.expired`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, d := range days {
			c := d.Counts
			if _, err := stmt.ExecContext(ctx, d.KeyID, d.Day.UTC().Format(dayLayout), c[0], c[1], c[2], c[3], c[4], c[5]); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("add usage", err)
}

// KeyUsage implements skillett.UsageStore.
func (s *Store) KeyUsage(ctx context.Context, keyID string, from, to time.Time) ([]skillett.UsageDay, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT day, `+usageColumns+` FROM key_usage
		WHERE key_id = ? AND day BETWEEN ? AND ? ORDER BY day`,
		keyID, from.UTC().Format(dayLayout), to.UTC().Format(dayLayout))
	if err != nil {
		return nil, wrap("key usage", err)
	}
	defer rows.Close()
	var out []skillett.UsageDay
	for rows.Next() {
		d := skillett.UsageDay{KeyID: keyID}
		var day string
		c := &d.Counts
		if err := rows.Scan(&day, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5]); err != nil {
			return nil, wrap("key usage", err)
		}
		if d.Day, err = time.Parse(dayLayout, day); err != nil {
			return nil, wrap("key usage", err)
		}
		out = append(out, d)
	}
	return out, wrap("key usage", rows.Err())
}

// UsageTotals implements skillett.UsageStore.
func (s *Store) UsageTotals(ctx context.Context, userID string, from, to time.Time) (map[string]skillett.UsageCounts, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT u.key_id, sum(u.valid), sum(u.rate_limited), sum(u.insufficient_scope),
			sum(u.ip_not_allowed), sum(u.revoked), sum(u.expired)
		FROM api_keys k JOIN key_usage u ON u.key_id = k.id
		WHERE k.user_id = ? AND u.day BETWEEN ? AND ? GROUP BY u.key_id`,
		userID, from.UTC().Format(dayLayout), to.UTC().Format(dayLayout))
	if err != nil {
		return nil, wrap("usage totals", err)
	}
	defer rows.Close()
	out := map[string]skillett.UsageCounts{}
	for rows.Next() {
		var id string
		var c skillett.UsageCounts
		if err := rows.Scan(&id, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5]); err != nil {
			return nil, wrap("usage totals", err)
		}
		out[id] = c
	}
	return out, wrap("usage totals", rows.Err())
}

// DeleteUsageBefore deletes at most limit rows of days before t's UTC day,
// oldest first, in one short write transaction (key_usage_day finds them).
func (s *Store) DeleteUsageBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM key_usage WHERE (key_id, day) IN (
			SELECT key_id, day FROM key_usage WHERE day < ? ORDER BY day LIMIT ?)`, t.UTC().Format(dayLayout), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), wrap("delete usage", err)
}
