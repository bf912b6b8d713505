// Command skillett is the Skillett API-key service: its HTTP server and the
// administration commands of SPEC §2. main only calls run, which the tests
// call too.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/skillett/skillett"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "skillett:", oneLine(err))
		}
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// env is how a command reaches its surroundings.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one of skillett's commands.
type command struct {
	words   []string // e.g. ["keys", "create"]
	args    string   // positional arguments, for the usage line
	summary string
	// flags declares the command's flags on fs; run is called after
	// parsing with the positional arguments.
	flags func(fs *flag.FlagSet, e env) func(ctx context.Context, args []string) error
}

var commands = []command{serveCommand, migrateCommand, usersCreateCommand, usersListCommand, usersSetPlanCommand, usersSetPasswordCommand, keysCreateCommand, keysListCommand, keysRevokeCommand, keysUpdateCommand, keysRollCommand, auditCommand}

var errUsage = errors.New("usage")

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
func (e usageError) Unwrap() error { return errUsage }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// run is the whole program: it parses args and runs one command.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-version") {
		fmt.Fprintln(stdout, version())
		return nil
	}
	inv, helpFlag := resolve(args, e)
	if inv.cmd == nil {
		words := inv.positional
		switch {
		case len(words) > 0 && words[0] == "help":
			return help(stdout, words[1:])
		case len(words) > 0 && words[0] == "version":
			if err := noArgs("version", words[1:]); err != nil {
				return err
			}
			fmt.Fprintln(stdout, version())
			return nil
		case len(words) == 1 && slices.Contains(groups(), words[0]):
			printGroupUsage(stdout, words[0])
			if helpFlag {
				return nil
			}
			return usagef("%s needs a subcommand; see skillett help %s", words[0], words[0])
		}
		help := helpFlag
		if help || len(words) == 0 {
			printUsage(stdout)
			if help {
				return nil
			}
			return usagef("no command given; see skillett --help")
		}
		return usagef("unknown command %q; see skillett --help", strings.Join(words, " "))
	}
	if helpFlag {
		printCommandUsage(stdout, inv.cmd, inv.fs)
		return nil
	}
	if err := applyEnv(inv.fs, getenv); err != nil {
		return err
	}
	if err := inv.fs.Parse(inv.flags); err != nil {
		return usagef("%s: %v", strings.TrimPrefix(inv.fs.Name(), "skillett "), err)
	}
	// Changes made by a command are the CLI's in the audit log; serve's
	// requests name their own actors.
	return inv.run(skillett.WithActor(ctx, skillett.Actor{Type: skillett.ActorCLI}), inv.positional)
}

// invocation is a command line read against one command's flags.
type invocation struct {
	cmd        *command // nil: no command matched
	fs         *flag.FlagSet
	run        func(context.Context, []string) error
	flags      []string // the flag arguments, for fs.Parse
	positional []string // after the command words; all words if cmd is nil
}

// resolve finds the command that args name. Flags may come before, between
// or after the command words, and whether a flag takes the next argument
// as its value is for the command's FlagSet to say, so each command reads
// args with its own flags: the first whose words come first wins.
func resolve(args []string, e env) (inv invocation, help bool) {
	for i := range commands {
		c := &commands[i]
		fs := flag.NewFlagSet("skillett "+strings.Join(c.words, " "), flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		runCmd := c.flags(fs, e)
		words, flags, help := splitArgs(args, fs)
		if len(words) >= len(c.words) && slices.Equal(words[:len(c.words)], c.words) {
			return invocation{cmd: c, fs: fs, run: runCmd, flags: flags, positional: words[len(c.words):]}, help
		}
	}
	words, _, help := splitArgs(args, flag.NewFlagSet("", flag.ContinueOnError))
	return invocation{positional: words}, help
}

// splitArgs separates words (command words and positional arguments) from
// flags. A flag's value is the next argument unless fs says the flag is
// boolean, or does not know it, or it is written --flag=value.
func splitArgs(args []string, fs *flag.FlagSet) (words, flags []string, help bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			words = append(words, args[i+1:]...)
			return words, flags, help
		case a == "-h" || a == "-help" || a == "--help":
			help = true
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && !strings.Contains(name, "=") && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			words = append(words, a)
		}
	}
	return words, flags, help
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `skillett is the Skillett API-key service: users and plans, dashboard
sessions, API keys and their verification, on SQLite or PostgreSQL.

Usage: skillett COMMAND [flags]   (flags may come before or after the command words)

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-20s %s\n", strings.Join(c.words, " "), c.summary)
	}
	fmt.Fprint(w, `  help [COMMAND]       describe skillett, or one command
  version              print the version (also skillett --version)

Every command takes --db DSN (env SKILLETT_DB), exactly one of:
  PATH or sqlite:PATH       a SQLite file (default skillett.db); only serve and
                            migrate create it, the other commands refuse a
                            file that does not exist
  postgres://USER@HOST:PORT/DBNAME?PARAMS (or postgresql://)
                            a PostgreSQL database, which must be named
Other schemes (mysql://, sqlite://, SQLite's file: URIs) are refused. Every
command applies pending migrations first.

Run "skillett help COMMAND" or "skillett COMMAND --help" for a command's flags.
`)
}

func printCommandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: skillett %s [flags] %s\n\n%s\n\nFlags:\n", strings.Join(c.words, " "), c.args, c.summary)
	printFlags(w, fs)
}

// oneLine keeps an error message on one line.
func oneLine(err error) string {
	msg := err.Error()
	if e, ok := errors.AsType[*skillett.Error](err); ok {
		msg = e.Message
	}
	return strings.Join(strings.Fields(msg), " ")
}
