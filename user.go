package skillett

import (
	"net/mail"
	"slices"
	"strings"
	"time"
)

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

// Method is how a Principal authenticated (SPEC §4 /me "auth.method").
type Method string

// Authentication methods of a Principal.
const (
	MethodSession Method = "session"
	MethodAPIKey  Method = "api_key"
)

// Principal is who a request acts as: a user, through a session or a key.
type Principal struct {
	User   *User
	Method Method

	Key *Key // the key used; nil for sessions
}

// FullAccess reports whether the principal may do everything its user may:
// sessions always, keys only with the "*" scope.
func (p *Principal) FullAccess() bool {
	return p.Method == MethodSession || (p.Key != nil && slices.Contains(p.Key.Scopes, ScopeAll))
}

// Limits of account input.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 1024
	MaxEmailLen    = 254
)

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
