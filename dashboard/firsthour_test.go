package dashboard_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/skillett/skillett"
)

// An unknown path is a styled page for browsers and JSON for API clients.
func TestNotFoundPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/nope", hdr{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}).expectStatus(http.StatusNotFound).
		expect("<title>Error: Page not found · Skillett</title>", `<h1 id="error-heading">Page not found</h1>`, "/static/style.css?v=")
	p := c.get("/nope", hdr{"Accept": "application/json"}).expectStatus(http.StatusNotFound)
	if ct := p.header.Get("Content-Type"); ct != "application/json" || !strings.Contains(p.body, `"error":"not_found"`) {
		t.Errorf("API client: got %s %s, want the JSON error", ct, p.body)
	}
	p = c.get("/nope")
	if ct := p.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("no Accept: got %s, want JSON", ct)
	}
}

// The key list shows ids, hides revoked and expired keys on request, and
// pages by 50.
func TestKeyListPagingAndFilter(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	e.setPlan("ada@example.com", skillett.PlanPro)
	u, err := e.Service.UserByEmail(t.Context(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 120 {
		k, _, err := e.Service.CreateKey(t.Context(), u.ID, skillett.KeyRequest{Name: fmt.Sprintf("key %03d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 { // 60 revoked, 60 active
			if err := e.Service.RevokeKey(t.Context(), u.ID, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	keys := e.keys("ada@example.com")
	rows := regexp.MustCompile(`<tr id="key_`)

	p := c.get("/").expectStatus(http.StatusOK)
	p.expect("Keys 1–50 of 120 (page 1 of 3)", `href="/?page=2" rel="next"`, `<code class="key-id">`+keys[0].ID+`</code>`,
		`<a href="/?show=active" id="hide-inactive">`, `<span class="status-when">since <time`)
	if n := len(rows.FindAllString(p.body, -1)); n != 50 {
		t.Errorf("page 1: %d keys, want 50", n)
	}
	p = c.get("/?page=3").expect("Keys 101–120 of 120 (page 3 of 3)", `href="/?page=2" rel="prev"`).expectNot(`rel="next"`)
	if n := len(rows.FindAllString(p.body, -1)); n != 20 {
		t.Errorf("page 3: %d keys, want 20", n)
	}
	c.get("/?page=99").expect("(page 3 of 3)") // out of range: the last page

	p = c.get("/?show=active").expect("Keys 1–50 of 60 active (page 1 of 2)", `href="/?page=2&amp;show=active"`, `id="show-all"`).
		expectNot("key-revoked")
	if n := len(rows.FindAllString(p.body, -1)); n != 50 {
		t.Errorf("active page 1: %d keys, want 50", n)
	}
	c.get("/?show=active&page=2").expect("Keys 51–60 of 60 active").expectNot("key-revoked")
}

// Pages and static files are gzip-encoded for clients that take it, and
// static files are cached for a year under their versioned URL only.
func TestCompressionAndCaching(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	get := func(path string, gz bool) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", e.URL+path, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip") // set by hand, so not decoded by the client
		}
		u, _ := url.Parse(e.URL)
		for _, ck := range c.hc.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
		res, err := e.Client().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			r = zr
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return res, string(body)
	}

	res, page := get("/", true)
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("page: Content-Encoding %q, Vary %q; want gzip, Accept-Encoding", res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	if !strings.Contains(page, "Signed in as <strong>ada@example.com</strong>") {
		t.Errorf("the gzip-encoded page does not decode to the key list: %.200s", page)
	}
	if res, _ := get("/", false); res.Header.Get("Content-Encoding") != "" {
		t.Error("page: gzip-encoded for a client that did not ask")
	}

	css := regexp.MustCompile(`href="(/static/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if css == nil {
		t.Fatal("the page links no versioned stylesheet")
	}
	res, body := get(css[1], true)
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("versioned: Cache-Control %q, want a year, immutable", cc)
	}
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(body, ":root") {
		t.Errorf("versioned: Content-Encoding %q, want gzip that decodes to the stylesheet", res.Header.Get("Content-Encoding"))
	}
	for _, path := range []string{"/static/style.css", "/static/style.css?v=stale"} {
		if res, _ := get(path, false); res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("ETag") == "" {
			t.Errorf("%s: Cache-Control %q, ETag %q; want no-cache with an ETag", path, res.Header.Get("Cache-Control"), res.Header.Get("ETag"))
		}
	}
}

// Small things a newcomer meets first.
func TestPageDetails(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/login").expect(`<meta name="description" content="Log in to Skillett`)
	c.get("/signup").expect(`<meta name="description" content="Create a Skillett account`)
	c.signup("ada@example.com").expect("Signed in as <strong>ada@example.com</strong>", `<span class="visually-hidden">Plan: </span>Free`,
		`<div id="announcer" class="visually-hidden" role="status" aria-live="polite"></div>`, `<p class="notice" data-announce>`)
	c.createKey(url.Values{"name": {"old"}})
	id := e.keys("ada@example.com")[0].ID
	c.get("/keys/" + id + "/revoke").expect("<title>Revoke “old” · Skillett</title>")
	c.post("/keys/"+id+"/revoke", nil).expectRedirect("/")
	c.get("/keys/" + id + "/revoke").expect("<title>“old” is already revoked · Skillett</title>")
	// A failed login says so in the title.
	c2 := e.client()
	c2.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}).
		expect("<title>Error: Log in · Skillett</title>", `aria-invalid="true" aria-describedby="form-error"`)
}

// The account page: email and plan, how to ask for another plan, a
// password change that takes the current password and ends the other
// sessions, and signing out of every session.
func TestAccount(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/account").expectRedirect("/login")
	c.signup("ada@example.com").expect(`<a href="/account" id="account-link">Account</a>`)
	other := e.client()
	other.post("/login", url.Values{"email": {"ada@example.com"}, "password": {password}}).expectRedirect("/")

	c.get("/account").expectStatus(http.StatusOK).
		expect(`<dd id="account-email">ada@example.com</dd>`, `<dd id="account-plan">Free (1 active key at most)</dd>`,
			"write to your Skillett administrator", "skillett users set-plan --email ada@example.com --plan pro")

	c.post("/account/password", url.Values{"current_password": {"not my password"}, "new_password": {"a new passphrase"}}).
		expectStatus(http.StatusUnprocessableEntity).
		expect("Your current password is not right.", `aria-invalid="true" aria-describedby="current-password-error" autofocus`, "<title>Error: Your account")
	c.post("/account/password", url.Values{"current_password": {password}, "new_password": {"short"}}).
		expectStatus(http.StatusUnprocessableEntity).
		expect("Password must be at least 8 characters.", `id="new-password-error"`)
	c.follow(c.post("/account/password", url.Values{"current_password": {password}, "new_password": {"a new passphrase"}}), "/account").
		expect("Your password is changed. Your other sessions have ended.")
	other.get("/").expectRedirect("/login") // the other session ended
	c.get("/").expectStatus(http.StatusOK)  // this one stays
	e.client().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"a new passphrase"}}).expectRedirect("/")

	c.follow(c.post("/account/logout-all", nil), "/login").expect("You have signed out of all sessions.")
	c.get("/").expectRedirect("/login")
}
