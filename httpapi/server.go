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
	"log/slog"
	"net/http"
	"time"

	"github.com/skillett/skillett/service"
)

// Pages is a set of routes served beside the API (the dashboard).
type Pages interface {
	Register(mux *http.ServeMux)
}

// Options are the dependencies and settings of the server.
type Options struct {
	Service       *service.Service
	Logger        *slog.Logger
	Metrics       *Metrics // from NewMetrics; required
	ServiceTokens []string // tokens accepted by POST /verify; none: /verify is 404
	NoSignup      bool     // POST /auth/signup answers 404
	SecureCookies bool     // session cookies are Secure even without TLS
	Pages         Pages    // optional
}

// NewServer returns the HTTP handler of the whole service.
func NewServer(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	addRoutes(mux, o)
	if o.Pages != nil {
		o.Pages.Register(mux)
	}
	return &server{mux: mux, log: o.Logger, metrics: o.Metrics, cop: http.NewCrossOriginProtection()}
}

// server routes a request first, then applies cross-origin protection, and
// answers unknown routes with JSON errors; it logs and measures everything.
type server struct {
	mux     *http.ServeMux
	log     *slog.Logger
	metrics *Metrics
	cop     *http.CrossOriginProtection
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w}
	reqID := newRequestID()
	rw.Header().Set("X-Request-Id", reqID)

	h, pattern := s.mux.Handler(r)
	route := pattern
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic", "request_id", reqID, "panic", p)
			if !rw.wroteHeader {
				writeError(rw, r, errInternal)
			}
		}
		elapsed := time.Since(start)
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observeRequest(route, rw.status(), elapsed)
		attrs := [9]slog.Attr{
			slog.String("request_id", reqID),
			slog.String("method", r.Method),
			slog.String("path", redactKeys(r.URL.Path)),
			slog.String("route", route),
			slog.Int("status", rw.status()),
			slog.Int64("bytes", rw.bytes),
			slog.Duration("duration", elapsed),
		}
		n := 7
		if rw.cause != nil {
			attrs[n] = slog.Any("error", rw.cause)
			n++
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs[:n]...)
	}()

	if pattern == "" {
		// No route: the mux's own handler decides between 404 and 405 (and
		// sets Allow); we keep its status and Allow but answer in JSON.
		probe := &statusWriter{ResponseWriter: discardBody{w}}
		h.ServeHTTP(probe, r)
		switch probe.status() {
		case http.StatusMethodNotAllowed:
			writeError(rw, r, errMethodNotAllowed)
		case http.StatusNotFound:
			writeError(rw, r, errNotFound)
		default: // a redirect to the canonical path
			rw.WriteHeader(probe.status())
		}
		return
	}
	if err := s.cop.Check(r); err != nil {
		writeError(rw, r, errCrossOrigin)
		return
	}
	s.mux.ServeHTTP(rw, r)
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	code        int
	bytes       int64
	wroteHeader bool
	cause       error // an internal error's cause, for the log line
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

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discardBody keeps headers but drops the status line and body.
type discardBody struct{ http.ResponseWriter }

func (discardBody) WriteHeader(int)             {}
func (discardBody) Write(b []byte) (int, error) { return len(b), nil }

func (d discardBody) Unwrap() http.ResponseWriter { return d.ResponseWriter }
