package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// buildServer builds the skillett binary to path.
func buildServer(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "github.com/skillett/skillett/cmd/skillett")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/skillett: %w", err)
	}
	return nil
}

// server is one running `skillett serve`, logging to a file as in
// production (one line per request: part of the cost being measured).
type server struct {
	url     string
	cmd     *exec.Cmd
	done    chan error
	logPath string
}

// startServer starts `skillett serve --db dsn` with extra flags on a free
// loopback port and waits until /healthz answers 200.
func startServer(ctx context.Context, bin, dsn, logPath string, extra ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	s := &server{url: "http://" + addr, done: make(chan error, 1), logPath: logPath}
	s.cmd = exec.Command(bin, append([]string{"serve", "--db", dsn, "--addr", addr}, extra...)...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("skillett serve exited before answering (%v):\n%s", err, s.logTail())
		case <-ctx.Done():
			s.kill()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		res, err := http.Get(s.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("skillett serve did not answer /healthz within 60 s (%v):\n%s", err, s.logTail())
		}
	}
}

// freeAddr is a loopback address with a port free now, for a child
// server to listen on.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// stop sends SIGTERM and checks that the server exits 0 (SPEC §2: finish
// in-flight requests, flush, exit 0).
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop server: %w", err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("skillett serve did not exit 0 on SIGTERM (%v):\n%s", err, s.logTail())
		}
		return nil
	case <-time.After(30 * time.Second):
		s.kill()
		return errors.New("skillett serve did not exit within 30 s of SIGTERM")
	}
}

// kill ends a server that failed; its exit status no longer matters.
func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

// cpu returns the CPU time the server process has used, from
// /proc/PID/stat (utime and stime, in clock ticks of 10 ms: Linux's USER_HZ
// is 100 on every common platform), or 0 where that is not available.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is the first, utime the 12th and stime the 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// logTail returns the end of the server's log, for error messages.
func (s *server) logTail() string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	const n = 4096
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}
