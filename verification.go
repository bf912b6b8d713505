package skillett

import (
	"net/netip"
	"strconv"
	"time"
)

// EIPNOTALLOWED is the error code of a key used from outside its IP
// allowlist (SPEC §9); HTTP 403.
const EIPNOTALLOWED = "ip_not_allowed"

// VerifyRequest is a key presented for verification.
type VerifyRequest struct {
	Key   string // the full key
	Scope string // integration the use needs; "" for none
	// Addr is the address of the client that presented the key; the zero
	// Addr when unknown, which a key with an IP allowlist refuses.
	Addr netip.Addr
}

// RateLimitStatus is the state of a rate-limited key's budget after a
// verification (SPEC §9); Limit is 0 for a key without a rate limit.
type RateLimitStatus struct {
	Limit     int
	Window    time.Duration
	Remaining int
	// Reset is how long until the current window ends and the budget is
	// whole again; when Remaining is 0, until a use is free again.
	Reset time.Duration
}

// Limited reports whether the key has a rate limit.
func (s RateLimitStatus) Limited() bool { return s.Limit > 0 }

// ResetSeconds is Reset in whole seconds, rounded up.
func (s RateLimitStatus) ResetSeconds() int {
	if s.Reset <= 0 {
		return 0
	}
	return int(roundUpSeconds(s.Reset) / time.Second)
}

// RetryAfter is how long a use refused as VerifyRateLimited should wait:
// Reset rounded up to whole seconds, at least one.
func (s RateLimitStatus) RetryAfter() time.Duration { return roundUpSeconds(s.Reset) }

// AppendPolicy appends the RateLimit-Policy header value:
// "key";q=<limit>;w=<window seconds>.
func (s RateLimitStatus) AppendPolicy(b []byte) []byte {
	b = append(b, `"key";q=`...)
	b = strconv.AppendInt(b, int64(s.Limit), 10)
	b = append(b, ";w="...)
	return strconv.AppendInt(b, int64(s.Window/time.Second), 10)
}

// AppendState appends the RateLimit header value:
// "key";r=<remaining>;t=<seconds until the window resets>.
func (s RateLimitStatus) AppendState(b []byte) []byte {
	b = append(b, `"key";r=`...)
	b = strconv.AppendInt(b, int64(s.Remaining), 10)
	b = append(b, ";t="...)
	return strconv.AppendInt(b, int64(s.ResetSeconds()), 10)
}

// AllowsAddr reports whether allowlist admits a: a nil list admits every
// address, and a zero (unknown) address is admitted only by a nil list.
// IPv4-mapped IPv6 addresses match IPv4 entries.
func AllowsAddr(allowlist []netip.Prefix, a netip.Addr) bool {
	if allowlist == nil {
		return true
	}
	a = a.Unmap()
	for _, p := range allowlist {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
