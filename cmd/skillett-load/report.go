package main

import (
	"bufio"
	"debug/buildinfo"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/template"
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

// reportTemplate lays out the report; reportView fills it.
//
//go:embed report.md.tmpl
var reportText string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"row": func(cells []string) string { return "| " + strings.Join(cells, " | ") + " |" },
}).Parse(reportText))

// reportView is what the template shows: the figures formatted, a table
// row as its cells.
type reportView struct {
	Started, Command, Mode, Took, Machine, LoadBefore, LoadAfter, Build, Postgres string
	Conns                                                                         int
	Duration, Slice                                                               time.Duration
	Users, ListKeys, Distinct, SeedBatch                                          string
	Short                                                                         bool
	Throughput, CPU, ColdWarm, List, Seed, Targets                                [][]string
}

// markdown is the whole report.
func (rep *report) markdown() string {
	c := rep.cfg
	v := reportView{
		Started: rep.started.UTC().Format("2006-01-02 15:04 UTC"), Command: c.commandLn, Mode: "full mode",
		Took: rep.took.Round(time.Second).String(), Machine: rep.machine, LoadBefore: rep.loadBefore, LoadAfter: rep.loadAfter,
		Build: rep.build, Postgres: rep.postgres, Conns: c.conns, Duration: c.duration, Slice: c.slice,
		Users: thousands(c.users), ListKeys: thousands(c.listKeys), Distinct: thousands(c.distinct), SeedBatch: thousands(seedBatch),
		Short: c.short,
	}
	if c.short {
		v.Mode = "short mode, for CI: targets are informative only"
	}
	for _, r := range rep.runs {
		v.Throughput = append(v.Throughput, r.throughputRows()...)
		v.CPU = append(v.CPU, r.cpuRows()...)
		v.ColdWarm = append(v.ColdWarm, r.coldWarmRows(c.conns)...)
		v.List = append(v.List, r.listRow(c.listKeys))
		v.Seed = append(v.Seed, r.seedRow(c.listKeys))
	}
	for _, t := range rep.targets() {
		v.Targets = append(v.Targets, []string{t.what, t.where, t.figure, t.verdict()})
	}
	var b strings.Builder
	if err := reportTemplate.Execute(&b, v); err != nil {
		panic(err) // the template and the view are fixed: a programming error
	}
	return b.String()
}

func (r *result) throughputRows() (rows [][]string) {
	for _, x := range r.pairs {
		h, m := x.healthz, x.me
		rows = append(rows, []string{r.store, thousands(r.keys), onOff(x.cache), fmt.Sprint(x.conns),
			fmt.Sprintf("%.0f", h.perSecond()), fmt.Sprintf("%.0f", m.perSecond()), fmt.Sprintf("**%.1f%%**", 100*m.perSecond()/h.perSecond()),
			dur(h.p50), fmt.Sprintf("%s (%s)", dur(m.p50), times(m.p50, h.p50)), dur(h.p99), fmt.Sprintf("%s (%s)", dur(m.p99), times(m.p99, h.p99))})
	}
	return rows
}

func (r *result) cpuRows() (rows [][]string) {
	for _, x := range r.pairs {
		h, m := x.healthz, x.me
		rows = append(rows, []string{r.store, thousands(r.keys), onOff(x.cache), fmt.Sprint(x.conns),
			dur(h.serverCPU), fmt.Sprintf("%s (%s)", dur(m.serverCPU), times(m.serverCPU, h.serverCPU)), "**" + dur(m.serverCPU-h.serverCPU) + "**",
			dur(h.clientCPU), dur(m.clientCPU)})
	}
	return rows
}

func (r *result) coldWarmRows(loaded int) (rows [][]string) {
	for _, conns := range []int{loaded, 1} {
		w, ok1 := r.pair(true, conns)
		k, ok2 := r.pair(false, conns)
		if !ok1 || !ok2 {
			continue
		}
		rows = append(rows, []string{r.store, thousands(r.keys), fmt.Sprint(conns),
			dur(w.me.p50), fmt.Sprintf("%s (%s)", dur(k.me.p50), times(k.me.p50, w.me.p50)),
			dur(w.me.p99), fmt.Sprintf("**%s (%s)**", dur(k.me.p99), times(k.me.p99, w.me.p99)),
			fmt.Sprintf("%.0f (%.1f%%)", k.me.perSecond(), 100*k.me.perSecond()/w.me.perSecond())})
	}
	return rows
}

func (r *result) listRow(listKeys int) []string {
	ratio := "–"
	if w, ok := r.pair(true, 1); ok {
		ratio = times(r.list.p50, w.me.p50)
	}
	return []string{r.store, thousands(r.keys + listKeys), fmt.Sprint(r.list.n),
		fmt.Sprintf("%.1f MB", float64(r.list.bytes)/1e6), dur(r.list.p50), "**" + dur(r.list.p99) + "**", ratio}
}

func (r *result) seedRow(listKeys int) []string {
	vac := "–"
	if r.seed.vacuum > 0 {
		vac = fmt.Sprintf("%.1f s", r.seed.vacuum.Seconds())
	}
	return []string{r.store, thousands(r.keys + listKeys), fmt.Sprintf("%.1f s", r.seed.took.Seconds()),
		fmt.Sprintf("%.0f", float64(r.keys+listKeys)/r.seed.took.Seconds()), vac}
}

func (t target) verdict() string {
	switch {
	case t.informative && t.met:
		return "met (informative: not the target's conditions)"
	case t.informative:
		return "missed (informative: not the target's conditions)"
	case !t.met:
		return "**MISSED**"
	}
	return "met"
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
