// Command skillett-load measures, from outside and in one run, what key
// verification costs a real `skillett serve` process: the throughput and
// latency of authenticated GET /me against unauthenticated GET /healthz on
// the same server, on SQLite and PostgreSQL, with a seeded number of keys;
// the same with the verification cache off (every request reads the store);
// and GET /api-keys for a user with 10 000 keys. BENCHMARKS.md holds its
// figures and how they were taken.
//
// The two endpoints of a pair are measured in alternating short slices
// (ABBA order) many times over, so that whatever else the machine does hits
// both alike: only ratios within one run are compared.
//
// Usage:
//
//	go run ./cmd/skillett-load [-short] [-pg ADMIN_DSN] [-keys 1000,1000000]
//	    [-duration 10s] [-conns 8] [-bin PATH] [-out FILE.md]
//
// With -short (for CI) it runs 1 000 keys and half a second of load per
// endpoint per measure. It exits 1 when something is broken (a non-2xx
// answer, a server that does not start or does not exit 0 on SIGTERM);
// missed targets make it exit 3, except with -short, where they are only
// printed: CI machines are too noisy for performance verdicts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errTargetsMissed):
		fmt.Fprintln(os.Stderr, "skillett-load:", err)
		os.Exit(3)
	case err != nil:
		fmt.Fprintln(os.Stderr, "skillett-load:", err)
		os.Exit(1)
	}
}

var errTargetsMissed = errors.New("performance targets missed (see the Targets table)")

