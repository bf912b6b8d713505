package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Memory is an exact in-process Limiter: fixed windows per key in a
// sharded map. Windows that have ended are swept as the map grows, so its
// size follows the keys used within their windows.
type Memory struct {
	seed   maphash.Seed
	shards [64]memShard
}

type memShard struct {
	mu    sync.Mutex
	m     map[string]window
	sweep int // sweep ended windows when the map reaches this size
	_     [40]byte
}

// window is one key's current window: it started at start (unix ns),
// lasts length, and n uses were taken in it.
type window struct {
	start  int64
	length time.Duration
	n      int
}

// NewMemory returns an empty Memory limiter.
func NewMemory() *Memory {
	m := &Memory{seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].m = make(map[string]window)
		m.shards[i].sweep = 1024
	}
	return m
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, l Limit, now time.Time) (Result, error) {
	return m.take(key, l, now, 1), nil
}

// Peek implements Limiter.
func (m *Memory) Peek(_ context.Context, key string, l Limit, now time.Time) (Result, error) {
	return m.take(key, l, now, 0), nil
}

func (m *Memory) take(key string, l Limit, now time.Time, n int) Result {
	t := now.UnixNano()
	sh := &m.shards[maphash.String(m.seed, key)%uint64(len(m.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	w, ok := sh.m[key]
	if !ok || w.length != l.Window || t >= w.start+int64(w.length) {
		w = window{start: t, length: l.Window}
	}
	res := Result{Limit: l, Reset: time.Duration(w.start + int64(w.length) - t)}
	res.Reset = min(res.Reset, l.Window) // a clock that went back
	if w.n >= l.Max {
		return res
	}
	res.Allowed = true
	if n == 0 {
		res.Remaining = l.Max - w.n
		return res
	}
	w.n += n
	res.Remaining = l.Max - w.n
	if !ok && len(sh.m) >= sh.sweep {
		sh.sweepEnded(t)
	}
	sh.m[key] = w
	return res
}

// sweepEnded drops the windows that have ended at t. The caller holds mu.
func (sh *memShard) sweepEnded(t int64) {
	for k, w := range sh.m {
		if t >= w.start+int64(w.length) {
			delete(sh.m, k)
		}
	}
	sh.sweep = max(2*len(sh.m), 1024)
}

// Len returns the number of windows held, ended ones not yet swept included.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
