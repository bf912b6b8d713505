package main

import (
	"context"
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every flag of every command, wherever it stands, takes the next argument
// as its value exactly when it is not boolean: a bool flag must never
// swallow the next word, nor another flag miss its value.
func TestSplitArgsAsksTheCommandsFlags(t *testing.T) {
	e := env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	for _, c := range commands {
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		c.flags(fs, e)
		fs.VisitAll(func(f *flag.Flag) {
			flagArgs := []string{"--" + f.Name}
			// What the flag package itself asks of a flag.
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				flagArgs = append(flagArgs, "VALUE")
			}
			for _, args := range [][]string{
				slices.Concat(c.words, flagArgs, []string{"WORD"}),
				slices.Concat(flagArgs, c.words, []string{"WORD"}),
				slices.Concat(c.words[:1], flagArgs, c.words[1:], []string{"WORD"}),
			} {
				inv, _ := resolve(args, e)
				if inv.cmd == nil || !slices.Equal(inv.cmd.words, c.words) {
					t.Errorf("%q: got command %v, want %q", args, inv.cmd, c.words)
					continue
				}
				if !slices.Equal(inv.flags, flagArgs) || !slices.Equal(inv.positional, []string{"WORD"}) {
					t.Errorf("%q: got flags %q and arguments %q, want %q and [WORD]", args, inv.flags, inv.positional, flagArgs)
				}
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string // in the error; "" for success
	}{
		{map[string]string{"SKILLETT_DB": db}, []string{"migrate"}, ""},
		{map[string]string{"SKILLETT_PG_MAX_CONNS": "many"}, []string{"migrate", "--db", db}, "SKILLETT_PG_MAX_CONNS"},
		{map[string]string{"SKILLETT_PG_MAX_CONNS": "-3"}, []string{"migrate", "--db", db}, "SKILLETT_PG_MAX_CONNS"},
		{map[string]string{"SKILLETT_PG_CONNECT_TIMEOUT": "5"}, []string{"migrate", "--db", db}, "SKILLETT_PG_CONNECT_TIMEOUT"},
		{map[string]string{"SKILLETT_PG_STATEMENT_TIMEOUT": "soon"}, []string{"migrate", "--db", db}, "SKILLETT_PG_STATEMENT_TIMEOUT"},
		{map[string]string{"SKILLETT_CACHE_SIZE": "lots"}, []string{"serve", "--db", db}, "SKILLETT_CACHE_SIZE"},
		{map[string]string{"SKILLETT_NO_SIGNUP": "bogus"}, []string{"serve", "--db", db}, "SKILLETT_NO_SIGNUP"},
		{map[string]string{"SKILLETT_SECURE_COOKIES": "maybe"}, []string{"serve", "--db", db}, "SKILLETT_SECURE_COOKIES"},
		{nil, []string{"serve", "--db", db, "--cache-size", "-1"}, "--cache-size"},
		{map[string]string{"SKILLETT_LOG_FORMAT": "xml"}, []string{"serve", "--db", db}, "--log-format"},
		// The command line wins over the environment.
		{map[string]string{"SKILLETT_DB": filepath.Join(t.TempDir(), "missing", "x.db"), "SKILLETT_PG_MAX_CONNS": "4"}, []string{"migrate", "--db", db}, ""},
	} {
		getenv := func(name string) string { return c.env[name] }
		// A serve that wrongly starts stops at once instead of hanging.
		ctx, cancel := context.WithCancel(t.Context())
		if c.args[0] == "serve" {
			cancel()
		}
		err := run(ctx, c.args, getenv, strings.NewReader(""), io.Discard, io.Discard)
		cancel()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v %q: got %v, want success", c.env, c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v %q: got %v, want a usage error naming %s", c.env, c.args, err, c.want)
		}
	}
}

func TestBoolFromEnvironment(t *testing.T) {
	for v, want := range map[string]string{"1": "true", "true": "true", "yes": "true", "ON": "true", "0": "false", "false": "false", "no": "false", "off": "false"} {
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		b := fs.Bool("no-signup", false, "")
		if err := applyEnv(fs, func(string) string { return v }); err != nil {
			t.Errorf("%q: got %v", v, err)
		} else if got := map[bool]string{true: "true", false: "false"}[*b]; got != want {
			t.Errorf("%q: got %s, want %s", v, got, want)
		}
	}
}

// Every variable a flag's help names, "(env NAME", is the one applyEnv
// reads for that flag: a help text cannot promise a variable that does
// nothing.
func TestEveryNamedVariableIsRead(t *testing.T) {
	e := env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	named := 0
	for _, c := range commands {
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		c.flags(fs, e)
		fs.VisitAll(func(f *flag.Flag) {
			_, rest, ok := strings.Cut(f.Usage, "(env ")
			if !ok {
				return
			}
			named++
			want := strings.FieldsFunc(rest, func(r rune) bool { return r == ')' || r == ';' || r == '=' || r == ' ' })[0]
			if got := envVars[f.Name]; got != want {
				t.Errorf("%q --%s: its help names %s, but applyEnv reads %q", c.words, f.Name, want, got)
			}
		})
	}
	if named < 20 {
		t.Errorf("only %d flags name a variable: the help's wording changed and this test no longer reads it", named)
	}
}
