package dashboard_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

const wantCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

var (
	scriptElement = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	inlineStyle   = regexp.MustCompile(`(?i)<style\b|\sstyle=|\son[a-z]+=`)
)

// inlineCode returns the first thing in body that the CSP would block: an
// inline script, a style element or attribute, an event handler attribute.
func inlineCode(body string) string {
	for _, m := range scriptElement.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			return m[0]
		}
	}
	return inlineStyle.FindString(body)
}

func checkSecurityHeaders(t *testing.T, p *page) {
	t.Helper()
	h := p.header
	if got := h.Get("Content-Security-Policy"); got != wantCSP {
		t.Errorf("%s: got Content-Security-Policy %q, want %q", p.desc, got, wantCSP)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: got X-Content-Type-Options %q, want nosniff", p.desc, got)
	}
	if got := h.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("%s: got Referrer-Policy %q, want same-origin", p.desc, got)
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") && p.status != http.StatusSeeOther {
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: got Cache-Control %q, want no-store", p.desc, got)
		}
		if m := inlineCode(p.body); m != "" {
			t.Errorf("%s: inline code %q, which the CSP blocks", p.desc, m)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	var pages []*page
	add := func(p *page) *page { pages = append(pages, p); return p }

	add(c.get("/login").expectStatus(http.StatusOK))
	add(c.get("/signup").expectStatus(http.StatusOK))
	add(c.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}}))
	add(c.post("/signup", url.Values{"email": {"bad"}, "password": {"x"}}))
	add(c.get("/"))                // the redirect to /login
	add(c.get("/static/nope.css")) // an HTML 404
	add(c.get("/static/style.css").expectStatus(http.StatusOK))
	add(c.get("/static/app.js").expectStatus(http.StatusOK))

	add(c.signup("ada@example.com"))
	add(c.post("/keys", url.Values{"name": {""}, "access": {"all"}, "expiry": {"never"}}))
	created, _ := c.createKey(url.Values{"name": {"CI"}})
	add(created)
	add(c.get("/keys/created"))
	id := e.keys("ada@example.com")[0].ID
	add(c.get("/keys/" + id + "/revoke").expectStatus(http.StatusOK))
	add(c.post("/keys", url.Values{"name": {"second"}, "access": {"all"}, "expiry": {"never"}}).expectStatus(http.StatusForbidden))
	add(c.get("/keys/key_nope/revoke").expectStatus(http.StatusNotFound))
	add(c.post("/keys/"+id+"/revoke", nil))
	add(c.get("/").expectStatus(http.StatusOK))
	add(c.post("/logout", nil))

	for _, p := range pages {
		checkSecurityHeaders(t, p)
	}
}

func TestStatic(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for path, ctype := range map[string]string{
		"/static/style.css":   "text/css; charset=utf-8",
		"/static/app.js":      "text/javascript; charset=utf-8",
		"/static/favicon.svg": "image/svg+xml",
	} {
		p := c.get(path).expectStatus(http.StatusOK)
		if got := p.header.Get("Content-Type"); got != ctype {
			t.Errorf("%s: got Content-Type %q, want %q", path, got, ctype)
		}
		etag := p.header.Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", path)
		}
		c.get(path, hdr{"If-None-Match": etag}).expectStatus(http.StatusNotModified)
	}
	c.get("/static/").expectStatus(http.StatusNotFound).expect("There is no such page.")
}

func TestLoggedOut(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/").expectRedirect("/login")
	c.get("/keys/created").expectRedirect("/login")
	c.get("/keys/key_abc/revoke").expectRedirect("/login")
	c.post("/keys", url.Values{"name": {"x"}}).expectRedirect("/login")
	c.post("/keys/key_abc/revoke", nil).expectRedirect("/login")

	t.Run("StaleSession", func(t *testing.T) {
		c := e.client()
		u, _ := url.Parse(e.URL)
		c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "skillett_session", Value: "no-such-session"}})
		p := c.get("/").expectRedirect("/login")
		if !slices.ContainsFunc(p.header.Values("Set-Cookie"), func(s string) bool {
			return strings.HasPrefix(s, "skillett_session=;") && strings.Contains(s, "Max-Age=0")
		}) {
			t.Errorf("got Set-Cookie %q, want the session cookie cleared", p.header.Values("Set-Cookie"))
		}
		c.get("/login").expectStatus(http.StatusOK).expect("Your session has ended; please log in again.")
	})

	t.Run("BearerKeyIsNoSession", func(t *testing.T) {
		c := e.client()
		c.signup("bob@example.com")
		_, full := c.createKey(url.Values{"name": {"k"}})
		e.client().get("/", hdr{"Authorization": "Bearer " + full}).expectRedirect("/login")
	})
}

