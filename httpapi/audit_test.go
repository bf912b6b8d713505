package httpapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/service"
)

// auditLog walks the whole log of auth through GET /audit-log by pages of
// limit.
func (e *env) auditLog(auth hdr, limit int) []httpapi.AuditEvent {
	e.t.Helper()
	var out []httpapi.AuditEvent
	cursor := ""
	for range 100 {
		path := "/audit-log?limit=" + itoa(limit)
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := e.do("GET", path, nil, auth)
		r.expectStatus(e.t, http.StatusOK)
		page := decodeAs[httpapi.AuditLog](e.t, r)
		out = append(out, page.Events...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			return out
		}
		cursor = *page.NextCursor
	}
	e.t.Fatal("audit log: more than 100 pages")
	return nil
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestAuditLog(t *testing.T) {
	e := newEnv(t)

	const email = "ada@example.com"
	ua := hdr{"User-Agent": "audit-test/1"}
	token := e.signup(email)
	e.do("POST", "/auth/login", map[string]string{"email": email, "password": "wrong password"}, ua).expectStatus(t, http.StatusUnauthorized)
	id, full := e.createKey(session(token), map[string]any{"name": "CI deploy"})
	e.do("DELETE", "/api-keys/"+id, nil, bearer(full)).expectStatus(t, http.StatusNoContent)

	events := e.auditLog(session(token), 50)
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
	}
	want := []string{skillett.EventKeyRevoked, skillett.EventKeyCreated, skillett.EventUserLoginFail, skillett.EventUserSignedUp}
	if !slices.Equal(types, want) {
		t.Fatalf("types: got %v, want %v", types, want)
	}
	revoked, created, failed := events[0], events[1], events[2]
	if a := revoked.Actor; a.Type != "api_key" || val(a.ID) != id || val(revoked.KeyID) != id || val(revoked.IP) != "127.0.0.1" {
		t.Errorf("key.revoked: got actor %s %v key_id %v ip %v, want api_key %s, key %s, 127.0.0.1", a.Type, val(a.ID), val(revoked.KeyID), val(revoked.IP), id, id)
	}
	if a := created.Actor; a.Type != "session" || a.ID != nil {
		t.Errorf("key.created: got actor %s %v, want session with null id", a.Type, val(a.ID))
	}
	if a := failed.Actor; a.Type != "anonymous" || val(failed.UserAgent) != "audit-test/1" || failed.KeyID != nil {
		t.Errorf("user.login_failed: got actor %s %v user_agent %v key_id %v", a.Type, val(a.ID), val(failed.UserAgent), val(failed.KeyID))
	}
	if got := e.auditLog(session(token), 1); len(got) != len(events) {
		t.Errorf("paged by 1: got %d events, want %d", len(got), len(events))
	}

	t.Run("OnlyOwnEvents", func(t *testing.T) {
		other := e.signup("bob@example.com")
		if got := e.auditLog(session(other), 50); len(got) != 1 || got[0].Type != skillett.EventUserSignedUp {
			t.Fatalf("another user's log: got %v, want only their sign-up", got)
		}
	})
	t.Run("BadRequest", func(t *testing.T) {
		for _, q := range []string{"limit=0", "limit=201", "limit=x", "cursor=garbage!", "cursor=", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("1.x"))} {
			e.do("GET", "/audit-log?"+q, nil, session(token)).expectError(t, http.StatusBadRequest, skillett.EINVALID)
		}
	})
	t.Run("Unauthorized", func(t *testing.T) {
		e.do("GET", "/audit-log", nil).expectError(t, http.StatusUnauthorized, skillett.EUNAUTHORIZED)
		_, restricted := e.createKey(session(token), map[string]any{"name": "github only", "scopes": []string{"github"}})
		e.do("GET", "/audit-log", nil, bearer(restricted)).expectError(t, http.StatusForbidden, skillett.EINSUFFICIENTSCOPE)
	})
}

// TestAuditNoSecrets makes an event of every type and scans their JSON,
// as the API and the CLI show it, for every secret involved.
func TestAuditNoSecrets(t *testing.T) {
	e := newEnv(t)
	const email = "ada@example.com"
	token := e.signup(email)
	e.do("POST", "/auth/login", map[string]string{"email": email, "password": "wrong " + password}).expectStatus(t, http.StatusUnauthorized)
	login := e.do("POST", "/auth/login", map[string]string{"email": email, "password": password})
	login.expectStatus(t, http.StatusOK)
	var token2 string
	for _, c := range (&http.Response{Header: login.header}).Cookies() {
		token2 = c.Value
	}
	if _, err := e.Service.SetPlan(t.Context(), email, skillett.PlanPro); err != nil {
		t.Fatal(err)
	}
	id, full := e.createKey(session(token), map[string]any{"name": "revoked"})
	e.do("DELETE", "/api-keys/"+id, nil, session(token)).expectStatus(t, http.StatusNoContent)
	rolledID, rolled := e.createKey(session(token), map[string]any{"name": "rolled"})
	e.do("PATCH", "/api-keys/"+rolledID, map[string]any{"name": "renamed"}, bearer(rolled)).expectStatus(t, http.StatusOK)
	roll := e.do("POST", "/api-keys/"+rolledID+"/roll", map[string]any{"grace_period_seconds": 60}, session(token))
	roll.expectStatus(t, http.StatusCreated)
	newFull := decodeAs[httpapi.RollKeyResponse](t, roll).FullKey
	_, leaked := e.createKey(session(token), map[string]any{"name": "leaked"})
	if _, err := e.Service.ReportLeaks(t.Context(), []service.LeakReport{{Token: leaked, Source: "content", URL: "https://github.com/acme/app"}}); err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/auth/logout", nil, session(token2)).expectStatus(t, http.StatusNoContent)
	// The account page's password change and "sign out everywhere".
	before, err := e.Service.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	const newPassword = "a new " + password
	if err := e.Service.ChangePassword(t.Context(), token, password, newPassword); err != nil {
		t.Fatal(err)
	}
	if err := e.Service.LogoutEverywhere(t.Context(), token); err != nil {
		t.Fatal(err)
	}

	u, err := e.Service.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	events, _, err := e.Service.AuditLog(t.Context(), u.ID, service.MaxAuditLimit, "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var all strings.Builder
	for _, ev := range events {
		seen[ev.Type] = true
		b, err := json.Marshal(httpapi.NewAuditEvent(ev))
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	for _, typ := range skillett.EventTypes {
		if !seen[typ] {
			t.Errorf("no %s event was made", typ)
		}
	}
	var secrets []string
	for _, s := range []string{full, leaked, rolled, newFull, password, "wrong " + password, newPassword, token, token2} {
		secrets = append(secrets, s)
		for _, h := range [][32]byte{sha256.Sum256([]byte(s)), apikey.Hash(s)} {
			secrets = append(secrets, hex.EncodeToString(h[:]), base64.StdEncoding.EncodeToString(h[:]), base64.RawURLEncoding.EncodeToString(h[:]))
		}
	}
	secrets = append(secrets, u.PasswordHash, before.PasswordHash)
	for _, s := range secrets {
		if strings.Contains(all.String(), s) {
			t.Errorf("an event contains the secret %.12s…", s)
		}
	}
}
