package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
)

// detail does GET /api-keys/{id}.
func (e *env) detail(auth hdr, id string) *resp {
	e.t.Helper()
	return e.do("GET", "/api-keys/"+id, nil, auth)
}

var detailFields = []string{"id", "name", "key_prefix", "scopes", "last_used_at", "expires_at", "revoked_at", "created_at",
	"ip_allowlist", "rate_limit", "replaced_by", "revocation_reason"}

func TestKeyDetail(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	id, _ := e.createKey(auth, map[string]any{"name": "Edge",
		"ip_allowlist": []string{"203.0.113.7", "10.1.2.3/8", "2001:db8::1/32", "::ffff:192.0.2.1"},
		"rate_limit":   map[string]any{"limit": 100, "window_seconds": 60}})

	r := e.detail(auth, id)
	r.expectStatus(t, http.StatusOK)
	expectFields(t, "GET /api-keys/{id}", r.body, detailFields...) // raw: a decoded KeyDetail cannot tell a missing member
	d := decodeAs[httpapi.KeyDetail](t, r)
	if got := fmt.Sprint(d.IPAllowlist); got != "[203.0.113.7/32 10.0.0.0/8 2001:db8::/32 192.0.2.1/32]" {
		t.Errorf("ip_allowlist: got %s, want normalised prefixes", got)
	}
	if got := val(d.RateLimit); got != (httpapi.RateLimit{Limit: 100, WindowSeconds: 60}) {
		t.Errorf("rate_limit: got %+v", got)
	}
	if d.ReplacedBy != nil || d.RevocationReason != nil || d.ID != id {
		t.Errorf("got %s", r.body)
	}
	// The list keeps its eight fields: counted on the raw objects, as a
	// decoded ListedKey cannot show a missing member.
	list := e.do("GET", "/api-keys", nil, auth)
	list.expectStatus(t, http.StatusOK)
	for _, k := range decodeAs[[]json.RawMessage](t, list) {
		expectFields(t, "GET /api-keys item", k, detailFields[:8]...)
	}

	plainID, plainFull := e.createKey(auth, map[string]any{"name": "Plain"})
	r = e.detail(bearer(plainFull), plainID) // any full-access key may read
	r.expectStatus(t, http.StatusOK)
	if d := decodeAs[httpapi.KeyDetail](t, r); d.IPAllowlist != nil || d.RateLimit != nil {
		t.Errorf("plain key: got %s, want null ip_allowlist and rate_limit", r.body)
	}

	e.do("DELETE", "/api-keys/"+plainID, nil, auth).expectStatus(t, http.StatusNoContent)
	if d := decodeAs[httpapi.KeyDetail](t, e.detail(auth, plainID)); val(d.RevocationReason) != "revoked" {
		t.Errorf("revoked key: got revocation_reason %v, want revoked", val(d.RevocationReason))
	}

	other := session(e.user("b@example.com", skillett.PlanPro))
	e.detail(other, id).expectError(t, http.StatusNotFound, "not_found")
	e.detail(auth, "key_doesnotexist").expectError(t, http.StatusNotFound, "not_found")
	e.detail(auth, "%20'").expectError(t, http.StatusNotFound, "not_found")
	_, restricted := e.createKey(auth, map[string]any{"name": "CI", "scopes": []string{"github"}})
	e.detail(bearer(restricted), id).expectError(t, http.StatusForbidden, "insufficient_scope")
	e.detail(nil, id).expectError(t, http.StatusUnauthorized, "unauthorized")
}

// Bad allowlists and rate limits on create: 400, and no key is made.
func TestCreateKeyBadAttributes(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	for _, bad := range []map[string]any{
		{"ip_allowlist": []string{}},
		{"ip_allowlist": []string{"300.1.1.1"}},
		{"ip_allowlist": []string{"10.0.0.0/33"}},
		{"ip_allowlist": []string{"example.com"}},
		{"ip_allowlist": []string{"fe80::1%eth0"}},
		{"ip_allowlist": "10.0.0.0/8"},
		{"ip_allowlist": []int{1}},
		{"ip_allowlist": strings.Split(strings.Repeat("10.0.0.1,", 101)[:9*101-1], ",")},
		{"rate_limit": map[string]any{"limit": 0, "window_seconds": 60}},
		{"rate_limit": map[string]any{"limit": 1000001, "window_seconds": 60}},
		{"rate_limit": map[string]any{"limit": 10, "window_seconds": 0}},
		{"rate_limit": map[string]any{"limit": 10, "window_seconds": 86401}},
		{"rate_limit": map[string]any{"limit": 10, "window_seconds": 1 << 62}},
		{"rate_limit": map[string]any{"limit": "10", "window_seconds": 60}},
		{"rate_limit": map[string]any{"limit": 1.5, "window_seconds": 60}},
		{"rate_limit": map[string]any{"limit": 10}},
		{"rate_limit": map[string]any{"limit": 10, "window_seconds": 60, "burst": 2}},
		{"rate_limit": 5},
	} {
		bad["name"] = "bad"
		r := e.do("POST", "/api-keys", bad, auth)
		r.desc += fmt.Sprintf(" %v", bad)
		r.expectError(t, http.StatusBadRequest, "invalid_request")
	}
	if n := len(e.listKeys(auth)); n != 0 {
		t.Fatalf("keys after refused creates: got %d, want 0", n)
	}
	// The bounds themselves are fine.
	e.createKey(auth, map[string]any{"name": "max", "rate_limit": map[string]any{"limit": 1000000, "window_seconds": 86400},
		"ip_allowlist": strings.Split(strings.Repeat("10.0.0.1,", 100)[:9*100-1], ",")})
	e.createKey(auth, map[string]any{"name": "min", "rate_limit": map[string]any{"limit": 1, "window_seconds": 1}, "ip_allowlist": nil})
}

func TestUpdateKey(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	id, full := e.createKey(auth, map[string]any{"name": "Old", "expires_at": "2026-04-10T00:00:00Z"})

	r := e.do("PATCH", "/api-keys/"+id, map[string]any{"name": "  New  "}, auth)
	r.expectStatus(t, http.StatusOK)
	expectFields(t, "PATCH response", r.body, detailFields...) // raw: a decoded KeyDetail cannot tell a missing member
	if d := decodeAs[httpapi.KeyDetail](t, r); d.Name != "New" || val(d.ExpiresAt) != "2026-04-10T00:00:00Z" {
		t.Errorf("after renaming: got %s, want the new name and the expiry kept", r.body)
	}
	r = e.do("PATCH", "/api-keys/"+id, map[string]any{"expires_at": nil, "ip_allowlist": []string{"127.0.0.1"},
		"rate_limit": map[string]any{"limit": 5, "window_seconds": 60}}, auth)
	r.expectStatus(t, http.StatusOK)
	if d := decodeAs[httpapi.KeyDetail](t, r); d.ExpiresAt != nil || fmt.Sprint(d.IPAllowlist) != "[127.0.0.1/32]" || val(d.RateLimit) != (httpapi.RateLimit{Limit: 5, WindowSeconds: 60}) {
		t.Errorf("after the second PATCH: got %s", r.body)
	}
	r = e.do("PATCH", "/api-keys/"+id, map[string]any{"ip_allowlist": nil, "rate_limit": nil}, auth)
	r.expectStatus(t, http.StatusOK)
	if d := decodeAs[httpapi.KeyDetail](t, r); d.IPAllowlist != nil || d.RateLimit != nil {
		t.Errorf("after clearing: got %s", r.body)
	}

	// Narrowing the scopes applies to the very next request.
	e.do("GET", "/api-keys", nil, bearer(full)).expectStatus(t, http.StatusOK)
	e.do("PATCH", "/api-keys/"+id, map[string]any{"scopes": []string{"github"}}, auth).expectStatus(t, http.StatusOK)
	e.do("GET", "/api-keys", nil, bearer(full)).expectError(t, http.StatusForbidden, "insufficient_scope")
	e.do("PATCH", "/api-keys/"+id, map[string]any{"name": "x"}, bearer(full)).expectError(t, http.StatusForbidden, "insufficient_scope")
}

// Every bad update gets its error and changes nothing.
func TestUpdateKeyBadInput(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	id, _ := e.createKey(auth, map[string]any{"name": "Kept", "scopes": []string{"github"}, "ip_allowlist": []string{"10.0.0.0/8"}})
	before := e.detail(auth, id).body
	for _, c := range []struct {
		body   any
		status int
		code   string
	}{
		{map[string]any{}, 400, "invalid_request"},
		{map[string]any{"name": nil}, 400, "invalid_request"},
		{map[string]any{"scopes": nil}, 400, "invalid_request"},
		{map[string]any{"name": ""}, 400, "invalid_request"},
		{map[string]any{"name": "   "}, 400, "invalid_request"},
		{map[string]any{"name": 5}, 400, "invalid_request"},
		{map[string]any{"name": strings.Repeat("x", 101)}, 400, "invalid_request"},
		{map[string]any{"scopes": []string{}}, 400, "invalid_request"},
		{map[string]any{"scopes": []string{"*", "github"}}, 400, "invalid_request"},
		{map[string]any{"scopes": []string{"Git Hub"}}, 400, "invalid_request"},
		{map[string]any{"expires_at": "2001-01-01T00:00:00Z"}, 400, "invalid_request"},
		{map[string]any{"expires_at": "tomorrow"}, 400, "invalid_request"},
		{map[string]any{"ip_allowlist": []string{}}, 400, "invalid_request"},
		{map[string]any{"ip_allowlist": []string{"10.0.0.0/33"}}, 400, "invalid_request"},
		{map[string]any{"rate_limit": map[string]any{"limit": 0, "window_seconds": 1}}, 400, "invalid_request"},
		{map[string]any{"rate_limit": map[string]any{"limit": 1}}, 400, "invalid_request"},
		// Nested members are as strict as the body's (SPEC §12): exact case, once, known.
		{map[string]any{"rate_limit": map[string]any{"LIMIT": 5, "Window_Seconds": 60}}, 400, "invalid_request"},
		{`{"rate_limit": {"limit": 5, "limit": 6, "window_seconds": 60}}`, 400, "invalid_request"},
		{map[string]any{"rate_limit": map[string]any{"limit": 5, "window_seconds": 60, "burst": 2}}, 400, "invalid_request"},
		{map[string]any{"name": "ok", "colour": "red"}, 400, "invalid_request"},
		{map[string]any{"name": "ok", "scopes": []string{}}, 400, "invalid_request"}, // nothing of a bad request applies
		{"[]", 400, "invalid_request"},
		{"", 400, "invalid_request"},
	} {
		r := e.do("PATCH", "/api-keys/"+id, c.body, auth)
		r.desc += fmt.Sprintf(" %v", c.body)
		r.expectError(t, c.status, c.code)
	}
	e.do("PATCH", "/api-keys/key_doesnotexist", map[string]any{"name": "x"}, auth).expectError(t, http.StatusNotFound, "not_found")
	other := session(e.user("b@example.com", skillett.PlanPro))
	e.do("PATCH", "/api-keys/"+id, map[string]any{"name": "mine"}, other).expectError(t, http.StatusNotFound, "not_found")
	if after := e.detail(auth, id).body; string(after) != string(before) {
		t.Fatalf("key after refused updates:\ngot  %s\nwant %s", after, before)
	}

	// Revoked and expired keys cannot change.
	exp, _ := e.createKey(auth, map[string]any{"name": "Short", "expires_at": "2026-04-08T10:00:30Z"})
	e.do("DELETE", "/api-keys/"+id, nil, auth).expectStatus(t, http.StatusNoContent)
	e.Clock.Advance(time.Minute)
	for _, k := range []string{id, exp} {
		before := e.detail(auth, k).body
		e.do("PATCH", "/api-keys/"+k, map[string]any{"name": "again", "expires_at": nil}, auth).expectError(t, http.StatusConflict, "conflict")
		if after := e.detail(auth, k).body; string(after) != string(before) {
			t.Fatalf("key after a refused update:\ngot  %s\nwant %s", after, before)
		}
	}
}

func TestRollKey(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanFree))
	oldID, oldFull := e.createKey(auth, map[string]any{"name": "Deploy", "scopes": []string{"github"},
		"rate_limit": map[string]any{"limit": 5, "window_seconds": 60}, "ip_allowlist": []string{"127.0.0.0/8"}})

	e.Clock.Advance(1500 * time.Millisecond)
	r := e.do("POST", "/api-keys/"+oldID+"/roll", map[string]any{"grace_period_seconds": 3600}, auth)
	r.expectStatus(t, http.StatusCreated)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", cc)
	}
	// Exactly these members: counted on the raw objects, as a decoded
	// RollKeyResponse cannot tell a missing member.
	expectFields(t, "roll response", r.body, "api_key", "full_key", "rolled_key")
	raw := members(t, "roll response", r.body)
	expectFields(t, "roll response api_key", raw["api_key"], "id", "name", "key_prefix", "scopes", "expires_at", "created_at")
	expectFields(t, "roll response rolled_key", raw["rolled_key"], detailFields...)
	roll := decodeAs[httpapi.RollKeyResponse](t, r)
	nk, rolled, newFull := roll.APIKey, roll.RolledKey, roll.FullKey
	if !fullKeyRE.MatchString(newFull) || newFull == oldFull || nk.KeyPrefix != newFull[:11] || nk.Name != "Deploy" || fmt.Sprint(nk.Scopes) != "[github]" {
		t.Errorf("new key: got %s", r.body)
	}
	if rolled.ID != oldID || val(rolled.ReplacedBy) != nk.ID || val(rolled.ExpiresAt) != "2026-04-08T11:00:01Z" {
		t.Errorf("rolled_key: got %+v, want replaced_by %v and expires_at now + 1 h to the second", rolled, nk.ID)
	}
	d := decodeAs[httpapi.KeyDetail](t, e.detail(auth, nk.ID))
	if fmt.Sprint(d.IPAllowlist) != "[127.0.0.0/8]" || val(d.RateLimit) != (httpapi.RateLimit{Limit: 5, WindowSeconds: 60}) {
		t.Errorf("new key's attributes: got ip_allowlist %v, rate_limit %+v", d.IPAllowlist, val(d.RateLimit))
	}

	// Both keys work during the grace period; the Free user is at its limit.
	e.do("GET", "/me", nil, bearer(oldFull)).expectStatus(t, http.StatusOK)
	e.do("GET", "/me", nil, bearer(newFull)).expectStatus(t, http.StatusOK)
	e.do("POST", "/api-keys", map[string]any{"name": "second"}, auth).expectError(t, http.StatusForbidden, "plan_limit_reached")
	e.do("POST", "/api-keys/"+oldID+"/roll", nil, auth).expectError(t, http.StatusConflict, "conflict")

	// After the grace period the old key is refused.
	e.Clock.Advance(time.Hour)
	e.do("GET", "/me", nil, bearer(oldFull)).expectError(t, http.StatusUnauthorized, "unauthorized")
	e.do("GET", "/me", nil, bearer(newFull)).expectStatus(t, http.StatusOK)

	// Grace 0 (an empty body): refused from the next request on.
	r = e.do("POST", "/api-keys/"+nk.ID+"/roll", nil, auth)
	r.expectStatus(t, http.StatusCreated)
	e.do("GET", "/me", nil, bearer(newFull)).expectError(t, http.StatusUnauthorized, "unauthorized")
	e.do("GET", "/me", nil, bearer(decodeAs[httpapi.RollKeyResponse](t, r).FullKey)).expectStatus(t, http.StatusOK)
}

