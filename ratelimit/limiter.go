package ratelimit

import (
	"context"
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
