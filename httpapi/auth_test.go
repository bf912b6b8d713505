package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/service"
)

func TestSignup(t *testing.T) {
	e := newEnv(t)
	t.Run("OK", func(t *testing.T) {
		r := e.do("POST", "/auth/signup", map[string]string{"email": "New@Example.com", "password": "a decent passphrase"})
		r.expectStatus(t, http.StatusCreated)
		if u := decodeAs[httpapi.User](t, r); u.Email != "new@example.com" || u.Plan != "free" {
			t.Errorf("got %s", r.body)
		}
		expectFields(t, "POST /auth/signup", r.body, "id", "email", "plan", "created_at") // raw: a decoded User cannot tell a missing member
		c := r.header.Get("Set-Cookie")
		for _, want := range []string{"skillett_session=", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"} {
			if !strings.Contains(c, want) {
				t.Errorf("Set-Cookie %q: want %s", c, want)
			}
		}
		if strings.Contains(c, "Secure") {
			t.Errorf("Set-Cookie %q: Secure over plain HTTP without --secure-cookies", c)
		}
	})
	for _, c := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"ErrConflict", map[string]string{"email": "new@example.com", "password": "a decent passphrase"}, 409, "conflict"},
		{"ErrShortPassword", map[string]string{"email": "b@example.com", "password": "1234567"}, 400, "invalid_request"},
		{"ErrBadEmail", map[string]string{"email": "not an email", "password": "a decent passphrase"}, 400, "invalid_request"},
		{"ErrMissingPassword", map[string]string{"email": "b@example.com"}, 400, "invalid_request"},
		{"ErrUnknownField", map[string]string{"email": "b@example.com", "password": "a decent passphrase", "plan": "pro"}, 400, "invalid_request"},
	} {
		t.Run(c.name, func(t *testing.T) { e.do("POST", "/auth/signup", c.body).expectError(t, c.status, c.code) })
	}
	e.do("POST", "/auth/login", map[string]string{"email": "b@example.com", "password": "a decent passphrase"}).expectError(t, 401, "unauthorized")
}

func TestSignupDisabled(t *testing.T) {
	e := newEnv(t, func(_ *httpapi.Options, c *service.Config) { c.NoSignup = true })
	e.do("POST", "/auth/signup", map[string]string{"email": "a@example.com", "password": "a decent passphrase"}).expectError(t, 404, "not_found")
}

