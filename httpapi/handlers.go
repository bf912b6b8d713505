package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/netip"

	"github.com/maypok86/otter/v2"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/sessioncookie"
)

// fail writes err, attaching its cause to the request's log line when it is
// internal.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	noteCause(r, err)
	writeError(w, r, err)
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, StatusBody{"ok"})
	})
}

func handleReadyz(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Ready(r.Context()); err != nil {
			noteCause(r, err)
			encode(w, http.StatusServiceUnavailable, ErrorBody{Error: skillett.EINTERNAL, Message: "The database does not answer."})
			return
		}
		encode(w, http.StatusOK, StatusBody{"ok"})
	})
}

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(OpenAPIDocument())
	})
}

func (c Credentials) check() error {
	if c.Email == nil || c.Password == nil {
		return skillett.Errorf(skillett.EINVALID, "Both email and password are required.")
	}
	return nil
}

// startSession is the handler of signup and login: it reads credentials,
// calls start (Service.Signup or Service.Login), sets the session cookie and
// answers the user with status.
func startSession(svc *service.Service, secure bool, status int,
	start func(ctx context.Context, email, password string) (*skillett.User, string, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		private(w)
		var c Credentials
		if err := decode(w, r, &c); err != nil {
			fail(w, r, err)
			return
		}
		if err := c.check(); err != nil {
			fail(w, r, err)
			return
		}
		u, token, err := start(r.Context(), *c.Email, *c.Password)
		if err != nil {
			fail(w, r, err)
			return
		}
		sessioncookie.Set(w, r, token, svc.SessionTTL(), secure)
		encode(w, status, NewUser(u))
	})
}

func handleSignup(svc *service.Service, secure bool) http.Handler {
	signup := startSession(svc, secure, http.StatusCreated, svc.Signup)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !svc.SignupOpen() { // 404 whatever the body
			fail(w, r, service.ErrSignupClosed)
			return
		}
		signup.ServeHTTP(w, r)
	})
}

func handleLogin(svc *service.Service, secure bool) http.Handler {
	return startSession(svc, secure, http.StatusOK, svc.Login)
}

func handleLogout(svc *service.Service, secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Logout(r.Context(), sessioncookie.Token(r)); err != nil {
			fail(w, r, err)
			return
		}
		sessioncookie.Clear(w, r, secure)
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleMe() http.Handler {
	// A key's principal is cached by the service and the same pointer until
	// its key or user changes (the invariant stated on service's cache
	// entry, and tested there), so its /me body is encoded once: /me is the
	// yardstick of authenticated requests. Session principals are new on
	// every request and are encoded each time.
	bodies := otter.Must(&otter.Options[*skillett.Principal, []byte]{MaximumSize: 10_000})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		if p.Key == nil {
			encode(w, http.StatusOK, NewMe(p))
			return
		}
		body, ok := bodies.GetIfPresent(p)
		if !ok {
			var buf bytes.Buffer
			if err := encodeJSON(&buf, NewMe(p)); err != nil {
				fail(w, r, err)
				return
			}
			body = buf.Bytes()
			bodies.Set(p, body)
		}
		writeJSON(w, http.StatusOK, body)
	})
}

func handleListKeys(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		keys, err := svc.ListKeys(r.Context(), p.User.ID)
		if err != nil {
			fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, NewListedKeys(keys))
	})
}

func handleCreateKey(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		var req CreateKeyRequest
		if err := decode(w, r, &req); err != nil {
			fail(w, r, err)
			return
		}
		kr := skillett.KeyRequest{Scopes: req.Scopes}
		if req.Name != nil {
			kr.Name = *req.Name
		}
		if req.ExpiresAt != nil {
			t, err := skillett.ParseTime("expires_at", *req.ExpiresAt)
			if err != nil {
				fail(w, r, err)
				return
			}
			kr.ExpiresAt = &t
		}
		var err error
		if kr.IPAllowlist, err = skillett.ParseIPAllowlist(req.IPAllowlist); err != nil {
			fail(w, r, err)
			return
		}
		if kr.RateLimit, err = req.RateLimit.parse(); err != nil {
			fail(w, r, err)
			return
		}
		k, full, err := svc.CreateKey(r.Context(), p.User.ID, kr)
		if err != nil {
			fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, NewCreateKeyResponse(k, full))
	})
}

func handleRevokeKey(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		if err := svc.RevokeKey(r.Context(), p.User.ID, r.PathValue("id")); err != nil {
			fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

var errNoServiceToken = skillett.Errorf(skillett.EUNAUTHORIZED, "POST /verify needs a service token: Authorization: Bearer <token>.")

func handleVerify(svc *service.Service, tokens []string) http.Handler {
	// Compare hashes so that the comparison takes the same time whatever
	// the length of the presented token.
	hashes := make([][32]byte, len(tokens))
	for i, t := range tokens {
		hashes[i] = sha256.Sum256([]byte(t))
	}
	serviceAuthorized := func(r *http.Request) bool {
		token, _ := keyauth.BearerToken(r)
		h := sha256.Sum256([]byte(token))
		ok := 0
		for _, want := range hashes {
			ok |= subtle.ConstantTimeCompare(h[:], want[:])
		}
		return token != "" && ok == 1
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		private(w)
		if len(hashes) == 0 {
			fail(w, r, skillett.Errorf(skillett.ENOTFOUND, "Verification is not enabled on this server (no service token is configured)."))
			return
		}
		if !serviceAuthorized(r) {
			fail(w, r, errNoServiceToken)
			return
		}
		var req VerifyRequest
		if err := decode(w, r, &req); err != nil {
			fail(w, r, err)
			return
		}
		if req.Key == nil {
			fail(w, r, skillett.Errorf(skillett.EINVALID, "Field \"key\" is required."))
			return
		}
		scope := ""
		if req.Scope != nil {
			scope = *req.Scope
			if scope != skillett.ScopeAll && !skillett.ValidScopeName(scope) {
				fail(w, r, skillett.Errorf(skillett.EINVALID, "Field \"scope\" must be an integration name."))
				return
			}
		}
		vr := skillett.VerifyRequest{Key: *req.Key, Scope: scope}
		if req.IP != nil {
			a, err := netip.ParseAddr(*req.IP)
			if err != nil || a.Zone() != "" {
				fail(w, r, skillett.Errorf(skillett.EINVALID, "Field \"ip\" must be an IPv4 or IPv6 address."))
				return
			}
			vr.Addr = a
		}
		res, err := svc.Verify(r.Context(), vr)
		if err != nil {
			fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, NewVerifyResponse(res))
	})
}
