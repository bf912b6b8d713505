package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
)

var (
	fullKeyRE = regexp.MustCompile(`^sk_[0-9A-Za-z]{38}$`)
	keyIDRE   = regexp.MustCompile(`^key_[a-z0-9]+$`)
)

func TestCreateKey(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanFree))

	t.Run("OK", func(t *testing.T) {
		r := e.do("POST", "/api-keys", map[string]any{"name": "  Production  "}, auth)
		r.expectStatus(t, http.StatusCreated)
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", got)
		}
		// Exactly the page's members: counted on the raw object, as a
		// decoded CreateKeyResponse cannot tell a missing member.
		expectFields(t, "POST /api-keys", r.body, "api_key", "full_key")
		expectFields(t, "POST /api-keys api_key", members(t, "POST /api-keys", r.body)["api_key"],
			"id", "name", "key_prefix", "scopes", "expires_at", "created_at")
		c := decodeAs[httpapi.CreateKeyResponse](t, r)
		k, full := c.APIKey, c.FullKey
		if !fullKeyRE.MatchString(full) || k.KeyPrefix != full[:11] || !keyIDRE.MatchString(k.ID) {
			t.Errorf("got full_key %q, key_prefix %v, id %v", full, k.KeyPrefix, k.ID)
		}
		if k.Name != "Production" || fmt.Sprint(k.Scopes) != "[*]" || k.ExpiresAt != nil || k.CreatedAt != "2026-04-08T10:00:00Z" {
			t.Errorf("got %s", r.body)
		}
	})
	t.Run("ErrPlanLimit", func(t *testing.T) {
		e.do("POST", "/api-keys", map[string]any{"name": "second"}, auth).expectError(t, http.StatusForbidden, "plan_limit_reached")
		if n := len(e.listKeys(auth)); n != 1 {
			t.Errorf("keys after the refused create: got %d, want 1", n)
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		e.do("POST", "/api-keys", map[string]any{"name": "x"}).expectError(t, http.StatusUnauthorized, "unauthorized")
	})
}

func TestCreateKeyScopesAndExpiry(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	r := e.do("POST", "/api-keys", map[string]any{"name": "gh", "scopes": []string{"github", "slack_2"}, "expires_at": "2026-04-08T12:30:00+02:00"}, auth)
	r.expectStatus(t, http.StatusCreated)
	k := decodeAs[httpapi.CreateKeyResponse](t, r).APIKey
	if fmt.Sprint(k.Scopes) != "[github slack_2]" || val(k.ExpiresAt) != "2026-04-08T10:30:00Z" {
		t.Errorf("got scopes %v, expires_at %v; want [github slack_2], 2026-04-08T10:30:00Z", k.Scopes, val(k.ExpiresAt))
	}
	// Any lead is enough, even one second; fractions are cut to the second.
	r = e.do("POST", "/api-keys", map[string]any{"name": "soon", "expires_at": "2026-04-08T10:00:01.9Z"}, auth)
	r.expectStatus(t, http.StatusCreated)
	if got := val(decodeAs[httpapi.CreateKeyResponse](t, r).APIKey.ExpiresAt); got != "2026-04-08T10:00:01Z" {
		t.Errorf("expires_at: got %v, want 2026-04-08T10:00:01Z", got)
	}
	r = e.do("POST", "/api-keys", map[string]any{"name": "never", "expires_at": nil}, auth)
	r.expectStatus(t, http.StatusCreated)
}

// Every bad create request gets its code and leaves the store unchanged.
func TestCreateKeyBadInput(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	big := `{"name":"x"` + strings.Repeat(" ", 100<<10) + `}`
	for _, c := range []struct {
		name   string
		body   any
		hdr    hdr
		status int
		code   string
	}{
		{"missing name", map[string]any{}, nil, 400, "invalid_request"},
		{"null name", map[string]any{"name": nil}, nil, 400, "invalid_request"},
		{"blank name", map[string]any{"name": " \t "}, nil, 400, "invalid_request"},
		{"name of 101 characters", map[string]any{"name": strings.Repeat("é", 101)}, nil, 400, "invalid_request"},
		{"name with a control character", map[string]any{"name": "a\u0007b"}, nil, 400, "invalid_request"},
		{"name not a string", map[string]any{"name": 5}, nil, 400, "invalid_request"},
		{"empty scopes", map[string]any{"name": "x", "scopes": []string{}}, nil, 400, "invalid_request"},
		{"* with another scope", map[string]any{"name": "x", "scopes": []string{"*", "github"}}, nil, 400, "invalid_request"},
		{"invalid scope", map[string]any{"name": "x", "scopes": []string{"Bad Scope"}}, nil, 400, "invalid_request"},
		{"scope too long", map[string]any{"name": "x", "scopes": []string{"a" + strings.Repeat("b", 63)}}, nil, 400, "invalid_request"},
		{"duplicate scopes", map[string]any{"name": "x", "scopes": []string{"github", "github"}}, nil, 400, "invalid_request"},
		{"scopes not an array", map[string]any{"name": "x", "scopes": "github"}, nil, 400, "invalid_request"},
		{"scope not a string", map[string]any{"name": "x", "scopes": []any{1}}, nil, 400, "invalid_request"},
		{"unknown field", map[string]any{"name": "x", "bogus": 1}, nil, 400, "invalid_request"},
		{"malformed JSON", `{"name":`, nil, 400, "invalid_request"},
		{"two JSON values", `{"name":"x"}{"name":"y"}`, nil, 400, "invalid_request"},
		{"an array", `[{"name":"x"}]`, nil, 400, "invalid_request"},
		{"empty body", "", nil, 400, "invalid_request"},
		{"expires_at in the past", map[string]any{"name": "x", "expires_at": "2026-04-08T09:59:59Z"}, nil, 400, "invalid_request"},
		{"expires_at now", map[string]any{"name": "x", "expires_at": "2026-04-08T10:00:00Z"}, nil, 400, "invalid_request"},
		{"expires_at not a date", map[string]any{"name": "x", "expires_at": "tomorrow"}, nil, 400, "invalid_request"},
		{"expires_at a number", map[string]any{"name": "x", "expires_at": 1775642400}, nil, 400, "invalid_request"},
		{"Content-Type text/plain", map[string]any{"name": "x"}, hdr{"Content-Type": "text/plain"}, 415, "unsupported_media_type"},
		{"Content-Type form", "name=x", hdr{"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"100 KiB body", big, nil, 413, "payload_too_large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.do("POST", "/api-keys", c.body, auth, c.hdr).expectError(t, c.status, c.code)
		})
	}
	if n := len(e.listKeys(auth)); n != 0 {
		t.Errorf("keys after only bad requests: got %d, want 0", n)
	}
	// JSON with a charset, or no Content-Type at all, is fine.
	e.do("POST", "/api-keys", map[string]any{"name": "x"}, auth, hdr{"Content-Type": "application/json; charset=utf-8"}).expectStatus(t, http.StatusCreated)
	e.do("POST", "/api-keys", map[string]any{"name": "y"}, auth, hdr{"Content-Type": ""}).expectStatus(t, http.StatusCreated)
}

