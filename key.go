package skillett

import (
	"context"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Key is an API key. Only the SHA-256 of the full key is stored; Prefix is
// the first 11 characters, kept for display.
type Key struct {
	ID         string
	UserID     string
	Name       string
	Prefix     string
	Hash       [32]byte
	Scopes     []string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time

	// Beyond the page (SPEC §8–§9); see lifecycle.go.
	IPAllowlist      []netip.Prefix // normalised; nil: any address
	RateLimit        *RateLimit     // nil: no limit
	ReplacedBy       string         // id of the key a roll made in its place
	RevocationReason string         // set with RevokedAt; see Reason
}

// Expired reports whether k is past its expiry at now.
func (k *Key) Expired(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

// Active reports whether k is neither revoked nor expired at now.
func (k *Key) Active(now time.Time) bool { return k.RevokedAt == nil && !k.Expired(now) }

// ScopeAll is the scope that grants full access.
const ScopeAll = "*"

// HasScope reports whether scopes grant scope: "*" grants everything.
func HasScope(scopes []string, scope string) bool {
	for _, s := range scopes {
		if s == ScopeAll || s == scope {
			return true
		}
	}
	return false
}

// Outcome is the result of verifying a key (SPEC §6 "code"). It is a type
// of its own so that the compiler keeps it apart from error codes, with
// which two of its values share their spelling.
type Outcome string

// Verification outcomes.
const (
	VerifyValid             Outcome = "valid"
	VerifyMalformed         Outcome = "malformed"
	VerifyNotFound          Outcome = "not_found"
	VerifyRevoked           Outcome = "revoked"
	VerifyExpired           Outcome = "expired"
	VerifyInsufficientScope Outcome = "insufficient_scope"
)

// VerifyOutcomes lists every outcome, for metrics.
var VerifyOutcomes = []Outcome{VerifyValid, VerifyMalformed, VerifyNotFound, VerifyRevoked, VerifyExpired, VerifyInsufficientScope, VerifyIPNotAllowed, VerifyRateLimited}

// Limits of a key request.
const (
	MaxKeyNameLen = 100
	MaxScopes     = 100
)

var scopePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// ValidScopeName reports whether s is a valid integration name.
func ValidScopeName(s string) bool { return scopePattern.MatchString(s) }

// KeyRequest is what a caller asks for when creating a key.
type KeyRequest struct {
	Name      string
	Scopes    []string   // nil: the default ["*"]
	ExpiresAt *time.Time // nil: never

	IPAllowlist []netip.Prefix // nil: any address
	RateLimit   *RateLimit     // nil: no limit

	// Parent is the key through which the request is made; nil when it
	// is made through a session or the CLI. See BoundByParent.
	Parent *Key
}

// Normalize validates r against SPEC §5 at time now and returns it trimmed,
// with default scopes and expiry truncated to the second, or an EINVALID
// error.
func (r KeyRequest) Normalize(now time.Time) (KeyRequest, error) {
	name, err := normalizeKeyName(r.Name)
	if err != nil {
		return r, err
	}
	scopes := r.Scopes
	if scopes == nil {
		scopes = []string{ScopeAll}
	}
	if err := validateScopes(scopes); err != nil {
		return r, err
	}
	out := KeyRequest{Name: name, Scopes: slices.Clone(scopes)}
	if r.ExpiresAt != nil {
		t, err := normalizeExpiry(*r.ExpiresAt, now)
		if err != nil {
			return r, err
		}
		out.ExpiresAt = &t
	}
	exp, err := BoundByParent(r.Parent, out.ExpiresAt)
	if err != nil {
		return r, err
	}
	out.ExpiresAt, out.Parent = exp, r.Parent
	if r.IPAllowlist != nil {
		if out.IPAllowlist, err = normalizeAllowlist(r.IPAllowlist); err != nil {
			return r, err
		}
	}
	if r.RateLimit != nil {
		if out.RateLimit, err = normalizeRateLimit(r.RateLimit); err != nil {
			return r, err
		}
	}
	return out, nil
}

func normalizeKeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", Errorf(EINVALID, "Name is required.")
	case n > MaxKeyNameLen:
		return "", Errorf(EINVALID, "Name must be at most %d characters.", MaxKeyNameLen)
	}
	if err := ValidateName(name); err != nil {
		return "", err
	}
	return name, nil
}

func normalizeExpiry(t, now time.Time) (time.Time, error) {
	if err := ValidateExpiry(t, now); err != nil {
		return t, err
	}
	return t.UTC().Truncate(time.Second), nil
}

func validateScopes(scopes []string) error {
	switch {
	case len(scopes) == 0:
		return Errorf(EINVALID, "Scopes must not be empty; omit them for full access.")
	case len(scopes) > MaxScopes:
		return Errorf(EINVALID, "At most %d scopes are allowed.", MaxScopes)
	}
	seen := make(map[string]bool, len(scopes))
	for _, s := range scopes {
		switch {
		case s == ScopeAll && len(scopes) > 1:
			return Errorf(EINVALID, `Scope "*" must stand alone.`)
		case s != ScopeAll && !ValidScopeName(s):
			return Errorf(EINVALID, "Scope %q is not a valid integration name (lowercase letters, digits, _ and -, starting with a letter, at most 63 characters).", truncate(s, 70))
		case seen[s]:
			return Errorf(EINVALID, "Scope %q is listed twice.", s)
		}
		seen[s] = true
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Verification is the answer to "is this key good (for this scope)?".
// Principal, with the key and its owner, is set when the key is genuine and
// active: for VerifyValid, and from service.Service also for
// VerifyInsufficientScope (POST /verify, and so client.Verifier, shows the
// key only when it is valid). For the other outcomes it is nil.
type Verification struct {
	Outcome   Outcome
	Principal *Principal
	// RateLimit is the key's budget after this use, for a rate-limited key
	// that was found (its Limit is 0 otherwise).
	RateLimit RateLimitStatus
}

// Valid reports whether the outcome is VerifyValid.
func (v Verification) Valid() bool { return v.Outcome == VerifyValid }

// Verifier checks presented API keys. service.Service implements it against
// the store; client.Verifier over HTTP (POST /verify) for other services.
type Verifier interface {
	// Verify verifies req.Key: that it grants req.Scope unless that is
	// empty, admits req.Addr by its IP allowlist, and is within its rate
	// limit, whose use it takes (SPEC §9). A key that is merely bad is not
	// an error: the Outcome says why. Errors mean the answer is unknown
	// (e.g. the database is down).
	Verify(ctx context.Context, req VerifyRequest) (Verification, error)
}

// RefusalMessage explains to a key's holder why a verification outcome
// other than valid refused the key.
func RefusalMessage(outcome Outcome) string {
	switch outcome {
	case VerifyRevoked:
		return "The API key has been revoked."
	case VerifyExpired:
		return "The API key has expired."
	case VerifyInsufficientScope:
		return "The API key does not grant this integration."
	case VerifyIPNotAllowed:
		return "The API key may not be used from this address."
	case VerifyRateLimited:
		return "The API key has reached its rate limit; retry later."
	}
	return "The API key is not valid."
}

// ParseTime parses an RFC 3339 time given by a caller (expires_at), or
// returns an EINVALID error naming field.
func ParseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "%s must be an RFC 3339 time such as 2026-04-08T10:30:00Z.", field)
	}
	return t, nil
}
