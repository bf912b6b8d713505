package ratelimit_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/ratelimit"
	"github.com/skillett/skillett/sqlite"
)

// countingCounter counts the calls that reach the shared counter.
type countingCounter struct {
	skillett.HitCounter
	hits atomic.Int64
}

func (c *countingCounter) CountHit(ctx context.Context, key string, now time.Time, w time.Duration) (int64, time.Time, error) {
	c.hits.Add(1)
	return c.HitCounter.CountHit(ctx, key, now, w)
}

func openCounter(t *testing.T) *countingCounter {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "skillett.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &countingCounter{HitCounter: s}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	a = netip.MustParseAddr("192.0.2.1")
	b = netip.MustParseAddr("192.0.2.2")
)

func TestAddress(t *testing.T) {
	c := openCounter(t)
	clk := &clock{t: time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)}
	l := ratelimit.NewAddress(ratelimit.AddressOptions{Counter: c, Now: clk.Now,
		Rates: map[string]ratelimit.Rate{skillett.BucketLogin: {Limit: 3, Window: time.Minute}}})
	ctx := t.Context()
	for i := range 3 {
		if err := l.Allow(ctx, skillett.BucketLogin, a); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		clk.Add(time.Second)
	}
	err := l.Allow(ctx, skillett.BucketLogin, a)
	e, ok := err.(*skillett.Error)
	if !ok || e.Code != skillett.ERATELIMITED || e.RetryAfter != 57*time.Second {
		t.Fatalf("4th attempt: got %v, want rate_limited with RetryAfter 57s", err)
	}
	if err := l.Blocked(skillett.BucketLogin, a); err == nil {
		t.Error("Blocked: want rate_limited while the window is full")
	}
	// A full window answers from memory: the counter was asked 3 times.
	if n := c.hits.Load(); n != 3 {
		t.Errorf("counter asked %d times, want 3", n)
	}
	if err := l.Allow(ctx, skillett.BucketLogin, b); err != nil {
		t.Errorf("another address: %v", err)
	}
	if err := l.Allow(ctx, skillett.BucketSignup, a); err != nil {
		t.Errorf("a bucket without a rate: %v", err)
	}
	if err := l.Allow(ctx, skillett.BucketLogin, netip.Addr{}); err != nil {
		t.Errorf("no address: %v", err)
	}
	clk.Add(57 * time.Second)
	if err := l.Allow(ctx, skillett.BucketLogin, a); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// Two processes share one database: together they allow the limit once.
func TestAddressShared(t *testing.T) {
	c := openCounter(t)
	rates := map[string]ratelimit.Rate{skillett.BucketSignup: {Limit: 10, Window: time.Hour}}
	l1 := ratelimit.NewAddress(ratelimit.AddressOptions{Counter: c, Rates: rates})
	l2 := ratelimit.NewAddress(ratelimit.AddressOptions{Counter: c, Rates: rates})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 30 {
		l := l1
		if i%2 == 1 {
			l = l2
		}
		wg.Go(func() {
			if l.Allow(t.Context(), skillett.BucketSignup, a) == nil {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 10 {
		t.Errorf("30 concurrent signups through two processes: %d allowed, want 10", n)
	}
}

// IPv6 clients are counted per /64; IPv4-mapped addresses as IPv4.
func TestAddressKeys(t *testing.T) {
	c := openCounter(t)
	l := ratelimit.NewAddress(ratelimit.AddressOptions{Counter: c,
		Rates: map[string]ratelimit.Rate{skillett.BucketLogin: {Limit: 1, Window: time.Minute}}})
	ctx := t.Context()
	for _, pair := range [][2]string{{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"}, {"198.51.100.7", "::ffff:198.51.100.7"}} {
		if err := l.Allow(ctx, skillett.BucketLogin, netip.MustParseAddr(pair[0])); err != nil {
			t.Fatal(err)
		}
		if err := l.Allow(ctx, skillett.BucketLogin, netip.MustParseAddr(pair[1])); err == nil {
			t.Errorf("%s after %s: want rate_limited (same client)", pair[1], pair[0])
		}
	}
	if err := l.Allow(ctx, skillett.BucketLogin, netip.MustParseAddr("2001:db8:1:3::1")); err != nil {
		t.Errorf("another /64: %v", err)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]ratelimit.Rate{
		"30/m": {30, time.Minute}, "10/h": {10, time.Hour}, "5/s": {5, time.Second},
		"7/d": {7, 24 * time.Hour}, "3/10m": {3, 10 * time.Minute}, "off": {},
	} {
		got, err := ratelimit.ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
		if err == nil && in != "3/10m" && got.String() != in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), in)
		}
	}
	for _, bad := range []string{"", "30", "0/m", "-1/m", "x/m", "30/y", "30/10ms"} {
		if _, err := ratelimit.ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q): want an error", bad)
		}
	}
}
