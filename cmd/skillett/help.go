package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
)

// placeholders name the value each flag takes in help, where the flag
// package would say "value" or "string".
var placeholders = map[string]string{
	"db": "DSN", "email": "EMAIL", "plan": "PLAN", "name": "NAME", "scopes": "a,b",
	"expires-at": "TIME", "addr": "HOST:PORT", "debug-addr": "HOST:PORT",
	"service-token": "TOKEN", "plan-limits": "PLAN=N,…", "integrations": "a,b",
	"cache-size": "N", "pg-max-conns": "N", "log-format": "text|json", "grace": "DURATION",
	"pg-connect-timeout": "DURATION", "pg-statement-timeout": "DURATION",
}

// printFlags lists fs's flags as they are written: --name PLACEHOLDER.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		_, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if !isBoolFlag(f) {
			ph := placeholders[f.Name]
			if ph == "" {
				ph = strings.ToUpper(f.Name)
			}
			line += " " + ph
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// groups are the first words of commands with subcommands.
func groups() []string {
	var out []string
	for _, c := range commands {
		if len(c.words) > 1 && !slices.Contains(out, c.words[0]) {
			out = append(out, c.words[0])
		}
	}
	return out
}

// printGroupUsage lists the subcommands of group ("users", "keys").
func printGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage: skillett %s SUBCOMMAND [flags]\n\nSubcommands:\n", group)
	for _, c := range commands {
		if c.words[0] == group {
			fmt.Fprintf(w, "  %-20s %s\n", strings.Join(c.words, " "), c.summary)
		}
	}
	fmt.Fprintf(w, "\nRun \"skillett help %s SUBCOMMAND\" for its flags.\n", group)
}

// help writes the usage of the command that words name, or of skillett.
func help(w io.Writer, words []string) error {
	if len(words) == 0 {
		printUsage(w)
		return nil
	}
	if len(words) == 1 && slices.Contains(groups(), words[0]) {
		printGroupUsage(w, words[0])
		return nil
	}
	for i := range commands {
		c := &commands[i]
		if slices.Equal(c.words, words) {
			fs := flag.NewFlagSet("skillett "+strings.Join(c.words, " "), flag.ContinueOnError)
			c.flags(fs, env{stdout: w, stderr: io.Discard, getenv: func(string) string { return "" }, stdin: strings.NewReader("")})
			printCommandUsage(w, c, fs)
			return nil
		}
	}
	return usagef("help: unknown command %q; see skillett help", strings.Join(words, " "))
}

// version describes the build: module version, VCS commit (and whether
// the tree had changes) and Go version, from debug.ReadBuildInfo.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "skillett (no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	s := "skillett " + v
	var rev, when, modified string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.time":
			when = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				modified = ", with local changes"
			}
		}
	}
	if rev != "" {
		s += fmt.Sprintf(", commit %.12s", rev)
		if when != "" {
			s += " of " + when
		}
		s += modified
	}
	return s + ", " + bi.GoVersion
}