// A roll never extends a key's life: the old key keeps the earlier expiry.
func TestRollKeyKeepsEarlierExpiry(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	id, _ := e.createKey(auth, map[string]any{"name": "Soon", "expires_at": "2026-04-08T10:10:00Z"})
	r := e.do("POST", "/api-keys/"+id+"/roll", map[string]any{"grace_period_seconds": 604800}, auth)
	r.expectStatus(t, http.StatusCreated)
	roll := decodeAs[httpapi.RollKeyResponse](t, r)
	if got := val(roll.RolledKey.ExpiresAt); got != "2026-04-08T10:10:00Z" {
		t.Errorf("old key's expires_at: got %v, want its own 2026-04-08T10:10:00Z", got)
	}
	if got := val(roll.APIKey.ExpiresAt); got != "2026-04-08T10:10:00Z" {
		t.Errorf("new key's expires_at: got %v, want the old key's", got)
	}
}

// Every bad roll gets its error and changes nothing.
func TestRollKeyBadInput(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	id, _ := e.createKey(auth, map[string]any{"name": "Kept"})
	before := e.detail(auth, id).body
	for _, body := range []any{
		map[string]any{"grace_period_seconds": -1},
		map[string]any{"grace_period_seconds": 604801},
		map[string]any{"grace_period_seconds": "60"},
		map[string]any{"grace_period_seconds": 1.5},
		map[string]any{"grace": 60},
		"[]",
		"{",
	} {
		r := e.do("POST", "/api-keys/"+id+"/roll", body, auth)
		r.desc += fmt.Sprintf(" %v", body)
		r.expectError(t, http.StatusBadRequest, "invalid_request")
	}
	other := session(e.user("b@example.com", skillett.PlanPro))
	e.do("POST", "/api-keys/"+id+"/roll", nil, other).expectError(t, http.StatusNotFound, "not_found")
	e.do("POST", "/api-keys/key_doesnotexist/roll", nil, auth).expectError(t, http.StatusNotFound, "not_found")
	if after := e.detail(auth, id).body; string(after) != string(before) {
		t.Fatalf("key after refused rolls:\ngot  %s\nwant %s", after, before)
	}
	if n := len(e.listKeys(auth)); n != 1 {
		t.Fatalf("keys after refused rolls: got %d, want 1", n)
	}

	// Revoked and expired keys cannot be rolled.
	exp, _ := e.createKey(auth, map[string]any{"name": "Short", "expires_at": "2026-04-08T10:00:30Z"})
	e.do("DELETE", "/api-keys/"+id, nil, auth).expectStatus(t, http.StatusNoContent)
	e.Clock.Advance(time.Minute)
	for _, k := range []string{id, exp} {
		e.do("POST", "/api-keys/"+k+"/roll", nil, auth).expectError(t, http.StatusConflict, "conflict")
	}
	if n := len(e.listKeys(auth)); n != 2 {
		t.Fatalf("keys after refused rolls: got %d, want 2", n)
	}
	for _, k := range e.listKeys(auth) {
		if d := decodeAs[httpapi.KeyDetail](t, e.detail(auth, k.ID)); d.ReplacedBy != nil {
			t.Errorf("key %v after a refused roll: replaced_by %v, want null", k.ID, val(d.ReplacedBy))
		}
	}
}