func TestSignup(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		c := e.client()
		p := c.post("/signup", url.Values{"email": {" Ada@Example.com "}, "password": {password}})
		p.expectRedirect("/")
		var session *http.Cookie
		for _, ck := range (&http.Response{Header: p.header}).Cookies() {
			if ck.Name == "skillett_session" {
				session = ck
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
			t.Fatalf("got session cookie %+v, want HttpOnly, SameSite=Lax, Path=/", session)
		}
		c.get("/").expectStatus(http.StatusOK).
			expect("Welcome to Skillett!", "ada@example.com", "0 of 1 active keys on Free", "You have no API keys yet.")
		// The welcome is shown once.
		c.get("/").expectNot("Welcome to Skillett!")
		// Signed-up users are sent on from the forms.
		c.get("/signup").expectRedirect("/")
		c.get("/login").expectRedirect("/")
	})
	t.Run("ErrEmailTaken", func(t *testing.T) {
		e := newEnv(t)
		e.client().signup("ada@example.com")
		e.client().post("/signup", url.Values{"email": {"ada@example.com"}, "password": {password}}).
			expectStatus(http.StatusUnprocessableEntity).
			expect("An account with this email already exists.", `value="ada@example.com"`,
				`<a href="/login" id="login-instead">Log in instead</a>`, `aria-invalid="true" aria-describedby="email-error"`,
							"<title>Error: Sign up · Skillett</title>").
			expectNot(`role="alert"`) // beside the field, once
	})
	t.Run("ErrShortPassword", func(t *testing.T) {
		e := newEnv(t)
		e.client().post("/signup", url.Values{"email": {"ada@example.com"}, "password": {"short"}}).
			expectStatus(http.StatusUnprocessableEntity).
			expect("Password must be at least 8 characters.", `value="ada@example.com"`).
			expectNot(`value="short"`)
	})
	t.Run("ErrEmail", func(t *testing.T) {
		e := newEnv(t)
		e.client().post("/signup", url.Values{"email": {"not an email"}, "password": {password}}).
			expectStatus(http.StatusUnprocessableEntity).
			expect("Email must be a plain address like name@example.com.")
	})
	t.Run("NoSignup", func(t *testing.T) {
		e := newEnv(t, withNoSignup())
		c := e.client()
		c.get("/signup").expectStatus(http.StatusNotFound).expect("Sign-up is turned off")
		c.post("/signup", url.Values{"email": {"ada@example.com"}, "password": {password}}).expectStatus(http.StatusNotFound)
		c.get("/login").expectStatus(http.StatusOK).expectNot(`href="/signup"`)
		if _, err := e.Service.UserByEmail(t.Context(), "ada@example.com"); skillett.ErrorCode(err) != skillett.ENOTFOUND {
			t.Errorf("got %v, want no user", err)
		}
	})
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	e.client().signup("ada@example.com")

	t.Run("OK", func(t *testing.T) {
		c := e.client()
		c.get("/login").expectStatus(http.StatusOK).expect(`<label for="email">Email</label>`, `<label for="password">Password</label>`)
		c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {password}}).expectRedirect("/")
		c.get("/").expectStatus(http.StatusOK).expect("ada@example.com")
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		e.client().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"not the password"}}).
			expectStatus(http.StatusUnprocessableEntity).
			expect("Wrong email or password.", `value="ada@example.com"`, `role="alert"`).
			expectNot("not the password")
	})
	t.Run("ErrUnknownEmail", func(t *testing.T) {
		e.client().post("/login", url.Values{"email": {"nobody@example.com"}, "password": {password}}).
			expectStatus(http.StatusUnprocessableEntity).expect("Wrong email or password.")
	})
	t.Run("ErrNoPassword", func(t *testing.T) {
		e.client().post("/login", url.Values{"email": {"ada@example.com"}}).
			expectStatus(http.StatusUnprocessableEntity).expect("Password is required.")
	})
	t.Run("ErrThrottled", func(t *testing.T) {
		e := newEnv(t)
		e.client().signup("bob@example.com")
		c := e.client()
		for range 10 {
			c.post("/login", url.Values{"email": {"bob@example.com"}, "password": {"wrong password"}}).
				expectStatus(http.StatusUnprocessableEntity)
		}
		e.Clock.Advance(time.Minute)
		p := c.post("/login", url.Values{"email": {"bob@example.com"}, "password": {password}}).
			expectStatus(http.StatusTooManyRequests).
			expect("Too many failed attempts to log in with this email. For your security, try again in 14 minutes.")
		if got := p.header.Get("Retry-After"); got != "840" {
			t.Errorf("got Retry-After %q, want 840", got)
		}
		e.Clock.Advance(14 * time.Minute)
		c.post("/login", url.Values{"email": {"bob@example.com"}, "password": {password}}).expectRedirect("/")
	})
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	token := c.cookie("/", "skillett_session")
	c.post("/logout", nil).expectRedirect("/login")
	c.get("/login").expectStatus(http.StatusOK).expect("You have logged out.")
	c.get("/").expectRedirect("/login")
	if c.cookie("/", "skillett_session") != "" {
		t.Error("the session cookie survived logout")
	}
	// The session is gone server-side, not just from the browser.
	if _, err := e.Service.SessionPrincipal(t.Context(), token); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("after logout: got %v, want the session refused", err)
	}
}

