package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/ratelimit"
)

// testLimiter is the behaviour every Limiter must have (SPEC §9); new
// returns a fresh limiter whose keys no other test uses. Time comes from a
// fake clock: the limiters take the caller's time.
func testLimiter(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	t0 := time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)
	minute := ratelimit.Limit{Max: 5, Window: time.Minute}

	t.Run("ExactlyMaxPerWindow", func(t *testing.T) {
		l, clock := newLimiter(t), testclock.New(t0)
		for i := range 5 {
			res := mustAllow(t, l, "k", minute, clock.Now())
			if want := time.Minute - time.Duration(i)*time.Second; !res.Allowed || res.Remaining != 4-i || res.Reset != want {
				t.Fatalf("use %d: got %+v, want allowed with %d remaining and a reset in %v", i+1, res, 4-i, want)
			}
			clock.Advance(time.Second)
		}
		res := mustAllow(t, l, "k", minute, clock.Now())
		if res.Allowed || res.Remaining != 0 || res.Reset != 55*time.Second || retryAfter(res) != 55*time.Second {
			t.Fatalf("6th use 5 s into the window: got %+v, want refused, 0 remaining, reset in 55 s", res)
		}
	})

	t.Run("RefusedUsesTakeNothing", func(t *testing.T) {
		l, clock := newLimiter(t), testclock.New(t0)
		one := ratelimit.Limit{Max: 1, Window: 10 * time.Second}
		mustAllow(t, l, "k", one, clock.Now())
		for range 20 {
			clock.Advance(400 * time.Millisecond)
			if res := mustAllow(t, l, "k", one, clock.Now()); res.Allowed {
				t.Fatalf("second use within the window at %v: allowed", clock.Now().Sub(t0))
			}
		}
		clock.Advance(2 * time.Second) // 10 s after the first use
		if res := mustAllow(t, l, "k", one, clock.Now()); !res.Allowed || res.Remaining != 0 || res.Reset != 10*time.Second {
			t.Fatalf("first use of the next window: got %+v, want allowed with a 10 s reset", res)
		}
	})

	t.Run("WindowStartsAtFirstUse", func(t *testing.T) {
		l, clock := newLimiter(t), testclock.New(t0)
		clock.Advance(7 * time.Second)
		for range 5 {
			mustAllow(t, l, "k", minute, clock.Now())
		}
		clock.Advance(time.Minute - time.Millisecond)
		if res := mustAllow(t, l, "k", minute, clock.Now()); res.Allowed || res.Reset != time.Millisecond || retryAfter(res) != time.Second {
			t.Fatalf("1 ms before the window ends: got %+v, want refused, reset in 1 ms, Retry-After 1", res)
		}
		clock.Advance(time.Millisecond)
		if res := mustAllow(t, l, "k", minute, clock.Now()); !res.Allowed || res.Remaining != 4 {
			t.Fatalf("when the window ends: got %+v, want allowed with 4 remaining", res)
		}
	})

	t.Run("Peek", func(t *testing.T) {
		l, clock := newLimiter(t), testclock.New(t0)
		res, err := l.Peek(t.Context(), "k", minute, clock.Now())
		if err != nil || !res.Allowed || res.Remaining != 5 || res.Reset != time.Minute {
			t.Fatalf("Peek of an unused key: got %+v, %v; want 5 remaining, reset 1m", res, err)
		}
		for range 5 {
			mustAllow(t, l, "k", minute, clock.Now())
			if _, err := l.Peek(t.Context(), "k", minute, clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(20 * time.Second)
		res, err = l.Peek(t.Context(), "k", minute, clock.Now())
		if err != nil || res.Allowed || res.Remaining != 0 || res.Reset != 40*time.Second {
			t.Fatalf("Peek of a spent key: got %+v, %v; want not allowed, 0 remaining, reset 40 s", res, err)
		}
	})

	t.Run("KeysAndWindowsApart", func(t *testing.T) {
		l, clock := newLimiter(t), testclock.New(t0)
		one := ratelimit.Limit{Max: 1, Window: time.Hour}
		for _, k := range []string{"a", "b", "c"} {
			if res := mustAllow(t, l, k, one, clock.Now()); !res.Allowed {
				t.Fatalf("first use of key %s: refused", k)
			}
		}
		// A new window length (the key's limit was changed) starts afresh.
		if res := mustAllow(t, l, "a", ratelimit.Limit{Max: 1, Window: 2 * time.Hour}, clock.Now()); !res.Allowed {
			t.Fatalf("first use of key a under a new window: refused")
		}
		if res := mustAllow(t, l, "b", ratelimit.Limit{Max: 2, Window: time.Hour}, clock.Now()); !res.Allowed || res.Remaining != 0 {
			t.Fatalf("key b after its max was raised from 1 to 2: got %+v, want allowed with 0 remaining", res)
		}
	})

	t.Run("ParallelBurstLetsExactlyMax", func(t *testing.T) {
		l, clock := newLimiter(t), testclock.New(t0)
		seven := ratelimit.Limit{Max: 7, Window: time.Hour}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 70 {
			wg.Go(func() {
				if res := mustAllow(t, l, "burst", seven, clock.Now()); res.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 7 {
			t.Fatalf("70 parallel uses of a key limited to 7: %d allowed, want 7", allowed.Load())
		}
	})
}

func mustAllow(t *testing.T, l ratelimit.Limiter, key string, lim ratelimit.Limit, now time.Time) ratelimit.Result {
	t.Helper()
	res, err := l.Allow(context.Background(), key, lim, now)
	if err != nil {
		t.Fatalf("Allow(%s): %v", key, err)
	}
	return res
}

func TestMemory(t *testing.T) {
	testLimiter(t, func(*testing.T) ratelimit.Limiter { return ratelimit.NewMemory() })
}

func TestMemorySweepsEndedWindows(t *testing.T) {
	l := ratelimit.NewMemory()
	t0 := time.Now()
	sec := ratelimit.Limit{Max: 1, Window: time.Second}
	for i := range 200_000 {
		l.Allow(t.Context(), "key"+string(rune('a'+i%26))+itoa(i), sec, t0.Add(time.Duration(i)*time.Millisecond))
	}
	if n := l.Len(); n > 64*2048 {
		t.Fatalf("after 200 000 keys each used once, 1 000 per second, over 1 s windows: %d windows kept, want at most %d", n, 64*2048)
	}
}

// A sweep that races the uses of a key whose window just ended never lets
// the key have two windows at once: each window still lets exactly Max.
func TestMemorySweepRacesUses(t *testing.T) {
	l := ratelimit.NewMemory()
	t0 := time.Now()
	three := ratelimit.Limit{Max: 3, Window: time.Second}
	for round := range 300 {
		now := t0.Add(time.Duration(round) * time.Second) // the previous window has just ended
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				if res := mustAllow(t, l, "hot", three, now); res.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Go(func() { l.Sweep(now) })
		wg.Wait()
		if got := allowed.Load(); got != 3 {
			t.Fatalf("round %d: %d of 12 uses allowed, want 3", round, got)
		}
	}
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

// retryAfter is the Retry-After of a refused use of res, as the service
// answers it.
func retryAfter(res ratelimit.Result) time.Duration {
	return skillett.RateLimitStatus{Reset: res.Reset}.RetryAfter()
}
