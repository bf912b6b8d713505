package httpapi

import (
	"encoding/json"
	"time"

	"github.com/skillett/skillett"
)

// The wire types: every JSON body of the API, named and exported so that
// the CLI prints exactly what the API answers and tests decode into them.
// Times are RFC 3339 UTC strings to the second (SPEC §3).

// ErrorBody is the body of every error answer (SPEC §3).
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// StatusBody is the body of GET /healthz and a ready GET /readyz.
type StatusBody struct {
	Status string `json:"status"`
}

// Credentials is the body of POST /auth/signup and POST /auth/login.
// Pointers tell a missing field from an empty one.
type Credentials struct {
	Email    *string `json:"email"`
	Password *string `json:"password"`
}

// User is a user: the answer of signup and login, and the top of /me.
type User struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Plan      string `json:"plan"`
	CreatedAt string `json:"created_at"`
}

// NewUser is u as the API shows it.
func NewUser(u *skillett.User) User {
	return User{ID: u.ID, Email: u.Email, Plan: string(u.Plan), CreatedAt: timestamp(u.CreatedAt)}
}

// Auth is how the caller of GET /me authenticated.
type Auth struct {
	Method string   `json:"method"`
	KeyID  string   `json:"key_id,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
}

// Me is the answer of GET /me.
type Me struct {
	User
	Auth Auth `json:"auth"`
}

// NewMe is p as GET /me shows it.
func NewMe(p *skillett.Principal) Me {
	me := Me{User: NewUser(p.User), Auth: Auth{Method: string(p.Method)}}
	if p.Key != nil {
		me.Auth.KeyID, me.Auth.Scopes = p.Key.ID, p.Key.Scopes
	}
	return me
}

// ListedKey is a key in GET /api-keys: the reference page's eight fields.
type ListedKey struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	KeyPrefix  string   `json:"key_prefix"`
	Scopes     []string `json:"scopes"`
	LastUsedAt *string  `json:"last_used_at"`
	ExpiresAt  *string  `json:"expires_at"`
	RevokedAt  *string  `json:"revoked_at"`
	CreatedAt  string   `json:"created_at"`
}

// NewListedKeys is keys as GET /api-keys shows them (never null).
func NewListedKeys(keys []*skillett.Key) []ListedKey {
	out := make([]ListedKey, len(keys))
	for i, k := range keys {
		out[i] = newListedKey(k)
	}
	return out
}

func newListedKey(k *skillett.Key) ListedKey {
	return ListedKey{
		ID: k.ID, Name: k.Name, KeyPrefix: k.Prefix, Scopes: k.Scopes,
		LastUsedAt: optTimestamp(k.LastUsedAt), ExpiresAt: optTimestamp(k.ExpiresAt),
		RevokedAt: optTimestamp(k.RevokedAt), CreatedAt: timestamp(k.CreatedAt),
	}
}

// CreateKeyRequest is the body of POST /api-keys.
type CreateKeyRequest struct {
	Name        *string           `json:"name"`
	Scopes      []string          `json:"scopes"`
	ExpiresAt   *string           `json:"expires_at"`
	IPAllowlist []string          `json:"ip_allowlist"` // SPEC §9
	RateLimit   *RateLimitRequest `json:"rate_limit"`   // SPEC §9
}

// CreatedKey is the api_key of POST /api-keys: the reference page's six
// fields.
type CreatedKey struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	KeyPrefix string   `json:"key_prefix"`
	Scopes    []string `json:"scopes"`
	ExpiresAt *string  `json:"expires_at"`
	CreatedAt string   `json:"created_at"`
}

// CreateKeyResponse is the answer of POST /api-keys: the new key, and the
// full key shown this once.
type CreateKeyResponse struct {
	APIKey  CreatedKey `json:"api_key"`
	FullKey string     `json:"full_key"`
}

// NewCreateKeyResponse is the answer of POST /api-keys for the new key k.
func NewCreateKeyResponse(k *skillett.Key, full string) CreateKeyResponse {
	return CreateKeyResponse{
		APIKey: CreatedKey{
			ID: k.ID, Name: k.Name, KeyPrefix: k.Prefix, Scopes: k.Scopes,
			ExpiresAt: optTimestamp(k.ExpiresAt), CreatedAt: timestamp(k.CreatedAt),
		},
		FullKey: full,
	}
}

// RateLimit is a key's rate limit (SPEC §9).
type RateLimit struct {
	Limit         int `json:"limit"`
	WindowSeconds int `json:"window_seconds"`
}

// RateLimitRequest is a rate limit given by a caller; pointers tell a
// missing field (refused) from a zero.
type RateLimitRequest struct {
	Limit         *int `json:"limit"`
	WindowSeconds *int `json:"window_seconds"`
}

// KeyDetail is GET /api-keys/{id} (SPEC §8): the list item's eight fields
// and four more.
type KeyDetail struct {
	ListedKey
	IPAllowlist      []string   `json:"ip_allowlist"`
	RateLimit        *RateLimit `json:"rate_limit"`
	ReplacedBy       *string    `json:"replaced_by"`
	RevocationReason *string    `json:"revocation_reason"`
}

// NewKeyDetail is k as GET /api-keys/{id} shows it.
func NewKeyDetail(k *skillett.Key) KeyDetail {
	d := KeyDetail{
		ListedKey:  newListedKey(k),
		ReplacedBy: optString(k.ReplacedBy), RevocationReason: optString(k.Reason()),
	}
	if k.IPAllowlist != nil {
		d.IPAllowlist = make([]string, len(k.IPAllowlist))
		for i, p := range k.IPAllowlist {
			d.IPAllowlist[i] = p.String()
		}
	}
	if rl := k.RateLimit; rl != nil {
		d.RateLimit = &RateLimit{Limit: rl.Limit, WindowSeconds: int(rl.Window / time.Second)}
	}
	return d
}

// UpdateKeyRequest is the body of PATCH /api-keys/{id}. Each field is kept
// raw, so that an absent field (nil) and null ("null") differ.
type UpdateKeyRequest struct {
	Name        json.RawMessage `json:"name"`
	Scopes      json.RawMessage `json:"scopes"`
	ExpiresAt   json.RawMessage `json:"expires_at"`
	IPAllowlist json.RawMessage `json:"ip_allowlist"`
	RateLimit   json.RawMessage `json:"rate_limit"`
}

// RollKeyRequest is the body of POST /api-keys/{id}/roll (optional).
type RollKeyRequest struct {
	GracePeriodSeconds *int `json:"grace_period_seconds"`
}

// RollKeyResponse is the answer of POST /api-keys/{id}/roll: the new key
// as create shows it, its full key this once, and the old key after the
// roll.
type RollKeyResponse struct {
	APIKey    CreatedKey `json:"api_key"`
	FullKey   string     `json:"full_key"`
	RolledKey KeyDetail  `json:"rolled_key"`
}

// NewRollKeyResponse is the answer of a roll of old into newKey.
func NewRollKeyResponse(old, newKey *skillett.Key, full string) RollKeyResponse {
	c := NewCreateKeyResponse(newKey, full)
	return RollKeyResponse{APIKey: c.APIKey, FullKey: c.FullKey, RolledKey: NewKeyDetail(old)}
}

// VerifyRequest is the body of POST /verify.
type VerifyRequest struct {
	Key   *string `json:"key"`
	Scope *string `json:"scope"`
	IP    *string `json:"ip"` // the address of the caller's client (SPEC §9)
}

// VerifyResponse is the answer of POST /verify (SPEC §6). The key's fields
// are present only when it is valid; ExpiresAt is then present and null
// for a key that never expires, hence the double pointer.
type VerifyResponse struct {
	Valid     bool     `json:"valid"`
	Code      string   `json:"code"`
	KeyID     string   `json:"key_id,omitempty"`
	UserID    string   `json:"user_id,omitempty"`
	Plan      string   `json:"plan,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	ExpiresAt **string `json:"expires_at,omitempty"`
	// RateLimit is present in a valid answer: null for a key without a
	// rate limit (SPEC §9).
	RateLimit **VerifyRateLimit `json:"rate_limit,omitempty"`
	// RetryAfter is set in a rate_limited answer: seconds until a use is
	// free again.
	RetryAfter int `json:"retry_after,omitempty"`
}

