package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/skillett/skillett/service"
)

// expectErr runs the CLI and checks that it fails with a message holding
// each of want.
func expectErr(t *testing.T, stdin string, args []string, want ...string) error {
	t.Helper()
	_, _, err := cli(t, stdin, args...)
	if err == nil {
		t.Fatalf("skillett %s: succeeded, want an error", strings.Join(args, " "))
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("skillett %s: error %q, want it to contain %q", strings.Join(args, " "), err, w)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("skillett %s: error on several lines: %q", strings.Join(args, " "), err)
	}
	return err
}

// Bad --db values are refused with one line, and create nothing.
func TestDBValidation(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, c := range []struct{ db, want string }{
		{"sqlite://x.db", "write sqlite:PATH"},
		{"mysql://u@h/db", `unknown scheme "mysql://"`},
		{"postgress://u@h/db", `unknown scheme "postgress://"`},
		{"postgres://", "names no database"},
		{"postgres://u@localhost", "names no database"},
		{"postgresql://u:secret@[::1/db", "malformed PostgreSQL URL"},
		{"file:x.db", "SQLite URIs (file:) are not accepted"},
		{"sqlite:", "names no file"},
		{"", "--db is empty"},
		{"x.db?mode=rwc", "cannot hold '?'"},
	} {
		err := expectErr(t, "", []string{"migrate", "--db", c.db}, c.want)
		if !errors.Is(err, errUsage) {
			t.Errorf("--db %q: not a usage error (exit 2): %v", c.db, err)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("--db %q: the error shows the password: %v", c.db, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused --db values created %d files in the working directory", len(entries))
	}
	// sqlite:PATH is the file PATH.
	mustCLI(t, "", "migrate", "--db", "sqlite:y.db")
	if _, err := os.Stat(filepath.Join(dir, "y.db")); err != nil {
		t.Errorf("sqlite:y.db: %v", err)
	}
}

// Only serve and migrate create a SQLite file; the other commands refuse a
// missing one and name it. A missing directory is named as such.
func TestMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "skilett.db")
	for _, args := range [][]string{
		{"keys", "list", "--email", "a@example.com"},
		{"users", "create", "--email", "a@example.com"},
		{"users", "set-plan", "--email", "a@example.com", "--plan", "pro"},
		{"keys", "revoke", "--email", "a@example.com", "key_x"},
	} {
		expectErr(t, "", append(args, "--db", typo), "--db "+typo+": no such database file", "skillett migrate --db "+typo)
	}
	if _, err := os.Stat(typo); err == nil {
		t.Fatal("a command other than serve and migrate created the database file")
	}
	missing := filepath.Join(dir, "nonexistent", "x.db")
	expectErr(t, "", []string{"migrate", "--db", missing}, "the directory "+filepath.Dir(missing)+" does not exist")
	expectErr(t, "", []string{"keys", "list", "--email", "a@example.com", "--db", missing}, "does not exist")
}

// Commands say what they did, and to which database; errors about the
// data name the database they looked in.
func TestCLIReports(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	_, stderr, err := cli(t, "", "migrate", "--db", db)
	if err != nil || !strings.Contains(stderr, "Migrated "+db+": its schema is up to date.") {
		t.Errorf("migrate: %v, stderr %q", err, stderr)
	}
	_, stderr, err = cli(t, "", "users", "create", "--db", db, "--email", "a@example.com")
	if err != nil || !strings.Contains(stderr, "has no password, so cannot log in") || !strings.Contains(stderr, "users set-password") {
		t.Errorf("users create without a password: %v, stderr %q; want a note that it cannot log in", err, stderr)
	}
	_, stderr, err = cli(t, "correct horse battery\n", "users", "create", "--db", db, "--email", "b@example.com", "--password-stdin")
	if err != nil || stderr != "" {
		t.Errorf("users create with a password: %v, stderr %q; want no note", err, stderr)
	}
	out, stderr, err := cli(t, "", "users", "set-plan", "--db", db, "--email", "a@example.com", "--plan", "pro")
	if err != nil || !strings.Contains(stderr, "Set the plan of a@example.com to pro in "+db+".") || !strings.Contains(out, `"plan": "pro"`) {
		t.Errorf("set-plan: %v, stdout %q, stderr %q", err, out, stderr)
	}
	k := decodeJSON(t, mustCLI(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "ci"))
	id := k["api_key"].(map[string]any)["id"].(string)
	_, stderr, err = cli(t, "", "keys", "revoke", "--db", db, "--email", "a@example.com", id)
	if err != nil || !strings.Contains(stderr, "Revoked "+id+" of a@example.com in "+db+".") {
		t.Errorf("keys revoke: %v, stderr %q", err, stderr)
	}

	expectErr(t, "", []string{"keys", "list", "--db", db, "--email", "nobody@example.com"}, "No user has the email nobody@example.com in "+db+".")
	expectErr(t, "", []string{"users", "set-plan", "--db", db, "--email", "nobody@example.com", "--plan", "pro"}, "No user has the email nobody@example.com in "+db+".")
	expectErr(t, "", []string{"keys", "revoke", "--db", db, "--email", "a@example.com", "key_nope"}, "a@example.com has no API key key_nope in "+db+".")
	expectErr(t, "", []string{"keys", "create", "--db", db, "--email", "a@example.com", "--name", "old", "--expires-at", "2001-01-01T00:00:00Z"}, "--expires-at must be in the future.")
	expectErr(t, "", []string{"keys", "create", "--db", db, "--email", "a@example.com", "--name", "x", "--expires-at", "soon"}, "--expires-at must be an RFC 3339 time", "or a date such as 2027-01-01 (its start, 00:00 UTC)")

	// A date alone is the start of that day, UTC.
	k = decodeJSON(t, mustCLI(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "dated", "--expires-at", "2099-01-01"))
	if got := k["api_key"].(map[string]any)["expires_at"]; got != "2099-01-01T00:00:00Z" {
		t.Errorf("--expires-at 2099-01-01: expires_at %v, want 2099-01-01T00:00:00Z", got)
	}

	// PostgreSQL URLs are named with the password masked.
	d := &dbFlags{dsn: "postgres://admin:s3cret@db.example.com:5432/skillett"}
	if name := d.name(); strings.Contains(name, "s3cret") || !strings.Contains(name, "db.example.com:5432/skillett") {
		t.Errorf("name of a PostgreSQL URL: %q, want it with the password masked", name)
	}
}

