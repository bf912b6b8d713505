package main

// The -middleware measure (issue 13): the same net/http handler serving the
// same bytes, bare and behind keyauth.Middleware, from outside, in one run:
// an A/A pair of bare against bare for the noise, then a plain key, a key
// with an IP allowlist, a key with a local rate limit and (with -redis) a
// key with a rate limit shared through Redis. The handlers run in a child
// process of this command (-serve-middleware), so that the load generator
// and the server are apart as with skillett serve.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/ratelimit"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/sqlite"
)

// middlewareKeys are the keys the child made, one per guarded route.
type middlewareKeys map[string]string // route → full key

var middlewareBody = []byte(`{"ok":true}` + "\n")

func bareHandler(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = []string{"application/json"}
	w.Write(middlewareBody)
}

// serveMiddleware is the child: it listens on addr, prints the keys as one
// JSON line, and serves until SIGTERM.
func serveMiddleware(addr, dir, redisURL string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "middleware.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	services, closeAll, err := middlewareServices(ctx, st, redisURL)
	defer closeAll()
	if err != nil {
		return err
	}
	mux, keys, err := middlewareMux(ctx, services)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(os.Stdout).Encode(keys); err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// middlewareServices starts the services the guarded routes verify with:
// "local" (in-process rate limits) and, with redisURL, "redis" (rate
// limits shared through Redis). closeAll stops whatever was started.
func middlewareServices(ctx context.Context, st *sqlite.Store, redisURL string) (map[string]*service.Service, func(), error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var closers []func()
	closeAll := func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
	}
	services := map[string]*service.Service{"local": service.New(service.Config{Store: st, Logger: log})}
	if redisURL != "" {
		opt, err := ratelimit.RedisOptions(redisURL)
		if err != nil {
			return nil, closeAll, err
		}
		client := redis.NewClient(opt)
		closers = append(closers, func() { client.Close() })
		services["redis"] = service.New(service.Config{Store: st, Logger: log,
			Limiter: ratelimit.NewRedis(client, fmt.Sprintf("skillett-load:%d:", os.Getpid()), log)})
	}
	for _, svc := range services {
		if err := svc.Start(ctx); err != nil {
			return nil, closeAll, err
		}
		closers = append(closers, func() { svc.Close(context.Background()) })
	}
	return services, closeAll, nil
}

// guardedRoutes are the routes behind keyauth.Middleware, each with the
// key it is requested with and the service that verifies it.
var guardedRoutes = []struct {
	route, svc, what string
	req              func() skillett.KeyRequest
}{
	{"/plain", "local", "plain key", func() skillett.KeyRequest { return skillett.KeyRequest{Name: "plain"} }},
	{"/allowlist", "local", "key with an IP allowlist", func() skillett.KeyRequest {
		return skillett.KeyRequest{Name: "allowlist", IPAllowlist: loadAllowlist()}
	}},
	{"/local-rate", "local", "allowlist + local rate limit", func() skillett.KeyRequest {
		return skillett.KeyRequest{Name: "local rate", IPAllowlist: loadAllowlist(), RateLimit: loadRate()}
	}},
	{"/redis-rate", "redis", "allowlist + Redis rate limit", func() skillett.KeyRequest {
		return skillett.KeyRequest{Name: "redis rate", IPAllowlist: loadAllowlist(), RateLimit: loadRate()}
	}},
}

func loadAllowlist() []netip.Prefix {
	allow, _ := skillett.ParseIPAllowlist([]string{"10.0.0.0/8", "127.0.0.0/8", "::1"})
	return allow
}

// loadRate is a million uses a second: the load never reaches it, so every
// request takes a use and none is refused.
func loadRate() *skillett.RateLimit {
	return &skillett.RateLimit{Limit: 1_000_000, Window: time.Second}
}

// middlewareMux serves /bare and /bare2 (the handler alone) and each
// guarded route whose service runs, and returns the keys it made.
func middlewareMux(ctx context.Context, services map[string]*service.Service) (*http.ServeMux, middlewareKeys, error) {
	local := services["local"]
	u, err := local.CreateUser(ctx, "load@example.com", "", skillett.PlanPro)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bare", bareHandler)
	mux.HandleFunc("GET /bare2", bareHandler)
	mux.HandleFunc("GET /bare-ratelimit-headers", bareWithRateLimitHeaders)
	keys := middlewareKeys{}
	for _, r := range guardedRoutes {
		svc := services[r.svc]
		if svc == nil {
			continue
		}
		_, full, err := local.CreateKey(ctx, u.ID, r.req())
		if err != nil {
			return nil, nil, err
		}
		keys[r.route] = full
		mux.Handle("GET "+r.route, keyauth.Middleware(svc)(http.HandlerFunc(bareHandler)))
	}
	return mux, keys, nil
}

// middlewarePair is one pair of the -middleware measure: a is the handler
// alone, b the same handler guarded (or, for the A/A pair, alone again).
// Both send the same Authorization header, so that the key check is the
// only difference between them.
type middlewarePair struct {
	what string
	a, b endpoint
}

