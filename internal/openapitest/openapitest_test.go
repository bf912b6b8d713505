package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skillett/skillett/httpapi"
)

// recorder is a testing.TB that records failures instead of failing the
// test, to observe what Check reports.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }
func (r *recorder) Error(args ...any)                 { r.record(fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.record("FATAL " + fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) { r.record("FATAL " + fmt.Sprint(args...)) }
func (r *recorder) Fail()             { r.record("Fail") }
func (r *recorder) FailNow()          { r.record("FailNow") }

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors) > 0
}

func (r *recorder) record(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, s)
}

func (r *recorder) report() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}

// exchange is a request and the canned response a test server gives it.
type exchange struct {
	name       string
	method     string
	path       string
	reqHeader  map[string]string
	reqBody    string
	status     int
	respHeader map[string]string // Content-Type defaults to application/json
	respBody   string
	// want is "" when Check must accept the exchange, else a text its
	// failure must contain.
	want string
}

// run sends the exchange through a validating Transport to a server that
// answers with the canned response, and returns what Check reported.
func (e exchange) run(t *testing.T, v *Validator) string {
	t.Helper()
	var gotReqBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotReqBody, _ = io.ReadAll(r.Body)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		for k, val := range e.respHeader {
			if val == "" {
				h.Del(k)
			} else {
				h.Set(k, val)
			}
		}
		w.WriteHeader(e.status)
		io.WriteString(w, e.respBody)
	}))
	defer srv.Close()

	rec := &recorder{TB: t}
	client := &http.Client{
		Transport:     v.Transport(rec, srv.Client().Transport),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var body io.Reader
	if e.reqBody != "" {
		body = strings.NewReader(e.reqBody)
	}
	req, err := http.NewRequest(e.method, srv.URL+e.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range e.reqHeader {
		req.Header.Set(k, val)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// The Transport hands both bodies on intact.
	if e.method != http.MethodHead && string(got) != e.respBody {
		t.Errorf("the client read %q, want %q", got, e.respBody)
	}
	if string(gotReqBody) != e.reqBody {
		t.Errorf("the server read %q, want %q", gotReqBody, e.reqBody)
	}
	return rec.report()
}

func runExchanges(t *testing.T, exchanges []exchange) {
	t.Helper()
	v := New(t)
	for _, e := range exchanges {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			got := e.run(t, v)
			if got != "" {
				t.Logf("Check reported:\n%s", got)
			}
			switch {
			case e.want == "" && got != "":
				t.Errorf("Check reported a valid exchange:\n%s", got)
			case e.want != "" && got == "":
				t.Errorf("Check did not report the invalid exchange (want a failure mentioning %q)", e.want)
			case e.want != "" && !strings.Contains(got, e.want):
				t.Errorf("Check's report does not mention %q:\n%s", e.want, got)
			}
		})
	}
}

// Fixtures.

const (
	fullKey = "sk_a1b2c3d4" + "EFGHijkl0123456789mnopqrstuvwx" // 41 characters
	jsonCT  = "application/json"
)

// object returns a JSON object built from base, changed by edit.
func object(base string, edit func(m map[string]any)) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		panic(err)
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

const createdKey = `{"id":"key_abc123","name":"Production","key_prefix":"sk_a1b2c3d4","scopes":["*"],"expires_at":null,"created_at":"2026-04-08T12:00:00Z"}`

// created is a POST /api-keys 201 body; edit changes its api_key.
func created(edit func(k map[string]any)) string {
	return object(`{"full_key":"`+fullKey+`"}`, func(m map[string]any) {
		var k map[string]any
		json.Unmarshal([]byte(createdKey), &k)
		if edit != nil {
			edit(k)
		}
		m["api_key"] = k
	})
}

const listedKey = `{"id":"key_abc123","name":"Production","key_prefix":"sk_a1b2c3d4","scopes":["*"],"last_used_at":"2026-04-08T10:30:00Z","expires_at":null,"revoked_at":null,"created_at":"2026-03-01T09:00:00Z"}`

func listed(edit func(k map[string]any)) string { return "[" + object(listedKey, edit) + "]" }

const user = `{"id":"usr_8f3k2m9q1x","email":"ada@example.com","plan":"free","created_at":"2026-03-01T09:00:00Z"}`

func me(auth string) string {
	return object(user, func(m map[string]any) {
		if auth != "" {
			var a any
			json.Unmarshal([]byte(auth), &a)
			m["auth"] = a
		}
	})
}

const validVerify = `{"valid":true,"code":"valid","key_id":"key_abc123","user_id":"usr_8f3k2m9q1x","plan":"pro","scopes":["github"],"expires_at":"2027-01-01T00:00:00Z","rate_limit":null}`

func errBody(code string) string {
	return fmt.Sprintf(`{"error":%q,"message":"Something went wrong."}`, code)
}

const (
	sessionCookie = "skillett_session=abcdef0123456789; Path=/; Expires=Wed, 15 Apr 2026 10:00:00 GMT; Max-Age=604800; HttpOnly; SameSite=Lax"
	wwwAuth       = `Bearer realm="skillett"`
)

var (
	noStore   = map[string]string{"Cache-Control": "no-store"}
	challenge = map[string]string{"WWW-Authenticate": wwwAuth}
	setCookie = map[string]string{"Set-Cookie": sessionCookie}
)

func TestCreateKey(t *testing.T) {
	post := func(name string, status int, header map[string]string, body, want string) exchange {
		return exchange{name: name, method: "POST", path: "/api-keys", reqBody: `{"name":"Production"}`,
			reqHeader: map[string]string{"Content-Type": jsonCT}, status: status, respHeader: header, respBody: body, want: want}
	}
	runExchanges(t, []exchange{
		post("valid", 201, noStore, created(nil), ""),
		post("valid with expiry and scopes", 201, noStore, created(func(k map[string]any) {
			k["expires_at"] = "2027-01-01T00:00:00Z"
			k["scopes"] = []string{"github", "slack-2"}
		}), ""),
		post("no-store among others", 201, map[string]string{"Cache-Control": "private, no-store"}, created(nil), ""),

		post("extra field in api_key", 201, noStore, created(func(k map[string]any) { k["last_used_at"] = nil }), "last_used_at"),
		post("extra top-level field", 201, noStore, object(created(nil), func(m map[string]any) { m["key_hash"] = "x" }), "key_hash"),
		post("missing expires_at", 201, noStore, created(func(k map[string]any) { delete(k, "expires_at") }), "expires_at"),
		post("missing full_key", 201, noStore, object(created(nil), func(m map[string]any) { delete(m, "full_key") }), "full_key"),
		post("timestamp with a space", 201, noStore, created(func(k map[string]any) { k["created_at"] = "2026-04-08 12:00:00Z" }), "created_at"),
		post("timestamp with fractional seconds", 201, noStore, created(func(k map[string]any) { k["created_at"] = "2026-04-08T12:00:00.5Z" }), "created_at"),
		post("timestamp with an offset", 201, noStore, created(func(k map[string]any) { k["created_at"] = "2026-04-08T12:00:00+02:00" }), "created_at"),
		post("timestamp without zone", 201, noStore, created(func(k map[string]any) { k["created_at"] = "2026-04-08T12:00:00" }), "created_at"),
		post("impossible date", 201, noStore, created(func(k map[string]any) { k["created_at"] = "2026-02-30T12:00:00Z" }), "created_at"),
		post("null created_at", 201, noStore, created(func(k map[string]any) { k["created_at"] = nil }), "created_at"),
		post("empty expires_at", 201, noStore, created(func(k map[string]any) { k["expires_at"] = "" }), "expires_at"),
		post("numeric expires_at", 201, noStore, created(func(k map[string]any) { k["expires_at"] = 1775649600 }), "expires_at"),
		post("short full_key", 201, noStore, object(created(nil), func(m map[string]any) { m["full_key"] = fullKey[:40] }), "full_key"),
		post("full_key with a bad character", 201, noStore, object(created(nil), func(m map[string]any) { m["full_key"] = fullKey[:40] + "-" }), "full_key"),
		post("short key_prefix", 201, noStore, created(func(k map[string]any) { k["key_prefix"] = "sk_a1b2c3d" }), "key_prefix"),
		post("bad id", 201, noStore, created(func(k map[string]any) { k["id"] = "abc123" }), "id"),
		post("empty scopes", 201, noStore, created(func(k map[string]any) { k["scopes"] = []string{} }), "scopes"),
		post("null scopes", 201, noStore, created(func(k map[string]any) { k["scopes"] = nil }), "scopes"),
		post("bad scope", 201, noStore, created(func(k map[string]any) { k["scopes"] = []string{"GitHub"} }), "scopes"),
		post("repeated scope", 201, noStore, created(func(k map[string]any) { k["scopes"] = []string{"github", "github"} }), "scopes"),
		post("empty name", 201, noStore, created(func(k map[string]any) { k["name"] = "" }), "name"),
		post("body is an array", 201, noStore, "["+created(nil)+"]", "doesn't match schema"),
		post("body is empty", 201, noStore, "", "decode"),
		post("undocumented status", 200, noStore, created(nil), "status is not supported"),
		post("missing Cache-Control", 201, nil, created(nil), "Cache-Control"),
		post("Cache-Control without no-store", 201, map[string]string{"Cache-Control": "no-cache"}, created(nil), "Cache-Control"),
		post("wrong content type", 201, map[string]string{"Cache-Control": "no-store", "Content-Type": "text/plain; charset=utf-8"}, created(nil), "Content-Type"),

		post("plan limit", 403, nil, errBody("plan_limit_reached"), ""),
		post("insufficient scope", 403, nil, errBody("insufficient_scope"), ""),
		post("cross-origin", 403, nil, errBody("forbidden"), ""),
		post("403 with the code of another status", 403, nil, errBody("unauthorized"), "error"),
		post("403 with an unknown code", 403, nil, errBody("quota_exceeded"), "error"),
		post("error with an extra field", 403, nil, `{"error":"forbidden","message":"No.","details":"x"}`, "details"),
		post("error with an empty message", 403, nil, `{"error":"forbidden","message":""}`, "message"),
		post("error without message", 403, nil, `{"error":"forbidden"}`, "message"),
		post("unauthorized", 401, challenge, errBody("unauthorized"), ""),
		post("unauthorized without WWW-Authenticate", 401, nil, errBody("unauthorized"), "WWW-Authenticate"),
		post("unauthorized with another challenge", 401, map[string]string{"WWW-Authenticate": "Basic"}, errBody("unauthorized"), "WWW-Authenticate"),
		post("bad request", 400, nil, errBody("invalid_request"), ""),
		post("too large", 413, nil, errBody("payload_too_large"), ""),
		post("wrong media type", 415, nil, errBody("unsupported_media_type"), ""),
		post("internal", 500, nil, errBody("internal"), ""),
		post("undocumented 404", 404, nil, errBody("not_found"), "status is not supported"),
	})
}

// Requests are not held to the document, except that the server must not
// accept what the document calls invalid.
func TestRequests(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "invalid body refused", method: "POST", path: "/api-keys", reqBody: `{"name":5}`,
			status: 400, respBody: errBody("invalid_request")},
		{name: "unknown field refused", method: "POST", path: "/api-keys", reqBody: `{"name":"x","nmae":"y"}`,
			status: 400, respBody: errBody("invalid_request")},
		{name: "not JSON refused", method: "POST", path: "/api-keys", reqBody: `{"name":`,
			status: 400, respBody: errBody("invalid_request")},
		{name: "wrong media type refused", method: "POST", path: "/api-keys", reqBody: `name=x`,
			reqHeader: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			status:    415, respBody: errBody("unsupported_media_type")},
		{name: "no credentials", method: "GET", path: "/me", status: 401, respHeader: challenge, respBody: errBody("unauthorized")},
		{name: "session cookie", method: "GET", path: "/me", reqHeader: map[string]string{"Cookie": "skillett_session=x"},
			status: 200, respBody: me(`{"method":"session"}`)},
		{name: "bad bearer", method: "GET", path: "/me", reqHeader: map[string]string{"Authorization": "Bearer nonsense"},
			status: 401, respHeader: challenge, respBody: errBody("unauthorized")},
		{name: "no Content-Type", method: "POST", path: "/api-keys", reqBody: `{"name":"x"}`,
			status: 201, respHeader: noStore, respBody: created(nil)},
		{name: "charset parameter", method: "POST", path: "/api-keys", reqBody: `{"name":"x","scopes":null,"expires_at":"2027-01-01T00:00:00+02:00"}`,
			reqHeader: map[string]string{"Content-Type": "application/json; charset=utf-8"},
			status:    201, respHeader: noStore, respBody: created(nil)},
		{name: "missing service token", method: "POST", path: "/verify", reqBody: `{"key":"x"}`,
			status: 401, respHeader: challenge, respBody: errBody("unauthorized")},

		{name: "invalid body accepted", method: "POST", path: "/api-keys", reqBody: `{"name":5}`,
			status: 201, respHeader: noStore, respBody: created(nil), want: "accepted"},
		{name: "unknown field accepted", method: "POST", path: "/api-keys", reqBody: `{"name":"x","nmae":"y"}`,
			status: 201, respHeader: noStore, respBody: created(nil), want: "nmae"},
		{name: "short signup password accepted", method: "POST", path: "/auth/signup", reqBody: `{"email":"a@example.com","password":"short"}`,
			status: 201, respHeader: setCookie, respBody: user, want: "accepted"},
		{name: "missing key accepted", method: "POST", path: "/verify", reqBody: `{"scope":"github"}`,
			status: 200, respBody: `{"valid":false,"code":"malformed"}`, want: "accepted"},
	})
}

