package ratelimit

import (
	"context"
	"sync/atomic"
	"time"
)

// Memory is an exact in-process Limiter: a fixed window per key, taken
// without a lock. A use is one compare-and-swap on the key's counter, so
// that many goroutines using one hot key do not queue on a mutex (on two
// cores, a contended mutex put them to sleep in the kernel). Windows that
// have ended are swept as the number of keys grows, so the memory held
// follows the keys used within their windows.
type Memory struct {
	keys sweptMap[*keyWindow]
}

// keyWindow holds one key's current window. ended marks a keyWindow the
// sweeper took out of the map: a use that finds it looks the key up again.
type keyWindow struct{ cur atomic.Pointer[window] }

// window is one window of a key: it started at start (unix ns) and lasts
// length; n uses were taken in it.
type window struct {
	start  int64
	length time.Duration
	n      atomic.Int64
}

func (w *window) endsAt() int64 { return w.start + int64(w.length) }

// ended is the window of a swept keyWindow.
var ended = &window{}

// NewMemory returns an empty Memory limiter.
func NewMemory() *Memory { return &Memory{} }

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, l Limit, now time.Time) (Result, error) {
	return m.take(key, l, now, true), nil
}

// Peek implements Limiter.
func (m *Memory) Peek(_ context.Context, key string, l Limit, now time.Time) (Result, error) {
	return m.take(key, l, now, false), nil
}

func (m *Memory) take(key string, l Limit, now time.Time, use bool) Result {
	t := now.UnixNano()
	kw := m.keyWindow(key, t)
	for {
		w := kw.cur.Load()
		if w == ended {
			kw = m.keyWindow(key, t)
			continue
		}
		if w == nil || w.length != l.Window || t >= w.endsAt() {
			// A new window, starting now.
			if !use || l.Max < 1 {
				return Result{Allowed: l.Max >= 1, Limit: l, Remaining: max(l.Max, 0), Reset: l.Window}
			}
			nw := &window{start: t, length: l.Window}
			nw.n.Store(1)
			if kw.cur.CompareAndSwap(w, nw) {
				return Result{Allowed: true, Limit: l, Remaining: l.Max - 1, Reset: l.Window}
			}
			continue
		}
		res := Result{Limit: l, Reset: min(time.Duration(w.endsAt()-t), l.Window)} // min: a clock that went back
		n := w.n.Load()
		if n >= int64(l.Max) {
			return res
		}
		res.Allowed = true
		if !use {
			res.Remaining = l.Max - int(n)
			return res
		}
		if w.n.CompareAndSwap(n, n+1) {
			res.Remaining = l.Max - int(n) - 1
			return res
		}
	}
}

// keyWindow returns key's keyWindow, adding one if there is none.
func (m *Memory) keyWindow(key string, t int64) *keyWindow {
	if kw, ok := m.keys.load(key); ok {
		return kw
	}
	return m.keys.loadOrAdd(key, &keyWindow{}, func(kw *keyWindow) bool { return kw.end(t) })
}

// end marks kw ended if its window has ended at t, for the sweep to drop
// it. The mark comes first so that a use racing the sweep either lands in
// the window before it is marked (and the key stays) or finds the mark
// and starts over in a new keyWindow: never two windows of one key at once.
func (kw *keyWindow) end(t int64) bool {
	w := kw.cur.Load()
	return w != ended && (w == nil || t >= w.endsAt()) && kw.cur.CompareAndSwap(w, ended)
}

// Len returns the number of keys held, those whose window has ended but
// are not yet swept included.
func (m *Memory) Len() int { return m.keys.len() }