// TestSharedSession checks that the dashboard and the JSON API share one
// session cookie.
func TestSharedSession(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	res, err := c.hc.Get(e.URL + "/me")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /me with the dashboard's session: got %d, want 200", res.StatusCode)
	}
}

func TestCreateKey(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		c := e.client()
		c.signup("ada@example.com")
		p := c.post("/keys", url.Values{"name": {"  CI deploy  "}, "access": {"all"}, "expiry": {"never"}})
		p.expectRedirect("/keys/created")

		// The key travels in a short-lived cookie that only /keys/created gets.
		var ck *http.Cookie
		for _, x := range (&http.Response{Header: p.header}).Cookies() {
			if x.Name == "skillett_new_key" {
				ck = x
			}
		}
		if ck == nil || ck.Path != "/keys/created" || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge != 60 || !apikey.Valid(ck.Value) {
			t.Fatalf("got new-key cookie %+v, want a valid key, Path=/keys/created, HttpOnly, SameSite=Strict, Max-Age=60", ck)
		}

		shown := c.get("/keys/created").expectStatus(http.StatusOK)
		full := shown.fullKey()
		if full != ck.Value {
			t.Fatalf("got key %q shown, want %q", full, ck.Value)
		}
		shown.expect("Your new key “CI deploy”", "It will not be shown again", `data-copy="full-key"`, full[:11])
		checkSecurityHeaders(t, shown)
		if c.cookie("/keys/created", "skillett_new_key") != "" {
			t.Error("the new-key cookie survived its page")
		}

		// Shown once: a reload finds nothing.
		c.get("/keys/created").expectStatus(http.StatusGone).
			expect("This key can no longer be shown").expectNot(full)
		// Nowhere else either.
		c.get("/").expectStatus(http.StatusOK).expectNot(full).
			expect("CI deploy", full[:11]+"…", `<span class="scope scope-all">all</span>`, `badge-active">active</span>`, "1 of 1 active keys on Free")

		if got := e.me(full); got != http.StatusOK {
			t.Errorf("GET /me with the new key: got %d, want 200", got)
		}
		if strings.Contains(e.Logs.String(), full) {
			t.Error("the full key is in the logs")
		}
	})
	t.Run("ChosenIntegrations", func(t *testing.T) {
		e := newEnv(t)
		c := e.client()
		c.signup("ada@example.com")
		p, _ := c.createKey(url.Values{"name": {"bot"}, "access": {"chosen"}, "scope": {"github", "linear"}})
		p.expect(`<li class="scope">github</li><li class="scope">linear</li>`)
		if got := e.keys("ada@example.com")[0].Scopes; !slices.Equal(got, []string{"github", "linear"}) {
			t.Errorf("got scopes %q, want [github linear]", got)
		}
	})
	t.Run("AllWinsOverTicks", func(t *testing.T) {
		e := newEnv(t)
		c := e.client()
		c.signup("ada@example.com")
		c.createKey(url.Values{"name": {"bot"}, "access": {"all"}, "scope": {"github"}})
		if got := e.keys("ada@example.com")[0].Scopes; !slices.Equal(got, []string{"*"}) {
			t.Errorf("got scopes %q, want [*]", got)
		}
	})
	t.Run("Expiry", func(t *testing.T) {
		e := newEnv(t)
		e.client().signup("ada@example.com")
		e.setPlan("ada@example.com", skillett.PlanPro)
		c := e.client()
		c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {password}}).expectRedirect("/")

		p, _ := c.createKey(url.Values{"name": {"month"}, "expiry": {"30d"}})
		p.expect(`<time datetime="2026-05-08T10:00:00Z">in 30 days<span class="exact"> (2026-05-08 10:00:00 UTC)</span></time>`)
		c.createKey(url.Values{"name": {"dated"}, "expiry": {"date"}, "expires_on": {"2026-12-24"}})
		keys := e.keys("ada@example.com")
		if got, want := keys[1].ExpiresAt, t0.AddDate(0, 0, 30); got == nil || !got.Equal(want) {
			t.Errorf("30 days: got expiry %v, want %v", got, want)
		}
		if got, want := keys[0].ExpiresAt, time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC); got == nil || !got.Equal(want) {
			t.Errorf("date: got expiry %v, want %v", got, want)
		}
	})
	// Each error is shown once, beside its field, which is marked invalid,
	// described by the error and focused; the title says it failed.
	for name, tc := range map[string]struct {
		form       url.Values
		msg, field string
	}{
		"ErrNoName":           {url.Values{"name": {"  "}, "access": {"all"}, "expiry": {"never"}}, "Name is required.", "key-name"},
		"ErrLongName":         {url.Values{"name": {strings.Repeat("n", 101)}, "access": {"all"}, "expiry": {"never"}}, "Name must be at most 100 characters.", "key-name"},
		"ErrNoIntegration":    {url.Values{"name": {"bot"}, "access": {"chosen"}, "expiry": {"never"}}, "Choose at least one integration, or give the key access to all of them.", "access"},
		"ErrBadIntegration":   {url.Values{"name": {"bot"}, "access": {"chosen"}, "scope": {"Not Valid"}, "expiry": {"never"}}, "is not a valid integration name", "access"},
		"ErrNoDate":           {url.Values{"name": {"bot"}, "access": {"all"}, "expiry": {"date"}}, "Enter the date the key should expire on, such as 2026-05-08.", "expires-on"},
		"ErrPastDate":         {url.Values{"name": {"bot"}, "access": {"all"}, "expiry": {"date"}, "expires_on": {"2026-04-08"}}, "The expiry date must be in the future.", "expires-on"},
		"ErrUnknownExpiry":    {url.Values{"name": {"bot"}, "access": {"all"}, "expiry": {"12d"}}, "Choose when the key expires.", "expiry"},
		"ErrUnknownAccess":    {url.Values{"name": {"bot"}, "access": {"some"}, "expiry": {"never"}}, "Choose what the key may access.", "access"},
		"ErrControlCharacter": {url.Values{"name": {"a\x07b"}, "access": {"all"}, "expiry": {"never"}}, "Name must not contain control characters", "key-name"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			c := e.client()
			c.signup("ada@example.com")
			p := c.post("/keys", tc.form).expectStatus(http.StatusUnprocessableEntity).
				expect(tc.msg, `aria-invalid="true"`, `<p class="field-error" id="`+tc.field+`-error">`, "<title>Error: API keys · Skillett</title>").
				expectNot(`role="alert"`)
			if n := strings.Count(p.body, tc.msg); n != 1 {
				t.Errorf("the message is shown %d times, want once", n)
			}
			if !strings.Contains(p.body, "autofocus") {
				t.Error("no field has the focus")
			}
			if keys := e.keys("ada@example.com"); len(keys) != 0 {
				t.Errorf("got %d keys, want none", len(keys))
			}
		})
	}
	t.Run("FormKeepsInput", func(t *testing.T) {
		e := newEnv(t)
		c := e.client()
		c.signup("ada@example.com")
		c.post("/keys", url.Values{"name": {"<b>bot</b>"}, "access": {"chosen"}, "scope": {"slack"}, "expiry": {"date"}}).
			expectStatus(http.StatusUnprocessableEntity).
			expect(`value="&lt;b&gt;bot&lt;/b&gt;"`, `value="chosen" id="access-chosen" checked`, `value="slack" checked`, `value="date" selected`).
			expectNot("<b>bot</b>")
	})
}

