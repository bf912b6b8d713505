// Package skillett is the domain of the Skillett API-key service: users and
// their plans, dashboard sessions, API keys and the principal a request acts
// as, the validation rules of SPEC §4–§5, and the Store interface that the
// sqlite and postgres packages implement.
//
// It imports only the standard library; every other package of the module
// may import it, and it imports none of them.
package skillett

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Plan is a user's subscription plan.
type Plan string

const (
	PlanFree      Plan = "free"
	PlanPro       Plan = "pro"
	PlanUnlimited Plan = "unlimited"
)

// Plans lists every plan, cheapest first.
var Plans = []Plan{PlanFree, PlanPro, PlanUnlimited}

// ParsePlan returns the plan named s, or an EINVALID error.
func ParsePlan(s string) (Plan, error) {
	p := Plan(s)
	if !slices.Contains(Plans, p) {
		return "", Errorf(EINVALID, "Plan must be one of free, pro, unlimited.")
	}
	return p, nil
}

// Unlimited is the PlanLimits value for "no maximum".
const Unlimited = -1

// PlanLimits maps each plan to the maximum number of active keys a user on
// it may hold; Unlimited (any negative number) means no maximum.
type PlanLimits map[Plan]int

// DefaultPlanLimits are the limits of the API reference page.
func DefaultPlanLimits() PlanLimits {
	return PlanLimits{PlanFree: 1, PlanPro: Unlimited, PlanUnlimited: Unlimited}
}

// Max returns the maximum number of active keys on plan p, and false when
// there is none. A plan missing from the map has no maximum.
func (l PlanLimits) Max(p Plan) (int, bool) {
	n, ok := l[p]
	if !ok || n < 0 {
		return 0, false
	}
	return n, true
}

// ParsePlanLimits parses "free=1,pro=unlimited" on top of the defaults.
func ParsePlanLimits(s string) (PlanLimits, error) {
	limits := DefaultPlanLimits()
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		p, err := ParsePlan(strings.TrimSpace(name))
		if !ok || err != nil {
			return nil, fmt.Errorf("plan limit %q: want PLAN=N or PLAN=unlimited with PLAN one of free, pro, unlimited", item)
		}
		value = strings.TrimSpace(value)
		if value == "unlimited" {
			limits[p] = Unlimited
			continue
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("plan limit %q: want a non-negative number or unlimited", item)
		}
		limits[p] = n
	}
	return limits, nil
}

// User is an account. PasswordHash is empty for users created without a
// password (they cannot log in).
type User struct {
	ID           string
	Email        string
	Plan         Plan
	PasswordHash string
	CreatedAt    time.Time
}

