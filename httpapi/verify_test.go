package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

const serviceToken = "svc_secret_token"

func TestVerify(t *testing.T) {
	e := newEnv(t, withServiceTokens("other", serviceToken))
	auth := session(e.user("a@example.com", skillett.PlanPro))
	me := e.do("GET", "/me", nil, auth)
	allID, all := e.createKey(auth, map[string]any{"name": "all"})
	_, slack := e.createKey(auth, map[string]any{"name": "slack", "scopes": []string{"slack"}})
	goneID, gone := e.createKey(auth, map[string]any{"name": "gone"})
	_, short := e.createKey(auth, map[string]any{"name": "short", "expires_at": "2026-04-08T10:00:05Z"})
	e.do("DELETE", "/api-keys/"+goneID, nil, auth).expectStatus(t, http.StatusNoContent)
	svc := bearer(serviceToken)

	t.Run("Valid", func(t *testing.T) {
		r := e.do("POST", "/verify", map[string]any{"key": all, "scope": "github"}, svc)
		r.expectStatus(t, http.StatusOK)
		want := fmt.Sprintf("map[code:valid expires_at:<nil> key_id:%s plan:pro rate_limit:<nil> scopes:[*] user_id:%s valid:true]", allID, me.json["id"])
		if got := fmt.Sprint(r.json); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	e.Clock.Advance(5 * time.Second)
	for _, c := range []struct{ name, key, scope, code string }{
		{"InsufficientScope", slack, "github", "insufficient_scope"},
		{"Revoked", gone, "", "revoked"},
		{"Expired", short, "", "expired"},
		{"Malformed", "garbage", "", "malformed"},
		{"MalformedEmpty", "", "", "malformed"},
		{"BadChecksum", "sk_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" + "000000", "", "malformed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := map[string]any{"key": c.key}
			if c.scope != "" {
				body["scope"] = c.scope
			}
			r := e.do("POST", "/verify", body, svc)
			r.expectStatus(t, http.StatusOK)
			if r.json["valid"] != false || r.json["code"] != c.code || len(r.json) != 2 {
				t.Errorf("got %s, want valid false and code %s only", r.body, c.code)
			}
		})
	}
	t.Run("NotFound", func(t *testing.T) {
		r := e.do("POST", "/verify", map[string]any{"key": neverIssued()}, svc)
		if r.json["code"] != "not_found" {
			t.Errorf("got %s, want code not_found", r.body)
		}
	})
	t.Run("CountsAsUse", func(t *testing.T) {
		if err := e.Service.FlushUsage(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, k := range e.listKeys(auth) {
			if k["id"] == allID && k["last_used_at"] != "2026-04-08T10:00:00Z" {
				t.Errorf("last_used_at after a valid verify: got %v", k["last_used_at"])
			}
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		for _, h := range []hdr{nil, bearer("wrong"), bearer(all), session("x")} {
			e.do("POST", "/verify", map[string]any{"key": all}, h).expectError(t, 401, "unauthorized")
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, body := range []any{map[string]any{}, map[string]any{"key": 1}, map[string]any{"key": all, "scope": "Not A Scope"}, map[string]any{"key": all, "extra": true}, "nope"} {
			e.do("POST", "/verify", body, svc).expectError(t, 400, "invalid_request")
		}
	})
}

func TestVerifyOffWithoutServiceTokens(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/verify", map[string]any{"key": "x"}, bearer(serviceToken)).expectError(t, 404, "not_found")
}

func neverIssued() string {
	body := "sk_" + apikey.RandomString(apikey.Alphabet, 32)
	return body + apikey.Checksum(body)
}
