package service

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/skillett/skillett"
)

// cacheTTL bounds how long a cached answer lives even if no change is ever
// read for it: a safety net under the change log, not the mechanism. For
// known keys it is checked against the entry's fill time on each hit
// (cached), with the clock reading the verification takes anyway: otter's
// own expiry reads the clock again and costs about 60 ns a hit.
const cacheTTL = time.Minute

// entry is what the cache holds for a key: an immutable snapshot of the key
// and its owner, plus the last use recorded for it.
//
// Invariant, relied on outside this package: the *Principal of an entry
// stands for one state of its key and user. Every verification answered
// from the entry returns that same pointer, and once the key or its user
// changes (in this process or, through the change log, in another) the
// entry is forgotten and later verifications return a new pointer. So a
// caller may cache what it derives from a principal keyed by the pointer
// alone (httpapi's /me bodies do). TestPrincipalPointerIdentity holds it.
type entry struct {
	principal  *skillett.Principal
	filled     time.Time    // when it was read from the store
	lastUsed   atomic.Int64 // unix seconds of the latest use seen
	flushedUse atomic.Int64 // lastUsed as last taken by a flush
	queued     atomic.Bool  // in the usage recorder's queue
	counts     usageCounts  // verifications by day and outcome, unflushed
}

func newEntry(k *skillett.Key, u *skillett.User, now time.Time) *entry {
	e := &entry{principal: &skillett.Principal{User: u, Method: skillett.MethodAPIKey, Key: k}, filled: now}
	if k.LastUsedAt != nil {
		e.lastUsed.Store(k.LastUsedAt.Unix())
		e.flushedUse.Store(k.LastUsedAt.Unix())
	}
	return e
}

// keyCache is a bounded cache of known keys and a bounded negative cache of
// well-formed unknown ones, in front of the store. It is fail-closed:
// whatever may have changed is forgotten, and a fill that raced a
// forgetting does not land.
type keyCache struct {
	store   skillett.Store
	known   *otter.Cache[[32]byte, *entry]   // nil when caching is off
	unknown *otter.Cache[[32]byte, struct{}] // nil when caching is off

	// mu orders cache fills against invalidations: a fill only lands if
	// no invalidation ran since its store read began (gen unchanged), so a
	// revocation can never be overwritten by a stale read.
	mu  sync.Mutex
	gen atomic.Uint64
}

func newKeyCache(cfg Config) *keyCache {
	c := &keyCache{store: cfg.Store}
	if !cfg.NoCache {
		c.known = otter.Must(&otter.Options[[32]byte, *entry]{
			MaximumSize: cfg.CacheSize,
			Clock:       noClock{},
		})
		c.unknown = otter.Must(&otter.Options[[32]byte, struct{}]{
			MaximumSize:      max(cfg.NegativeCacheSize, 1),
			ExpiryCalculator: otter.ExpiryWriting[[32]byte, struct{}](cacheTTL),
		})
	}
	return c
}

// cached returns the entry of the known key with hash h, if the cache
// holds one younger than cacheTTL at now.
func (v *keyCache) cached(h [32]byte, now time.Time) (*entry, bool) {
	if v.known == nil {
		return nil, false
	}
	e, ok := v.known.GetIfPresent(h)
	if !ok || now.Sub(e.filled) >= cacheTTL || now.Before(e.filled) {
		return nil, false // a stale entry is replaced by the fill that follows
	}
	return e, true
}

// lookup finds the key with hash h that cached did not have: from the
// negative cache, else from the store. A nil entry means there is no such
// key. guard bounds the store lookups that match nothing per client (SPEC
// §12).
func (v *keyCache) lookup(ctx context.Context, h [32]byte, guard missGuard, now time.Time) (e *entry, hit bool, err error) {
	if v.unknown != nil {
		if _, ok := v.unknown.GetIfPresent(h); ok {
			return nil, true, nil
		}
	}
	if err := guard.before(); err != nil {
		return nil, false, err
	}
	gen := v.gen.Load()
	k, u, err := v.store.KeyByHash(ctx, h)
	if isCode(err, skillett.ENOTFOUND) {
		guard.missed()
		if v.unknown != nil {
			v.unknown.Set(h, struct{}{})
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	e = newEntry(k, u, now)
	if v.known != nil {
		v.mu.Lock()
		if v.gen.Load() == gen {
			v.known.Set(h, e)
		}
		v.mu.Unlock()
	}
	return e, false, nil
}

// noClock is the known-key cache's clock: that cache has no expiry of its
// own (see cacheTTL), so it need not read the time on every hit.
type noClock struct{}

func (noClock) NowNano() int64                      { return 0 }
func (noClock) Tick(time.Duration) <-chan time.Time { return nil }

// forget drops every cached entry for which drop is true.
func (v *keyCache) forget(drop func(*skillett.Principal) bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.gen.Add(1)
	if v.known == nil {
		return
	}
	for h, e := range v.known.All() {
		if drop(e.principal) {
			v.known.Invalidate(h)
		}
	}
}

func (v *keyCache) forgetKey(keyID string) {
	v.forget(func(p *skillett.Principal) bool { return p.Key.ID == keyID })
}

func (v *keyCache) forgetUser(userID string) {
	v.forget(func(p *skillett.Principal) bool { return p.User.ID == userID })
}

func (v *keyCache) forgetAll() {
	v.forget(func(*skillett.Principal) bool { return true })
}

func (v *keyCache) close() {
	if v.known != nil {
		v.known.StopAllGoroutines()
		v.unknown.StopAllGoroutines()
	}
}
