package keyauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
)

func TestBearerToken(t *testing.T) {
	for _, c := range []struct {
		header  []string
		token   string
		present bool
	}{
		{nil, "", false},
		{[]string{"Bearer sk_x"}, "sk_x", true},
		{[]string{"bEaReR   sk_x  "}, "sk_x", true},
		{[]string{"Basic abc"}, "", true},
		{[]string{"Bearer"}, "", true},
		{[]string{"Bearer "}, "", true},
		{[]string{""}, "", true},
		{[]string{"Bearer a", "Bearer b"}, "", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, h := range c.header {
			r.Header.Add("Authorization", h)
		}
		token, present := keyauth.BearerToken(r)
		if token != c.token || present != c.present {
			t.Errorf("BearerToken(%q): got %q, %v; want %q, %v", c.header, token, present, c.token, c.present)
		}
	}
}

// verifierFunc adapts a function to skillett.Verifier.
type verifierFunc func(ctx context.Context, key, scope string) (skillett.Verification, error)

func (f verifierFunc) VerifyKey(ctx context.Context, key, scope string) (skillett.Verification, error) {
	return f(ctx, key, scope)
}

// When the verifier cannot answer, the request is refused with 500, never
// let through.
func TestVerifierFailureRefuses(t *testing.T) {
	failing := verifierFunc(func(context.Context, string, string) (skillett.Verification, error) {
		return skillett.Verification{}, errors.New("database down")
	})
	h := keyauth.Middleware(failing)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler ran")
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer sk_whatever")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError {
		t.Errorf("got %d, want 500", w.Code)
	}
}

func TestRefusals(t *testing.T) {
	for outcome, want := range map[skillett.Outcome]int{
		skillett.VerifyMalformed: 401, skillett.VerifyNotFound: 401, skillett.VerifyRevoked: 401,
		skillett.VerifyExpired: 401, skillett.VerifyInsufficientScope: 403,
	} {
		v := verifierFunc(func(context.Context, string, string) (skillett.Verification, error) {
			return skillett.Verification{Outcome: outcome}, nil
		})
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer sk_whatever")
		w := httptest.NewRecorder()
		keyauth.RequireScope(v, "github")(http.NotFoundHandler()).ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("%s: got %d, want %d", outcome, w.Code, want)
		}
		if want == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", outcome)
		}
	}
}
