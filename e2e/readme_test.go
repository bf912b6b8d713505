package e2e

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeSession returns the shell block under "## A first session with
// curl" in the README, so that the README cannot rot.
func readmeSession(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "\n## A first session with curl\n")
	if !ok {
		t.Fatal(`README.md has no "## A first session with curl" section`)
	}
	_, after, ok = strings.Cut(after, "\n```sh\n")
	if !ok {
		t.Fatal("the README's curl section has no ```sh block")
	}
	block, _, ok := strings.Cut(after, "\n```\n")
	if !ok {
		t.Fatal("the README's curl block is not closed")
	}
	return block + "\n"
}

// TestReadmeSession runs the README's curl session with bash, from the
// repository's root, on a free port instead of 8080; twice, because the
// README says it can be pasted again. Then it stops the server the way the
// README says.
func TestReadmeSession(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README session needs %s: %v", tool, err)
		}
	}
	block := readmeSession(t)
	const readmeAddr = "127.0.0.1:8080"
	if !strings.Contains(block, readmeAddr) {
		t.Fatalf("the README session no longer mentions %s; update this test", readmeAddr)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	script := strings.ReplaceAll(block, readmeAddr, addr)

	runBlock := func() string {
		t.Helper()
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = ".."
		// Its own process group, so that a server left behind by a failed
		// run can be stopped with it.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) })
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(3 * time.Minute):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("the README session did not finish in 3 minutes:\n%s", out.String())
		}
		if err != nil {
			t.Fatalf("the README session failed (%v):\n%s", err, out.String())
		}
		for _, want := range []string{"created key_", "revoked key_", "a revoked key is refused: 401"} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("the README session's output lacks %q:\n%s", want, out.String())
			}
		}
		return out.String()
	}

	first := runBlock()
	if !strings.Contains(first, "signed up:") {
		t.Errorf("first run did not sign up:\n%s", first)
	}
	m := regexp.MustCompile(`stop it with: kill (\d+)`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("the first run does not say how to stop the server:\n%s", first)
	}
	second := runBlock()
	if !strings.Contains(second, "already signed up, logged in:") {
		t.Errorf("second run did not log in instead of signing up:\n%s", second)
	}
	if strings.Contains(second, "server: pid") {
		t.Errorf("second run started another server instead of using the running one:\n%s", second)
	}

	pid, _ := strconv.Atoi(m[1])
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("kill %d, as the README says: %v", pid, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			break
		}
		res.Body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the server still answers 10s after kill %d", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
