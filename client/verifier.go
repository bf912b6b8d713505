package client

import (
	"context"
	"net/http"
	"time"

	"github.com/skillett/skillett"
)

// Verifier verifies keys with POST /verify, authenticated by a service
// token. It implements skillett.Verifier, so another Go service can put
// keyauth.Middleware(&client.Verifier{…}) in front of its handlers.
type Verifier struct {
	BaseURL      string
	ServiceToken string
	HTTPClient   *http.Client // nil: http.DefaultClient
}

type verifyResponse struct {
	Valid     bool       `json:"valid"`
	Code      string     `json:"code"`
	KeyID     string     `json:"key_id"`
	UserID    string     `json:"user_id"`
	Plan      string     `json:"plan"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
	// SPEC §9: the budget of a rate-limited key, and the wait of a refused use.
	RateLimit *struct {
		Limit        int `json:"limit"`
		Remaining    int `json:"remaining"`
		ResetSeconds int `json:"reset_seconds"`
	} `json:"rate_limit"`
	RetryAfter int `json:"retry_after"`
}

// VerifyKey verifies a key presented from an unknown address: keys with an
// IP allowlist are refused.
func (v *Verifier) VerifyKey(ctx context.Context, fullKey, scope string) (skillett.Verification, error) {
	return v.Verify(ctx, skillett.VerifyRequest{Key: fullKey, Scope: scope})
}

// Verify implements skillett.Verifier. The principal of a valid key
// carries the user's id and plan and the key's id, scopes and expiry. The
// rate limit's window is not in the answer of POST /verify: RateLimit has
// Limit, Remaining and Reset only.
func (v *Verifier) Verify(ctx context.Context, req skillett.VerifyRequest) (skillett.Verification, error) {
	body := map[string]string{"key": req.Key}
	if req.Scope != "" {
		body["scope"] = req.Scope
	}
	if req.Addr.IsValid() {
		body["ip"] = req.Addr.String()
	}
	var r verifyResponse
	if err := doJSON(ctx, v.HTTPClient, "POST", v.BaseURL+"/verify", v.ServiceToken, body, &r); err != nil {
		return skillett.Verification{}, err
	}
	res := skillett.Verification{Outcome: skillett.Outcome(r.Code)}
	if rl := r.RateLimit; rl != nil {
		res.RateLimit = skillett.RateLimitStatus{Limit: rl.Limit, Remaining: rl.Remaining, Reset: time.Duration(rl.ResetSeconds) * time.Second}
	}
	if r.RetryAfter > 0 {
		res.RateLimit.Reset = time.Duration(r.RetryAfter) * time.Second
	}
	if r.Valid {
		res.Principal = &skillett.Principal{
			User:   &skillett.User{ID: r.UserID, Plan: skillett.Plan(r.Plan)},
			Method: skillett.MethodAPIKey,
			Key:    &skillett.Key{ID: r.KeyID, UserID: r.UserID, Scopes: r.Scopes, ExpiresAt: r.ExpiresAt},
		}
	}
	return res, nil
}
