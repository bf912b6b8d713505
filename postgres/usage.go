package postgres

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/skillett/skillett"
)

// Days go in as text: a time.Time would be cast to date in the session's
// time zone.
const dayLayout = "2006-01-02"

const usageColumns = `valid, rate_limited, insufficient_scope, ip_not_allowed, revoked, expired`

// AddUsage adds the counts of each key and day in one statement: one
// upsert per row. Rows go in sorted by key and day, so that two processes
// adding to overlapping rows lock them in the same order.
func (s *Store) AddUsage(ctx context.Context, days []skillett.UsageDay) error {
	if len(days) == 0 {
		return nil
	}
	days = slices.Clone(days)
	slices.SortFunc(days, func(a, b skillett.UsageDay) int {
		if c := strings.Compare(a.KeyID, b.KeyID); c != 0 {
			return c
		}
		return a.Day.Compare(b.Day)
	})
	ids := make([]string, len(days))
	dates := make([]string, len(days))
	var cols [skillett.NumUsageOutcomes][]int64
	for i := range cols {
		cols[i] = make([]int64, len(days))
	}
	for i, d := range days {
		ids[i], dates[i] = d.KeyID, d.Day.UTC().Format(dayLayout)
		for j, n := range d.Counts {
			cols[j][i] = n
		}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO key_usage (key_id, day, `+usageColumns+`)
		SELECT * FROM unnest($1::text[], $2::date[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])
		ON CONFLICT (key_id, day) DO UPDATE SET
			valid = key_usage.valid + excluded.valid,
			rate_limited = key_usage.rate_limited + excluded.rate_limited,
			insufficient_scope = key_usage.insufficient_scope + excluded.insufficient_scope,
			ip_not_allowed = key_usage.ip_not_allowed + excluded.ip_not_allowed,
			revoked = key_usage.revoked + excluded.revoked,
			expired = key_usage.expired + excluded.expired`,
		ids, dates, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5])
	return wrap("add usage", err)
}

// KeyUsage implements skillett.UsageStore.
func (s *Store) KeyUsage(ctx context.Context, keyID string, from, to time.Time) ([]skillett.UsageDay, error) {
	rows, err := s.pool.Query(ctx, `SELECT day, `+usageColumns+` FROM key_usage
		WHERE key_id = $1 AND day BETWEEN $2::date AND $3::date ORDER BY day`, keyID, from.UTC().Format(dayLayout), to.UTC().Format(dayLayout))
	if err != nil {
		return nil, wrap("key usage", err)
	}
	defer rows.Close()
	var out []skillett.UsageDay
	for rows.Next() {
		d := skillett.UsageDay{KeyID: keyID}
		c := &d.Counts
		if err := rows.Scan(&d.Day, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5]); err != nil {
			return nil, wrap("key usage", err)
		}
		d.Day = d.Day.UTC()
		out = append(out, d)
	}
	return out, wrap("key usage", rows.Err())
}

// UsageTotals implements skillett.UsageStore.
func (s *Store) UsageTotals(ctx context.Context, userID string, from, to time.Time) (map[string]skillett.UsageCounts, error) {
	rows, err := s.pool.Query(ctx, `SELECT u.key_id, sum(u.valid)::bigint, sum(u.rate_limited)::bigint, sum(u.insufficient_scope)::bigint,
			sum(u.ip_not_allowed)::bigint, sum(u.revoked)::bigint, sum(u.expired)::bigint
		FROM api_keys k JOIN key_usage u ON u.key_id = k.id
		WHERE k.user_id = $1 AND u.day BETWEEN $2::date AND $3::date GROUP BY u.key_id`, userID, from.UTC().Format(dayLayout), to.UTC().Format(dayLayout))
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
// oldest first, in one statement (key_usage_day finds them). It skips rows
// a flush holds, rather than wait for it: they go in the next batch or run.
func (s *Store) DeleteUsageBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM key_usage WHERE (key_id, day) IN (
		SELECT key_id, day FROM key_usage WHERE day < $1::date ORDER BY day LIMIT $2
		FOR UPDATE SKIP LOCKED)`, t.UTC().Format(dayLayout), limit)
	if err != nil {
		return 0, wrap("delete usage", err)
	}
	return int(tag.RowsAffected()), nil
}