func TestSecureCookies(t *testing.T) {
	e := newEnv(t, func(o *httpapi.Options, _ *service.Config) { o.SecureCookies = true })
	r := e.do("POST", "/auth/signup", map[string]string{"email": "a@example.com", "password": "a decent passphrase"})
	if c := r.header.Get("Set-Cookie"); !strings.Contains(c, "; Secure") {
		t.Errorf("Set-Cookie %q: want Secure", c)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	e.signup("a@example.com")
	ok := map[string]string{"email": "a@example.com", "password": password}

	t.Run("OK", func(t *testing.T) {
		r := e.do("POST", "/auth/login", ok)
		r.expectStatus(t, http.StatusOK)
		if decodeAs[httpapi.User](t, r).Email != "a@example.com" || !strings.Contains(r.header.Get("Set-Cookie"), "skillett_session=") {
			t.Errorf("got %s, Set-Cookie %q", r.body, r.header.Get("Set-Cookie"))
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		wrong := e.do("POST", "/auth/login", map[string]string{"email": "a@example.com", "password": "wrong password"})
		wrong.expectError(t, 401, "unauthorized")
		unknown := e.do("POST", "/auth/login", map[string]string{"email": "nobody@example.com", "password": "wrong password"})
		unknown.expectError(t, 401, "unauthorized")
		if w, u := decodeAs[httpapi.ErrorBody](t, wrong).Message, decodeAs[httpapi.ErrorBody](t, unknown).Message; w != u {
			t.Errorf("messages differ: %v vs %v", w, u)
		}
	})
	t.Run("ErrRateLimited", func(t *testing.T) {
		e.signup("c@example.com")
		for i := range 10 {
			e.do("POST", "/auth/login", map[string]string{"email": "c@example.com", "password": "wrong password"}).expectError(t, 401, "unauthorized")
			if i == 0 {
				e.Clock.Advance(5 * time.Minute)
			}
		}
		r := e.do("POST", "/auth/login", map[string]string{"email": "c@example.com", "password": password})
		r.expectError(t, 429, "rate_limited")
		if got := r.header.Get("Retry-After"); got != "600" {
			t.Errorf("Retry-After: got %q, want 600 (the first failure leaves the window in 10 minutes)", got)
		}
		// Another email is not affected.
		e.do("POST", "/auth/login", ok).expectStatus(t, http.StatusOK)
		e.Clock.Advance(10 * time.Minute)
		e.do("POST", "/auth/login", map[string]string{"email": "c@example.com", "password": password}).expectStatus(t, http.StatusOK)
	})
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	token := e.signup("a@example.com")
	e.do("GET", "/me", nil, session(token)).expectStatus(t, http.StatusOK)
	r := e.do("POST", "/auth/logout", nil, session(token))
	r.expectStatus(t, http.StatusNoContent)
	if c := r.header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=0") {
		t.Errorf("logout Set-Cookie %q: want the cookie cleared", c)
	}
	e.do("GET", "/me", nil, session(token)).expectError(t, 401, "unauthorized")
	e.do("POST", "/auth/logout", nil).expectStatus(t, http.StatusNoContent)
}

func TestMe(t *testing.T) {
	e := newEnv(t)
	token := e.user("a@example.com", skillett.PlanPro)
	r := e.do("GET", "/me", nil, session(token))
	r.expectStatus(t, http.StatusOK)
	if me := decodeAs[httpapi.Me](t, r); me.Plan != "pro" || me.Auth.Method != "session" {
		t.Errorf("got %s", r.body)
	}
	// A session's auth has its method alone: no key_id, no scopes, which a
	// decoded Auth cannot tell from empty ones.
	expectFields(t, "GET /me auth", members(t, "GET /me", r.body)["auth"], "method")
	_, full := e.createKey(session(token), map[string]any{"name": "k"})

	t.Run("BearerSchemeAnyCase", func(t *testing.T) {
		for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
			e.do("GET", "/me", nil, hdr{"Authorization": scheme + " " + full}).expectStatus(t, http.StatusOK)
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		body := "sk_" + strings.Repeat("A", 32)
		for name, h := range map[string]hdr{
			"nothing":                    nil,
			"garbage":                    bearer("garbage"),
			"bad checksum":               bearer(full[:40] + map[bool]string{true: "1", false: "0"}[full[40] == '0']),
			"never issued":               bearer(body + "000000"),
			"Basic":                      hdr{"Authorization": "Basic dXNlcjpwYXNz"},
			"empty Bearer":               hdr{"Authorization": "Bearer "},
			"bad session":                session("nope"),
			"bad key beats good session": {"Authorization": "Bearer garbage", "Cookie": "skillett_session=" + token},
			"bad scheme beats session":   {"Authorization": "Token " + full, "Cookie": "skillett_session=" + token},
		} {
			r := e.do("GET", "/me", nil, h)
			r.desc += " (" + name + ")"
			r.expectError(t, 401, "unauthorized")
		}
	})
}

// Browsers' cross-origin state-changing requests are refused; other clients
// (no Origin, no Sec-Fetch-Site) are not affected.
func TestCrossOrigin(t *testing.T) {
	e := newEnv(t)
	token := e.signup("a@example.com")
	e.do("POST", "/api-keys", map[string]any{"name": "x"}, session(token), hdr{"Sec-Fetch-Site": "cross-site"}).expectError(t, 403, "forbidden")
	e.do("POST", "/auth/logout", nil, session(token), hdr{"Origin": "https://evil.example"}).expectError(t, 403, "forbidden")
	e.do("GET", "/me", nil, session(token), hdr{"Sec-Fetch-Site": "cross-site"}).expectStatus(t, http.StatusOK)
	e.do("POST", "/api-keys", map[string]any{"name": "x"}, session(token), hdr{"Sec-Fetch-Site": "same-origin"}).expectStatus(t, http.StatusCreated)
}
