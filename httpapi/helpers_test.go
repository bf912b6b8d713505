package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/internal/openapitest"
	"github.com/skillett/skillett/internal/testserver"
	"github.com/skillett/skillett/service"
)

const password = "correct horse battery staple"

// env is a real server on loopback over a real SQLite file, with a fake
// clock, captured logs, and a client that checks every response against
// the OpenAPI document.
type env struct {
	*testserver.Server
	t      *testing.T
	client *http.Client
}

type option func(*httpapi.Options, *service.Config)

func withServiceTokens(tokens ...string) option {
	return func(o *httpapi.Options, _ *service.Config) { o.ServiceTokens = tokens }
}

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	var tweaks httpapi.Options
	s := testserver.New(t, func(c *service.Config) {
		for _, f := range opts {
			f(&tweaks, c)
		}
	}, func(o *httpapi.Options) {
		o.ServiceTokens, o.SecureCookies = tweaks.ServiceTokens, tweaks.SecureCookies
		o.GitHubKeys, o.PublicRevokeLimiter = tweaks.GitHubKeys, tweaks.PublicRevokeLimiter
	})
	return &env{
		Server: s, t: t,
		client: &http.Client{Transport: openapitest.New(t).Transport(t, s.Client().Transport)},
	}
}

// resp is a fully read response.
type resp struct {
	desc   string
	status int
	header http.Header
	body   []byte
}

type hdr map[string]string

func bearer(key string) hdr    { return hdr{"Authorization": "Bearer " + key} }
func session(token string) hdr { return hdr{"Cookie": "skillett_session=" + token} }

// do sends a request; body is sent as is when a string, else as JSON.
func (e *env) do(method, path string, body any, headers ...hdr) *resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		for k, v := range h {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	r := &resp{desc: method + " " + path, status: res.StatusCode, header: res.Header}
	if r.body, err = io.ReadAll(res.Body); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// decodeAs decodes r's body into a T. A body that is not a T, or that has
// a member T does not know, fails t.
func decodeAs[T any](t *testing.T, r *resp) T {
	t.Helper()
	var v T
	if err := decodeStrict(r.body, &v); err != nil {
		t.Fatalf("%s: body %s does not decode as %T: %v", r.desc, r.body, v, err)
	}
	return v
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// members is the JSON object data as its members, left raw. Decoding into
// a wire type cannot tell a member that is absent from one that is null,
// nor count the members: the checks of which members an object has use
// this instead.
func members(t *testing.T, what string, data []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		t.Fatalf("%s: %s is not a JSON object: %v", what, data, err)
	}
	return m
}

// expectFields checks that the JSON object data has exactly these members.
func expectFields(t *testing.T, what string, data []byte, fields ...string) {
	t.Helper()
	m := members(t, what, data)
	if len(m) != len(fields) {
		t.Errorf("%s: got %d fields in %s, want %v", what, len(m), data, fields)
	}
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			t.Errorf("%s: no field %q in %s", what, f, data)
		}
	}
}

// val is *p, or nil for a nil p: a member that may be null, to compare
// and print as the JSON has it.
func val[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func (r *resp) expectStatus(t *testing.T, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: got status %d, want %d; body %s", r.desc, r.status, want, r.body)
	}
}

// expectError checks status, code and a non-empty message; 401s must carry
// WWW-Authenticate.
func (r *resp) expectError(t *testing.T, status int, code string) {
	t.Helper()
	var b httpapi.ErrorBody
	if err := decodeStrict(r.body, &b); err != nil || r.status != status || b.Error != code || b.Message == "" {
		t.Fatalf("%s: got %d %s, want %d with error %q and a message", r.desc, r.status, r.body, status, code)
	}
	if status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") != `Bearer realm="skillett"` {
		t.Errorf("%s: got WWW-Authenticate %q, want Bearer realm=\"skillett\"", r.desc, r.header.Get("WWW-Authenticate"))
	}
}

// signup creates a user through the API and returns its session token.
func (e *env) signup(email string) string {
	e.t.Helper()
	r := e.do("POST", "/auth/signup", map[string]string{"email": email, "password": password})
	r.expectStatus(e.t, http.StatusCreated)
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "skillett_session" {
			return c.Value
		}
	}
	e.t.Fatalf("signup: no session cookie in %q", r.header.Values("Set-Cookie"))
	return ""
}

// user creates a user on plan and returns its session token.
func (e *env) user(email string, plan skillett.Plan) string {
	e.t.Helper()
	token := e.signup(email)
	if plan != skillett.PlanFree {
		if _, err := e.Service.SetPlan(e.t.Context(), email, plan); err != nil {
			e.t.Fatal(err)
		}
	}
	return token
}

// createKey creates a key and returns its id and full key.
func (e *env) createKey(auth hdr, body any) (id, full string) {
	e.t.Helper()
	r := e.do("POST", "/api-keys", body, auth)
	r.expectStatus(e.t, http.StatusCreated)
	c := decodeAs[httpapi.CreateKeyResponse](e.t, r)
	id, full = c.APIKey.ID, c.FullKey
	if id == "" || full == "" {
		e.t.Fatalf("create key: no id or full_key in %s", r.body)
	}
	return id, full
}

func (e *env) listKeys(auth hdr) []httpapi.ListedKey {
	e.t.Helper()
	r := e.do("GET", "/api-keys", nil, auth)
	r.expectStatus(e.t, http.StatusOK)
	return decodeAs[[]httpapi.ListedKey](e.t, r)
}
