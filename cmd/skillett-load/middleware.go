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
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	services := map[string]*service.Service{"local": service.New(service.Config{Store: st, Logger: log})}
	if redisURL != "" {
		opt, err := ratelimit.RedisOptions(redisURL)
		if err != nil {
			return err
		}
		client := redis.NewClient(opt)
		defer client.Close()
		services["redis"] = service.New(service.Config{Store: st, Logger: log,
			Limiter: ratelimit.NewRedis(client, fmt.Sprintf("skillett-load:%d:", os.Getpid()), log)})
	}
	for _, svc := range services {
		if err := svc.Start(ctx); err != nil {
			return err
		}
		defer svc.Close(context.Background())
	}
	local := services["local"]
	u, err := local.CreateUser(ctx, "load@example.com", "", skillett.PlanPro)
	if err != nil {
		return err
	}
	allow, _ := skillett.ParseIPAllowlist([]string{"10.0.0.0/8", "127.0.0.0/8", "::1"})
	// A million uses a second: the load never reaches it, so every request
	// takes a use and none is refused.
	rate := &skillett.RateLimit{Limit: 1_000_000, Window: time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bare", bareHandler)
	mux.HandleFunc("GET /bare2", bareHandler)
	keys := middlewareKeys{}
	for _, r := range []struct {
		route, svc string
		req        skillett.KeyRequest
	}{
		{"/plain", "local", skillett.KeyRequest{Name: "plain"}},
		{"/allowlist", "local", skillett.KeyRequest{Name: "allowlist", IPAllowlist: allow}},
		{"/local-rate", "local", skillett.KeyRequest{Name: "local rate", IPAllowlist: allow, RateLimit: rate}},
		{"/redis-rate", "redis", skillett.KeyRequest{Name: "redis rate", IPAllowlist: allow, RateLimit: rate}},
	} {
		svc := services[r.svc]
		if svc == nil {
			continue
		}
		_, full, err := local.CreateKey(ctx, u.ID, r.req)
		if err != nil {
			return err
		}
		keys[r.route] = full
		mux.Handle("GET "+r.route, keyauth.Middleware(svc)(http.HandlerFunc(bareHandler)))
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

// middlewareRow is one pair of the -middleware measure.
type middlewareRow struct {
	what         string
	base, guard  stats
	ratio        float64
	extraCPUPerR time.Duration
}

// runMiddleware runs the -middleware measure and writes its report.
func runMiddleware(ctx context.Context, c *config, work string, stdout io.Writer, progress func(string, ...any)) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	logPath := filepath.Join(work, "middleware.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	args := []string{"-serve-middleware", addr, "-work", work}
	if c.redis != "" {
		args = append(args, "-redis", c.redis)
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
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
		return fmt.Errorf("the middleware server did not start: %v\n%s", err, srv.logTail())
	}
	defer srv.stop()

	bare := endpoint{path: "/bare"}
	pairs := []struct {
		what string
		b    endpoint
	}{{"A/A: bare against bare", endpoint{path: "/bare2"}}}
	for _, r := range []struct{ route, what string }{
		{"/plain", "plain key"}, {"/allowlist", "key with an IP allowlist"},
		{"/local-rate", "allowlist + local rate limit"}, {"/redis-rate", "allowlist + Redis rate limit"},
	} {
		full, ok := keys[r.route]
		if !ok {
			continue
		}
		h := []string{"Bearer " + full}
		pairs = append(pairs, struct {
			what string
			b    endpoint
		}{r.what, endpoint{path: r.route, auth: func() []string { return h }}})
	}
	var rows []middlewareRow
	for _, p := range pairs {
		progress("middleware: %s, %v each, %d connections", p.what, c.duration, c.conns)
		a, b, err := compare(ctx, srv, bare, p.b, c.conns, c.duration, c.slice)
		if err != nil {
			return err
		}
		row := middlewareRow{what: p.what, base: a, guard: b, ratio: b.perSecond() / a.perSecond()}
		row.extraCPUPerR = b.serverCPU - a.serverCPU
		rows = append(rows, row)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "## keyauth.Middleware against the bare handler, from outside\n\n")
	fmt.Fprintf(&sb, "`%s` — %d connections, %v per side in %v ABBA slices; machine: %s; load average before: %s.\n\n", c.commandLn, c.conns, c.duration, c.slice, describeMachine(), loadAverage())
	fmt.Fprintf(&sb, "| pair | bare req/s | guarded req/s | guarded / bare | p50 bare → guarded | p99 bare → guarded | server CPU per request, extra |\n|---|---:|---:|---:|---|---|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&sb, "| %s | %.0f | %.0f | **%.3f** | %v → %v | %v → %v | %v |\n", r.what, r.base.perSecond(), r.guard.perSecond(), r.ratio,
			r.base.p50.Round(time.Microsecond), r.guard.p50.Round(time.Microsecond), r.base.p99.Round(time.Microsecond), r.guard.p99.Round(time.Microsecond), r.extraCPUPerR.Round(100*time.Nanosecond))
	}
	fmt.Fprintf(&sb, "\nLoad average after: %s.\n", loadAverage())
	fmt.Fprint(stdout, sb.String())
	if c.out != "" {
		return os.WriteFile(c.out, []byte(sb.String()), 0o644)
	}
	return nil
}