func TestListKeys(t *testing.T) {
	get := func(name string, status int, header map[string]string, body, want string) exchange {
		return exchange{name: name, method: "GET", path: "/api-keys", status: status, respHeader: header, respBody: body, want: want}
	}
	runExchanges(t, []exchange{
		get("empty", 200, nil, `[]`, ""),
		get("one key", 200, nil, listed(nil), ""),
		get("revoked and expired", 200, nil, listed(func(k map[string]any) {
			k["revoked_at"] = "2026-04-08T11:00:00Z"
			k["expires_at"] = "2026-04-08T11:30:00Z"
			k["last_used_at"] = nil
		}), ""),
		get("null", 200, nil, `null`, "doesn't match schema"),
		get("an object", 200, nil, listedKey, "doesn't match schema"),
		get("missing last_used_at", 200, nil, listed(func(k map[string]any) { delete(k, "last_used_at") }), "last_used_at"),
		get("extra key_hash", 200, nil, listed(func(k map[string]any) { k["key_hash"] = "abc" }), "key_hash"),
		get("full_key leaked", 200, nil, listed(func(k map[string]any) { k["full_key"] = fullKey }), "full_key"),
		get("bad revoked_at", 200, nil, listed(func(k map[string]any) { k["revoked_at"] = "yesterday" }), "revoked_at"),
		get("local last_used_at", 200, nil, listed(func(k map[string]any) { k["last_used_at"] = "2026-04-08T10:30:00-05:00" }), "last_used_at"),
		get("insufficient scope", 403, nil, errBody("insufficient_scope"), ""),
		get("plan limit on a list", 403, nil, errBody("plan_limit_reached"), "error"),
		get("unauthorized", 401, challenge, errBody("unauthorized"), ""),
	})
}

func TestRevokeKey(t *testing.T) {
	del := func(name string, status int, header map[string]string, body, want string) exchange {
		return exchange{name: name, method: "DELETE", path: "/api-keys/key_abc123", status: status, respHeader: header, respBody: body, want: want}
	}
	runExchanges(t, []exchange{
		del("revoked", 204, nil, "", ""),
		del("not found", 404, nil, errBody("not_found"), ""),
		del("malformed id not found", 404, nil, errBody("not_found"), ""),
		del("insufficient scope", 403, nil, errBody("insufficient_scope"), ""),
		del("cross-origin", 403, nil, errBody("forbidden"), ""),
		del("200 instead of 204", 200, nil, `{}`, "status is not supported"),
		del("404 with another code", 404, nil, errBody("invalid_request"), "error"),
	})
}

func TestMe(t *testing.T) {
	get := func(name, body, want string) exchange {
		return exchange{name: name, method: "GET", path: "/me", status: 200, respBody: body, want: want}
	}
	runExchanges(t, []exchange{
		get("session", me(`{"method":"session"}`), ""),
		get("api key", me(`{"method":"api_key","key_id":"key_abc123","scopes":["github"]}`), ""),
		get("session with key_id", me(`{"method":"session","key_id":"key_abc123"}`), "auth"),
		get("api key without scopes", me(`{"method":"api_key","key_id":"key_abc123"}`), "auth"),
		get("api key without key_id", me(`{"method":"api_key","scopes":["*"]}`), "auth"),
		get("unknown method", me(`{"method":"cookie"}`), "auth"),
		get("no auth", me(""), "auth"),
		get("extra field", object(me(`{"method":"session"}`), func(m map[string]any) { m["password_hash"] = "x" }), "password_hash"),
		get("uppercase plan", object(me(`{"method":"session"}`), func(m map[string]any) { m["plan"] = "Free" }), "plan"),
	})
}

func TestVerify(t *testing.T) {
	post := func(name string, status int, header map[string]string, body, want string) exchange {
		return exchange{name: name, method: "POST", path: "/verify", reqBody: `{"key":"` + fullKey + `","scope":"github"}`,
			reqHeader: map[string]string{"Authorization": "Bearer service-token"}, status: status, respHeader: header, respBody: body, want: want}
	}
	var exchanges []exchange
	for _, code := range []string{"malformed", "not_found", "revoked", "expired", "insufficient_scope"} {
		exchanges = append(exchanges, post("invalid "+code, 200, nil, `{"valid":false,"code":"`+code+`"}`, ""))
	}
	exchanges = append(exchanges,
		post("valid", 200, nil, validVerify, ""),
		post("valid without expiry", 200, nil, object(validVerify, func(m map[string]any) { m["expires_at"] = nil }), ""),
		post("valid missing expires_at", 200, nil, object(validVerify, func(m map[string]any) { delete(m, "expires_at") }), "doesn't match"),
		post("valid with a refusal code", 200, nil, object(validVerify, func(m map[string]any) { m["code"] = "revoked" }), "doesn't match"),
		post("invalid with details", 200, nil, `{"valid":false,"code":"revoked","key_id":"key_abc123"}`, "doesn't match"),
		post("invalid with the valid code", 200, nil, `{"valid":false,"code":"valid"}`, "doesn't match"),
		post("unknown code", 200, nil, `{"valid":false,"code":"unknown"}`, "doesn't match"),
		post("valid as a string", 200, nil, `{"valid":"false","code":"revoked"}`, "doesn't match"),
		post("not configured", 404, nil, errBody("not_found"), ""),
		post("bad service token", 401, challenge, errBody("unauthorized"), ""),
		post("bad request", 400, nil, errBody("invalid_request"), ""),
	)
	runExchanges(t, exchanges)
}

