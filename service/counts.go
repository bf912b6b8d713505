package service

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/skillett/skillett"
)

// dayCounts are one key's verification counts on one UTC day (days since
// the Unix epoch), not yet flushed.
type dayCounts struct {
	day atomic.Int64
	n   [skillett.NumUsageOutcomes]atomic.Int64
}

// usageCounts hold a key's unflushed counts in two slots by day parity:
// around midnight a flush may find counts of yesterday and today. A slot
// is reused two days later, long after a flush emptied it.
type usageCounts [2]dayCounts

// utcDay returns the UTC day of t, in days since the epoch.
func utcDay(t time.Time) int64 {
	s := t.Unix()
	if s < 0 {
		return (s - 86399) / 86400
	}
	return s / 86400
}

// add counts one verification with outcome index i on day.
func (c *usageCounts) add(day int64, i int) {
	s := &c[day&1]
	if s.day.Load() != day {
		s.day.Store(day)
	}
	s.n[i].Add(1)
}

// drain takes every count out, calling fn for each day that had some.
func (c *usageCounts) drain(fn func(day int64, counts skillett.UsageCounts)) {
	for i := range c {
		s := &c[i]
		var out skillett.UsageCounts
		var any bool
		for j := range s.n {
			if out[j] = s.n[j].Swap(0); out[j] != 0 {
				any = true
			}
		}
		if any {
			fn(s.day.Load(), out)
		}
	}
}

// count notes a verification of e's key with outcome at now, for its
// usage; outcomes of keys that do not exist are not counted.
func (u *usageRecorder) count(e *entry, outcome skillett.Outcome, now time.Time) {
	i := skillett.UsageIndex(outcome)
	if i < 0 {
		return
	}
	e.counts.add(utcDay(now), i)
	u.enqueue(e)
}

type usageKey struct {
	keyID string
	day   int64
}

// KeyUsage returns the usage of the user's key over the last days UTC
// days, today last, one entry per day, zeros included (SPEC §9). Counts of
// this process not yet flushed are not in it. EINVALID, ENOTFOUND.
func (s *Service) KeyUsage(ctx context.Context, userID, keyID string, days int) ([]skillett.UsageDay, error) {
	if days < 1 || days > MaxUsageDays {
		return nil, skillett.Errorf(skillett.EINVALID, "days must be between 1 and %d.", MaxUsageDays)
	}
	if _, err := s.KeyByID(ctx, userID, keyID); err != nil {
		return nil, err
	}
	to := dayTime(utcDay(s.now()))
	from := to.AddDate(0, 0, 1-days)
	stored, err := s.store.KeyUsage(ctx, keyID, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]skillett.UsageDay, days)
	for i := range out {
		out[i] = skillett.UsageDay{KeyID: keyID, Day: from.AddDate(0, 0, i)}
	}
	for _, d := range stored {
		if i := int(d.Day.Sub(from) / (24 * time.Hour)); i >= 0 && i < days {
			out[i].Counts = d.Counts
		}
	}
	return out, nil
}

// UsageTotals returns the user's keys' counts summed over the last days
// UTC days, by key id; keys without uses are absent.
func (s *Service) UsageTotals(ctx context.Context, userID string, days int) (map[string]skillett.UsageCounts, error) {
	to := dayTime(utcDay(s.now()))
	return s.store.UsageTotals(ctx, userID, to.AddDate(0, 0, 1-days), to)
}

// MaxUsageDays is the longest usage history GET /api-keys/{id}/usage gives.
const MaxUsageDays = 90

func dayTime(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }
