package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
)

func TestHealth(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/healthz", nil).expectStatus(t, http.StatusOK)
	e.do("GET", "/readyz", nil).expectStatus(t, http.StatusOK)
	e.Store.Close()
	r := e.do("GET", "/readyz", nil)
	body := decodeAs[httpapi.ErrorBody](t, r)
	if r.status != http.StatusServiceUnavailable || body.Error != "internal" {
		t.Errorf("/readyz with the database closed: got %d %s, want 503", r.status, r.body)
	}
	e.do("GET", "/healthz", nil).expectStatus(t, http.StatusOK)
	if strings.Contains(body.Message, "sql") {
		t.Errorf("/readyz leaks internals: %s", r.body)
	}
	// The cause goes to the request's log line instead, and only there.
	var withError int
	for line := range strings.SplitSeq(e.Logs.String(), "\n") {
		if strings.Contains(line, `"error":`) {
			withError++
			if !strings.Contains(line, `"route":"GET /readyz"`) {
				t.Errorf("a log line of another request has an error: %s", line)
			}
		}
	}
	if withError != 1 {
		t.Errorf("log lines with the cause of the failed /readyz: got %d, want 1", withError)
	}
}

// Routing comes before authentication, and unknown routes answer in JSON.
func TestRouting(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/nope", nil).expectError(t, 404, "not_found")
	e.do("GET", "/nope", nil, bearer("garbage")).expectError(t, 404, "not_found")
	r := e.do("PUT", "/api-keys", nil, bearer("garbage"))
	r.expectError(t, 405, "method_not_allowed")
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow: got %q, want GET and POST", allow)
	}
	e.do("PUT", "/api-keys/key_x/roll", nil).expectError(t, 405, "method_not_allowed")
	e.do("POST", "/healthz", nil).expectError(t, 405, "method_not_allowed")
	if r := e.do("GET", "/healthz", nil); r.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/openapi.json", nil)
	r.expectStatus(t, http.StatusOK)
	// The document is no wire type of the API: its one member that
	// matters here.
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi: got %q (%v), want 3.1.x", doc.OpenAPI, err)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, withServiceTokens(serviceToken))
	auth := session(e.user("a@example.com", skillett.PlanFree))
	_, full := e.createKey(auth, map[string]any{"name": "k"})
	e.do("GET", "/me", nil, bearer(full))
	e.do("GET", "/me", nil, bearer(full))
	e.do("GET", "/me", nil, bearer(neverIssued()))
	e.do("POST", "/verify", map[string]any{"key": "garbage"}, bearer(serviceToken))
	r := e.do("GET", "/metrics", nil)
	r.expectStatus(t, http.StatusOK)
	body := string(r.body)
	for _, want := range []string{
		`skillett_http_requests_total{route="GET /me",status="200"} 2`,
		`skillett_http_requests_total{route="GET /me",status="401"} 1`,
		`skillett_http_request_duration_seconds_bucket{route="POST /api-keys",le=`,
		`skillett_key_verifications_total{outcome="valid"} 2`,
		`skillett_key_verifications_total{outcome="not_found"} 1`,
		`skillett_key_verifications_total{outcome="malformed"} 1`,
		`skillett_verification_cache_lookups_total{result="hit"} 1`,
		`skillett_verification_cache_lookups_total{result="miss"} 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, full) || strings.Contains(body, full[:11]) {
		t.Error("/metrics shows a key")
	}
}

// /metrics speaks OpenMetrics to a scraper that asks for it, as the OpenAPI
// document promises, and the Prometheus text format otherwise.
func TestMetricsOpenMetrics(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/metrics", nil, hdr{"Accept": "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"})
	r.expectStatus(t, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("Content-Type %q, want application/openmetrics-text", ct)
	}
	if !strings.HasSuffix(string(r.body), "# EOF\n") {
		t.Error("the OpenMetrics body does not end with # EOF")
	}
	r = e.do("GET", "/metrics", nil)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("without Accept: Content-Type %q, want text/plain", ct)
	}
}

// Messages are JSON-encoded without HTML escaping: "<token>" stays readable.
func TestMessagesNotHTMLEscaped(t *testing.T) {
	e := newEnv(t, withServiceTokens(serviceToken))
	r := e.do("POST", "/verify", map[string]any{"key": "sk_x"})
	r.expectError(t, http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(string(r.body), "Bearer <token>") {
		t.Errorf("got %s, want the message's <token> unescaped", r.body)
	}
}
