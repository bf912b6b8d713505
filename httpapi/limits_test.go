package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
)

// SPEC §9 through the API: the allowlist and the rate limit hold on every
// route a key can call, with their headers, and /verify takes "ip".
func TestAllowlistAndRateLimit(t *testing.T) {
	e := newEnv(t, withServiceTokens(serviceToken))
	auth := session(e.user("a@example.com", skillett.PlanPro))

	_, local := e.createKey(auth, map[string]any{"name": "local", "ip_allowlist": []string{"127.0.0.0/8", "::1"}})
	e.do("GET", "/me", nil, bearer(local)).expectStatus(t, http.StatusOK)
	farID, far := e.createKey(auth, map[string]any{"name": "far", "ip_allowlist": []string{"203.0.113.0/24"}})
	e.do("GET", "/me", nil, bearer(far)).expectError(t, http.StatusForbidden, skillett.EIPNOTALLOWED)
	e.do("GET", "/api-keys", nil, bearer(far)).expectError(t, http.StatusForbidden, skillett.EIPNOTALLOWED)
	e.do("GET", "/me", nil, bearer(far), hdr{"X-Forwarded-For": "203.0.113.5"}).expectError(t, http.StatusForbidden, skillett.EIPNOTALLOWED)

	svc := bearer(serviceToken)
	if v := e.verify(t, map[string]any{"key": far, "ip": "203.0.113.9"}, svc); !v.Valid || rateLimitOf(v) != nil {
		t.Errorf("verify from inside the allowlist: %+v", v)
	}
	if v := e.verify(t, map[string]any{"key": far, "ip": "::ffff:203.0.113.9"}, svc); !v.Valid {
		t.Errorf("verify from an IPv4-mapped address inside the allowlist: %+v", v)
	}
	for _, body := range []map[string]any{{"key": far, "ip": "198.51.100.1"}, {"key": far}, {"key": far, "ip": nil}} {
		if v := e.verify(t, body, svc); v.Code != "ip_not_allowed" || v.Valid {
			t.Errorf("verify %v: %+v, want ip_not_allowed", body, v)
		}
	}
	for _, ip := range []any{"example.com", "10.0.0.0/8", "", 7, "fe80::1%eth0"} {
		e.do("POST", "/verify", map[string]any{"key": far, "ip": ip}, svc).expectError(t, http.StatusBadRequest, skillett.EINVALID)
	}
	if err := e.Service.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, k := range e.listKeys(auth) {
		if k.ID == farID && k.LastUsedAt == nil {
			t.Errorf("last_used_at of the far key after two valid verifications: null")
		}
	}

	_, limited := e.createKey(auth, map[string]any{"name": "limited", "rate_limit": map[string]any{"limit": 2, "window_seconds": 60}})
	for i := range 2 {
		r := e.do("GET", "/me", nil, bearer(limited))
		r.expectStatus(t, http.StatusOK)
		if p, s := r.header.Get("RateLimit-Policy"), r.header.Get("RateLimit"); p != `"key";q=2;w=60` || !strings.HasPrefix(s, `"key";r=`+string(rune('1'-i))+";t=") {
			t.Errorf("use %d: RateLimit-Policy %q, RateLimit %q", i+1, p, s)
		}
		e.Clock.Advance(time.Second)
	}
	r := e.do("GET", "/api-keys", nil, bearer(limited))
	r.expectError(t, http.StatusTooManyRequests, skillett.ERATELIMITED)
	if r.header.Get("Retry-After") != "58" || r.header.Get("RateLimit") != `"key";r=0;t=58` || r.header.Get("RateLimit-Policy") == "" {
		t.Errorf("429: Retry-After %q, RateLimit %q, RateLimit-Policy %q; want 58, r=0;t=58", r.header.Get("Retry-After"), r.header.Get("RateLimit"), r.header.Get("RateLimit-Policy"))
	}
	if v := e.verify(t, map[string]any{"key": limited}, svc); v.Code != "rate_limited" || v.RetryAfter != 58 {
		t.Errorf("verify over the limit: %+v", v)
	}
	e.Clock.Advance(58 * time.Second)
	v := e.verify(t, map[string]any{"key": limited}, svc)
	if rl := rateLimitOf(v); !v.Valid || rl == nil || *rl != (httpapi.VerifyRateLimit{Limit: 2, Remaining: 1, ResetSeconds: 60}) {
		t.Errorf("verify in the next window: %+v, rate_limit %+v", v, rl)
	}
}
