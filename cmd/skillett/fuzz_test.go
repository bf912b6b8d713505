package main

import (
	"slices"
	"strings"
	"testing"
)

// The argument splitter never panics, and every piece it returns is an
// argument it was given, never more pieces than arguments.
func FuzzSplitArgs(f *testing.F) {
	for _, seed := range []string{
		"serve\x00--addr\x00127.0.0.1:0", "keys\x00create\x00--email=a@b.c\x00--name\x00x",
		"--\x00-h", "users\x00set-plan\x00-db\x00\x00--plan", "-\x00--\x00---x=", "serve\x00--no-signup\x00false",
	} {
		f.Add(seed)
	}
	e := env{getenv: func(string) string { return "" }}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		inv, _ := resolve(args, e)
		got := append(slices.Clone(inv.flags), inv.positional...)
		if inv.cmd != nil {
			got = append(got, inv.cmd.words...)
		}
		if len(got) > len(args) {
			t.Fatalf("resolve(%q): %d pieces from %d arguments", args, len(got), len(args))
		}
		for _, g := range got {
			if !slices.Contains(args, g) {
				t.Fatalf("resolve(%q): %q was not given", args, g)
			}
		}
	})
}
