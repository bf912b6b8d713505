package ratelimit

import (
	"sync"
	"sync/atomic"
)

// sweptMap is a concurrent map of per-key state that drops its ended
// entries as it grows: an add that brings it to twice the size it had
// after the last sweep (and at least minSweep) first sweeps it, so that
// the memory held follows the keys in use. Memory keeps its windows in
// one, Redis its leases.
type sweptMap[V any] struct {
	m       sync.Map // string → V; an entry is written once, read on every use
	n       atomic.Int64
	sweepAt atomic.Int64 // 0 means minSweep
	sweep   sync.Mutex
}

const minSweep = 64 * 1024

func (s *sweptMap[V]) load(key string) (V, bool) {
	v, ok := s.m.Load(key)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

// loadOrAdd returns key's entry, adding fresh if there is none. ended
// says whether an entry may be dropped; it is asked only by a sweep that
// the add sets off.
func (s *sweptMap[V]) loadOrAdd(key string, fresh V, ended func(V) bool) V {
	v, loaded := s.m.LoadOrStore(key, fresh)
	if !loaded && s.n.Add(1) >= max(s.sweepAt.Load(), minSweep) {
		s.sweepEnded(ended)
	}
	return v.(V)
}

// sweepEnded drops the entries that ended says have ended; if another
// goroutine is sweeping, it leaves the work to it.
func (s *sweptMap[V]) sweepEnded(ended func(V) bool) {
	if !s.sweep.TryLock() {
		return
	}
	defer s.sweep.Unlock()
	s.m.Range(func(k, v any) bool {
		if ended(v.(V)) && s.m.CompareAndDelete(k, v) {
			s.n.Add(-1)
		}
		return true
	})
	s.sweepAt.Store(max(2*s.n.Load(), minSweep))
}

func (s *sweptMap[V]) len() int { return int(s.n.Load()) }
