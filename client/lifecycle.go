package client

import (
	"context"
	"time"
)

// RateLimit is a key's rate limit (SPEC §9).
type RateLimit struct {
	Limit         int `json:"limit"`
	WindowSeconds int `json:"window_seconds"`
}

// KeyDetail is a key as GET /api-keys/{id} shows it (SPEC §8).
type KeyDetail struct {
	Key
	IPAllowlist      []string   `json:"ip_allowlist"`
	RateLimit        *RateLimit `json:"rate_limit"`
	ReplacedBy       *string    `json:"replaced_by"`
	RevocationReason *string    `json:"revocation_reason"`
}

// RolledKey is the answer of POST /api-keys/{id}/roll.
type RolledKey struct {
	APIKey    Key       `json:"api_key"`
	FullKey   string    `json:"full_key"`
	RolledKey KeyDetail `json:"rolled_key"`
}

// Key reads one key by id.
func (c *Client) Key(ctx context.Context, id string) (*KeyDetail, error) {
	var out KeyDetail
	return &out, c.do(ctx, "GET", "/api-keys/"+id, nil, &out)
}

// UpdateKey changes a key: changes maps field names (name, scopes,
// expires_at, ip_allowlist, rate_limit) to new values, nil to clear one.
func (c *Client) UpdateKey(ctx context.Context, id string, changes map[string]any) (*KeyDetail, error) {
	var out KeyDetail
	return &out, c.do(ctx, "PATCH", "/api-keys/"+id, changes, &out)
}

// RollKey replaces a key by a new one; the old key keeps working for grace
// (whole seconds).
func (c *Client) RollKey(ctx context.Context, id string, grace time.Duration) (*RolledKey, error) {
	var out RolledKey
	body := map[string]int64{"grace_period_seconds": int64(grace / time.Second)}
	return &out, c.do(ctx, "POST", "/api-keys/"+id+"/roll", body, &out)
}
