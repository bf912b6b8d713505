package skillett

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// What a key has beyond the page's fields (SPEC §8–§9), and how it changes:
// the attributes an update may set, and the rules of a roll.

// Limits of a key's allowlist, rate limit and roll (SPEC §8–§9).
const (
	MaxIPAllowlist     = 100
	MaxRateLimit       = 1_000_000
	MaxRateLimitWindow = 24 * time.Hour
	MaxGracePeriod     = 7 * 24 * time.Hour
)

// Revocation reasons of a revoked key (SPEC §8 revocation_reason).
const (
	ReasonRevoked = "revoked" // by its owner
	ReasonLeaked  = "leaked"  // found in public (SPEC §11)
)

// RateLimit is how often a key may be used: Limit uses per Window.
type RateLimit struct {
	Limit  int
	Window time.Duration // whole seconds
}

// Validate checks r against SPEC §9: 1 ≤ Limit ≤ 1 000 000 and a window of
// 1 s to 24 h in whole seconds. EINVALID.
func (r RateLimit) Validate() error {
	switch {
	case r.Limit < 1 || r.Limit > MaxRateLimit:
		return Errorf(EINVALID, "rate_limit.limit must be between 1 and %d.", MaxRateLimit)
	case r.Window < time.Second || r.Window > MaxRateLimitWindow || r.Window%time.Second != 0:
		return Errorf(EINVALID, "rate_limit.window_seconds must be between 1 and %d.", int(MaxRateLimitWindow/time.Second))
	}
	return nil
}

