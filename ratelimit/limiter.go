package ratelimit

import (
	"context"
	"strconv"
	"time"
)

// Limit is a budget of Max uses per Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Result is a limiter's answer for one key.
type Result struct {
	Allowed   bool
	Limit     Limit
	Remaining int // uses left in the current window
	// Reset is how long until the current window ends and its whole
	// budget is free again; when Remaining is 0 it is how long until a use
	// is free again. It is the full window when no window is running.
	Reset time.Duration
}

// RetryAfter is Reset in whole seconds, rounded up, at least 1: the
// Retry-After of a refused use.
func (r Result) RetryAfter() int { return ceilSeconds(r.Reset) }

// ResetSeconds is Reset in whole seconds, rounded up.
func (r Result) ResetSeconds() int {
	if r.Reset <= 0 {
		return 0
	}
	return ceilSeconds(r.Reset)
}

func ceilSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// Limiter limits uses per key. Implementations are safe for concurrent use.
type Limiter interface {
	// Allow takes one use from key's budget under l at now, if one is
	// left; a refused use takes nothing. An error means no answer (the
	// caller decides); the limiters of this package do not return one
	// unless ctx ends.
	Allow(ctx context.Context, key string, l Limit, now time.Time) (Result, error)
	// Peek reports key's budget under l at now without taking a use.
	Peek(ctx context.Context, key string, l Limit, now time.Time) (Result, error)
}

// AppendPolicy appends the RateLimit-Policy header value of l:
// "key";q=<max>;w=<window seconds>.
func AppendPolicy(b []byte, l Limit) []byte {
	b = append(b, `"key";q=`...)
	b = strconv.AppendInt(b, int64(l.Max), 10)
	b = append(b, ";w="...)
	return strconv.AppendInt(b, int64(l.Window/time.Second), 10)
}

// AppendState appends the RateLimit header value of r:
// "key";r=<remaining>;t=<seconds until reset>.
func AppendState(b []byte, r Result) []byte {
	b = append(b, `"key";r=`...)
	b = strconv.AppendInt(b, int64(r.Remaining), 10)
	b = append(b, ";t="...)
	return strconv.AppendInt(b, int64(r.ResetSeconds()), 10)
}
