package main

import (
	"bufio"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Targets of the issue.
const (
	targetThroughput = 0.95                   // /me req/s ÷ /healthz req/s, cache on
	targetColdP99    = 2 * time.Millisecond   // /me p99 with the cache off, PostgreSQL
	targetColdKeys   = 1_000_000              // ... with this many keys
	targetListP99    = 100 * time.Millisecond // GET /api-keys p99 ...
	targetListKeys   = 10_000                 // ... of a user with this many keys
)

type report struct {
	cfg        *config
	machine    string
	build      string // what the server binary was built from
	postgres   string // which PostgreSQL server, if any
	loadBefore string // /proc/loadavg at the start and the end
	loadAfter  string
	started    time.Time
	took       time.Duration
	runs       []*result
}

// target is one verdict of the Targets table.
type target struct {
	what, where, figure string
	met                 bool
	informative         bool // measured off the target's conditions: no verdict
}

func (rep *report) targets() []target {
	var ts []target
	for _, r := range rep.runs {
		where := fmt.Sprintf("%s, %s keys", r.store, thousands(r.keys))
		if p, ok := r.pair(true, rep.cfg.conns); ok {
			ratio := p.me.perSecond() / p.healthz.perSecond()
			ts = append(ts, target{fmt.Sprintf("/me throughput ≥ 95%% of /healthz (cache on, %d conns)", p.conns), where,
				fmt.Sprintf("%.1f%%", 100*ratio), ratio >= targetThroughput, false})
		}
		if r.store == storePostgres {
			if p, ok := r.pair(false, 1); ok {
				figure := dur(p.me.p99)
				if q, ok := r.pair(false, rep.cfg.conns); ok {
					figure += fmt.Sprintf(" (under %d conns: %s)", q.conns, dur(q.me.p99))
				}
				ts = append(ts, target{"cold /me p99 ≤ 2 ms with 1 000 000 keys (cache off, 1 conn)", where, figure,
					p.me.p99 <= targetColdP99, r.keys < targetColdKeys})
			}
		}
		ts = append(ts, target{"GET /api-keys p99 ≤ 100 ms for a user with 10 000 keys", where,
			dur(r.list.p99), r.list.p99 <= targetListP99, rep.cfg.listKeys != targetListKeys})
	}
	return ts
}

func (rep *report) missed() bool {
	for _, t := range rep.targets() {
		if !t.met && !t.informative {
			return true
		}
	}
	return false
}

// markdown is the whole report.
func (rep *report) markdown() string {
	c := rep.cfg
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }

	mode := "full mode"
	if c.short {
		mode = "short mode, for CI: targets are informative only"
	}
	p("## skillett-load, %s", rep.started.UTC().Format("2006-01-02 15:04 UTC"))
	p("")
	p("- command: `%s` (%s), took %s", c.commandLn, mode, rep.took.Round(time.Second))
	p("- machine: %s; load average (1, 5, 15 min) %s at the start, %s at the end", rep.machine, rep.loadBefore, rep.loadAfter)
	p("- server: %s", rep.build)
	if rep.postgres != "" {
		p("- database: %s", rep.postgres)
	}
	p("- load: %d connections (loaded rows) or 1 (latency rows); %v per endpoint per measure, in alternating %v slices (ABBA); the load generator and the server share the machine's cores",
		c.conns, c.duration, c.slice)
	p("- data: the keys spread over %s users (plan unlimited), plus one user with %s keys for GET /api-keys; warm /me rotates through %s keys seen before, cold /me (`--cache-size 0`) picks keys at random among all",
		thousands(c.users), thousands(c.listKeys), thousands(c.distinct))
	p("- the server logs one line per request to a file, as in production")
	p("")

	p("### /me (API key) against /healthz (no credentials), same server, interleaved")
	p("")
	p("| store | keys | cache | conns | /healthz req/s | /me req/s | /me ÷ /healthz | /healthz p50 | /me p50 | /healthz p99 | /me p99 |")
	p("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rep.runs {
		for _, x := range r.pairs {
			h, m := x.healthz, x.me
			p("| %s | %s | %s | %d | %.0f | %.0f | **%.1f%%** | %s | %s (%s) | %s | %s (%s) |",
				r.store, thousands(r.keys), onOff(x.cache), x.conns, h.perSecond(), m.perSecond(), 100*m.perSecond()/h.perSecond(),
				dur(h.p50), dur(m.p50), times(m.p50, h.p50), dur(h.p99), dur(m.p99), times(m.p99, h.p99))
		}
	}
	p("")
	p("(×) is the ratio to /healthz in the same measure.")
	p("")

	p("### CPU per request")
	p("")
	p("CPU time of the `skillett serve` process (from /proc, background work included; PostgreSQL's own processes are not counted) and of the load generator, divided by the requests of each endpoint.")
	p("")
	p("| store | keys | cache | conns | server /healthz | server /me | server /me − /healthz | load generator /healthz | load generator /me |")
	p("|---|--:|---|--:|--:|--:|--:|--:|--:|")
	for _, r := range rep.runs {
		for _, x := range r.pairs {
			h, m := x.healthz, x.me
			p("| %s | %s | %s | %d | %s | %s (%s) | **%s** | %s | %s |", r.store, thousands(r.keys), onOff(x.cache), x.conns,
				dur(h.serverCPU), dur(m.serverCPU), times(m.serverCPU, h.serverCPU), dur(m.serverCPU-h.serverCPU),
				dur(h.clientCPU), dur(m.clientCPU))
		}
	}
	p("")

	p("### Cold (cache off, a store read per request) against warm (cache hits)")
	p("")
	p("| store | keys | conns | warm /me p50 | cold /me p50 | warm /me p99 | cold /me p99 | cold /me req/s, %% of warm |")
	p("|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rep.runs {
		for _, conns := range []int{c.conns, 1} {
			w, ok1 := r.pair(true, conns)
			k, ok2 := r.pair(false, conns)
			if !ok1 || !ok2 {
				continue
			}
			p("| %s | %s | %d | %s | %s (%s) | %s | **%s (%s)** | %.0f (%.1f%%) |", r.store, thousands(r.keys), conns,
				dur(w.me.p50), dur(k.me.p50), times(k.me.p50, w.me.p50), dur(w.me.p99), dur(k.me.p99), times(k.me.p99, w.me.p99),
				k.me.perSecond(), 100*k.me.perSecond()/w.me.perSecond())
		}
	}
	p("")

	p("### GET /api-keys of a user with %s keys (one request after the other, cache on)", thousands(c.listKeys))
	p("")
	p("| store | keys in store | requests | body | p50 | p99 | p50 ÷ warm /me p50 (1 conn) |")
	p("|---|--:|--:|--:|--:|--:|--:|")
	for _, r := range rep.runs {
		ratio := "–"
		if w, ok := r.pair(true, 1); ok {
			ratio = times(r.list.p50, w.me.p50)
		}
		p("| %s | %s | %d | %.1f MB | %s | **%s** | %s |", r.store, thousands(r.keys+c.listKeys), r.list.n,
			float64(r.list.bytes)/1e6, dur(r.list.p50), dur(r.list.p99), ratio)
	}
	p("")

	p("### Seeding (in process, InsertKeys in batches of %s)", thousands(seedBatch))
	p("")
	p("| store | keys | users and keys | keys/s | VACUUM ANALYZE |")
	p("|---|--:|--:|--:|--:|")
	for _, r := range rep.runs {
		vac := "–"
		if r.seed.vacuum > 0 {
			vac = fmt.Sprintf("%.1f s", r.seed.vacuum.Seconds())
		}
		p("| %s | %s | %.1f s | %.0f | %s |", r.store, thousands(r.keys+c.listKeys), r.seed.took.Seconds(),
			float64(r.keys+c.listKeys)/r.seed.took.Seconds(), vac)
	}
	p("")

	p("### Targets")
	p("")
	if c.short {
		p("Short mode: a missed target is printed, not an error.")
		p("")
	}
	p("| target | where | measured | verdict |")
	p("|---|---|--:|---|")
	for _, t := range rep.targets() {
		verdict := "met"
		switch {
		case t.informative && t.met:
			verdict = "met (informative: not the target's conditions)"
		case t.informative:
			verdict = "missed (informative: not the target's conditions)"
		case !t.met:
			verdict = "**MISSED**"
		}
		p("| %s | %s | %s | %s |", t.what, t.where, t.figure, verdict)
	}
	p("")
	p("The cache-hit target (≤ 1 µs, ≤ 2 allocs) is measured in process: `go test -run '^$' -bench VerifyCacheHit -benchmem ./service`.")
	return b.String()
}

