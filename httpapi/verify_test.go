package httpapi_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/httpapi"
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
		// Every member is present, expires_at and rate_limit as null: the
		// raw object shows it, as a decoded VerifyResponse cannot tell an
		// absent member from a null one.
		expectFields(t, "POST /verify", r.body, "valid", "code", "key_id", "user_id", "plan", "scopes", "expires_at", "rate_limit")
		want := httpapi.VerifyResponse{Valid: true, Code: "valid", KeyID: allID, UserID: decodeAs[httpapi.Me](t, me).ID, Plan: "pro", Scopes: []string{"*"}}
		if got := decodeAs[httpapi.VerifyResponse](t, r); !reflect.DeepEqual(got, want) {
			t.Errorf("got %s, want %+v", r.body, want)
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
			expectFields(t, "POST /verify", r.body, "valid", "code") // raw: a decoded VerifyResponse cannot count its members
			if v := decodeAs[httpapi.VerifyResponse](t, r); v.Valid || v.Code != c.code {
				t.Errorf("got %s, want valid false and code %s only", r.body, c.code)
			}
		})
	}
	t.Run("NotFound", func(t *testing.T) {
		if v := e.verify(t, map[string]any{"key": neverIssued()}, svc); v.Code != "not_found" {
			t.Errorf("got %+v, want code not_found", v)
		}
	})
	t.Run("CountsAsUse", func(t *testing.T) {
		if err := e.Service.FlushUsage(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, k := range e.listKeys(auth) {
			if k.ID == allID && val(k.LastUsedAt) != "2026-04-08T10:00:00Z" {
				t.Errorf("last_used_at after a valid verify: got %v", val(k.LastUsedAt))
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

// verify does POST /verify with body and auth, and decodes its answer.
func (e *env) verify(t *testing.T, body any, auth hdr) httpapi.VerifyResponse {
	t.Helper()
	r := e.do("POST", "/verify", body, auth)
	r.expectStatus(t, http.StatusOK)
	return decodeAs[httpapi.VerifyResponse](t, r)
}

// rateLimitOf is v's rate_limit, nil when it is null or absent.
func rateLimitOf(v httpapi.VerifyResponse) *httpapi.VerifyRateLimit {
	if v.RateLimit == nil {
		return nil
	}
	return *v.RateLimit
}

func neverIssued() string {
	body := "sk_" + apikey.RandomString(apikey.Alphabet, 32)
	return body + apikey.Checksum(body)
}
