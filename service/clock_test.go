package service

import (
	"testing"
	"time"
)

// The default clock agrees with time.Now: it never runs behind a reading
// taken before it, nor ahead of one taken after it (both are on the
// monotonic clock, to the nanosecond).
func TestMonoClock(t *testing.T) {
	c := newMonoClock()
	for range 10000 {
		before := time.Now()
		got := c.Now()
		after := time.Now()
		if got.Before(before) || got.After(after) {
			t.Fatalf("monoClock.Now() = %v, outside [%v, %v]", got, before, after)
		}
		if d := got.Round(0).Sub(before.Round(0)); d < -time.Millisecond || d > time.Second {
			t.Fatalf("wall time %v off by %v", got, d)
		}
	}
}

func BenchmarkClock(b *testing.B) {
	var sink time.Time
	b.Run("time.Now", func(b *testing.B) {
		for b.Loop() {
			sink = time.Now()
		}
	})
	c := newMonoClock()
	b.Run("monoClock", func(b *testing.B) {
		for b.Loop() {
			sink = c.Now()
		}
	})
	_ = sink
}