func TestAuth(t *testing.T) {
	creds := `{"email":"ada@example.com","password":"correct horse battery staple"}`
	login := func(name string, status int, header map[string]string, body, want string) exchange {
		return exchange{name: name, method: "POST", path: "/auth/login", reqBody: creds, status: status, respHeader: header, respBody: body, want: want}
	}
	signup := func(name string, status int, header map[string]string, body, want string) exchange {
		return exchange{name: name, method: "POST", path: "/auth/signup", reqBody: creds, status: status, respHeader: header, respBody: body, want: want}
	}
	runExchanges(t, []exchange{
		login("logged in", 200, setCookie, user, ""),
		login("secure cookie", 200, map[string]string{"Set-Cookie": "skillett_session=abc; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=Lax"}, user, ""),
		login("no cookie", 200, nil, user, "Set-Cookie"),
		login("cookie not HttpOnly", 200, map[string]string{"Set-Cookie": "skillett_session=abc; Path=/; SameSite=Lax"}, user, "Set-Cookie"),
		login("cookie with another name", 200, map[string]string{"Set-Cookie": "session=abc; Path=/; HttpOnly; SameSite=Lax"}, user, "Set-Cookie"),
		login("user without plan", 200, setCookie, object(user, func(m map[string]any) { delete(m, "plan") }), "plan"),
		login("unknown plan", 200, setCookie, object(user, func(m map[string]any) { m["plan"] = "gold" }), "plan"),
		login("bad user id", 200, setCookie, object(user, func(m map[string]any) { m["id"] = "user_1" }), "id"),
		login("wrong password", 401, challenge, errBody("unauthorized"), ""),
		login("wrong password without challenge", 401, nil, errBody("unauthorized"), "WWW-Authenticate"),
		login("rate limited", 429, map[string]string{"Retry-After": "600"}, errBody("rate_limited"), ""),
		login("rate limited without Retry-After", 429, nil, errBody("rate_limited"), "Retry-After"),
		login("rate limited with a date", 429, map[string]string{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, errBody("rate_limited"), "Retry-After"),
		login("rate limited for zero seconds", 429, map[string]string{"Retry-After": "0"}, errBody("rate_limited"), "Retry-After"),
		login("rate limited with the wrong code", 429, map[string]string{"Retry-After": "1"}, errBody("unauthorized"), "error"),
		login("409 is not a login answer", 409, nil, errBody("conflict"), "status is not supported"),

		signup("signed up", 201, setCookie, user, ""),
		signup("taken", 409, nil, errBody("conflict"), ""),
		signup("signup disabled", 404, nil, errBody("not_found"), ""),
		signup("cross-origin", 403, nil, errBody("forbidden"), ""),
		signup("200 instead of 201", 200, setCookie, user, "status is not supported"),

		{name: "logout", method: "POST", path: "/auth/logout", status: 204,
			respHeader: map[string]string{"Set-Cookie": "skillett_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"}},
		{name: "logout without session", method: "POST", path: "/auth/logout", status: 204},
		{name: "logout cross-origin", method: "POST", path: "/auth/logout", status: 403, respBody: errBody("forbidden")},
		{name: "logout with 200", method: "POST", path: "/auth/logout", status: 200, respBody: `{}`, want: "status is not supported"},
	})
}

func TestOperations(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "healthz", method: "GET", path: "/healthz", status: 200, respBody: `{"status":"ok"}`},
		{name: "healthz HEAD", method: "HEAD", path: "/healthz", status: 200},
		{name: "healthz other status", method: "GET", path: "/healthz", status: 200, respBody: `{"status":"fine"}`, want: "status"},
		{name: "healthz extra field", method: "GET", path: "/healthz", status: 200, respBody: `{"status":"ok","db":"up"}`, want: "db"},
		{name: "readyz", method: "GET", path: "/readyz", status: 200, respBody: `{"status":"ok"}`},
		{name: "readyz down", method: "GET", path: "/readyz", status: 503, respBody: errBody("internal")},
		{name: "readyz down with another code", method: "GET", path: "/readyz", status: 503, respBody: errBody("unavailable"), want: "error"},
		{name: "metrics", method: "GET", path: "/metrics", status: 200,
			respHeader: map[string]string{"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}, respBody: "# HELP up\nup 1\n"},
		{name: "metrics as JSON", method: "GET", path: "/metrics", status: 200, respBody: `{}`, want: "Content-Type"},
		{name: "openapi.json", method: "GET", path: "/openapi.json", status: 200, respBody: string(httpapi.OpenAPIDocument())},
		{name: "openapi.json 3.0", method: "GET", path: "/openapi.json", status: 200,
			respBody: `{"openapi":"3.0.3","info":{},"paths":{}}`, want: "openapi"},
		{name: "dashboard", method: "GET", path: "/", status: 200,
			respHeader: map[string]string{"Content-Type": "text/html; charset=utf-8"}, respBody: "<!doctype html><title>Skillett</title>"},
		{name: "dashboard as JSON", method: "GET", path: "/", status: 200, respBody: `{}`, want: "Content-Type"},
		{name: "dashboard login redirect", method: "GET", path: "/", status: 303,
			respHeader: map[string]string{"Content-Type": "text/html; charset=utf-8", "Location": "/login"}, respBody: `<a href="/login">See Other</a>.`},
		{name: "dashboard redirect elsewhere", method: "GET", path: "/", status: 303,
			respHeader: map[string]string{"Content-Type": "text/html; charset=utf-8", "Location": "/elsewhere"}, respBody: `<a href="/elsewhere">See Other</a>.`, want: "Location"},
		{name: "dashboard error page", method: "GET", path: "/", status: 500,
			respHeader: map[string]string{"Content-Type": "text/html; charset=utf-8"}, respBody: "<p>Something went wrong</p>"},
		{name: "dashboard 404", method: "GET", path: "/", status: 404,
			respHeader: map[string]string{"Content-Type": "text/html; charset=utf-8"}, respBody: "<p>Not found</p>", want: "status is not supported"},
		{name: "internal", method: "GET", path: "/healthz", status: 500, respBody: errBody("internal")},
	})
}

