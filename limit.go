package skillett

import (
	"context"
	"net/netip"
	"time"
)

// Buckets of the per-address limits (SPEC §12).
const (
	BucketLogin        = "login"         // POST /auth/login
	BucketSignup       = "signup"        // POST /auth/signup
	BucketMiss         = "miss"          // credentials that cost a lookup and matched nothing
	BucketPublicRevoke = "public_revoke" // POST /credentials/revoke
)

// AddressLimiter bounds how often one client address may do something
// costly, per bucket (SPEC §12). ratelimit.Address implements it, shared
// across processes through a HitCounter.
type AddressLimiter interface {
	// Allow counts one event of bucket for addr. Over the bucket's limit it
	// returns ERATELIMITED with RetryAfter set. An invalid addr (a call
	// that came from no client) is always allowed.
	Allow(ctx context.Context, bucket string, addr netip.Addr) error
	// Blocked returns ERATELIMITED when addr is already known, in this
	// process, to be over bucket's limit, and nil otherwise. It counts
	// nothing and does no I/O, so that a flood is refused for free.
	Blocked(bucket string, addr netip.Addr) error
}

// HitCounter counts events per key in fixed windows, in storage that every
// process shares. A window starts at the first hit after the previous one
// ended and lasts its length. The sqlite and postgres stores implement it.
type HitCounter interface {
	// CountHit counts one hit on key at now and returns the hits of the
	// current window, this one included, and when the window ends.
	CountHit(ctx context.Context, key string, now time.Time, window time.Duration) (count int64, resetAt time.Time, err error)
	// PruneHits deletes the windows that ended at or before now.
	PruneHits(ctx context.Context, now time.Time) error
}

// EUNAVAILABLE is the error code of work refused because the server is at
// capacity (SPEC §12: 503 with Retry-After).
const EUNAVAILABLE = "unavailable"