// Session is a dashboard login. Only the SHA-256 of its token is stored.
type Session struct {
	TokenHash [32]byte
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

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

// Authentication methods of a Principal.
const (
	MethodSession = "session"
	MethodAPIKey  = "api_key"
)

// Principal is who a request acts as: a user, through a session or a key.
type Principal struct {
	User   *User
	Method string // MethodSession or MethodAPIKey
	Key    *Key   // the key used; nil for sessions
}

// FullAccess reports whether the principal may do everything its user may:
// sessions always, keys only with the "*" scope.
func (p *Principal) FullAccess() bool {
	return p.Method == MethodSession || (p.Key != nil && slices.Contains(p.Key.Scopes, ScopeAll))
}

// Verification outcomes (SPEC §6 "code").
const (
	VerifyValid             = "valid"
	VerifyMalformed         = "malformed"
	VerifyNotFound          = "not_found"
	VerifyRevoked           = "revoked"
	VerifyExpired           = "expired"
	VerifyInsufficientScope = "insufficient_scope"
)

// VerifyOutcomes lists every outcome, for metrics.
var VerifyOutcomes = []string{VerifyValid, VerifyMalformed, VerifyNotFound, VerifyRevoked, VerifyExpired, VerifyInsufficientScope}

// ---------------------------------------------------------------------------
// Validation

// Limits of user input.
const (
	MaxKeyNameLen  = 100
	MaxScopes      = 100
	MinPasswordLen = 8
	MaxPasswordLen = 1024
	MaxEmailLen    = 254
)

var scopePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// ValidScopeName reports whether s is a valid integration name.
func ValidScopeName(s string) bool { return scopePattern.MatchString(s) }

// KeyRequest is what a caller asks for when creating a key.
type KeyRequest struct {
	Name      string
	Scopes    []string   // nil: the default ["*"]
	ExpiresAt *time.Time // nil: never
}

// Normalize validates r against SPEC §5 at time now and returns it trimmed,
// with default scopes and expiry truncated to the second, or an EINVALID
// error.
func (r KeyRequest) Normalize(now time.Time) (KeyRequest, error) {
	name := strings.TrimSpace(r.Name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return r, Errorf(EINVALID, "Name is required.")
	case n > MaxKeyNameLen:
		return r, Errorf(EINVALID, "Name must be at most %d characters.", MaxKeyNameLen)
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 || !utf8.ValidString(name) {
		return r, Errorf(EINVALID, "Name must not contain control characters.")
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
		if !r.ExpiresAt.After(now) {
			return r, Errorf(EINVALID, "expires_at must be in the future.")
		}
		t := r.ExpiresAt.UTC().Truncate(time.Second)
		out.ExpiresAt = &t
	}
	return out, nil
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

// NormalizeEmail trims and lowercases an email address and checks that it is
// a plain address, or returns an EINVALID error.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return "", Errorf(EINVALID, "Email is required.")
	}
	if len(email) > MaxEmailLen {
		return "", Errorf(EINVALID, "Email must be at most %d characters.", MaxEmailLen)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return "", Errorf(EINVALID, "Email must be a plain address like name@example.com.")
	}
	return email, nil
}

// ValidatePassword checks a new password's length.
func ValidatePassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return Errorf(EINVALID, "Password must be at least %d characters.", MinPasswordLen)
	case n > MaxPasswordLen:
		return Errorf(EINVALID, "Password must be at most %d characters.", MaxPasswordLen)
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// PlanLimitError is the EPLANLIMIT error of a plan that allows max active
// keys; every store returns it, so that all say the same.
func PlanLimitError(max int) *Error {
	noun := "keys"
	if max == 1 {
		noun = "key"
	}
	return Errorf(EPLANLIMIT, "Your plan allows at most %d active API %s; revoke one or upgrade your plan.", max, noun)
}

// ---------------------------------------------------------------------------
// Storage

// Change is one entry of the store's change log: a key was revoked (KeyID
// set) or a user changed (UserID set, e.g. a new plan). Every process reads
// the log to drop what it cached about that key or user.
type Change struct {
	Seq    int64
	KeyID  string
	UserID string
}

// Store is the persistence of the service. The sqlite and postgres packages
// implement it with identical behaviour, checked by the storetest suite.
// Times passed in are stored to the second; times returned are UTC.
type Store interface {
	// CreateUser inserts u (ID, Email, Plan, PasswordHash, CreatedAt set by
	// the caller). ECONFLICT if the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// UserByEmail returns the user with this (normalized) email. ENOTFOUND.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UserByID returns the user with this id. ENOTFOUND.
	UserByID(ctx context.Context, id string) (*User, error)
	// SetUserPlan changes a user's plan, records a Change for the user and
	// returns the updated user. ENOTFOUND.
	SetUserPlan(ctx context.Context, email string, plan Plan) (*User, error)

	// CreateSession inserts s.
	CreateSession(ctx context.Context, s *Session) error
	// SessionUser returns the session with this token hash and its user if
	// the session has not expired at now. ENOTFOUND otherwise.
	SessionUser(ctx context.Context, tokenHash [32]byte, now time.Time) (*Session, *User, error)
	// DeleteSession deletes the session with this token hash; deleting a
	// missing session is not an error.
	DeleteSession(ctx context.Context, tokenHash [32]byte) error

	// ReserveLoginAttempt atomically counts the failed logins for email in
	// (now-window, now] and, if fewer than max, records this attempt as a
	// failure (ClearLoginFailures undoes that on success). At max or more
	// it records nothing and returns ERATELIMITED with RetryAfter set to
	// when the oldest counted failure leaves the window.
	ReserveLoginAttempt(ctx context.Context, email string, now time.Time, window time.Duration, max int) error
	// ClearLoginFailures forgets every failed login of email.
	ClearLoginFailures(ctx context.Context, email string) error

	// CreateKey inserts k (every field but RevokedAt and LastUsedAt set by
	// the caller) unless the owner already holds as many active keys at
	// k.CreatedAt as limits allow for their plan: then EPLANLIMIT. The
	// count and the insert are atomic, also across processes. ENOTFOUND if
	// the user does not exist.
	CreateKey(ctx context.Context, k *Key, limits PlanLimits) error
	// ListKeys returns the user's keys, revoked and expired ones included,
	// newest first (the later-created first within one second).
	ListKeys(ctx context.Context, userID string) ([]*Key, error)
	// KeyByHash returns the key with this hash and its owner. ENOTFOUND.
	KeyByHash(ctx context.Context, hash [32]byte) (*Key, *User, error)
	// RevokeKey sets revoked_at to now unless already set, and records a
	// Change for the key. ENOTFOUND if the user has no key with this id.
	RevokeKey(ctx context.Context, userID, keyID string, now time.Time) error
	// TouchKeys sets last_used_at of each key id to the given time unless
	// the stored value is later: it never moves backwards.
	TouchKeys(ctx context.Context, used map[string]time.Time) error

	// Changes returns the change log entries after seq, oldest first, at
	// most limit of them.
	Changes(ctx context.Context, afterSeq int64, limit int) ([]Change, error)
	// LastChange returns the sequence number of the newest change, 0 if none.
	LastChange(ctx context.Context) (int64, error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// ChangeNotifier is implemented by stores that can announce committed
// changes at once (PostgreSQL's LISTEN/NOTIFY), so that a process need not
// wait for its next poll of Changes. The channel receives a value, without
// blocking the sender, after each change committed by any process, and
// possibly at other times (after a reconnect): a value means "read the log
// now". It is closed when ctx ends.
type ChangeNotifier interface {
	ChangeNotifications(ctx context.Context) <-chan struct{}
}

// Verification is the answer to "is this key good (for this scope)?".
// Principal is set for the outcomes VerifyValid and
// VerifyInsufficientScope (the key is genuine and active); Key and User are
// set whenever the key was found.
type Verification struct {
	Outcome   string
	Principal *Principal
}

// Valid reports whether the outcome is VerifyValid.
func (v Verification) Valid() bool { return v.Outcome == VerifyValid }

// Verifier checks presented API keys. service.Service implements it against
// the store; client.Verifier over HTTP (POST /verify) for other services.
type Verifier interface {
	// VerifyKey verifies fullKey, and that it grants scope unless scope is
	// empty. A key that is merely bad is not an error: its Outcome says why.
	// Errors mean the answer is unknown (e.g. the database is down).
	VerifyKey(ctx context.Context, fullKey, scope string) (Verification, error)
}

// RefusalMessage explains to a key's holder why a verification outcome
// other than valid refused the key.
func RefusalMessage(outcome string) string {
	switch outcome {
	case VerifyRevoked:
		return "The API key has been revoked."
	case VerifyExpired:
		return "The API key has expired."
	case VerifyInsufficientScope:
		return "The API key does not grant this integration."
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

// ChangeHint is implemented by stores that can tell, far more cheaply than
// by reading Changes, that some process may have committed something: the
// mark differs after every commit (and sometimes without one). A process
// checks it on each verification and reads the change log at once when it
// moved, so that a change made by another process (a CLI's revoke or
// set-plan) applies from the next request on. ok is false when the store
// cannot tell right now.
type ChangeHint interface {
	ChangeMark() (mark uint64, ok bool)
}