// VerifyRateLimit is a rate-limited key's budget after a valid use.
type VerifyRateLimit struct {
	Limit        int `json:"limit"`
	Remaining    int `json:"remaining"`
	ResetSeconds int `json:"reset_seconds"`
}

// NewVerifyResponse is res as POST /verify shows it.
func NewVerifyResponse(res skillett.Verification) VerifyResponse {
	out := VerifyResponse{Valid: res.Valid(), Code: string(res.Outcome)}
	switch {
	case res.Valid():
		k, u := res.Principal.Key, res.Principal.User
		exp := optTimestamp(k.ExpiresAt)
		out.KeyID, out.UserID, out.Plan, out.Scopes, out.ExpiresAt = k.ID, u.ID, string(u.Plan), k.Scopes, &exp
		var rl *VerifyRateLimit
		if s := res.RateLimit; s.Limited() {
			rl = &VerifyRateLimit{Limit: s.Limit, Remaining: s.Remaining, ResetSeconds: s.ResetSeconds()}
		}
		out.RateLimit = &rl
	case res.Outcome == skillett.VerifyRateLimited:
		out.RetryAfter = int(res.RateLimit.RetryAfter() / time.Second)
	}
	return out
}

// KeyUsage is the answer of GET /api-keys/{id}/usage (SPEC §9): the key's
// verifications by day and outcome, oldest day first.
type KeyUsage struct {
	KeyID string     `json:"key_id"`
	Days  []UsageDay `json:"days"`
}