// middlewarePairs returns the A/A pair, then one pair per guarded route
// the child serves.
func middlewarePairs(keys middlewareKeys) []middlewarePair {
	auth := func(full string) func() []string {
		h := []string{"Bearer " + full}
		return func() []string { return h }
	}
	plain := auth(keys["/plain"])
	pairs := []middlewarePair{{"A/A: bare against bare", endpoint{"/bare", plain}, endpoint{"/bare2", plain}}}
	for _, r := range guardedRoutes {
		if full, ok := keys[r.route]; ok {
			pairs = append(pairs, middlewarePair{r.what, endpoint{"/bare", auth(full)}, endpoint{r.route, auth(full)}})
		}
	}
	// The rate-limited answers carry two more headers, which the client
	// reads too: these pairs show the headers' cost alone, and each
	// limiter's apart from theirs (the same bytes on both sides).
	if full, ok := keys["/local-rate"]; ok {
		pairs = append(pairs, middlewarePair{"no key check: a bare handler sending the two RateLimit headers",
			endpoint{"/bare", auth(full)}, endpoint{"/bare-ratelimit-headers", auth(full)}})
	}
	for _, r := range guardedRoutes {
		if full, ok := keys[r.route]; ok && r.req().RateLimit != nil {
			pairs = append(pairs, middlewarePair{r.what + ", against a bare handler sending the same RateLimit headers",
				endpoint{"/bare-ratelimit-headers", auth(full)}, endpoint{r.route, auth(full)}})
		}
	}
	return pairs
}

// bareWithRateLimitHeaders is bareHandler with the two headers of a key
// limited to a million uses a second, as long as the guarded ones.
func bareWithRateLimitHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Ratelimit-Policy"] = rateLimitPolicy
	h["Ratelimit"] = rateLimitState
	bareHandler(w, r)
}

var (
	rateLimitPolicy = []string{`"key";q=1000000;w=1`}
	rateLimitState  = []string{`"key";r=999999;t=1`}
)

// middlewareRow is one measured pair.
type middlewareRow struct {
	what         string
	base, guard  stats
	ratio        float64
	extraCPUPerR time.Duration
}

// runMiddleware runs the -middleware measure and writes its report.
func runMiddleware(ctx context.Context, c *config, work string, stdout io.Writer, progress func(string, ...any)) error {
	srv, keys, err := startMiddlewareServer(c, work)
	if err != nil {
		return err
	}
	defer srv.stop()
	var rows []middlewareRow
	for _, p := range middlewarePairs(keys) {
		progress("middleware: %s, %v each, %d connections", p.what, c.duration, c.conns)
		a, b, err := compare(ctx, srv, p.a, p.b, c.conns, c.duration, c.slice)
		if err != nil {
			return err
		}
		rows = append(rows, middlewareRow{what: p.what, base: a, guard: b, ratio: b.perSecond() / a.perSecond(),
			extraCPUPerR: b.serverCPU - a.serverCPU})
	}
	report := middlewareReport(c, rows)
	fmt.Fprint(stdout, report)
	if c.out != "" {
		return os.WriteFile(c.out, []byte(report), 0o644)
	}
	return nil
}

// startMiddlewareServer starts this command as the -serve-middleware
// child and reads the keys it made.
func startMiddlewareServer(c *config, work string) (*server, middlewareKeys, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	logPath := filepath.Join(work, "middleware.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	args := []string{"-serve-middleware", addr, "-work", work}
	if c.redis != "" {
		args = append(args, "-redis", c.redis)
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	srv := &server{url: "http://" + addr, cmd: cmd, done: make(chan error, 1), logPath: logPath}
	var keys middlewareKeys
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &keys)
	}
	go func() { srv.done <- cmd.Wait() }()
	if err != nil {
		srv.kill()
		return nil, nil, fmt.Errorf("the middleware server did not start: %v\n%s", err, srv.logTail())
	}
	return srv, keys, nil
}

// middlewareReport is the Markdown table of rows.
func middlewareReport(c *config, rows []middlewareRow) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "## keyauth.Middleware against the bare handler, from outside\n\n")
	fmt.Fprintf(&sb, "`%s` — %d connections, %v per side in %v ABBA slices; both sides send the same Authorization header; machine: %s; load average before: %s.\n\n", c.commandLn, c.conns, c.duration, c.slice, describeMachine(), loadAverage())
	fmt.Fprintf(&sb, "| pair | bare req/s | guarded req/s | guarded / bare | p50 bare → guarded | p99 bare → guarded | server CPU per request, extra |\n|---|---:|---:|---:|---|---|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&sb, "| %s | %.0f | %.0f | **%.3f** | %v → %v | %v → %v | %v |\n", r.what, r.base.perSecond(), r.guard.perSecond(), r.ratio,
			r.base.p50.Round(time.Microsecond), r.guard.p50.Round(time.Microsecond), r.base.p99.Round(time.Microsecond), r.guard.p99.Round(time.Microsecond), r.extraCPUPerR.Round(100*time.Nanosecond))
	}
	fmt.Fprintf(&sb, "\nLoad average after: %s.\n", loadAverage())
	return sb.String()
}
