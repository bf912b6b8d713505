package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A service token shorter than MinServiceTokenLen stops serve before it
// listens, whether it comes from the flag or the environment, with a usage
// error (exit status 2) that says how long a token must be and does not
// echo the token.
func TestServeRefusesShortServiceToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "short.db")
	mustCLI(t, "", "migrate", "--db", db)
	const short = "only-31-characters-long-secret!"
	if len(short) != MinServiceTokenLen-1 {
		t.Fatalf("seed is %d characters", len(short))
	}
	long := strings.Repeat("a", MinServiceTokenLen)
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"flag":             {args: []string{"--service-token", short}},
		"flag after long":  {args: []string{"--service-token", long + "," + short}},
		"environment":      {env: map[string]string{"SKILLETT_SERVICE_TOKENS": short}},
		"environment list": {env: map[string]string{"SKILLETT_SERVICE_TOKENS": long + "," + short}},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			getenv := func(k string) string { return c.env[k] }
			args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, c.args...)
			err := run(t.Context(), args, getenv, strings.NewReader(""), &out, &errOut)
			if err == nil {
				t.Fatal("serve started with a 31-character service token")
			}
			if !errors.Is(err, errUsage) {
				t.Errorf("got %v, want a usage error (exit status 2)", err)
			}
			msg := oneLine(err)
			if !strings.Contains(msg, "at least 32 characters") || !strings.Contains(msg, "service token") {
				t.Errorf("message %q does not say a service token needs 32 characters", msg)
			}
			if strings.Contains(msg+errOut.String(), short) {
				t.Errorf("the short token was echoed: %q", msg)
			}
			if strings.Contains(errOut.String(), "listening") {
				t.Errorf("serve listened before refusing: %s", errOut.String())
			}
		})
	}
}

// The --debug-addr listener serves pprof's index and profiles but not
// /debug/pprof/cmdline, which would show --service-token values.
func TestDebugAddrHidesCmdline(t *testing.T) {
	db := filepath.Join(t.TempDir(), "debug.db")
	mustCLI(t, "", "migrate", "--db", db)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debugAddr := l.Addr().String()
	l.Close() // serve binds it again; the port is free for a moment
	token := "debug-test-service-token-0123456789abcdef"
	startServe(t, "--db", db, "--debug-addr", debugAddr, "--service-token", token)

	get := func(path string) (int, string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get("http://" + debugAddr + path)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(b)
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", path, err)
			}
			time.Sleep(20 * time.Millisecond) // the debug listener starts in its own goroutine
		}
	}
	if code, body := get("/debug/pprof/cmdline"); code != http.StatusNotFound || strings.Contains(body, token) {
		t.Errorf("GET /debug/pprof/cmdline: got %d %q, want 404 without the token", code, body)
	}
	if code, body := get("/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("GET /debug/pprof/: got %d, want the index", code)
	}
	if code, body := get("/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile") || strings.Contains(body, token) {
		t.Errorf("GET /debug/pprof/goroutine: got %d, want a goroutine profile without the token", code)
	}
	if code, _ := get("/debug/pprof/symbol"); code != 200 {
		t.Errorf("GET /debug/pprof/symbol: got %d, want 200", code)
	}
}