// config is what the flags say.
type config struct {
	short      bool
	pgAdmin    string // admin URL of a PostgreSQL server; "" skips PostgreSQL
	noSQLite   bool
	keys       []int // key counts, one run per count and store
	users      int   // the keys are spread over this many users
	listKeys   int   // keys of the extra user whose list is fetched
	listReqs   int
	distinct   int           // distinct keys the warm /me requests rotate through
	duration   time.Duration // load per endpoint per measure
	slice      time.Duration
	conns      int
	bin        string
	out        string
	keep       bool
	cpuProfile string   // the load generator's own CPU profile
	serveFlags []string // extra flags for skillett serve
	commandLn  string
	middleware bool   // only the keyauth.Middleware measure
	redis      string // Redis URL for its shared rate limit
	serveMW    string // child mode: serve the middleware routes on this address
	work       string // child mode: its directory
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{commandLn: strings.Join(append([]string{"go run ./cmd/skillett-load"}, args...), " ")}
	fs := flag.NewFlagSet("skillett-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: go run ./cmd/skillett-load [flags]\n\n"+
			"Measures authenticated GET /me against GET /healthz, warm and with the cache off,\n"+
			"and GET /api-keys, on real `skillett serve` processes. Flags:\n\n")
		fs.PrintDefaults()
	}
	fs.BoolVar(&c.short, "short", false, "CI mode: 1 000 keys, 500ms of load per endpoint per measure; targets are printed, never fatal")
	fs.StringVar(&c.pgAdmin, "pg", "", "admin URL of a PostgreSQL server (a database is created and dropped); empty: SQLite only")
	fs.BoolVar(&c.noSQLite, "no-sqlite", false, "skip SQLite (with -pg: PostgreSQL only)")
	keys := fs.String("keys", "1000,1000000", "comma-separated key counts; one run per count and store")
	fs.IntVar(&c.users, "users", 1000, "users the keys are spread over")
	fs.IntVar(&c.listKeys, "list-keys", 10_000, "keys of the extra user whose GET /api-keys is measured")
	fs.IntVar(&c.listReqs, "list-requests", 200, "GET /api-keys requests, one after the other")
	fs.IntVar(&c.distinct, "distinct", 1000, "distinct keys the warm GET /me requests rotate through")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "load per endpoint per measure")
	fs.DurationVar(&c.slice, "slice", 200*time.Millisecond, "length of one slice of one endpoint; the endpoints alternate")
	fs.IntVar(&c.conns, "conns", 8, "concurrent connections of the loaded measures (the others use 1)")
	fs.StringVar(&c.bin, "bin", "", "skillett binary to run; empty: go build ./cmd/skillett")
	fs.StringVar(&c.out, "out", "", "also write the markdown report to this file")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (databases, server logs)")
	serveFlags := fs.String("serve-flags", "", "extra flags for skillett serve, space-separated")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile to this file")
	fs.BoolVar(&c.middleware, "middleware", false, "measure only keyauth.Middleware in front of a bare handler against the handler alone (plain key, allowlist, local and Redis rate limit)")
	fs.StringVar(&c.redis, "redis", "", "with -middleware: Redis URL for the shared rate limit's measure; empty: skipped")
	fs.StringVar(&c.serveMW, "serve-middleware", "", "internal: serve the -middleware routes on this address")
	fs.StringVar(&c.work, "work", "", "internal: the directory of -serve-middleware")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.short { // short defaults, unless a flag says otherwise
		for name, v := range map[string]string{"keys": "1000", "duration": "500ms", "slice": "50ms", "list-requests": "20"} {
			if !set[name] {
				fs.Set(name, v)
			}
		}
	}
	c.serveFlags = strings.Fields(*serveFlags)
	counts, err := parseKeyCounts(*keys)
	if err != nil {
		return nil, err
	}
	c.keys = counts
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseKeyCounts parses -keys, a comma-separated list of positive numbers.
func parseKeyCounts(list string) ([]int, error) {
	var counts []int
	for s := range strings.SplitSeq(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-keys: %q is not a positive number", s)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// check refuses flags out of range or that do not go together.
func (c *config) check() error {
	switch {
	case c.users < 1 || c.listKeys < 1 || c.listReqs < 1 || c.distinct < 1 || c.conns < 1:
		return errors.New("-users, -list-keys, -list-requests, -distinct and -conns must be positive")
	case c.duration <= 0 || c.slice <= 0:
		return errors.New("-duration and -slice must be positive")
	case c.noSQLite && c.pgAdmin == "":
		return errors.New("-no-sqlite needs -pg")
	}
	return nil
}

// run parses the flags, runs every measure of every store and key count,
// and prints the report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if c.serveMW != "" {
		return serveMiddleware(c.serveMW, c.work, c.redis)
	}
	work, err := os.MkdirTemp("", "skillett-load-")
	if err != nil {
		return err
	}
	defer func() {
		if c.keep || err != nil && !errors.Is(err, errTargetsMissed) {
			fmt.Fprintln(stderr, "work directory (databases, server logs) kept:", work)
			return
		}
		os.RemoveAll(work)
	}()
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "# "+format+"\n", a...) }
	if c.cpuProfile != "" {
		stop, err := startCPUProfile(c.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	if c.middleware {
		return runMiddleware(ctx, c, work, stdout, progress)
	}
	bin := c.bin
	if bin == "" {
		bin = work + "/skillett"
		progress("go build -o %s ./cmd/skillett", bin)
		if err := buildServer(ctx, bin); err != nil {
			return err
		}
	}

	rep, err := measure(ctx, c, bin, work, progress)
	if err != nil {
		return err
	}
	text := rep.markdown()
	fmt.Fprint(stdout, text)
	if c.out != "" {
		if err := os.WriteFile(c.out, []byte(text), 0o644); err != nil {
			return err
		}
	}
	if rep.missed() && !c.short {
		return errTargetsMissed
	}
	return nil
}

// startCPUProfile starts the load generator's own CPU profile, written to
// path; stop ends it and closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// measure runs the measures of every store and key count with the skillett
// binary bin, and returns their report.
func measure(ctx context.Context, c *config, bin, work string, progress func(string, ...any)) (*report, error) {
	rep := &report{cfg: c, machine: describeMachine(), build: describeBuild(bin, c.bin == ""), loadBefore: loadAverage(), started: time.Now()}
	var stores []string
	if !c.noSQLite {
		stores = append(stores, storeSQLite)
	}
	if c.pgAdmin != "" {
		stores = append(stores, storePostgres)
		rep.postgres = describePostgres(ctx, c.pgAdmin)
	}
	for _, store := range stores {
		for _, n := range c.keys {
			r, err := runOne(ctx, c, bin, work, store, n, progress)
			if err != nil {
				return nil, fmt.Errorf("%s, %d keys: %w", store, n, err)
			}
			rep.runs = append(rep.runs, r)
		}
	}
	rep.took, rep.loadAfter = time.Since(rep.started), loadAverage()
	return rep, nil
}