// TestCreatedPageShowsOnlyOwnKeys checks that /keys/created shows a key
// only if it is one of the user's: a planted cookie shows nothing.
func TestCreatedPageShowsOnlyOwnKeys(t *testing.T) {
	e := newEnv(t)
	other := e.client()
	other.signup("bob@example.com")
	_, bobsKey := other.createKey(url.Values{"name": {"bob's"}})

	c := e.client()
	c.signup("ada@example.com")
	u, _ := url.Parse(e.URL + "/keys/created")
	for _, value := range []string{bobsKey, apikey.Generate(), "not-a-key"} {
		c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "skillett_new_key", Value: value, Path: "/keys/created"}})
		c.get("/keys/created").expectStatus(http.StatusGone).expect("This key can no longer be shown").expectNot(value)
	}
}

func TestPlanLimit(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	c.createKey(url.Values{"name": {"first"}})
	// At the limit the form is disabled, with the reason once, and a way to
	// ask for more.
	reason := "Your plan allows 1 active key, and you have 1. Revoke one to create another, or <a href=\"/account#plan\">ask for a bigger plan</a>."
	c.get("/").expect("1 of 1 active keys on Free", reason, `disabled aria-describedby="create-disabled-reason"`)

	// A create that gets there anyway (another tab) says it once.
	p := c.post("/keys", url.Values{"name": {"second"}, "access": {"all"}, "expiry": {"never"}}).
		expectStatus(http.StatusForbidden).
		expect(reason, `value="second"`).
		expectNot(`role="alert"`)
	if n := strings.Count(p.body, "Revoke one to create another"); n != 1 {
		t.Errorf("the limit is explained %d times, want once", n)
	}
	if n := len(e.keys("ada@example.com")); n != 1 {
		t.Fatalf("got %d keys, want 1", n)
	}

	// Revoking makes room.
	id := e.keys("ada@example.com")[0].ID
	c.post("/keys/"+id+"/revoke", nil).expectRedirect("/")
	c.get("/").expect("0 of 1 active keys on Free").expectNot("Revoke one to create another", "disabled")
	c.createKey(url.Values{"name": {"second"}})

	// Expired keys do not count.
	e.setPlan("ada@example.com", skillett.PlanPro)
	c.createKey(url.Values{"name": {"short-lived"}, "expiry": {"7d"}})
	c.get("/").expect("2 active keys on Pro (no limit)")
	e.Clock.Advance(8 * 24 * time.Hour)
	c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {password}}).expectRedirect("/")
	c.get("/").expect("1 active key on Pro (no limit)", `badge-expired">expired</span>`)
}

