package httpapi

import (
	"net/http"
	"net/netip"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/clientip"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/sessioncookie"
)

var (
	errNoCredentials = skillett.Errorf(skillett.EUNAUTHORIZED, "Authentication required: send an API key as Authorization: Bearer sk_…, or log in.")
	errBadAuthHeader = skillett.Errorf(skillett.EUNAUTHORIZED, "The Authorization header must be Bearer followed by an API key.")
	errKeyCannotMgmt = skillett.Errorf(skillett.EINSUFFICIENTSCOPE, `This API key is restricted to integrations; managing keys needs a key with the "*" scope or a dashboard session.`)
)

// authenticator resolves the principal of a request: by its Bearer key if
// it has an Authorization header (which then alone decides), else by its
// session cookie.
type authenticator struct{ svc *service.Service }

func (a authenticator) principal(w http.ResponseWriter, r *http.Request) (*skillett.Principal, error) {
	if token, present := keyauth.BearerToken(r); present {
		if token == "" {
			return nil, errBadAuthHeader
		}
		res, err := a.svc.KeyPrincipal(r.Context(), token, requestAddr(r))
		keyauth.SetRateLimitHeaders(w.Header(), res.RateLimit)
		return res.Principal, err
	}
	if token := sessioncookie.Token(r); token != "" {
		return a.svc.SessionPrincipal(r.Context(), token)
	}
	return nil, errNoCredentials
}

// any requires an authenticated principal, whatever its scopes. Every
// answer behind it is private, the full keys of create and roll included.
func (a authenticator) any(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		private(w)
		p, err := a.principal(w, r)
		if err != nil {
			fail(w, r, err)
			return
		}
		ctx := keyauth.WithPrincipal(r.Context(), p)
		next.ServeHTTP(w, r.WithContext(skillett.WithActor(ctx, principalActor(ctx, p))))
	})
}

// fullAccess requires a session or a key with the "*" scope.
func (a authenticator) fullAccess(next http.Handler) http.Handler {
	return a.any(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !keyauth.PrincipalFrom(r.Context()).FullAccess() {
			fail(w, r, errKeyCannotMgmt)
			return
		}
		next.ServeHTTP(w, r)
	}))
}

// requestAddr is the request's client address (SPEC §9), for allowlists,
// limits and the audit log, as harden found it: the TCP peer, or behind
// --trusted-proxies the client they name.
func requestAddr(r *http.Request) netip.Addr {
	if a, ok := clientip.FromContext(r.Context()); ok {
		return a
	}
	return keyauth.ClientAddr(r)
}
