// Package keyauth is net/http middleware that authenticates requests by
// Skillett API key, for Skillett's own API and for any other Go service.
//
// Middleware refuses a request without a valid key (401) and puts the
// principal in the request's context; RequireScope also refuses a key that
// does not grant an integration (403). Keys are checked by a
// skillett.Verifier: in-process with service.Service, or over HTTP with
// client.Verifier. Errors are JSON, {"error": code, "message": sentence},
// as in the rest of the API.
//
// It imports only the root package and the standard library.
package keyauth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/skillett/skillett"
)

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *skillett.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal that authenticated the request, or
// nil if none did.
func PrincipalFrom(ctx context.Context) *skillett.Principal {
	p, _ := ctx.Value(principalKey{}).(*skillett.Principal)
	return p
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header (the scheme is case-insensitive). present reports whether the
// request has an Authorization header at all: if so, it alone decides
// (SPEC §4), and a token of "" means the header is not a usable Bearer one.
func BearerToken(r *http.Request) (token string, present bool) {
	vals := r.Header["Authorization"] // canonical already: no CanonicalMIMEHeaderKey per request
	if len(vals) == 0 {
		return "", false
	}
	if len(vals) > 1 {
		return "", true
	}
	v := vals[0]
	// The usual shape, with nothing to trim (ASCII first and last bytes:
	// TrimSpace also trims Unicode spaces), needs none of what follows.
	if len(v) > len("Bearer ") && v[:len("Bearer ")] == "Bearer " && visibleASCII(v[len("Bearer ")]) && visibleASCII(v[len(v)-1]) {
		return v[len("Bearer "):], true
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

func visibleASCII(c byte) bool { return c > ' ' && c < 0x7f }

// Middleware authenticates every request by its Bearer key and passes it on
// with the principal in its context; anything but a valid, unrevoked,
// unexpired key gets 401, a key used from outside its IP allowlist 403
// ip_not_allowed, and one over its rate limit 429 rate_limited with
// Retry-After (SPEC §9). Every answer for a rate-limited key carries the
// RateLimit-Policy and RateLimit headers.
func Middleware(v skillett.Verifier) func(http.Handler) http.Handler {
	return RequireScope(v, "")
}

// RequireScope is Middleware that also requires the key to grant scope
// (an integration name; "*" keys grant all): otherwise 403
// insufficient_scope. An empty scope requires nothing more than Middleware.
func RequireScope(v skillett.Verifier, scope string) func(http.Handler) http.Handler {
	return Guard(v, Options{Scope: scope})
}

// Options configure Guard.
type Options struct {
	// Scope, when not empty, is the integration the key must grant.
	Scope string
	// ClientAddr returns the address of the client that sent a request,
	// which a key's IP allowlist is checked against. Nil means the TCP
	// peer (the package's ClientAddr). Behind a reverse proxy, give the
	// SPEC §9 rule for X-Forwarded-For, e.g.
	// clientip.NewResolver(trustedProxies).Addr: the peer would be the
	// proxy, and a header that no trusted proxy wrote must not count.
	ClientAddr func(*http.Request) netip.Addr
}

// Guard is Middleware configured by o.
func Guard(v skillett.Verifier, o Options) func(http.Handler) http.Handler {
	scope, clientAddr := o.Scope, o.ClientAddr
	if clientAddr == nil {
		clientAddr = ClientAddr
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, _ := BearerToken(r)
			if token == "" {
				WriteError(w, http.StatusUnauthorized, skillett.EUNAUTHORIZED, "Send an API key as Authorization: Bearer sk_….")
				return
			}
			res, err := v.Verify(r.Context(), skillett.VerifyRequest{Key: token, Scope: scope, Addr: clientAddr(r)})
			var ctx context.Context
			switch {
			case res.RateLimit.Limited():
				lc := &limitedAuthContext{authContext: authContext{Context: r.Context(), p: res.Principal}}
				lc.setRateLimitHeaders(w.Header(), res.RateLimit)
				ctx = lc
			case res.Valid():
				ctx = &authContext{Context: r.Context(), p: res.Principal}
			}
			switch {
			case err != nil:
				slog.ErrorContext(r.Context(), "keyauth: verification failed", "err", err)
				WriteError(w, http.StatusInternalServerError, skillett.EINTERNAL, "The API key could not be verified.")
			case res.Outcome == skillett.VerifyInsufficientScope:
				WriteError(w, http.StatusForbidden, skillett.EINSUFFICIENTSCOPE, "This API key does not grant the "+scope+" integration.")
			case res.Outcome == skillett.VerifyIPNotAllowed:
				WriteError(w, http.StatusForbidden, skillett.EIPNOTALLOWED, skillett.RefusalMessage(res.Outcome))
			case res.Outcome == skillett.VerifyRateLimited:
				w.Header().Set("Retry-After", strconv.Itoa(int(res.RateLimit.RetryAfter()/time.Second)))
				WriteError(w, http.StatusTooManyRequests, skillett.ERATELIMITED, skillett.RefusalMessage(res.Outcome))
			case !res.Valid():
				WriteError(w, http.StatusUnauthorized, skillett.EUNAUTHORIZED, skillett.RefusalMessage(res.Outcome))
			default:
				next.ServeHTTP(w, r.WithContext(ctx))
			}
		})
	}
}

// ClientAddr returns the address of the client that sent r: the TCP peer,
// unmapped (an IPv4 client seen as ::ffff:a.b.c.d is a.b.c.d).
func ClientAddr(r *http.Request) netip.Addr {
	// "host:port" or "[host]:port", as net/http sets it; the port is not
	// parsed (it is not needed, and it is a third of ParseAddrPort's work).
	s := r.RemoteAddr
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.Addr{}
	}
	host := s[:i]
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	} else if strings.IndexByte(host, ':') >= 0 {
		return netip.Addr{} // an IPv6 address without brackets is not host:port
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// authContext is the context of a request that presented a key: its
// parent and the principal (one allocation of 32 bytes, where
// context.WithValue takes 48).
type authContext struct {
	context.Context
	p *skillett.Principal
}

// limitedAuthContext is authContext for a rate-limited key, with room for
// the values of its rate-limit headers: one allocation thus carries
// everything the middleware adds to a request but net/http's copy of the
// request itself.
type limitedAuthContext struct {
	authContext
	hdr [2]string // RateLimit-Policy and RateLimit
	buf [64]byte  // their bytes
}

func (c *authContext) Value(key any) any {
	if key == (principalKey{}) {
		return c.p
	}
	return c.Context.Value(key)
}

// setRateLimitHeaders is SetRateLimitHeaders with the values' storage in
// c: the strings point into c.buf, which nothing writes again.
func (c *limitedAuthContext) setRateLimitHeaders(h http.Header, s skillett.RateLimitStatus) {
	if !s.Limited() {
		return
	}
	b := s.AppendPolicy(c.buf[:0])
	n := len(b)
	b = s.AppendState(b)
	if len(b) > len(c.buf) { // cannot happen with SPEC's bounds; stay correct anyway
		SetRateLimitHeaders(h, s)
		return
	}
	if s.Window > 0 {
		c.hdr[0] = unsafe.String(&c.buf[0], n)
		h["Ratelimit-Policy"] = c.hdr[0:1:1]
	}
	c.hdr[1] = unsafe.String(&c.buf[n], len(b)-n)
	h["Ratelimit"] = c.hdr[1:2:2]
}

// SetRateLimitHeaders sets the RateLimit-Policy and RateLimit headers of
// SPEC §9 for a rate-limited key's budget s; it does nothing when the key
// has no rate limit. The policy is left out when the window is unknown
// (client.Verifier's answers do not carry it).
func SetRateLimitHeaders(h http.Header, s skillett.RateLimitStatus) {
	if !s.Limited() {
		return
	}
	var buf [64]byte
	if s.Window > 0 {
		h["Ratelimit-Policy"] = []string{string(s.AppendPolicy(buf[:0]))}
	}
	h["Ratelimit"] = []string{string(s.AppendState(buf[:0]))}
}

// WriteError writes a JSON error body; 401 answers carry
// WWW-Authenticate as SPEC §3 requires.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="skillett"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{code, message})
}
