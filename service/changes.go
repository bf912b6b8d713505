package service

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skillett/skillett"
)

// changeFollower reads the store's change log and makes the cache forget
// every key revoked and user changed by any process: every poll interval,
// at once when the store announces a change, and before a verification
// when the store's change mark says another process committed.
type changeFollower struct {
	feed  skillett.ChangeFeed
	cache *keyCache
	log   *slog.Logger
	// poll is the interval between reads as Config gave it; 0 leaves it
	// to follow, which knows whether the store announces changes.
	poll time.Duration

	// logMu serialises readers of the change log; seq is the last entry
	// read. The store's mark tells a verification that the log may have
	// moved since mark was taken.
	logMu     sync.Mutex
	seq       int64
	mark      atomic.Uint64
	lastCheck atomic.Int64 // monotonic ns since epoch of the last mark check
	hintEvery time.Duration
	// ownClock: the service's clock is not the real one (a test's), so
	// mark checks read the monotonic clock themselves.
	ownClock bool
}

// epoch anchors the monotonic clock readings of mark checks.
var epoch = time.Now()

func newChangeFollower(cfg Config, cache *keyCache, realClock bool) *changeFollower {
	return &changeFollower{feed: cfg.Store, cache: cache, log: cfg.Logger, poll: cfg.ChangePollInterval,
		hintEvery: cfg.ChangeHintInterval, ownClock: !realClock}
}

// catchUp reads the change log before a verification at `at` if the store
// hints that another process committed since the last read. It checks the
// hint at most once per Config.ChangeHintInterval. On the real clock it
// takes the verification's reading (monoClock's, which has a monotonic
// part): one of its own would cost as much as the rest of catchUp.
func (v *changeFollower) catchUp(ctx context.Context, at time.Time) {
	if v.cache.known == nil {
		return
	}
	var now int64
	if v.ownClock {
		now = int64(time.Since(epoch))
	} else {
		now = int64(at.Sub(epoch))
	}
	last := v.lastCheck.Load()
	if now-last < int64(v.hintEvery) || !v.lastCheck.CompareAndSwap(last, now) {
		return
	}
	m, ok := v.feed.ChangeMark()
	if !ok || m == v.mark.Load() {
		return
	}
	// Concurrent verifications that saw the same move wait here for the
	// one reading the log, so none answers from a stale entry.
	v.logMu.Lock()
	defer v.logMu.Unlock()
	if m == v.mark.Load() {
		return
	}
	if err := v.readChanges(ctx); err != nil {
		v.cache.forgetAll()
		return
	}
	v.mark.Store(m) // taken before the read: a later commit moves it again
}

// readChanges drops cached entries of every key revoked and user changed
// since the last read. The caller holds logMu.
func (v *changeFollower) readChanges(ctx context.Context) error {
	for {
		changes, err := v.feed.Changes(ctx, v.seq, 1000)
		if err != nil {
			return err
		}
		for _, c := range changes {
			switch {
			case c.KeyID != "":
				v.cache.forgetKey(c.KeyID)
			case c.UserID != "":
				v.cache.forgetUser(c.UserID)
			}
			v.seq = c.Seq
		}
		if len(changes) < 1000 {
			return nil
		}
	}
}

// follow reads the store's change log until ctx ends, every poll interval
// and at once when the store announces a change. Announcements make
// polling a safety net only: then it defaults to once a second, else to
// every 50 ms.
func (v *changeFollower) follow(ctx context.Context) {
	wake := v.feed.ChangeNotifications(ctx)
	poll := v.poll
	if poll == 0 {
		poll = 50 * time.Millisecond
		if wake != nil {
			poll = time.Second
		}
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case _, ok := <-wake:
			if !ok {
				wake = nil
			}
		}
		v.logMu.Lock()
		err := v.readChanges(ctx)
		v.logMu.Unlock()
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			// Unable to learn of revocations: fail closed by answering
			// from the store until the log reads again.
			if !failing {
				v.log.Warn("reading the change log failed; verification cache cleared", "err", err)
			}
			failing = true
			v.cache.forgetAll()
		default:
			failing = false
		}
	}
}