// UsageDay is one day of a KeyUsage.
type UsageDay struct {
	Date              string `json:"date"`
	Valid             int64  `json:"valid"`
	RateLimited       int64  `json:"rate_limited"`
	InsufficientScope int64  `json:"insufficient_scope"`
	IPNotAllowed      int64  `json:"ip_not_allowed"`
	Revoked           int64  `json:"revoked"`
	Expired           int64  `json:"expired"`
}

// NewKeyUsage is the usage days of key keyID as GET /api-keys/{id}/usage
// shows them.
func NewKeyUsage(keyID string, days []skillett.UsageDay) KeyUsage {
	out := KeyUsage{KeyID: keyID, Days: make([]UsageDay, len(days))}
	for i, d := range days {
		c := d.Counts
		out.Days[i] = UsageDay{Date: d.Day.Format("2006-01-02"),
			Valid: c.Of(skillett.VerifyValid), RateLimited: c.Of(skillett.VerifyRateLimited),
			InsufficientScope: c.Of(skillett.VerifyInsufficientScope), IPNotAllowed: c.Of(skillett.VerifyIPNotAllowed),
			Revoked: c.Of(skillett.VerifyRevoked), Expired: c.Of(skillett.VerifyExpired)}
	}
	return out
}

// AuditLog is the answer of GET /audit-log: a page of events, and the
// cursor of the next page (null on the last).
type AuditLog struct {
	Events     []AuditEvent `json:"events"`
	NextCursor *string      `json:"next_cursor"`
}

// NewAuditLog is a page of events as GET /audit-log shows it; next is the
// next page's cursor, empty on the last.
func NewAuditLog(events []*skillett.Event, next string) AuditLog {
	out := AuditLog{Events: make([]AuditEvent, len(events)), NextCursor: optString(next)}
	for i, e := range events {
		out.Events[i] = NewAuditEvent(e)
	}
	return out
}

// AuditEvent is an audit event as GET /audit-log and `skillett audit` show
// it.
type AuditEvent struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	CreatedAt string         `json:"created_at"`
	Actor     AuditActor     `json:"actor"`
	IP        *string        `json:"ip"`
	UserAgent *string        `json:"user_agent"`
	KeyID     *string        `json:"key_id"`
	Data      map[string]any `json:"data"`
}

// AuditActor is who made an audit event: its type, and its id where it
// has one.
type AuditActor struct {
	Type string  `json:"type"`
	ID   *string `json:"id"`
}

// NewAuditEvent is e as GET /audit-log shows it (data never null).
func NewAuditEvent(e *skillett.Event) AuditEvent {
	data := e.Data
	if data == nil {
		data = map[string]any{}
	}
	return AuditEvent{
		ID: e.ID, Type: e.Type, CreatedAt: timestamp(e.CreatedAt),
		Actor: AuditActor{Type: e.Actor.Type, ID: optString(e.Actor.ID)},
		IP:    optString(e.Actor.IP), UserAgent: optString(e.Actor.UserAgent),
		KeyID: optString(e.KeyID), Data: data,
	}
}

// timestamp formats t as RFC 3339 UTC to the second (SPEC §3).
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTimestamp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timestamp(*t)
	return &s
}