func TestRevoke(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	_, full := c.createKey(url.Values{"name": {"CI deploy"}})
	id := e.keys("ada@example.com")[0].ID

	c.get("/").expect(`href="/keys/` + id + `/revoke"`)
	c.get("/keys/"+id+"/revoke").expectStatus(http.StatusOK).
		expect("Revoke “CI deploy”?", full[:11]+"…", `<form method="post" action="/keys/`+id+`/revoke"`, `href="/">Cancel</a>`)
	// Seeing the confirmation page changes nothing.
	if got := e.me(full); got != http.StatusOK {
		t.Fatalf("before revoking: got /me %d, want 200", got)
	}

	c.post("/keys/"+id+"/revoke", nil).expectRedirect("/")
	c.get("/").expectStatus(http.StatusOK).
		expect("Revoked “CI deploy” ("+full[:11]+"…).", `badge-revoked">revoked</span>`).
		expectNot(`href="/keys/` + id + `/revoke"`)
	if got := e.me(full); got != http.StatusUnauthorized {
		t.Errorf("after revoking: got /me %d, want 401", got)
	}
	c.get("/keys/" + id + "/revoke").expectStatus(http.StatusOK).expect("“CI deploy” is already revoked").expectNot("<form method=\"post\" action=\"/keys/")
	// Again: nothing changes, and no error.
	c.post("/keys/"+id+"/revoke", nil).expectRedirect("/")

	t.Run("ErrOthersKey", func(t *testing.T) {
		bob := e.client()
		bob.signup("bob@example.com")
		_, bobsKey := bob.createKey(url.Values{"name": {"bob's"}})
		bobsID := e.keys("bob@example.com")[0].ID
		c.get("/keys/" + bobsID + "/revoke").expectStatus(http.StatusNotFound).expect("You have no API key with this id.").expectNot("bob&#39;s")
		c.post("/keys/"+bobsID+"/revoke", nil).expectStatus(http.StatusNotFound).expect("No API key with this id belongs to you.")
		if got := e.me(bobsKey); got != http.StatusOK {
			t.Errorf("bob's key after ada's attempt: got /me %d, want 200", got)
		}
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		c.post("/keys/key_nope/revoke", nil).expectStatus(http.StatusNotFound).expect("Not found")
	})
}

