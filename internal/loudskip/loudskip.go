// Package loudskip makes skipped groups of tests visible without -v.
//
// `go test ./...` shows a passing package's output only with -v, so a
// t.Skip for a missing PostgreSQL or browser goes unseen. A test package
// whose tests may skip for want of a service calls Main (or Run) from its
// TestMain; Skip records the group and the reason, and Main prints one
// line per skipped group when the tests are done: to the go command's own
// standard error, which go test does not capture (Linux), or else to
// standard error.
//
// It imports only the standard library; only tests should import it.
package loudskip

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

var (
	mu      sync.Mutex
	skipped = map[string]skip{} // by group
)

type skip struct {
	reason string
	tests  int
}

// Skip skips tb, recording that a test of group (such as "PostgreSQL")
// was skipped for reason.
func Skip(tb testing.TB, group, reason string) {
	tb.Helper()
	mu.Lock()
	s := skipped[group]
	s.reason = reason
	s.tests++
	skipped[group] = s
	mu.Unlock()
	tb.Skipf("SKIPPING %s TEST: %s", group, reason)
}

// Main runs the tests, reports the skipped groups (one line each) and
// exits: a TestMain with nothing else to do.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the tests, reports the skipped groups and returns the exit code.
func Run(m *testing.M) int {
	code := m.Run()
	report(code)
	return code
}

func report(code int) {
	lines := Lines()
	if len(lines) == 0 {
		return
	}
	var w io.Writer = os.Stderr
	if !testing.Verbose() && code == 0 {
		if goStderr := openGoStderr(); goStderr != nil {
			defer goStderr.Close()
			w = goStderr
		}
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// openGoStderr opens the standard error of the go command that runs this
// test binary, where go test's own output goes: a passing package's
// output is shown only with -v, and a skip must show without it. It works
// on Linux (through /proc) and returns nil elsewhere or when the parent is
// not the go command.
func openGoStderr() *os.File {
	ppid := os.Getppid()
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid))
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return nil
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/2", ppid), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil
	}
	return f
}

// Lines returns the report: one line per skipped group.
func Lines() []string {
	mu.Lock()
	defer mu.Unlock()
	var lines []string
	for group, s := range skipped {
		lines = append(lines, fmt.Sprintf("%s: SKIPPED %d %s test(s): %s", strings.TrimSuffix(filepath.Base(os.Args[0]), ".test"), s.tests, group, s.reason))
	}
	sort.Strings(lines)
	return lines
}
