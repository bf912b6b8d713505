package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett/internal/syncbuf"
)

// cli runs the program with args and the given standard input.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, _, err := cli(t, stdin, args...)
	if err != nil {
		t.Fatalf("skillett %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not a JSON object: %q", s)
	}
	return v
}

func TestUsersAndKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	mustCLI(t, "", "migrate", "--db", db) // only serve and migrate create a database file
	u := decodeJSON(t, mustCLI(t, "", "users", "create", "--db", db, "--email", "a@example.com"))
	if u["email"] != "a@example.com" || u["plan"] != "free" || !strings.HasPrefix(u["id"].(string), "usr_") || len(u) != 4 {
		t.Errorf("users create: got %v", u)
	}
	if _, _, err := cli(t, "", "users", "create", "--db", db, "--email", "a@example.com"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate email: got %v, want an 'already exists' error", err)
	}

	// Flags before, between and after the command words.
	k := decodeJSON(t, mustCLI(t, "", "--db", db, "keys", "--email", "a@example.com", "create", "--name", "ci", "--scopes", "github,slack"))
	key := k["api_key"].(map[string]any)
	if !strings.HasPrefix(k["full_key"].(string), "sk_") || len(key) != 6 || len(key["scopes"].([]any)) != 2 {
		t.Errorf("keys create: got %v", k)
	}
	if _, _, err := cli(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "second"); err == nil || !strings.Contains(err.Error(), "plan") {
		t.Errorf("second key on free: got %v, want a plan limit error", err)
	}
	p := decodeJSON(t, mustCLI(t, "", "users", "set-plan", "--db", db, "--email", "a@example.com", "--plan", "pro"))
	if p["plan"] != "pro" {
		t.Errorf("set-plan: got %v", p)
	}
	mustCLI(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "second", "--expires-at", "2099-01-01T00:00:00Z")

	list := mustCLI(t, "", "keys", "list", "--db", db, "--email", "a@example.com")
	var keys []map[string]any
	if err := json.Unmarshal([]byte(list), &keys); err != nil || len(keys) != 2 || keys[0]["name"] != "second" {
		t.Fatalf("keys list: got %s (%v)", list, err)
	}
	mustCLI(t, "", "keys", "revoke", "--db", db, "--email", "a@example.com", key["id"].(string))
	mustCLI(t, "", "keys", "revoke", key["id"].(string), "--db", db, "--email", "a@example.com")
	if _, _, err := cli(t, "", "keys", "revoke", "--db", db, "--email", "a@example.com", "key_nope"); err == nil {
		t.Error("revoking an unknown key succeeded")
	}
}

func TestBadInvocations(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	mustCLI(t, "", "migrate", "--db", db) // only serve and migrate create a database file
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"users"},
		{"users", "create", "--db", db},
		{"users", "create", "--db", db, "--email", "not an email"},
		{"users", "create", "--db", db, "--email", "b@example.com", "--plan", "gold"},
		{"users", "create", "--db", db, "--email", "b@example.com", "--bogus"},
		{"users", "set-plan", "--db", db, "--email", "nobody@example.com", "--plan", "pro"},
		{"keys", "create", "--db", db, "--email", "nobody@example.com", "--name", "x"},
		{"keys", "revoke", "--db", db, "--email", "nobody@example.com"},
		{"keys", "create", "--db", db, "--email", "b@example.com", "--name", "x", "--expires-at", "soon"},
		{"migrate", "--db", "postgres://nobody@127.0.0.1:1/x?connect_timeout=1"},
		{"serve", "--db", db, "--plan-limits", "gold=2"},
	} {
		_, _, err := cli(t, "", args...)
		if err == nil {
			t.Errorf("skillett %q: succeeded, want an error", args)
		} else if strings.Contains(oneLine(err), "\n") || oneLine(err) == "" {
			t.Errorf("skillett %q: the message is not one line: %q", args, err)
		}
	}
	if _, _, err := cli(t, "short\n", "users", "create", "--db", db, "--email", "c@example.com", "--password-stdin"); err == nil {
		t.Error("a 5-character password was accepted")
	}
}

func TestHelp(t *testing.T) {
	out := mustCLI(t, "", "--help")
	for _, c := range commands {
		if !strings.Contains(out, strings.Join(c.words, " ")) {
			t.Errorf("--help does not list %q", c.words)
		}
		sub := mustCLI(t, "", append(c.words, "--help")...)
		if !strings.Contains(sub, "-db") {
			t.Errorf("%s --help does not describe --db: %s", c.words, sub)
		}
	}
}

var listenLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServe runs `skillett serve` in the background and returns its URL,
// its log and a function that stops it as SIGTERM would and returns run's
// result.
func startServe(t *testing.T, args ...string) (url string, logs *syncbuf.Buffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, strings.NewReader(""), io.Discard, logs)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listenLine.FindStringSubmatch(logs.String()); m != nil {
			url = "http://" + m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not log its address:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	var result error
	stop = func() error {
		once.Do(func() { cancel(); result = <-done })
		return result
	}
	t.Cleanup(func() { stop() })
	return url, logs, stop
}

func httpDo(t *testing.T, method, url, auth, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v map[string]any
	json.NewDecoder(res.Body).Decode(&v)
	return res.StatusCode, v
}

// A graceful stop writes the pending last_used_at before exiting.
func TestServeFlushesLastUsedOnShutdown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "serve.db")
	mustCLI(t, "", "migrate", "--db", db) // only serve and migrate create a database file
	mustCLI(t, "", "users", "create", "--db", db, "--email", "a@example.com")
	created := decodeJSON(t, mustCLI(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "k"))
	full := created["full_key"].(string)

	url, logs, stop := startServe(t, "--db", db)
	if code, _ := httpDo(t, "GET", url+"/me", full, ""); code != 200 {
		t.Fatalf("GET /me: got %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve after stop: got %v, want nil\n%s", err, logs)
	}
	var keys []map[string]any
	json.Unmarshal([]byte(mustCLI(t, "", "keys", "list", "--db", db, "--email", "a@example.com")), &keys)
	if len(keys) != 1 || keys[0]["last_used_at"] == nil {
		t.Errorf("after shutdown: got %v, want last_used_at set", keys)
	}
	if strings.Contains(logs.String(), full) {
		t.Error("the server logged the full key")
	}
}

// The CLI revoking a key refuses it on a running server within a second.
func TestServeSeesCLIRevocation(t *testing.T) {
	db := filepath.Join(t.TempDir(), "serve.db")
	mustCLI(t, "", "migrate", "--db", db) // only serve and migrate create a database file
	mustCLI(t, "", "users", "create", "--db", db, "--email", "a@example.com")
	created := decodeJSON(t, mustCLI(t, "", "keys", "create", "--db", db, "--email", "a@example.com", "--name", "k"))
	full, id := created["full_key"].(string), created["api_key"].(map[string]any)["id"].(string)
	url, _, _ := startServe(t, "--db", db)
	if code, _ := httpDo(t, "GET", url+"/me", full, ""); code != 200 {
		t.Fatalf("GET /me: got %d", code)
	}
	mustCLI(t, "", "keys", "revoke", "--db", db, "--email", "a@example.com", id)
	start := time.Now()
	for {
		code, _ := httpDo(t, "GET", url+"/me", full, "")
		if code == 401 {
			t.Logf("refused %v after the CLI revoked it", time.Since(start))
			return
		}
		if time.Since(start) > time.Second {
			t.Fatalf("still %d a second after the CLI revoked the key", code)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
