// Package httpapi is Skillett's HTTP interface: the JSON API of SPEC §3–§7
// (auth, /me, /api-keys, /verify, health, metrics, OpenAPI), its
// authentication middleware, request logging and metrics. routes.go lists
// every route.
//
// It maps error codes to HTTP statuses, and is the only package that does.
// It imports the root package, service, keyauth and sessioncookie; the
// dashboard plugs in through the Pages interface.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/clientip"
	"github.com/skillett/skillett/secretscan"
	"github.com/skillett/skillett/service"
)

// Pages is a set of routes served beside the API (the dashboard).
type Pages interface {
	Register(mux *http.ServeMux)
}

// NotFoundPage is implemented by Pages that answer an unknown path with a
// page of their own when the request accepts HTML (a browser); API
// clients still get the JSON error.
type NotFoundPage interface {
	NotFound(w http.ResponseWriter, r *http.Request)
}

// Options are the dependencies and settings of the server.
type Options struct {
	Service       *service.Service
	Logger        *slog.Logger
	Metrics       *Metrics // from NewMetrics; required
	ServiceTokens []string // tokens accepted by POST /verify; none: /verify is 404
	SecureCookies bool     // session cookies are Secure even without TLS
	Pages         Pages    // optional

	// GitHubKeys verifies GitHub's secret scanning reports; nil: POST
	// /secret-scanning/github is 404.
	GitHubKeys *secretscan.Keys
	// PublicRevokeLimiter limits POST /credentials/revoke per client
	// address (default: PublicRevokeRate an hour, per process).
	PublicRevokeLimiter AddressLimiter
	// ClientIP resolves each request's client address (SPEC §9), which
	// clientip.FromContext then finds in its context. nil: the TCP peer.
	ClientIP *clientip.Resolver
	// NoMetrics leaves /metrics out (it is served on an address of its
	// own: serve --metrics-addr).
	NoMetrics bool
}

// NewServer returns the HTTP handler of the whole service.
func NewServer(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PublicRevokeLimiter == nil {
		o.PublicRevokeLimiter = newHourlyLimiter(PublicRevokeRate, o.Service.Now)
	}
	mux := http.NewServeMux()
	addRoutes(mux, o)
	if o.Pages != nil {
		o.Pages.Register(mux)
	}
	// Outermost first. Routing comes before the cross-origin check, so that
	// an unknown path is 404 and a wrong method 405 whatever the origin.
	return chain(mux, withRecord, logAndMeasure(o.Logger, o.Metrics), recoverPanic(o.Logger), harden(o.ClientIP), answerUnrouted(mux, o.Pages), refuseCrossOrigin(), withActor)
}

// chain wraps h in the middlewares, the first outermost.
func chain(h http.Handler, middlewares ...func(http.Handler) http.Handler) http.Handler {
	for _, m := range slices.Backward(middlewares) {
		h = m(h)
	}
	return h
}

// record is what a request's handlers tell its log line. withRecord makes
// it the request's context; fail fills in the cause of an internal error,
// answerUnrouted the route, logAndMeasure's writer the status and size.
//
// Allocations per request are measured (BenchmarkStack): the record is
// itself the context that carries it, and holds the status writer, so that
// the three cost one allocation.
type record struct {
	context.Context
	id     string
	client netip.Addr // set by harden
	route  string     // the mux pattern; "" if none matched
	cause  error      // an internal error's cause
	writer statusWriter
}

// Value makes the record findable from the request's context.
func (rec *record) Value(key any) any {
	switch key {
	case recordKey{}:
		return rec
	case clientip.ContextKey:
		return rec.client
	}
	return rec.Context.Value(key)
}

type recordKey struct{}

// recordOf returns the request's record, or nil outside NewServer's stack.
func recordOf(r *http.Request) *record {
	rec, _ := r.Context().Value(recordKey{}).(*record)
	return rec
}

// noteCause attaches an internal error's cause to the request's log line.
func noteCause(r *http.Request, err error) {
	if rec := recordOf(r); rec != nil && skillett.ErrorCode(err) == skillett.EINTERNAL {
		rec.cause = err
	}
}

