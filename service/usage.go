package service

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/skillett/skillett"
)

// usageRecorder coalesces last_used_at writes and usage counts: a use
// costs atomic adds, and at most one queue append per key per flush
// interval. Flushes write one batch of each: one row per key, and one per
// key and day.
type usageRecorder struct {
	store skillett.Store
	log   *slog.Logger

	mu           sync.Mutex
	queue        []*entry
	pending      map[string]time.Time // batches whose write failed, retried
	pendingCount map[usageKey]skillett.UsageCounts

	flushMu sync.Mutex // one flush at a time
}

func newUsageRecorder(store skillett.Store, log *slog.Logger) *usageRecorder {
	return &usageRecorder{store: store, log: log, pending: map[string]time.Time{}, pendingCount: map[usageKey]skillett.UsageCounts{}}
}

// record notes a use of e's key at now.
func (u *usageRecorder) record(e *entry, now time.Time) {
	sec := now.Unix()
	for {
		old := e.lastUsed.Load()
		if old >= sec {
			return
		}
		if e.lastUsed.CompareAndSwap(old, sec) {
			break
		}
	}
	u.enqueue(e)
}

// enqueue puts e in the queue of the next flush unless it is there.
func (u *usageRecorder) enqueue(e *entry) {
	if !e.queued.Load() && e.queued.CompareAndSwap(false, true) {
		u.mu.Lock()
		u.queue = append(u.queue, e)
		u.mu.Unlock()
	}
}

// run flushes every interval until ctx ends.
func (u *usageRecorder) run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := u.flush(ctx); err != nil && ctx.Err() == nil {
				u.log.Warn("writing last_used_at and usage counts failed; will retry", "err", err)
			}
		}
	}
}

// flush writes every pending last use and usage count, in one batch each.
func (u *usageRecorder) flush(ctx context.Context) error {
	u.flushMu.Lock()
	defer u.flushMu.Unlock()
	u.mu.Lock()
	queue, used, counts := u.queue, u.pending, u.pendingCount
	u.queue, u.pending, u.pendingCount = nil, map[string]time.Time{}, map[usageKey]skillett.UsageCounts{}
	u.mu.Unlock()
	for _, e := range queue {
		// Unqueue before reading: a use racing with this flush then
		// queues the entry again instead of being lost.
		e.queued.Store(false)
		id := e.principal.Key.ID
		if last := e.lastUsed.Load(); last > e.flushedUse.Load() {
			e.flushedUse.Store(last)
			t := time.Unix(last, 0).UTC()
			if prev, ok := used[id]; !ok || t.After(prev) {
				used[id] = t
			}
		}
		e.counts.drain(func(day int64, c skillett.UsageCounts) { addCounts(counts, usageKey{id, day}, c) })
	}
	var errTouch, errCount error
	if len(used) > 0 {
		errTouch = u.store.TouchKeys(ctx, used)
	}
	if len(counts) > 0 {
		days := make([]skillett.UsageDay, 0, len(counts))
		for k, c := range counts {
			days = append(days, skillett.UsageDay{KeyID: k.keyID, Day: dayTime(k.day), Counts: c})
		}
		errCount = u.store.AddUsage(ctx, days)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if errTouch != nil {
		for id, t := range used {
			if prev, ok := u.pending[id]; !ok || t.After(prev) {
				u.pending[id] = t
			}
		}
	}
	if errCount != nil {
		for k, c := range counts {
			addCounts(u.pendingCount, k, c)
		}
	}
	return errors.Join(errTouch, errCount)
}

// addCounts adds c to the counts of k in m.
func addCounts(m map[usageKey]skillett.UsageCounts, k usageKey, c skillett.UsageCounts) {
	sum := m[k]
	for i := range sum {
		sum[i] += c[i]
	}
	m[k] = sum
}
