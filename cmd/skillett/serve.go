package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/dashboard"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/postgres"
	"github.com/skillett/skillett/ratelimit"
	"github.com/skillett/skillett/secretscan"
	"github.com/skillett/skillett/service"
)

// shutdownGrace bounds how long in-flight requests may take after a signal.
const shutdownGrace = 8 * time.Second

var serveCommand = command{
	words:   []string{"serve"},
	summary: "run the HTTP server (API, dashboard, /verify, /metrics)",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		addr := fs.String("addr", "127.0.0.1:8080", "address to listen on, HOST:PORT (env SKILLETT_ADDR)")
		var tokens []string
		fs.Func("service-token", "a token that other services send to POST /verify; repeat or comma-separate for several (env SKILLETT_SERVICE_TOKENS); none: /verify is off", func(s string) error {
			tokens = appendList(tokens, s)
			return nil
		})
		noSignup := fs.Bool("no-signup", false, "turn off POST /auth/signup and the sign-up page (env SKILLETT_NO_SIGNUP=true)")
		secure := fs.Bool("secure-cookies", false, "mark session cookies Secure even without TLS, e.g. behind a TLS proxy (env SKILLETT_SECURE_COOKIES=true)")
		limits := fs.String("plan-limits", "", `most active keys per plan, e.g. "free=1,pro=unlimited" (env SKILLETT_PLAN_LIMITS; default free=1, pro and unlimited unlimited)`)
		cacheSize := fs.Int("cache-size", 100_000, "keys kept in the verification cache; 0 turns the cache off (env SKILLETT_CACHE_SIZE)")
		var integrations []string
		fs.Func("integrations", "comma-separated integration names the dashboard offers as key scopes (env SKILLETT_INTEGRATIONS; default github,slack,linear)", func(s string) error {
			integrations = appendList(integrations, s)
			return nil
		})
		debugAddr := fs.String("debug-addr", "", "if set, serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (env SKILLETT_DEBUG_ADDR); keep it private")
		usage := addUsageFlags(fs)
		leaks := addLeakFlags(fs)
		retention := retentionFlag(service.DefaultAuditRetention)
		fs.Var(&retention, "audit-retention", "how long audit events are kept: days (365d), a duration (720h) or forever (env SKILLETT_AUDIT_RETENTION)")
		logFormat := fs.String("log-format", "text", "log format: text or json (env SKILLETT_LOG_FORMAT)")
		lim := addLimitFlags(fs)
		return func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return usagef("serve takes no arguments, got %q", args)
			}
			planLimits, err := skillett.ParsePlanLimits(*limits)
			if err != nil {
				return usagef("--plan-limits: %v", err)
			}
			log, err := newLogger(e, *logFormat)
			if err != nil {
				return err
			}
			for _, name := range integrations {
				if !skillett.ValidScopeName(name) {
					return usagef("--integrations: %q is not a valid integration name", name)
				}
			}
			if *cacheSize < 0 {
				return usagef("--cache-size must be 0 (no cache) or more, got %d", *cacheSize)
			}
			guard, err := lim.resolve(tokens)
			if err != nil {
				return err
			}
			return serve(ctx, serveConfig{guard: guard, db: db, addr: *addr, tokens: tokens, noSignup: *noSignup, secure: *secure, limits: planLimits, cacheSize: *cacheSize, debugAddr: *debugAddr, integrations: integrations, log: log, usage: usage, leaks: leaks, auditRetention: time.Duration(retention)})
		}
	},
}

type serveConfig struct {
	db             *dbFlags
	addr           string
	tokens         []string
	noSignup       bool
	secure         bool
	limits         skillett.PlanLimits
	cacheSize      int
	debugAddr      string
	integrations   []string
	log            *slog.Logger
	usage          *usageFlags
	leaks          *leakFlags
	auditRetention time.Duration
	guard          *limits // SPEC §12's bounds
}

