package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
)

func TestKeyUsage(t *testing.T) {
	e := newEnv(t)
	token := e.user("a@example.com", skillett.PlanPro)
	id, full := e.createKey(session(token), map[string]any{"name": "k"})
	_, restricted := e.createKey(session(token), map[string]any{"name": "gh", "scopes": []string{"github"}})
	for range 3 {
		e.do("GET", "/me", nil, bearer(full)).expectStatus(t, http.StatusOK)
	}
	if err := e.Service.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/api-keys/"+id+"/usage?days=7", nil, session(token))
	r.expectStatus(t, http.StatusOK)
	usage := decodeAs[httpapi.KeyUsage](t, r)
	if usage.KeyID != id || len(usage.Days) != 7 {
		t.Fatalf("usage?days=7: %s", r.body)
	}
	today := usage.Days[6]
	if today.Date != e.Clock.Now().UTC().Format("2006-01-02") || today.Valid != 3 {
		t.Fatalf("today's usage: %+v, want date %s and valid 3", today, e.Clock.Now().UTC().Format("2006-01-02"))
	}
	r = e.do("GET", "/api-keys/"+id+"/usage", nil, bearer(full))
	r.expectStatus(t, http.StatusOK)
	if days := decodeAs[httpapi.KeyUsage](t, r).Days; len(days) != 30 {
		t.Fatalf("usage without days: %d entries, want 30", len(days))
	}
	for _, q := range []string{"0", "91", "x", "-1", "", "1.5"} {
		e.do("GET", "/api-keys/"+id+"/usage?days="+q, nil, session(token)).expectError(t, http.StatusBadRequest, skillett.EINVALID)
	}
	other := e.user("b@example.com", skillett.PlanPro)
	e.do("GET", "/api-keys/"+id+"/usage", nil, session(other)).expectError(t, http.StatusNotFound, skillett.ENOTFOUND)
	e.do("GET", "/api-keys/key_nope/usage", nil, session(token)).expectError(t, http.StatusNotFound, skillett.ENOTFOUND)
	e.do("GET", "/api-keys/"+id+"/usage", nil, bearer(restricted)).expectError(t, http.StatusForbidden, skillett.EINSUFFICIENTSCOPE)
	e.do("GET", "/api-keys/"+id+"/usage", nil).expectError(t, http.StatusUnauthorized, skillett.EUNAUTHORIZED)
}
