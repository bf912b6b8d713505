// Package client is a Go client for the Skillett HTTP API, for tests and
// for other services: account and key management (Client), and key
// verification over POST /verify (Verifier, a skillett.Verifier that
// keyauth's middleware accepts).
//
// API errors come back as *skillett.Error with the API's code and message.
// It imports the root package and the standard library only.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"time"

	"github.com/skillett/skillett"
)

// Client calls the API as one user: by API key when APIKey is set, else by
// the session cookie that Signup or Login stored in its cookie jar.
type Client struct {
	BaseURL    string // e.g. http://127.0.0.1:8080
	APIKey     string
	HTTPClient *http.Client // its Jar keeps the session; New sets one
}

// New returns a client for the API at baseURL with a cookie jar of its own.
func New(baseURL string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{BaseURL: baseURL, HTTPClient: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// User is a user as the API shows it.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Plan      string    `json:"plan"`
	CreatedAt time.Time `json:"created_at"`
}

// Me is the answer of GET /me.
type Me struct {
	User
	Auth struct {
		Method string   `json:"method"`
		KeyID  string   `json:"key_id,omitempty"`
		Scopes []string `json:"scopes,omitempty"`
	} `json:"auth"`
}

// Key is a key as GET /api-keys lists it.
type Key struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	KeyPrefix  string     `json:"key_prefix"`
	Scopes     []string   `json:"scopes"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// CreatedKey is the answer of POST /api-keys.
type CreatedKey struct {
	APIKey  Key    `json:"api_key"`
	FullKey string `json:"full_key"`
}

// NewKey is the body of POST /api-keys.
type NewKey struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Signup creates an account and keeps its session.
func (c *Client) Signup(ctx context.Context, email, password string) (*User, error) {
	var u User
	return &u, c.do(ctx, "POST", "/auth/signup", credentials{email, password}, &u)
}

// Login logs in and keeps the session.
func (c *Client) Login(ctx context.Context, email, password string) (*User, error) {
	var u User
	return &u, c.do(ctx, "POST", "/auth/login", credentials{email, password}, &u)
}

// Logout ends the session.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, "POST", "/auth/logout", nil, nil)
}

// Me returns who the client is authenticated as.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var m Me
	return &m, c.do(ctx, "GET", "/me", nil, &m)
}

// CreateKey creates an API key.
func (c *Client) CreateKey(ctx context.Context, k NewKey) (*CreatedKey, error) {
	var out CreatedKey
	return &out, c.do(ctx, "POST", "/api-keys", k, &out)
}

// ListKeys lists the user's keys, newest first.
func (c *Client) ListKeys(ctx context.Context) ([]Key, error) {
	var out []Key
	return out, c.do(ctx, "GET", "/api-keys", nil, &out)
}

// RevokeKey revokes a key by id.
func (c *Client) RevokeKey(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/api-keys/"+id, nil, nil)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return doJSON(ctx, c.HTTPClient, method, c.BaseURL+path, c.APIKey, in, out)
}

// doJSON sends in as JSON (if not nil) with an optional Bearer token and
// decodes a 2xx answer into out (if not nil), or returns the API's error.
func doJSON(ctx context.Context, hc *http.Client, method, url, bearer string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error, Message string }
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			return fmt.Errorf("%s %s: status %d", method, req.URL.Path, resp.StatusCode)
		}
		return &skillett.Error{Code: e.Error, Message: e.Message}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, req.URL.Path, err)
		}
	}
	return nil
}