// serve runs the server until ctx ends, then shuts down gracefully: stop
// accepting, finish in-flight requests, flush last_used_at, close the
// database.
func serve(ctx context.Context, c serveConfig) error {
	store, err := c.db.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	metrics := httpapi.NewMetrics()
	if pg, ok := store.(*postgres.Store); ok {
		registerPoolMetrics(metrics.Registry, pg.Pool())
	}
	githubKeys, err := c.leaks.keys(ctx)
	if err != nil {
		return err
	}
	limiter, closeLimiter, err := c.usage.limiter(ctx, store, metrics.Registry, c.log)
	if err != nil {
		return err
	}
	defer closeLimiter()
	c.guard.addresses = addressLimits(store, c.guard)
	svc := service.New(c.serviceConfig(store, limiter, metrics))
	if err := svc.Start(ctx); err != nil {
		return err
	}
	srv := newHTTPServer(newHandler(c, svc, metrics, githubKeys), c.log)
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		svc.Close(context.Background())
		return err
	}
	ln = guardListener(ln, c.guard)
	if c.guard.metricsAddr != "" {
		stopMetrics, err := serveMetrics(c.guard.metricsAddr, metrics, c.log)
		if err != nil {
			ln.Close()
			svc.Close(context.Background())
			return err
		}
		defer stopMetrics()
	}
	c.log.Info("listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String())
	if c.debugAddr != "" {
		go serveDebug(c.debugAddr, c.log)
	}

	return runUntilDone(ctx, srv, ln, svc, c.log)
}

// serviceConfig is the service's configuration from the flags, on store,
// with limiter and metrics.
func (c serveConfig) serviceConfig(store skillett.Store, limiter ratelimit.Limiter, metrics *httpapi.Metrics) service.Config {
	return service.Config{
		Store:              store,
		Limits:             c.limits,
		Logger:             c.log,
		NoSignup:           c.noSignup,
		CacheSize:          c.cacheSize,
		NoCache:            c.cacheSize == 0,
		Limiter:            limiter,
		UsageFlushInterval: c.usage.flush,
		OnVerify:           metrics.ObserveVerification,
		AuditRetention:     c.auditRetention,
		HashConcurrency:    c.guard.hashes,
		AddressLimits:      c.guard.addresses,
	}
}

// newHandler is the whole HTTP surface: the API with the dashboard beside it.
func newHandler(c serveConfig, svc *service.Service, metrics *httpapi.Metrics, githubKeys *secretscan.Keys) http.Handler {
	return httpapi.NewServer(httpapi.Options{
		GitHubKeys:          githubKeys,
		Service:             svc,
		Logger:              c.log,
		Metrics:             metrics,
		ServiceTokens:       c.tokens,
		SecureCookies:       c.secure,
		ClientIP:            c.guard.clientIP,
		NoMetrics:           c.guard.metricsAddr != "",
		PublicRevokeLimiter: publicRevokeLimiter(c.guard.addresses),
		Pages: dashboard.New(dashboard.Options{
			Service:       svc,
			Logger:        c.log,
			Integrations:  c.integrations,
			SecureCookies: c.secure,
		}),
	})
}

// runUntilDone serves ln until ctx ends, then shuts down gracefully: stop
// accepting, finish in-flight requests, flush what svc holds.
func runUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, svc *service.Service, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		svc.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		shutdownErr = errors.Join(shutdownErr, err)
	}
	if err := svc.Close(sctx); err != nil {
		log.Error("flushing last_used_at and usage counts on shutdown failed", "err", err)
		shutdownErr = errors.Join(shutdownErr, err)
	}
	log.Info("stopped")
	return shutdownErr
}

func newLogger(e env, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, nil)), nil
	}
	return nil, usagef("--log-format must be text or json, got %q", format)
}

func appendList(list []string, s string) []string {
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			list = append(list, item)
		}
	}
	return list
}

// serveDebug serves net/http/pprof's profiles on their own address, away
// from the API.
func serveDebug(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	// No /debug/pprof/cmdline: the command line may hold --service-token
	// values (SPEC §12).
	log.Info("debug server listening", "addr", addr)
	if err := http.ListenAndServe(addr, mux); err != nil {
		log.Error("debug server", "err", err)
	}
}