// TestCrossSiteRefused checks that cross-site form posts change nothing.
func TestCrossSiteRefused(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	_, full := c.createKey(url.Values{"name": {"CI"}})
	id := e.keys("ada@example.com")[0].ID
	e.setPlan("ada@example.com", skillett.PlanPro)

	crossSite := hdr{"Sec-Fetch-Site": "cross-site"}
	otherOrigin := hdr{"Origin": "https://evil.example"}
	for _, h := range []hdr{crossSite, otherOrigin} {
		c.post("/keys", url.Values{"name": {"evil"}, "access": {"all"}, "expiry": {"never"}}, h).expectStatus(http.StatusForbidden)
		c.post("/keys/"+id+"/revoke", nil, h).expectStatus(http.StatusForbidden)
		c.post("/logout", nil, h).expectStatus(http.StatusForbidden)
		c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {password}}, h).expectStatus(http.StatusForbidden)
		c.post("/signup", url.Values{"email": {"eve@example.com"}, "password": {password}}, h).expectStatus(http.StatusForbidden)
	}
	if n := len(e.keys("ada@example.com")); n != 1 {
		t.Errorf("got %d keys, want 1", n)
	}
	if got := e.me(full); got != http.StatusOK {
		t.Errorf("key after a cross-site revoke: got /me %d, want 200", got)
	}
	c.get("/").expectStatus(http.StatusOK)
	// Same-origin browser requests pass.
	c.post("/keys/"+id+"/revoke", nil, hdr{"Sec-Fetch-Site": "same-origin", "Origin": e.URL}).expectRedirect("/")
}

func TestKeyList(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	e.setPlan("ada@example.com", skillett.PlanPro)
	_, used := c.createKey(url.Values{"name": {"used"}})
	e.Clock.Advance(3 * time.Minute)
	c.createKey(url.Values{"name": {"newer"}, "access": {"chosen"}, "scope": {"slack"}, "expiry": {"90d"}})

	e.Clock.Advance(2 * time.Hour)
	if v, err := e.Service.VerifyKey(t.Context(), used, ""); err != nil || !v.Valid() {
		t.Fatalf("verify: got %v, %v", v, err)
	}
	if err := e.Service.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(5 * time.Minute)

	p := c.get("/").expectStatus(http.StatusOK)
	p.expect(
		`<time datetime="2026-04-08T10:00:00Z">2 hours ago<span class="exact"> (2026-04-08 10:00:00 UTC)</span></time>`,
		`<time datetime="2026-04-08T10:03:00Z">2 hours ago<span class="exact"> (2026-04-08 10:03:00 UTC)</span></time>`,
		`<time datetime="2026-04-08T12:03:00Z">5 minutes ago<span class="exact"> (2026-04-08 12:03:00 UTC)</span></time>`,
		`in 2 months<span class="exact"> (2026-07-07 10:03:00 UTC)</span></time>`,
		`<span class="muted">never</span>`,
		"2 active keys on Pro (no limit)",
		`<th scope="col">Last used</th>`,
	)
	if i, j := strings.Index(p.body, ">newer<"), strings.Index(p.body, ">used<"); i < 0 || j < 0 || i > j {
		t.Errorf("want newest first: newer at %d, used at %d", i, j)
	}
}

// TestInternalError checks that a broken database gives a friendly page
// with a fixed message, and a log line with the cause.
func TestInternalError(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	e.Store.Close()
	p := c.get("/").expectStatus(http.StatusInternalServerError).
		expect("Something went wrong on our side. Please try again in a moment.")
	if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Errorf("got Content-Type %q, want HTML", p.header.Get("Content-Type"))
	}
	p.expectNot("sql", "closed")
	if !strings.Contains(e.Logs.String(), "dashboard: internal error") {
		t.Errorf("no log line for the internal error; logs:\n%s", e.Logs.String())
	}
	c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {password}}).
		expectStatus(http.StatusInternalServerError).expect("Something went wrong on our side.")
}

// TestFormTooLarge checks the bound on form bodies.
func TestFormTooLarge(t *testing.T) {
	e := newEnv(t)
	e.client().post("/login", url.Values{"email": {strings.Repeat("a", 70<<10)}}).
		expectStatus(http.StatusBadRequest).expect("The form could not be read")
}