// Requests outside the document must be answered as the service routes
// them: 404 for unknown paths, 405 with Allow for unknown methods.
func TestUndescribedRoutes(t *testing.T) {
	notAllowed := func(allow string) map[string]string { return map[string]string{"Allow": allow} }
	runExchanges(t, []exchange{
		{name: "unknown path", method: "GET", path: "/nope", status: 404, respBody: errBody("not_found")},
		{name: "trailing slash", method: "GET", path: "/api-keys/", status: 404, respBody: errBody("not_found")},
		{name: "nested unknown path", method: "DELETE", path: "/api-keys/key_abc/extra", status: 404, respBody: errBody("not_found")},
		{name: "unknown path HEAD", method: "HEAD", path: "/nope", status: 404},
		{name: "unknown path served", method: "GET", path: "/nope", status: 200, respBody: `{}`, want: "not described"},
		{name: "unknown path, bad error body", method: "GET", path: "/nope", status: 404, respBody: `{"error":"no_route","message":"x"}`, want: "error"},
		{name: "unknown path, HTML 404", method: "GET", path: "/nope", status: 404,
			respHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, respBody: "404 page not found\n", want: "Content-Type"},
		{name: "redirect to the clean path", method: "GET", path: "/x/../healthz", status: 301,
			respHeader: map[string]string{"Location": "/healthz"}},

		{name: "wrong method", method: "PUT", path: "/healthz", status: 405, respHeader: notAllowed("GET, HEAD"), respBody: errBody("method_not_allowed")},
		{name: "wrong method on keys", method: "PATCH", path: "/api-keys", status: 405, respHeader: notAllowed("GET, HEAD, POST"), respBody: errBody("method_not_allowed")},
		{name: "wrong method on a key", method: "PUT", path: "/api-keys/key_abc123", status: 405, respHeader: notAllowed("DELETE, GET, HEAD, PATCH"), respBody: errBody("method_not_allowed")},
		{name: "wrong method on verify", method: "GET", path: "/verify", status: 405, respHeader: notAllowed("POST"), respBody: errBody("method_not_allowed")},
		{name: "HEAD on a POST route", method: "HEAD", path: "/verify", status: 405, respHeader: notAllowed("POST")},
		{name: "wrong method served", method: "PUT", path: "/healthz", status: 200, respBody: `{"status":"ok"}`, want: "not described"},
		{name: "wrong method, 404", method: "PUT", path: "/healthz", status: 404, respBody: errBody("not_found"), want: "not 405"},
		{name: "wrong method without Allow", method: "PUT", path: "/healthz", status: 405, respBody: errBody("method_not_allowed"), want: "Allow"},
		{name: "wrong method, Allow too long", method: "PUT", path: "/healthz", status: 405, respHeader: notAllowed("GET, HEAD, PUT"), respBody: errBody("method_not_allowed"), want: "PUT is not documented"},
		{name: "wrong method, Allow too short", method: "PATCH", path: "/api-keys", status: 405, respHeader: notAllowed("GET, HEAD"), respBody: errBody("method_not_allowed"), want: "POST is missing"},
		{name: "wrong method, wrong code", method: "PUT", path: "/healthz", status: 405, respHeader: notAllowed("GET, HEAD"), respBody: errBody("not_found"), want: "error"},
	})
}