// users and keys alone list their subcommands; help, version and the
// flags' spelling.
func TestHelpAndVersion(t *testing.T) {
	for _, group := range []string{"users", "keys"} {
		out, _, err := cli(t, "", group)
		if !errors.Is(err, errUsage) || !strings.Contains(out, group+" create") || !strings.Contains(out, group+" "+map[string]string{"users": "set-plan", "keys": "revoke"}[group]) {
			t.Errorf("skillett %s: %v, stdout %q; want its subcommands and a usage error", group, err, out)
		}
	}
	out := mustCLI(t, "", "help")
	if !strings.Contains(out, "users create") || !strings.Contains(out, "sqlite:PATH") || !strings.Contains(out, "file: URIs") {
		t.Errorf("skillett help: %q", out)
	}
	out = mustCLI(t, "", "help", "keys", "create")
	for _, want := range []string{"Usage: skillett keys create", "--email EMAIL", "--expires-at TIME", "--db DSN", "--scopes a,b"} {
		if !strings.Contains(out, want) {
			t.Errorf("skillett help keys create lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, " value") || regexp.MustCompile(`\n  -[a-z]`).MatchString(out) {
		t.Errorf("skillett help keys create shows -flag or value placeholders:\n%s", out)
	}
	if out := mustCLI(t, "", "serve", "--help"); !strings.Contains(out, "--addr HOST:PORT") {
		t.Errorf("skillett serve --help lacks --addr HOST:PORT:\n%s", out)
	}
	expectErr(t, "", []string{"help", "nope"}, `unknown command "nope"`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if out := mustCLI(t, "", args...); !strings.HasPrefix(out, "skillett ") || !strings.Contains(out, "go1.") {
			t.Errorf("skillett %s: %q, want the module version and Go's", args[0], out)
		}
	}
	// One prefix: main adds "skillett: ", the error names the command.
	err := expectErr(t, "", []string{"users", "create", "--bogus"}, "users create: flag provided but not defined")
	if strings.HasPrefix(err.Error(), "skillett") {
		t.Errorf("error %q starts with skillett: main would print it twice", err)
	}
}

// users list; users set-password gives a user created without a password
// a way to log in, and ends the user's sessions.
func TestUsersListAndSetPassword(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	mustCLI(t, "", "migrate", "--db", db)
	if out := strings.TrimSpace(mustCLI(t, "", "users", "list", "--db", db)); out != "[]" {
		t.Errorf("users list on an empty database: %q, want []", out)
	}
	mustCLI(t, "", "users", "create", "--db", db, "--email", "b@example.com", "--plan", "pro")
	mustCLI(t, "", "users", "create", "--db", db, "--email", "a@example.com")
	var users []map[string]any
	if err := json.Unmarshal([]byte(mustCLI(t, "", "users", "list", "--db", db)), &users); err != nil || len(users) != 2 {
		t.Fatalf("users list: %v, %v", users, err)
	}
	if users[0]["email"] != "a@example.com" || users[1]["plan"] != "pro" {
		t.Errorf("users list: got %v", users)
	}

	expectErr(t, "", []string{"users", "set-password", "--db", db, "--email", "a@example.com"}, "--email and --password-stdin are required")
	expectErr(t, "short\n", []string{"users", "set-password", "--db", db, "--email", "a@example.com", "--password-stdin"}, "Password must be at least 8 characters.")
	expectErr(t, "correct horse battery\n", []string{"users", "set-password", "--db", db, "--email", "nobody@example.com", "--password-stdin"}, "No user has the email nobody@example.com in "+db)
	_, stderr, err := cli(t, "correct horse battery\n", "users", "set-password", "--db", db, "--email", "a@example.com", "--password-stdin")
	if err != nil || !strings.Contains(stderr, "Set the password of a@example.com in "+db+"; the user's sessions have ended.") {
		t.Fatalf("set-password: %v, stderr %q", err, stderr)
	}

	// The user can now log in, with that password.
	store, err := (&dbFlags{dsn: db}).openExisting(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := service.New(service.Config{Store: store})
	if _, _, err := svc.Login(t.Context(), "a@example.com", "correct horse battery"); err != nil {
		t.Errorf("login with the password set by the CLI: %v", err)
	}
	_, token, _ := svc.Login(t.Context(), "a@example.com", "correct horse battery")
	mustCLI(t, "another good password\n", "users", "set-password", "--db", db, "--email", "a@example.com", "--password-stdin")
	if _, err := svc.SessionPrincipal(t.Context(), token); err == nil {
		t.Error("a session outlived set-password")
	}
}
