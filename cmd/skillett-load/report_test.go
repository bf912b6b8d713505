package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/report.md")

// sampleReport has every row kind: both stores, warm and cold pairs at two
// connection counts, a target met, one missed and one informative.
func sampleReport(short bool) *report {
	st := func(n int, p50, p99 time.Duration, cpu time.Duration) stats {
		return stats{n: n, elapsed: 10 * time.Second, p50: p50, p99: p99, bytes: 300, serverCPU: cpu, clientCPU: cpu / 2}
	}
	run := func(store string, keys int, vacuum time.Duration) *result {
		return &result{
			store: store, keys: keys,
			seed: &seeded{took: 3 * time.Second, vacuum: vacuum},
			pairs: []pair{
				{cache: true, conns: 8, healthz: st(100000, 100*time.Microsecond, 900*time.Microsecond, 25*time.Microsecond), me: st(90000, 120*time.Microsecond, 1100*time.Microsecond, 31*time.Microsecond)},
				{cache: true, conns: 1, healthz: st(50000, 60*time.Microsecond, 200*time.Microsecond, 20*time.Microsecond), me: st(48000, 70*time.Microsecond, 250*time.Microsecond, 24*time.Microsecond)},
				{cache: false, conns: 8, healthz: st(100000, 100*time.Microsecond, 900*time.Microsecond, 25*time.Microsecond), me: st(30000, 400*time.Microsecond, 3*time.Millisecond, 60*time.Microsecond)},
				{cache: false, conns: 1, healthz: st(50000, 60*time.Microsecond, 200*time.Microsecond, 20*time.Microsecond), me: st(9000, 300*time.Microsecond, 1500*time.Microsecond, 50*time.Microsecond)},
			},
			list: stats{n: 20, p50: 40 * time.Millisecond, p99: 90 * time.Millisecond, bytes: 2_500_000},
		}
	}
	return &report{
		cfg: &config{short: short, users: 1000, listKeys: 10000, distinct: 1000, duration: 20 * time.Second,
			slice: 2 * time.Second, conns: 8, commandLn: "skillett-load -keys 1000"},
		machine: "2 cores", build: "abc123", postgres: "PostgreSQL 15", loadBefore: "0.1 0.2 0.3", loadAfter: "1.0 1.1 1.2",
		started: time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC), took: 95 * time.Second,
		runs: []*result{run(storeSQLite, 1000, 0), run(storePostgres, 1_000_000, 2*time.Second)},
	}
}

// The report is a template; this pins its text.
func TestMarkdown(t *testing.T) {
	for _, short := range []bool{false, true} {
		got := sampleReport(short).markdown()
		name := map[bool]string{false: "report.md", true: "report-short.md"}[short]
		path := filepath.Join("testdata", name)
		if *update {
			os.WriteFile(path, []byte(got), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
		}
	}
}
