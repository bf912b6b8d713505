package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKeysUpdateAndRoll(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	mustCLI(t, "", "migrate", "--db", db) // only serve and migrate create a database file
	mustCLI(t, "", "users", "create", "--db", db, "--email", "a@example.com")
	k := decodeJSON(t, mustCLI(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "ci"))
	id := k["api_key"].(map[string]any)["id"].(string)

	d := decodeJSON(t, mustCLI(t, "", "keys", "update", "--db", db, "--email", "a@example.com", id, "--name", " deploy ", "--scopes", "github,slack", "--expires-at", "2099-01-01T00:00:00Z"))
	if d["name"] != "deploy" || len(d["scopes"].([]any)) != 2 || d["expires_at"] != "2099-01-01T00:00:00Z" || len(d) != 12 {
		t.Errorf("keys update: got %v", d)
	}
	d = decodeJSON(t, mustCLI(t, "", "keys", "update", id, "--db", db, "--email", "a@example.com", "--expires-at", "2098-05-01"))
	if d["expires_at"] != "2098-05-01T00:00:00Z" {
		t.Errorf("keys update --expires-at DATE: got %v", d["expires_at"])
	}
	d = decodeJSON(t, mustCLI(t, "", "keys", "update", id, "--db", db, "--email", "a@example.com", "--expires-at", "none"))
	if d["expires_at"] != nil || d["name"] != "deploy" {
		t.Errorf("keys update --expires-at none: got %v", d)
	}
	for _, bad := range [][]string{
		{id},                             // nothing to change
		{id, "--scopes", ""},             // empty scopes
		{id, "--name", ""},               // empty name
		{id, "--expires-at", "tomorrow"}, // not a time
		{id, "--expires-at", "2001-01-01T00:00:00Z"}, // past
		{"key_nope", "--name", "x"},
		{},
	} {
		args := append([]string{"keys", "update", "--db", db, "--email", "a@example.com"}, bad...)
		if _, _, err := cli(t, "", args...); err == nil {
			t.Errorf("skillett %s: succeeded, want an error", strings.Join(args, " "))
		}
	}

	// A Free user rolls its one key; a create right after is still refused.
	before := time.Now().UTC()
	out := mustCLI(t, "", "keys", "roll", "--db", db, "--email", "a@example.com", id, "--grace", "24h")
	var r struct {
		APIKey    map[string]any `json:"api_key"`
		FullKey   string         `json:"full_key"`
		RolledKey map[string]any `json:"rolled_key"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("keys roll: %v in %s", err, out)
	}
	exp, _ := time.Parse(time.RFC3339, r.RolledKey["expires_at"].(string))
	if !strings.HasPrefix(r.FullKey, "sk_") || r.APIKey["name"] != "deploy" || r.RolledKey["replaced_by"] != r.APIKey["id"] ||
		exp.Before(before.Add(24*time.Hour-2*time.Second)) || exp.After(before.Add(24*time.Hour+2*time.Second)) {
		t.Errorf("keys roll: got %s", out)
	}
	if _, _, err := cli(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "second"); err == nil || !strings.Contains(err.Error(), "plan") {
		t.Errorf("create after the roll: got %v, want a plan limit error", err)
	}
	for _, bad := range [][]string{
		{id}, // rolled already
		{r.APIKey["id"].(string), "--grace", "169h"},
		{r.APIKey["id"].(string), "--grace", "-1s"},
		{r.APIKey["id"].(string), "--grace", "1.5s"},
		{r.APIKey["id"].(string), "--grace", "soon"},
		{},
	} {
		args := append([]string{"keys", "roll", "--db", db, "--email", "a@example.com"}, bad...)
		if _, _, err := cli(t, "", args...); err == nil {
			t.Errorf("skillett %s: succeeded, want an error", strings.Join(args, " "))
		}
	}
	var list []map[string]any
	json.Unmarshal([]byte(mustCLI(t, "", "keys", "list", "--db", db, "--email", "a@example.com")), &list)
	if len(list) != 2 {
		t.Errorf("keys after the refused rolls: got %d, want 2", len(list))
	}
}