// withRecord gives the request an id, in its record and the X-Request-Id
// header.
func withRecord(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &record{Context: r.Context(), id: newRequestID()}
		w.Header().Set("X-Request-Id", rec.id)
		next.ServeHTTP(w, r.WithContext(rec))
	})
}

// logAndMeasure writes the request's log line and counts it in the
// metrics, by route and status. A panic that passes (http.ErrAbortHandler)
// is neither logged nor counted, as net/http does not answer it.
func logAndMeasure(log *slog.Logger, metrics *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := recordOf(r)
			sw := &rec.writer
			sw.ResponseWriter = w
			next.ServeHTTP(sw, r)
			elapsed := time.Since(start)
			route := rec.route
			if route == "" {
				route = "unmatched"
			}
			metrics.observeRequest(route, sw.status(), elapsed)
			attrs := [8]slog.Attr{
				slog.String("request_id", rec.id),
				slog.String("method", r.Method),
				slog.String("path", redactKeys(r.URL.Path)),
				slog.String("route", route),
				slog.Int("status", sw.status()),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", elapsed),
			}
			n := 7
			if rec.cause != nil {
				attrs[n] = slog.Any("error", rec.cause)
				n++
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs[:n]...)
		})
	}
}

// harden applies SPEC §12 to every request: it finds the client's address
// (for limits, allowlists and the audit log), refuses headers over
// MaxHeaderBytes with 431, and marks every answer nosniff.
func harden(ips *clientip.Resolver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			recordOf(r).client = ips.Addr(r)
			w.Header()["X-Content-Type-Options"] = nosniff
			if headerBytes(r) > MaxHeaderBytes {
				w.Header().Set("Connection", "close")
				writeError(w, r, errHeaderTooLarge)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

var (
	nosniff = []string{"nosniff"}
	noStore = []string{"no-store"}
)

// private marks a response as holding a user's data: no cache may keep it
// (SPEC §12).
func private(w http.ResponseWriter) { w.Header()["Cache-Control"] = noStore }

// recoverPanic turns a handler's panic into a logged internal error
// (answered unless the handler had begun its answer).
func recoverPanic(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "request_id", recordOf(r).id, "panic", p)
				if sw, ok := w.(*statusWriter); !ok || !sw.wroteHeader {
					writeError(w, r, errInternal)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// answerUnrouted records the route of a request that mux routes, and
// answers one that it does not in JSON: 404, or 405 with the mux's Allow
// header, or the mux's redirect to a canonical path.
func answerUnrouted(mux *http.ServeMux, pages Pages) func(http.Handler) http.Handler {
	notFoundPage, _ := pages.(NotFoundPage)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h, pattern := mux.Handler(r)
			if pattern != "" {
				recordOf(r).route = pattern
				next.ServeHTTP(w, r)
				return
			}
			// The mux's own handler decides between 404 and 405 (and sets
			// Allow); the probe keeps its headers and status, drops its body.
			probe := &statusProbe{ResponseWriter: w}
			h.ServeHTTP(probe, r)
			switch probe.code {
			case http.StatusMethodNotAllowed:
				writeError(w, r, errMethodNotAllowed)
			case http.StatusNotFound:
				if notFoundPage != nil && acceptsHTML(r) {
					notFoundPage.NotFound(w, r)
					return
				}
				writeError(w, r, errNotFound)
			default: // a redirect to the canonical path
				w.WriteHeader(probe.code)
			}
		})
	}
}

// refuseCrossOrigin refuses cross-origin requests that change state.
func refuseCrossOrigin() func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := cop.Check(r); err != nil {
				writeError(w, r, errCrossOrigin)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	code        int
	bytes       int64
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusProbe keeps the headers a handler sets, and its status, but
// writes neither the status line nor the body.
type statusProbe struct {
	http.ResponseWriter
	code int
}

func (p *statusProbe) WriteHeader(code int) {
	if p.code == 0 {
		p.code = code
	}
}

func (p *statusProbe) Write(b []byte) (int, error) {
	if p.code == 0 {
		p.code = http.StatusOK
	}
	return len(b), nil
}

// acceptsHTML reports whether the request's Accept header names text/html,
// as a browser's navigation does.
func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "text/html") {
				return true
			}
		}
	}
	return false
}