// Check can be used directly, on exchanges held in memory.
func TestCheckDirect(t *testing.T) {
	v := New(t)
	response := func(status int, body string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {jsonCT}}, Body: io.NopCloser(strings.NewReader(body))}
	}
	for _, c := range []struct {
		name   string
		req    *http.Request
		status int
		body   string
		want   string
	}{
		{"server-side request", httptest.NewRequest("GET", "/healthz", nil), 200, `{"status":"ok"}`, ""},
		{"204 with a body", httptest.NewRequest("DELETE", "/api-keys/key_abc123", nil), 204, `{}`, "without a body"},
		{"absolute URL", httptest.NewRequest("GET", "http://example.com:1234/healthz", nil), 200, `{"status":"ok"}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			v.Check(rec, c.req, nil, response(c.status, c.body), []byte(c.body))
			got := rec.report()
			switch {
			case c.want == "" && got != "":
				t.Errorf("Check reported a valid exchange:\n%s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("Check's report %q does not mention %q", got, c.want)
			}
		})
	}
}

// The validator is shared by parallel tests.
func TestConcurrentChecks(t *testing.T) {
	v := New(t)
	if New(t) != v {
		t.Error("New loaded the document twice")
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				rec := &recorder{TB: t}
				body := created(nil)
				if (i+j)%2 == 1 {
					body = created(func(k map[string]any) { k["created_at"] = "now" })
				}
				req := httptest.NewRequest("POST", "/api-keys", strings.NewReader(`{"name":"x"}`))
				resp := &http.Response{StatusCode: 201, Header: http.Header{"Content-Type": {jsonCT}, "Cache-Control": {"no-store"}}}
				v.Check(rec, req, []byte(`{"name":"x"}`), resp, []byte(body))
				if failed := rec.report() != ""; failed != ((i+j)%2 == 1) {
					t.Errorf("goroutine %d, check %d: failed = %v:\n%s", i, j, failed, rec.report())
				}
			}
		})
	}
	wg.Wait()
}

// The Transport works without a base and with bodies the server reads
// partly.
func TestTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", jsonCT)
		io.WriteString(w, `{"status":"ok"}`)
	}))
	defer srv.Close()
	rec := &recorder{TB: t}
	client := &http.Client{Transport: New(t).Transport(rec, nil)}
	resp, err := client.Post(srv.URL+"/healthz", jsonCT, bytes.NewReader([]byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != `{"status":"ok"}` {
		t.Errorf("body %q", body)
	}
	// POST /healthz answered 200: not described.
	if got := rec.report(); !strings.Contains(got, "not described") {
		t.Errorf("report %q, want a failure for POST /healthz", got)
	}

	rec = &recorder{TB: t}
	client = &http.Client{Transport: New(t).Transport(rec, nil)}
	resp, err = client.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := rec.report(); got != "" {
		t.Errorf("GET /healthz reported:\n%s", got)
	}
}

// endpoints are the endpoints of SPEC §4–§7 and those of part two listed so far.
var endpoints = []string{
	"GET /healthz",
	"GET /readyz",
	"GET /metrics",
	"GET /openapi.json",
	"GET /",
	"POST /auth/signup",
	"POST /auth/login",
	"POST /auth/logout",
	"GET /me",
	"GET /api-keys",
	"POST /api-keys",
	"DELETE /api-keys/{id}",
	"GET /api-keys/{id}/usage",
	"GET /api-keys/{id}", // SPEC §8
	"PATCH /api-keys/{id}",
	"POST /api-keys/{id}/roll",
	"GET /audit-log",               // SPEC §10
	"POST /secret-scanning/github", // SPEC §11
	"POST /credentials/revoke",
	"POST /verify",
}

func TestDocumentDescribesEveryEndpoint(t *testing.T) {
	doc := New(t).Document()
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi: %q, want 3.1.0", doc.OpenAPI)
	}
	var described []string
	operationIDs := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			endpoint := method + " " + path
			described = append(described, endpoint)
			if op.OperationID == "" || op.Summary == "" || op.Description == "" {
				t.Errorf("%s lacks an operationId, summary or description", endpoint)
			}
			if other, ok := operationIDs[op.OperationID]; ok {
				t.Errorf("%s and %s share the operationId %q", endpoint, other, op.OperationID)
			}
			operationIDs[op.OperationID] = endpoint
			if op.Responses.Default() != nil {
				t.Errorf("%s has a default response: undocumented statuses would pass", endpoint)
			}
			if op.Responses.Value("500") == nil {
				t.Errorf("%s does not document 500", endpoint)
			}
			if op.Responses.Value("405") != nil {
				// A 405 answers a method the path does not have, never this
				// operation; the conventions say so once for every path.
				t.Errorf("%s documents 405, which it can never answer: drop it", endpoint)
			}
			for status, ref := range op.Responses.Map() {
				r := ref.Value
				if status == "401" && r.Headers["WWW-Authenticate"] == nil {
					t.Errorf("%s: 401 without WWW-Authenticate", endpoint)
				}
				if status == "429" && r.Headers["Retry-After"] == nil {
					t.Errorf("%s: 429 without Retry-After", endpoint)
				}
				if status == "405" && r.Headers["Allow"] == nil {
					t.Errorf("%s: 405 without Allow", endpoint)
				}
				if status[0] == '4' || status[0] == '5' {
					// Every error has the error body.
					mt := r.Content.Get(jsonCT)
					if mt == nil || mt.Schema == nil {
						t.Errorf("%s: %s has no JSON body", endpoint, status)
						continue
					}
					if err := mt.Schema.Value.VisitJSON(map[string]any{"error": "nope", "message": "x"}, openapi3.EnableJSONSchema2020()); err == nil {
						t.Errorf("%s: %s accepts an unknown error code", endpoint, status)
					}
					checkErrorExample(t, endpoint+" "+status, mt)
				}
			}
		}
	}
	slices.Sort(described)
	want := slices.Sorted(slices.Values(endpoints))
	if !slices.Equal(described, want) {
		t.Errorf("the document describes\n%s\nwant\n%s", strings.Join(described, "\n"), strings.Join(want, "\n"))
	}
}

// checkErrorExample checks that an error response has an example and that
// its message is one the server really sends: a string literal of the
// service's Go source, or a format string of it.
func checkErrorExample(t *testing.T, where string, mt *openapi3.MediaType) {
	t.Helper()
	example, ok := mt.Example.(map[string]any)
	if !ok {
		t.Errorf("%s has no example", where)
		return
	}
	msg, _ := example["message"].(string)
	for _, m := range serverMessages(t) {
		if m.MatchString(msg) {
			return
		}
	}
	t.Errorf("%s: the example's message %q is not one the server sends", where, msg)
}

var (
	messagesOnce sync.Once
	messages     []*regexp.Regexp
)

// serverMessages returns the string literals of the module's non-test Go
// files as patterns: a literal matches itself, and a format verb (%d, %s,
// %q) matches any text.
func serverMessages(t *testing.T) []*regexp.Regexp {
	messagesOnce.Do(func() {
		verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
		fset := token.NewFileSet()
		filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var sc scanner.Scanner
			sc.Init(fset.AddFile(path, -1, len(src)), src, nil, 0)
			for {
				_, tok, lit := sc.Scan()
				if tok == token.EOF {
					break
				}
				if tok != token.STRING {
					continue
				}
				s, err := strconv.Unquote(lit)
				if err != nil || len(s) < 10 {
					continue
				}
				var pattern strings.Builder
				last := 0
				for _, loc := range verb.FindAllStringIndex(s, -1) {
					pattern.WriteString(regexp.QuoteMeta(s[last:loc[0]]) + ".+")
					last = loc[1]
				}
				pattern.WriteString(regexp.QuoteMeta(s[last:]))
				messages = append(messages, regexp.MustCompile("^"+pattern.String()+"$"))
			}
			return nil
		})
	})
	if len(messages) < 50 {
		t.Fatalf("found only %d string literals in the module's source", len(messages))
	}
	return messages
}

// kin-openapi validates the examples of media types but not the JSON
// Schema "examples" of schemas: check those here.
func TestSchemaExamples(t *testing.T) {
	doc := New(t).Document()
	n := 0
	for name, ref := range doc.Components.Schemas {
		for i, example := range ref.Value.Examples {
			n++
			if err := ref.Value.VisitJSON(example, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("schema %s, example %d: %v", name, i, err)
			}
		}
	}
	if n == 0 {
		t.Error("no schema examples found")
	}
}

// A document that is not valid OpenAPI is refused.
func TestInvalidDocument(t *testing.T) {
	doc := string(httpapi.OpenAPIDocument())
	for _, c := range []struct{ name, old, new string }{
		{"OpenAPI 3.0", `"openapi": "3.1.0"`, `"openapi": "3.0.3"`},
		{"bad example", `"example": { "error": "not_found", "message": "No API key with this id belongs to you." }`, `"example": { "error": "nope", "message": "No API key with this id belongs to you." }`},
		{"bad type", `"type": ["string", "null"],`, `"type": ["string", "nul"],`},
		{"dangling reference", `"$ref": "#/components/schemas/KeyPrefix"`, `"$ref": "#/components/schemas/NoSuchSchema"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(doc, c.old) {
				t.Fatalf("the document no longer contains %s", c.old)
			}
			if _, err := newValidator([]byte(strings.Replace(doc, c.old, c.new, 1))); err == nil {
				t.Error("newValidator accepted the document")
			}
		})
	}
}
