package keyauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/clientip"
	"github.com/skillett/skillett/keyauth"
)

func TestBearerToken(t *testing.T) {
	for _, c := range []struct {
		header  []string
		token   string
		present bool
	}{
		{nil, "", false},
		{[]string{"Bearer sk_x"}, "sk_x", true},
		{[]string{"bEaReR   sk_x  "}, "sk_x", true},
		{[]string{"Basic abc"}, "", true},
		{[]string{"Bearer"}, "", true},
		{[]string{"Bearer "}, "", true},
		{[]string{""}, "", true},
		{[]string{"Bearer a", "Bearer b"}, "", true},
		// Around the fast path for "Bearer <token>": trimming still applies.
		{[]string{"Bearer  sk_x"}, "sk_x", true},
		{[]string{"Bearer sk_x "}, "sk_x", true},
		{[]string{"Bearer sk_x\u00a0"}, "sk_x", true},
		{[]string{"Bearer \u00a0sk_x"}, "sk_x", true},
		{[]string{"Bearer a b"}, "a b", true},
		{[]string{"Bearer\tsk_x"}, "", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, h := range c.header {
			r.Header.Add("Authorization", h)
		}
		token, present := keyauth.BearerToken(r)
		if token != c.token || present != c.present {
			t.Errorf("BearerToken(%q): got %q, %v; want %q, %v", c.header, token, present, c.token, c.present)
		}
	}
}

// verifierFunc adapts a function to skillett.Verifier.
type verifierFunc func(ctx context.Context, key, scope string) (skillett.Verification, error)

func (f verifierFunc) Verify(ctx context.Context, req skillett.VerifyRequest) (skillett.Verification, error) {
	return f(ctx, req.Key, req.Scope)
}

// When the verifier cannot answer, the request is refused with 500, never
// let through.
func TestVerifierFailureRefuses(t *testing.T) {
	failing := verifierFunc(func(context.Context, string, string) (skillett.Verification, error) {
		return skillett.Verification{}, errors.New("database down")
	})
	h := keyauth.Middleware(failing)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler ran")
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer sk_whatever")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError {
		t.Errorf("got %d, want 500", w.Code)
	}
}

func TestRefusals(t *testing.T) {
	for outcome, want := range map[skillett.Outcome]int{
		skillett.VerifyMalformed: 401, skillett.VerifyNotFound: 401, skillett.VerifyRevoked: 401,
		skillett.VerifyExpired: 401, skillett.VerifyInsufficientScope: 403,
		skillett.VerifyIPNotAllowed: 403, skillett.VerifyRateLimited: 429,
	} {
		v := verifierFunc(func(context.Context, string, string) (skillett.Verification, error) {
			return skillett.Verification{Outcome: outcome}, nil
		})
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer sk_whatever")
		w := httptest.NewRecorder()
		keyauth.RequireScope(v, "github")(http.NotFoundHandler()).ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("%s: got %d, want %d", outcome, w.Code, want)
		}
		if want == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", outcome)
		}
		if want == 429 && w.Header().Get("Retry-After") != "1" {
			t.Errorf("%s: Retry-After %q, want 1", outcome, w.Header().Get("Retry-After"))
		}
	}
}

// Every answer for a rate-limited key carries its budget.
func TestRateLimitHeaders(t *testing.T) {
	for _, c := range []struct {
		outcome           skillett.Outcome
		status            int
		policy, state, ra string
	}{
		{skillett.VerifyValid, 200, `"key";q=5;w=60`, `"key";r=4;t=60`, ""},
		{skillett.VerifyInsufficientScope, 403, `"key";q=5;w=60`, `"key";r=4;t=60`, ""},
		{skillett.VerifyRateLimited, 429, `"key";q=5;w=60`, `"key";r=0;t=60`, "60"},
	} {
		v := verifierFunc(func(context.Context, string, string) (skillett.Verification, error) {
			res := skillett.Verification{Outcome: c.outcome, RateLimit: skillett.RateLimitStatus{Limit: 5, Window: time.Minute, Remaining: 4, Reset: 59500 * time.Millisecond}}
			if c.outcome == skillett.VerifyRateLimited {
				res.RateLimit.Remaining = 0
			}
			if c.outcome == skillett.VerifyValid {
				res.Principal = &skillett.Principal{}
			}
			return res, nil
		})
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer sk_whatever")
		w := httptest.NewRecorder()
		keyauth.RequireScope(v, "github")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
		h := w.Header()
		if w.Code != c.status || h.Get("RateLimit-Policy") != c.policy || h.Get("RateLimit") != c.state || h.Get("Retry-After") != c.ra {
			t.Errorf("%s: got %d, policy %q, state %q, Retry-After %q; want %d, %q, %q, %q", c.outcome, w.Code,
				h.Get("RateLimit-Policy"), h.Get("RateLimit"), h.Get("Retry-After"), c.status, c.policy, c.state, c.ra)
		}
	}
}

func TestClientAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"203.0.113.7:4000":          "203.0.113.7",
		"[::ffff:203.0.113.7]:4000": "203.0.113.7",
		"[2001:db8::1]:4000":        "2001:db8::1",
		"[fe80::1%eth0]:4000":       "fe80::1",
		"garbage":                   "invalid IP",
		"203.0.113.7":               "invalid IP", // no port: not what net/http sets
		"2001:db8::1":               "invalid IP",
		"[2001:db8::1":              "invalid IP",
		"[]:80":                     "invalid IP",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := keyauth.ClientAddr(r).String(); got != want {
			t.Errorf("ClientAddr(%q) = %s, want %s", remote, got, want)
		}
	}
}

// Behind a reverse proxy, Guard's ClientAddr decides which address the
// allowlist sees: X-Forwarded-For counts only when a trusted proxy sent it.
func TestGuardBehindProxy(t *testing.T) {
	allow, _ := skillett.ParseIPAllowlist([]string{"203.0.113.0/24"})
	svc, full := benchService(t, skillett.KeyRequest{Name: "office", IPAllowlist: allow})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if keyauth.PrincipalFrom(r.Context()) == nil {
			t.Error("no principal in the context")
		}
	})
	loopback := clientip.NewResolver([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	elsewhere := clientip.NewResolver([]netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")})
	for _, c := range []struct {
		name string
		h    http.Handler
		xff  string
		want int
	}{
		{"peer address, header ignored", keyauth.Middleware(svc)(ok), "203.0.113.7", 403},
		{"trusted proxy says an allowed client", keyauth.Guard(svc, keyauth.Options{ClientAddr: loopback.Addr})(ok), "203.0.113.7", 200},
		{"trusted proxy says another client", keyauth.Guard(svc, keyauth.Options{ClientAddr: loopback.Addr})(ok), "198.51.100.1", 403},
		{"spoofed chain ends at the proxy's client", keyauth.Guard(svc, keyauth.Options{ClientAddr: loopback.Addr})(ok), "203.0.113.7, 198.51.100.1", 403},
		{"header from an untrusted peer", keyauth.Guard(svc, keyauth.Options{ClientAddr: elsewhere.Addr})(ok), "203.0.113.7", 403},
	} {
		srv := httptest.NewServer(c.h)
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+full)
		req.Header.Set("X-Forwarded-For", c.xff)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		srv.Close()
		if res.StatusCode != c.want {
			t.Errorf("%s: got %d, want %d", c.name, res.StatusCode, c.want)
		}
	}
}
