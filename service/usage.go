package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/skillett/skillett"
)

// usageRecorder coalesces last_used_at writes: a use costs an atomic load
// when the key was already used this second, and at most one queue append
// per key per flush interval otherwise. Flushes write one batch.
type usageRecorder struct {
	store skillett.Store
	log   *slog.Logger

	mu      sync.Mutex
	queue   []*entry
	pending map[string]time.Time // batches whose write failed, retried

	flushMu sync.Mutex // one flush at a time
}

func newUsageRecorder(store skillett.Store, log *slog.Logger) *usageRecorder {
	return &usageRecorder{store: store, log: log, pending: map[string]time.Time{}}
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
	if e.queued.CompareAndSwap(false, true) {
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
				u.log.Warn("writing last_used_at failed; will retry", "err", err)
			}
		}
	}
}

// flush writes every pending last use in one batch.
func (u *usageRecorder) flush(ctx context.Context) error {
	u.flushMu.Lock()
	defer u.flushMu.Unlock()
	u.mu.Lock()
	queue, used := u.queue, u.pending
	u.queue, u.pending = nil, map[string]time.Time{}
	u.mu.Unlock()
	for _, e := range queue {
		// Unqueue before reading the time: a use racing with this flush
		// then queues the entry again instead of being lost.
		e.queued.Store(false)
		t := time.Unix(e.lastUsed.Load(), 0).UTC()
		id := e.principal.Key.ID
		if prev, ok := used[id]; !ok || t.After(prev) {
			used[id] = t
		}
	}
	if len(used) == 0 {
		return nil
	}
	if err := u.store.TouchKeys(ctx, used); err != nil {
		u.mu.Lock()
		for id, t := range used {
			if prev, ok := u.pending[id]; !ok || t.After(prev) {
				u.pending[id] = t
			}
		}
		u.mu.Unlock()
		return err
	}
	return nil
}
