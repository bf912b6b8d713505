package dashboard_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/dashboard"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/internal/testserver"
	"github.com/skillett/skillett/service"
)

var t0 = testserver.T0

const password = "correct horse battery staple"

// env is the whole server (JSON API and dashboard) on loopback over a real
// SQLite file, with a fake clock and captured logs.
type env struct {
	*testserver.Server
	t *testing.T
}

type option func(*dashboard.Options, *service.Config)

func withNoSignup() option {
	return func(_ *dashboard.Options, c *service.Config) { c.NoSignup = true }
}

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	var d dashboard.Options
	s := testserver.New(t, func(c *service.Config) {
		for _, f := range opts {
			f(&d, c)
		}
	}, func(o *httpapi.Options) {
		d.Service, d.Logger = o.Service, o.Logger
		o.SecureCookies, o.Pages = d.SecureCookies, dashboard.New(d)
	})
	return &env{Server: s, t: t}
}

// setPlan moves a user to plan.
func (e *env) setPlan(email string, plan skillett.Plan) {
	e.t.Helper()
	if _, err := e.Service.SetPlan(e.t.Context(), email, plan); err != nil {
		e.t.Fatal(err)
	}
}

// keys returns the keys of the user with this email, newest first.
func (e *env) keys(email string) []*skillett.Key {
	e.t.Helper()
	u, err := e.Service.UserByEmail(e.t.Context(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	keys, err := e.Service.ListKeys(e.t.Context(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return keys
}

// me calls the JSON API's GET /me with a Bearer key and returns the status.
func (e *env) me(fullKey string) int {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), "GET", e.URL+"/me", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+fullKey)
	res, err := e.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// client is a browser without JavaScript: a cookie jar that follows no
// redirect by itself.
type client struct {
	t  *testing.T
	e  *env
	hc *http.Client
}

func (e *env) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	hc := &http.Client{
		Jar:           jar,
		Transport:     e.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &client{t: e.t, e: e, hc: hc}
}

// page is a fully read response.
type page struct {
	t      *testing.T
	desc   string
	status int
	header http.Header
	body   string
}

type hdr map[string]string

func (c *client) do(method, path string, form url.Values, headers ...hdr) *page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.e.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range headers {
		for k, v := range h {
			req.Header.Set(k, v)
		}
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &page{t: c.t, desc: method + " " + path, status: res.StatusCode, header: res.Header, body: string(data)}
}

func (c *client) get(path string, headers ...hdr) *page { return c.do("GET", path, nil, headers...) }

func (c *client) post(path string, form url.Values, headers ...hdr) *page {
	if form == nil {
		form = url.Values{}
	}
	return c.do("POST", path, form, headers...)
}

// follow expects p to be a 303 to path, and gets it.
func (c *client) follow(p *page, path string) *page {
	c.t.Helper()
	p.expectRedirect(path)
	return c.get(path)
}

// signup signs up through the form and returns the key list it lands on.
func (c *client) signup(email string) *page {
	c.t.Helper()
	p := c.post("/signup", url.Values{"email": {email}, "password": {password}})
	return c.follow(p, "/").expectStatus(http.StatusOK)
}

// createKey submits the create form and returns the page that shows the
// new key, and the key.
func (c *client) createKey(form url.Values) (*page, string) {
	c.t.Helper()
	if form.Get("access") == "" {
		form.Set("access", "all")
	}
	if form.Get("expiry") == "" {
		form.Set("expiry", "never")
	}
	p := c.follow(c.post("/keys", form), "/keys/created").expectStatus(http.StatusOK)
	return p, p.fullKey()
}

// cookie returns the value of the client's cookie name for path.
func (c *client) cookie(path, name string) string {
	u, _ := url.Parse(c.e.URL + path)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (p *page) expectStatus(want int) *page {
	p.t.Helper()
	if p.status != want {
		p.t.Fatalf("%s: got status %d, want %d; body:\n%s", p.desc, p.status, want, p.body)
	}
	return p
}

func (p *page) expectRedirect(path string) *page {
	p.t.Helper()
	if p.status != http.StatusSeeOther || p.header.Get("Location") != path {
		p.t.Fatalf("%s: got %d to %q, want 303 to %q; body:\n%s", p.desc, p.status, p.header.Get("Location"), path, p.body)
	}
	return p
}

// expect checks that the page's HTML contains each of texts (HTML-escaped
// as the templates write them).
func (p *page) expect(texts ...string) *page {
	p.t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			p.t.Errorf("%s: body lacks %q; body:\n%s", p.desc, s, p.body)
		}
	}
	return p
}

func (p *page) expectNot(texts ...string) *page {
	p.t.Helper()
	for _, s := range texts {
		if strings.Contains(p.body, s) {
			p.t.Errorf("%s: body contains %q, want it absent", p.desc, s)
		}
	}
	return p
}

// fullKey returns the full key shown on the page, or "".
func (p *page) fullKey() string {
	_, rest, ok := strings.Cut(p.body, `id="full-key"`)
	if !ok {
		return ""
	}
	_, rest, ok = strings.Cut(rest, `value="`)
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(rest, `"`)
	return key
}