// describeBuild says what the server binary was built from: its embedded
// VCS stamp, else (with GOFLAGS=-buildvcs=false, or when we built it) the
// checkout's commit and whether it had uncommitted changes.
func describeBuild(path string, builtHere bool) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "unknown build"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" && builtHere {
		// Read-only git commands; --no-optional-locks keeps status from
		// refreshing the index.
		out, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err == nil {
			rev = strings.TrimSpace(string(out))
			if out, err := exec.Command("git", "--no-optional-locks", "status", "--porcelain").Output(); err == nil && len(out) > 0 {
				modified = "true"
			}
		}
	}
	if rev == "" {
		return info.GoVersion + ", no VCS information"
	}
	out := "commit " + rev[:min(12, len(rev))]
	if modified == "true" {
		out += " plus the uncommitted changes of the working tree"
	}
	return out + ", " + info.GoVersion
}

// loadAverage returns the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// describeMachine says what `nproc`, `free -g` and /proc/cpuinfo say.
func describeMachine() string {
	model, mem := "unknown CPU", "unknown memory"
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		model = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		var kb int64
		fmt.Sscan(strings.TrimSuffix(v, " kB"), &kb)
		mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	return fmt.Sprintf("%s, %d cores, %s memory, %s %s/%s", model, runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// procField returns the value of the first "name : value" line of a /proc file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// dur prints a latency with a precision that suits it.
func dur(d time.Duration) string {
	if d < 0 {
		return "−" + dur(-d)
	}
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

// times prints a/b as a factor.
func times(a, b time.Duration) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}

// thousands writes n with thin spaces between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}
