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
}

// VerifyKey implements skillett.Verifier. The principal of a valid key
// carries the user's id and plan and the key's id, scopes and expiry.
func (v *Verifier) VerifyKey(ctx context.Context, fullKey, scope string) (skillett.Verification, error) {
	body := map[string]string{"key": fullKey}
	if scope != "" {
		body["scope"] = scope
	}
	var r verifyResponse
	if err := doJSON(ctx, v.HTTPClient, "POST", v.BaseURL+"/verify", v.ServiceToken, body, &r); err != nil {
		return skillett.Verification{}, err
	}
	res := skillett.Verification{Outcome: skillett.Outcome(r.Code)}
	if r.Valid {
		res.Principal = &skillett.Principal{
			User:   &skillett.User{ID: r.UserID, Plan: skillett.Plan(r.Plan)},
			Method: skillett.MethodAPIKey,
			Key:    &skillett.Key{ID: r.KeyID, UserID: r.UserID, Scopes: r.Scopes, ExpiresAt: r.ExpiresAt},
		}
	}
	return res, nil
}
