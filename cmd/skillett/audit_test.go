package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAudit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	mustCLI(t, "", "migrate", "--db", db)
	mustCLI(t, "", "users", "create", "--db", db, "--email", "a@example.com")
	mustCLI(t, "", "users", "set-plan", "--db", db, "--email", "a@example.com", "--plan", "pro")
	mustCLI(t, "an operator's passphrase\n", "users", "set-password", "--db", db, "--email", "a@example.com", "--password-stdin")
	k := decodeJSON(t, mustCLI(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "ci"))
	id := k["api_key"].(map[string]any)["id"].(string)
	mustCLI(t, "", "keys", "revoke", "--db", db, "--email", "a@example.com", id)

	out := mustCLI(t, "", "audit", "--db", db, "--email", "a@example.com")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var types []string
	for _, line := range lines {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit: line %q is not JSON: %v", line, err)
		}
		types = append(types, e["type"].(string))
		if a := e["actor"].(map[string]any); a["type"] != "cli" || e["ip"] != nil || e["user_agent"] != nil {
			t.Errorf("audit: %s: got actor %v ip %v user_agent %v, want the CLI with null ip and user agent", e["type"], a, e["ip"], e["user_agent"])
		}
	}
	if got := strings.Join(types, ","); got != "key.revoked,key.created,user.password_changed,user.plan_changed,user.signed_up" {
		t.Errorf("audit: got %s", got)
	}
	if out := mustCLI(t, "", "audit", "--db", db, "--email", "a@example.com", "--limit", "1"); strings.Count(out, "\n") != 1 || !strings.Contains(out, "key.revoked") {
		t.Errorf("audit --limit 1: got %q", out)
	}
	for _, args := range [][]string{
		{"audit", "--db", db},
		{"audit", "--db", db, "--email", "a@example.com", "--limit", "0"},
		{"audit", "--db", db, "--email", "nobody@example.com"},
		{"serve", "--db", db, "--audit-retention", "soon"},
	} {
		if _, _, err := cli(t, "", args...); err == nil {
			t.Errorf("skillett %q: succeeded, want an error", args)
		}
	}
	// An unknown email is told as by the users commands: with the database.
	if _, _, err := cli(t, "", "audit", "--db", db, "--email", "nobody@example.com"); err == nil || !strings.Contains(err.Error(), db) {
		t.Errorf("audit of an unknown email: got %v, want an error naming %s", err, db)
	}
}

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]time.Duration{"365d": 365 * 24 * time.Hour, "1d": 24 * time.Hour, "90m": 90 * time.Minute, "forever": -1, "0": -1} {
		if got, err := parseRetention(in); err != nil || got != want {
			t.Errorf("parseRetention(%q): got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1d", "0d", "1.5d", "-5h", "soon"} {
		if _, err := parseRetention(in); err == nil {
			t.Errorf("parseRetention(%q): got no error", in)
		}
	}
}
