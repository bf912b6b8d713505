package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/internal/testserver"
)

const fuzzServiceToken = "fuzz-service-token-0123456789abcdef"

// fuzzServer is a whole service on a real SQLite file, with a session and
// a full-access key to send authenticated requests with.
type fuzzServer struct {
	h       http.Handler
	session string
	key     string
	keyID   string
}

func newFuzzServer(f *testing.F) *fuzzServer {
	s := testserver.New(f, nil, func(o *httpapi.Options) { o.ServiceTokens = []string{fuzzServiceToken} })
	u, token, err := s.Service.Signup(f.Context(), "fuzz@example.com", "correct horse battery")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.Service.SetPlan(f.Context(), u.Email, skillett.PlanUnlimited); err != nil {
		f.Fatal(err)
	}
	k, full, err := s.Service.CreateKey(f.Context(), u.ID, skillett.KeyRequest{Name: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzServer{h: s.Server.Config.Handler, session: token, key: full, keyID: k.ID}
}

func (s *fuzzServer) do(method, path, body string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.1:1234"
	for k, vs := range header {
		req.Header[k] = vs
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return w
}

// Every request decoder (each endpoint's body) answers garbage with a 4xx,
// never a panic or a 5xx.
func FuzzDecode(f *testing.F) {
	s := newFuzzServer(f)
	for _, seed := range []string{
		`{"email":"a@example.com","password":"correct horse battery"}`,
		`{"name":"ci","scopes":["github"],"expires_at":"2030-01-01T00:00:00Z"}`,
		`{"name":"x","ip_allowlist":["10.0.0.0/8"],"rate_limit":{"limit":5,"window_seconds":60}}`,
		`{"grace_period_seconds":60}`,
		`{"key":"sk_x","scope":"github","ip":"::1"}`,
		`{"credentials":["sk_x"]}`,
		`{"name":"a","name":"b"}`, `{"NAME":"x"}`, "{\"name\":\"\xff\"}", `[]`, `null`, `{"name":1e999}`, `{}{}`,
	} {
		for route := range 7 {
			f.Add(uint8(route), seed)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		auth := http.Header{"Authorization": {"Bearer " + s.key}}
		var method, path string
		switch route % 7 {
		case 0:
			method, path, auth = "POST", "/auth/signup", nil
		case 1:
			method, path, auth = "POST", "/auth/login", nil
		case 2:
			method, path = "POST", "/api-keys"
			auth = http.Header{"Cookie": {"skillett_session=" + s.session}}
		case 3:
			method, path = "PATCH", "/api-keys/"+s.keyID
			auth = http.Header{"Cookie": {"skillett_session=" + s.session}}
		case 4:
			method, path = "POST", "/api-keys/key_doesnotexist0000000/roll"
		case 5:
			method, path = "POST", "/verify"
			auth = http.Header{"Authorization": {"Bearer " + fuzzServiceToken}}
		case 6:
			method, path, auth = "POST", "/credentials/revoke", nil
		}
		if auth == nil {
			auth = http.Header{}
		}
		auth.Set("Content-Type", "application/json")
		w := s.do(method, path, body, auth)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: status %d: %s", method, path, body, w.Code, w.Body)
		}
	})
}

// Whatever the Authorization and Cookie headers hold, an authenticated
// route answers 200, 401, 403 or 429: never a panic or a 5xx.
func FuzzAuthHeaders(f *testing.F) {
	s := newFuzzServer(f)
	for _, seed := range [][2]string{
		{"Bearer " + s.key, ""}, {"", "skillett_session=" + s.session},
		{"bearer  sk_", ""}, {"Basic dXNlcjpwYXNz", ""}, {"Bearer", "skillett_session=; skillett_session=x"},
		{"Bearer sk_" + strings.Repeat("A", 300), "a=b; c"}, {"", "skillett_session=\x00\xff"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, authorization, cookie string) {
		h := http.Header{}
		if authorization != "" {
			h.Set("Authorization", authorization)
		}
		if cookie != "" {
			h.Set("Cookie", cookie)
		}
		w := s.do("GET", "/me", "", h)
		switch w.Code {
		case 200, 401, 403, 429:
		default:
			t.Fatalf("GET /me with Authorization %q, Cookie %q: status %d: %s", authorization, cookie, w.Code, w.Body)
		}
	})
}
