package ratelimit

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skillett/skillett"
)

// Rate is a limit per window: "30/m" is 30 per minute.
type Rate struct {
	Limit  int
	Window time.Duration
}

// Off reports whether r limits nothing.
func (r Rate) Off() bool { return r.Limit <= 0 }

func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	for _, u := range rateUnits {
		if r.Window == u.d {
			return fmt.Sprintf("%d/%s", r.Limit, u.name)
		}
	}
	return fmt.Sprintf("%d/%s", r.Limit, r.Window)
}

var rateUnits = []struct {
	name string
	d    time.Duration
}{{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}

// ParseRate parses "N/s", "N/m", "N/h", "N/d", "N/<Go duration>" (such as
// "5/10m") or "off".
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	limit, err := strconv.Atoi(n)
	if !ok || err != nil || limit < 1 {
		return Rate{}, fmt.Errorf("rate %q: want N/s, N/m, N/h or N/d with N ≥ 1 (or off)", s)
	}
	for _, u := range rateUnits {
		if per == u.name {
			return Rate{Limit: limit, Window: u.d}, nil
		}
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Second {
		return Rate{}, fmt.Errorf("rate %q: the window must be s, m, h, d or a duration of at least 1s", s)
	}
	return Rate{Limit: limit, Window: d}, nil
}

// AddressOptions configure an Address limiter.
type AddressOptions struct {
	Counter skillett.HitCounter // the shared counts (the store)
	Rates   map[string]Rate     // per bucket; a bucket without a rate is unlimited
	Now     func() time.Time    // default time.Now
	// MaxBlocked bounds the addresses remembered as blocked (default
	// 100 000); beyond it the oldest knowledge is dropped and the shared
	// counter answers instead.
	MaxBlocked int
}

// Address implements skillett.AddressLimiter: fixed windows per (bucket,
// address) counted in a skillett.HitCounter shared by every process, plus
// this process's memory of which addresses are over their limit until
// when, so that a flood from a blocked address costs no I/O at all.
//
// IPv6 clients are counted per /64, the block a single subscriber is
// usually given: otherwise one of them could rotate through 2⁶⁴ addresses.
type Address struct {
	counter skillett.HitCounter
	rates   map[string]Rate
	now     func() time.Time
	max     int

	mu        sync.Mutex
	blocked   map[string]time.Time // key → end of the window that is full
	lastPrune time.Time
}

var _ skillett.AddressLimiter = (*Address)(nil)

// NewAddress returns an Address limiter.
func NewAddress(o AddressOptions) *Address {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBlocked <= 0 {
		o.MaxBlocked = 100_000
	}
	return &Address{counter: o.Counter, rates: o.Rates, now: o.Now, max: o.MaxBlocked, blocked: make(map[string]time.Time)}
}

// pruneEvery is how often a process deletes the shared windows that ended.
const pruneEvery = time.Minute

// Allow implements skillett.AddressLimiter.
func (l *Address) Allow(ctx context.Context, bucket string, addr netip.Addr) error {
	rate, ok := l.rates[bucket]
	if !ok || rate.Off() || !addr.IsValid() {
		return nil
	}
	key := addressKey(bucket, addr)
	now := l.now()
	if err := l.check(bucket, key, now); err != nil {
		return err
	}
	n, reset, err := l.counter.CountHit(ctx, key, now, rate.Window)
	if err != nil {
		return err
	}
	l.mu.Lock()
	if n >= int64(rate.Limit) {
		// The window is full: the next attempt from this address is
		// refused here, without asking the counter.
		l.remember(key, reset)
	}
	prune := now.Sub(l.lastPrune) >= pruneEvery
	if prune {
		l.lastPrune = now
	}
	l.mu.Unlock()
	if prune {
		// Best effort: a failed prune is retried a minute later.
		_ = l.counter.PruneHits(ctx, now)
	}
	if n > int64(rate.Limit) {
		return limited(bucket, reset.Sub(now))
	}
	return nil
}

// Blocked implements skillett.AddressLimiter.
func (l *Address) Blocked(bucket string, addr netip.Addr) error {
	rate, ok := l.rates[bucket]
	if !ok || rate.Off() || !addr.IsValid() {
		return nil
	}
	return l.check(bucket, addressKey(bucket, addr), l.now())
}

func (l *Address) check(bucket, key string, now time.Time) error {
	l.mu.Lock()
	until, ok := l.blocked[key]
	if ok && !now.Before(until) {
		delete(l.blocked, key)
		ok = false
	}
	l.mu.Unlock()
	if ok {
		return limited(bucket, until.Sub(now))
	}
	return nil
}

// remember records that key is over its limit until until; l.mu is held.
func (l *Address) remember(key string, until time.Time) {
	if len(l.blocked) >= l.max {
		now := l.now()
		for k, t := range l.blocked {
			if !now.Before(t) {
				delete(l.blocked, k)
			}
		}
		if len(l.blocked) >= l.max {
			clear(l.blocked) // the shared counter still holds every count
		}
	}
	l.blocked[key] = until
}

// addressKey is the counter's key for addr in bucket: "login|203.0.113.7",
// "miss|2001:db8:1:2::/64".
func addressKey(bucket string, addr netip.Addr) string {
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return bucket + "|" + p.String()
	}
	return bucket + "|" + addr.String()
}

var messages = map[string]string{
	skillett.BucketLogin:        "Too many logins from your address; try again later.",
	skillett.BucketSignup:       "Too many sign-ups from your address; try again later.",
	skillett.BucketMiss:         "Too many unknown credentials from your address; try again later.",
	skillett.BucketPublicRevoke: "Too many revocation reports from your address; try again later.",
}

func limited(bucket string, retry time.Duration) error {
	msg, ok := messages[bucket]
	if !ok {
		msg = "Too many requests from your address; try again later."
	}
	return skillett.RateLimitedError(msg, retry)
}