// 20 concurrent creates for a free user over HTTP yield exactly one key.
func TestCreateKeyConcurrentPlanLimit(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanFree))
	var (
		mu     sync.Mutex
		status = map[int]int{}
		wg     sync.WaitGroup
		start  = make(chan struct{})
	)
	for i := range 20 {
		wg.Go(func() {
			<-start
			r := e.do("POST", "/api-keys", map[string]any{"name": fmt.Sprint("k", i)}, auth)
			mu.Lock()
			status[r.status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if status[201] != 1 || status[403] != 19 {
		t.Errorf("statuses of 20 concurrent creates: got %v, want 1×201 and 19×403", status)
	}
	if n := len(e.listKeys(auth)); n != 1 {
		t.Errorf("keys: got %d, want 1", n)
	}
}

func TestListKeys(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))

	t.Run("Empty", func(t *testing.T) {
		r := e.do("GET", "/api-keys", nil, auth)
		r.expectStatus(t, http.StatusOK)
		if strings.TrimSpace(string(r.body)) != "[]" {
			t.Errorf("got %s, want []", r.body)
		}
	})
	var ids []string
	for i := range 3 {
		id, _ := e.createKey(auth, map[string]any{"name": fmt.Sprint("k", i)})
		ids = append(ids, id)
		if i == 1 {
			e.Clock.Advance(time.Second)
		}
	}
	e.do("DELETE", "/api-keys/"+ids[0], nil, auth).expectStatus(t, http.StatusNoContent)

	t.Run("OK", func(t *testing.T) {
		r := e.do("GET", "/api-keys", nil, auth)
		r.expectStatus(t, http.StatusOK)
		list := decodeAs[[]httpapi.ListedKey](t, r)
		var got []string
		for _, k := range list {
			got = append(got, k.ID)
		}
		// The page's eight members: counted on the raw objects, as a
		// decoded ListedKey cannot tell a missing member.
		for _, k := range decodeAs[[]json.RawMessage](t, r) {
			expectFields(t, "GET /api-keys item", k, "id", "name", "key_prefix", "scopes", "last_used_at", "expires_at", "revoked_at", "created_at")
		}
		// Newest first; within one second, the later-created first.
		if want := []string{ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
			t.Errorf("order: got %v, want %v", got, want)
		}
		if val(list[2].RevokedAt) != "2026-04-08T10:00:01Z" || list[0].RevokedAt != nil {
			t.Errorf("revoked_at: got %v and %v", val(list[2].RevokedAt), val(list[0].RevokedAt))
		}
	})
	t.Run("OtherUsersKeysHidden", func(t *testing.T) {
		other := session(e.user("b@example.com", skillett.PlanFree))
		if n := len(e.listKeys(other)); n != 0 {
			t.Errorf("another user's list: got %d keys, want 0", n)
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		e.do("GET", "/api-keys", nil).expectError(t, http.StatusUnauthorized, "unauthorized")
	})
}

func TestRevokeKey(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	idA, fullA := e.createKey(auth, map[string]any{"name": "A"})
	idB, fullB := e.createKey(auth, map[string]any{"name": "B"})
	e.do("GET", "/me", nil, bearer(fullB)).expectStatus(t, http.StatusOK) // now cached

	t.Run("OK", func(t *testing.T) {
		e.do("DELETE", "/api-keys/"+idB, nil, bearer(fullA)).expectStatus(t, http.StatusNoContent)
		// Refused on the very next request.
		e.do("GET", "/me", nil, bearer(fullB)).expectError(t, http.StatusUnauthorized, "unauthorized")
	})
	t.Run("Idempotent", func(t *testing.T) {
		first := val(e.listKeys(auth)[0].RevokedAt)
		e.Clock.Advance(time.Minute)
		e.do("DELETE", "/api-keys/"+idB, nil, auth).expectStatus(t, http.StatusNoContent)
		if again := val(e.listKeys(auth)[0].RevokedAt); again != first {
			t.Errorf("revoked_at after a second revoke: got %v, want %v", again, first)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		other := session(e.user("b@example.com", skillett.PlanFree))
		for _, id := range []string{idA, "key_doesnotexist", "not-an-id", "%2e%2e"} {
			e.do("DELETE", "/api-keys/"+id, nil, other).expectError(t, http.StatusNotFound, "not_found")
		}
		e.do("GET", "/me", nil, bearer(fullA)).expectStatus(t, http.StatusOK)
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		e.do("DELETE", "/api-keys/"+idA, nil, bearer(fullB)).expectError(t, http.StatusUnauthorized, "unauthorized")
		if e.listKeys(auth)[1].RevokedAt != nil {
			t.Error("a refused revoke changed the key")
		}
	})
}

// A key restricted to integrations authenticates /me but cannot manage keys.
func TestScopedKey(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanPro))
	id, full := e.createKey(auth, map[string]any{"name": "gh", "scopes": []string{"github"}})
	for _, r := range []*resp{
		e.do("GET", "/api-keys", nil, bearer(full)),
		e.do("POST", "/api-keys", map[string]any{"name": "x"}, bearer(full)),
		e.do("DELETE", "/api-keys/"+id, nil, bearer(full)),
	} {
		r.expectError(t, http.StatusForbidden, "insufficient_scope")
	}
	me := e.do("GET", "/me", nil, bearer(full))
	me.expectStatus(t, http.StatusOK)
	a := decodeAs[httpapi.Me](t, me).Auth
	if a.Method != "api_key" || a.KeyID != id || fmt.Sprint(a.Scopes) != "[github]" {
		t.Errorf("GET /me auth: got %+v", a)
	}
	if n := len(e.listKeys(auth)); n != 1 {
		t.Errorf("keys: got %d, want 1", n)
	}
}

// A key is refused from its expires_at on, and expired keys leave room
// under the plan limit.
func TestExpiry(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanFree))
	_, full := e.createKey(auth, map[string]any{"name": "short", "expires_at": "2026-04-08T10:00:10Z"})
	e.Clock.Advance(9 * time.Second)
	e.do("GET", "/me", nil, bearer(full)).expectStatus(t, http.StatusOK)
	e.Clock.Advance(time.Second)
	r := e.do("GET", "/me", nil, bearer(full))
	r.expectError(t, http.StatusUnauthorized, "unauthorized")
	if msg := decodeAs[httpapi.ErrorBody](t, r).Message; msg != "The API key has expired." {
		t.Errorf("message: got %v", msg)
	}
	e.createKey(auth, map[string]any{"name": "replacement"})
}

func TestLastUsed(t *testing.T) {
	e := newEnv(t)
	auth := session(e.user("a@example.com", skillett.PlanFree))
	_, full := e.createKey(auth, map[string]any{"name": "k"})
	if got := val(e.listKeys(auth)[0].LastUsedAt); got != nil {
		t.Fatalf("a new key's last_used_at: got %v, want null", got)
	}
	e.Clock.Advance(5 * time.Second)
	e.do("GET", "/me", nil, bearer(full)).expectStatus(t, http.StatusOK)
	if err := e.Service.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := val(e.listKeys(bearer(full))[0].LastUsedAt); got != "2026-04-08T10:00:05Z" {
		t.Errorf("last_used_at: got %v, want 2026-04-08T10:00:05Z", got)
	}
}