// ParseIPAllowlist parses an allowlist given by a caller: 1–100 entries,
// each an IPv4 or IPv6 address or CIDR prefix. It returns them normalised
// (SPEC §9): a bare address becomes a /32 or /128, host bits are cleared,
// and an IPv4-mapped IPv6 address is written as the IPv4 one. A nil list
// stays nil (no allowlist). EINVALID.
func ParseIPAllowlist(entries []string) ([]netip.Prefix, error) {
	if entries == nil {
		return nil, nil
	}
	if err := checkAllowlistLen(len(entries)); err != nil {
		return nil, err
	}
	out := make([]netip.Prefix, len(entries))
	for i, e := range entries {
		p, ok := parsePrefix(strings.TrimSpace(e))
		if !ok {
			return nil, Errorf(EINVALID, "ip_allowlist entry %q is not an IP address or CIDR prefix such as 203.0.113.0/24.", truncate(e, 50))
		}
		out[i] = p
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// Patch is an optional change to one value: when Set is false the value is
// kept, else it becomes Value (which may be the zero value: "clear it").
type Patch[T any] struct {
	Set   bool
	Value T
}

// To returns a Patch that sets v.
func To[T any](v T) Patch[T] { return Patch[T]{Set: true, Value: v} }

// KeyUpdate is a change to a key's attributes (PATCH /api-keys/{id}).
// Name and Scopes cannot be cleared; ExpiresAt, IPAllowlist and RateLimit
// are cleared by a Set patch with a nil Value.
type KeyUpdate struct {
	Name        Patch[string]
	Scopes      Patch[[]string]
	ExpiresAt   Patch[*time.Time]
	IPAllowlist Patch[[]netip.Prefix]
	RateLimit   Patch[*RateLimit]
}

// Normalize validates u as creation validates its values (SPEC §8), at
// time now, and returns it trimmed, with expiry truncated to the second.
// An update that changes nothing is EINVALID.
func (u KeyUpdate) Normalize(now time.Time) (KeyUpdate, error) {
	if !u.Name.Set && !u.Scopes.Set && !u.ExpiresAt.Set && !u.IPAllowlist.Set && !u.RateLimit.Set {
		return u, Errorf(EINVALID, "Give at least one of name, scopes, expires_at, ip_allowlist, rate_limit.")
	}
	out := u
	if u.Name.Set {
		name, err := normalizeKeyName(u.Name.Value)
		if err != nil {
			return u, err
		}
		out.Name.Value = name
	}
	if u.Scopes.Set {
		if u.Scopes.Value == nil {
			return u, Errorf(EINVALID, `Scopes cannot be null; use ["*"] for full access.`)
		}
		if err := validateScopes(u.Scopes.Value); err != nil {
			return u, err
		}
		out.Scopes.Value = slices.Clone(u.Scopes.Value)
	}
	if u.ExpiresAt.Set && u.ExpiresAt.Value != nil {
		t, err := normalizeExpiry(*u.ExpiresAt.Value, now)
		if err != nil {
			return u, err
		}
		out.ExpiresAt.Value = &t
	}
	if u.IPAllowlist.Set && u.IPAllowlist.Value != nil {
		l, err := normalizeAllowlist(u.IPAllowlist.Value)
		if err != nil {
			return u, err
		}
		out.IPAllowlist.Value = l
	}
	if u.RateLimit.Set && u.RateLimit.Value != nil {
		r, err := normalizeRateLimit(u.RateLimit.Value)
		if err != nil {
			return u, err
		}
		out.RateLimit.Value = r
	}
	return out, nil
}

// normalizeAllowlist validates a non-nil allowlist and returns a copy with
// host bits cleared. EINVALID.
func normalizeAllowlist(l []netip.Prefix) ([]netip.Prefix, error) {
	if err := checkAllowlistLen(len(l)); err != nil {
		return nil, err
	}
	out := make([]netip.Prefix, len(l))
	for i, p := range l {
		if !p.IsValid() {
			return nil, Errorf(EINVALID, "ip_allowlist has an invalid prefix.")
		}
		out[i] = p.Masked()
	}
	return out, nil
}

func checkAllowlistLen(n int) error {
	if n == 0 || n > MaxIPAllowlist {
		return Errorf(EINVALID, "ip_allowlist must have 1 to %d entries; use null for any address.", MaxIPAllowlist)
	}
	return nil
}

// normalizeRateLimit validates a non-nil rate limit and returns a copy.
// EINVALID.
func normalizeRateLimit(r *RateLimit) (*RateLimit, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	c := *r
	return &c, nil
}

// Apply changes k as u says (u normalised) and returns the names of the
// fields whose value changed, in the order of the wire format.
func (u KeyUpdate) Apply(k *Key) (changed []string) {
	if u.Name.Set && k.Name != u.Name.Value {
		k.Name = u.Name.Value
		changed = append(changed, "name")
	}
	if u.Scopes.Set && !slices.Equal(k.Scopes, u.Scopes.Value) {
		k.Scopes = slices.Clone(u.Scopes.Value)
		changed = append(changed, "scopes")
	}
	if u.ExpiresAt.Set && !equalTimePtr(k.ExpiresAt, u.ExpiresAt.Value) {
		k.ExpiresAt = u.ExpiresAt.Value
		changed = append(changed, "expires_at")
	}
	if u.IPAllowlist.Set && !slices.Equal(k.IPAllowlist, u.IPAllowlist.Value) {
		k.IPAllowlist = slices.Clone(u.IPAllowlist.Value)
		changed = append(changed, "ip_allowlist")
	}
	if u.RateLimit.Set && !equalPtr(k.RateLimit, u.RateLimit.Value) {
		k.RateLimit = u.RateLimit.Value
		changed = append(changed, "rate_limit")
	}
	return changed
}

func equalTimePtr(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func equalPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// CheckChangeable returns ECONFLICT unless k may be updated or rolled at
// now: it must be neither revoked nor expired, and (for a roll) not rolled
// already.
func (k *Key) CheckChangeable(now time.Time, roll bool) error {
	switch {
	case k.RevokedAt != nil:
		return Errorf(ECONFLICT, "The API key has been revoked and can no longer change.")
	case k.Expired(now):
		return Errorf(ECONFLICT, "The API key has expired and can no longer change.")
	case roll && k.ReplacedBy != "":
		return Errorf(ECONFLICT, "The API key has been rolled already (replaced by %s).", k.ReplacedBy)
	}
	return nil
}

// ValidateGracePeriod checks a roll's grace period: 0 to 7 days. EINVALID.
func ValidateGracePeriod(grace time.Duration) error {
	if grace < 0 || grace > MaxGracePeriod {
		return Errorf(EINVALID, "grace_period_seconds must be between 0 and %d.", int(MaxGracePeriod/time.Second))
	}
	return nil
}

// Roll returns the key that replaces old in a roll at now: newKey (its ID,
// UserID, Prefix, Hash and CreatedAt set by the caller) gets the old key's
// name, scopes, expiry, allowlist and rate limit. It sets old's ReplacedBy,
// and its expiry to the earlier of its own and now + grace, to the second,
// so that a roll never extends a key's life. ECONFLICT if old is revoked,
// expired or rolled already; EINVALID for a grace period outside 0–7 days.
func Roll(old, newKey *Key, grace time.Duration, now time.Time) error {
	if err := ValidateGracePeriod(grace); err != nil {
		return err
	}
	if err := old.CheckChangeable(now, true); err != nil {
		return err
	}
	newKey.Name = old.Name
	newKey.Scopes = slices.Clone(old.Scopes)
	newKey.ExpiresAt = old.ExpiresAt
	newKey.IPAllowlist = slices.Clone(old.IPAllowlist)
	if old.RateLimit != nil {
		r := *old.RateLimit
		newKey.RateLimit = &r
	}
	end := now.Add(grace).UTC().Truncate(time.Second)
	if old.ExpiresAt == nil || end.Before(*old.ExpiresAt) {
		old.ExpiresAt = &end
	}
	old.ReplacedBy = newKey.ID
	return nil
}

// Counted reports whether k counts toward its owner's plan limit at now:
// active and not rolled (SPEC §8: a rolled key lives out its grace period
// outside the limit).
func (k *Key) Counted(now time.Time) bool { return k.Active(now) && k.ReplacedBy == "" }

// Reason returns the revocation reason of k: "" while it is not revoked,
// else its stored reason, ReasonRevoked when none was stored.
func (k *Key) Reason() string {
	switch {
	case k.RevokedAt == nil:
		return ""
	case k.RevocationReason == "":
		return ReasonRevoked
	}
	return k.RevocationReason
}
