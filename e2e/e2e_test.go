// Package e2e tests the built skillett binary from outside: real serve
// processes sharing one database, driven over HTTP with the client
// package. It has no code of its own besides the tests.
package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/client"
	"github.com/skillett/skillett/internal/loudskip"
	"github.com/skillett/skillett/internal/syncbuf"
	"github.com/skillett/skillett/postgres/pgtest"
)

var binary string // built once by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "skillett-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "skillett")
	build := exec.Command("go", "build", "-o", binary, "../cmd/skillett")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build:", err)
		os.Exit(1)
	}
	code := loudskip.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running `skillett serve`.
type server struct {
	URL  string
	cmd  *exec.Cmd
	done chan error
	log  *syncbuf.Buffer
}

// startServer starts `skillett serve` on a free loopback port and waits
// until /healthz answers.
func startServer(t *testing.T, db string, args ...string) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &server{URL: "http://" + addr, done: make(chan error, 1), log: &syncbuf.Buffer{}}
	s.cmd = exec.Command(binary, append([]string{"serve", "--addr", addr, "--db", db}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t) })
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Get(s.URL + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server on %s did not answer /healthz: %v\n%s", addr, err, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) stop(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("server exited with %v\n%s", err, s.log)
		}
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		t.Errorf("server did not stop within 15 s")
	}
}

// cli runs the binary with args and returns its standard output.
func cli(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skillett %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// newUser creates a user with the CLI and logs in on s.
func newUser(t *testing.T, db string, s *server, plan string) *client.Client {
	t.Helper()
	email := strings.ToLower(fmt.Sprintf("u%d@example.com", time.Now().UnixNano()))
	cli(t, "correct horse battery\n", "users", "create", "--db", db, "--email", email, "--plan", plan, "--password-stdin")
	c := client.New(s.URL)
	if _, err := c.Login(t.Context(), email, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return c
}

func withKey(base *client.Client, url, key string) *client.Client {
	return &client.Client{BaseURL: url, APIKey: key, HTTPClient: base.HTTPClient}
}

// untilRefused calls use every millisecond until it fails with code, and
// returns how long after start that was. A second after start it fails t
// with the message fail and use's last error.
func untilRefused(t *testing.T, start time.Time, code string, use func() error, fail string) time.Duration {
	t.Helper()
	for {
		err := use()
		if skillett.ErrorCode(err) == code {
			return time.Since(start)
		}
		if time.Since(start) > time.Second {
			t.Fatalf("%s (%v)", fail, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// keyChange is a change made to a key through server A that server B must
// refuse within a second.
type keyChange struct {
	name  string                                             // for the key and the log: "revocation", "scope change"
	apply func(u *client.Client, k *client.CreatedKey) error // the change, through A (u's session)
	use   func(c *client.Client) error                       // the key's use on B, refused with code after the change
	code  string
}

// timeToRefusal times, over 100 keys of u, how long B takes to refuse a key
// after the change on A: each key is cached on B by a first use, changed,
// then used on B until refused. It logs the median, p90 and worst.
func timeToRefusal(t *testing.T, u *client.Client, b *server, c keyChange) {
	t.Helper()
	const trials = 100
	took := make([]time.Duration, 0, trials)
	for range trials {
		k, err := u.CreateKey(t.Context(), client.NewKey{Name: c.name + " soon"})
		if err != nil {
			t.Fatal(err)
		}
		onB := withKey(u, b.URL, k.FullKey)
		if err := c.use(onB); err != nil { // B has it cached now
			t.Fatal(err)
		}
		if err := c.apply(u, k); err != nil {
			t.Fatal(err)
		}
		took = append(took, untilRefused(t, time.Now(), c.code, func() error { return c.use(onB) },
			fmt.Sprintf("B still takes the key 1 s after the %s on A", c.name)))
	}
	slices.Sort(took)
	t.Logf("%s on A refused by B after: median %v, p90 %v, worst %v over %d trials",
		c.name, took[len(took)/2], took[len(took)*9/10], took[len(took)-1], trials)
}

// Two serve processes on one database behave as one service: keys work
// everywhere, revocations reach the other process within a second, and
// plan limits hold across them. PostgreSQL is the production setup; a
// shared SQLite file must hold the same rules.
func TestTwoProcesses(t *testing.T) {
	t.Run("PostgreSQL", func(t *testing.T) { testTwoProcesses(t, pgtest.NewDatabase(t)) })
	t.Run("SQLite", func(t *testing.T) { testTwoProcesses(t, filepath.Join(t.TempDir(), "shared.db")) })
}

func testTwoProcesses(t *testing.T, db string) {
	cli(t, "", "migrate", "--db", db)
	a := startServer(t, db)
	b := startServer(t, db)

	t.Run("ReadyAndMetrics", func(t *testing.T) {
		for _, s := range []*server{a, b} {
			res, err := http.Get(s.URL + "/readyz")
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("/readyz: %v %v", res, err)
			}
			res.Body.Close()
			res, err = http.Get(s.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.HasPrefix(db, "postgres") && !strings.Contains(string(body), "skillett_pg_pool_max_conns 20") {
				t.Errorf("/metrics lacks the pool's figures")
			}
		}
	})

	t.Run("KeyFromAWorksOnB", func(t *testing.T) {
		u := newUser(t, db, a, "pro")
		k, err := u.CreateKey(t.Context(), client.NewKey{Name: "from A"})
		if err != nil {
			t.Fatal(err)
		}
		me, err := withKey(u, b.URL, k.FullKey).Me(t.Context())
		if err != nil || me.Auth.KeyID != k.APIKey.ID {
			t.Fatalf("GET /me on B with a key made on A: got %+v, %v", me, err)
		}
	})

	t.Run("RevocationReachesB", func(t *testing.T) {
		timeToRefusal(t, newUser(t, db, a, "pro"), b, keyChange{
			name:  "revocation",
			apply: func(u *client.Client, k *client.CreatedKey) error { return u.RevokeKey(t.Context(), k.APIKey.ID) },
			use:   func(c *client.Client) error { _, err := c.Me(t.Context()); return err },
			code:  skillett.EUNAUTHORIZED,
		})
	})

	for _, n := range []int{10, 200} {
		t.Run(fmt.Sprintf("PlanLimit%dConcurrentCreatesOnAAndB", n), func(t *testing.T) {
			u := newUser(t, db, a, "free")
			servers := []*server{a, b}
			var created, refused atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					c := &client.Client{BaseURL: servers[i%2].URL, HTTPClient: u.HTTPClient}
					<-start
					_, err := c.CreateKey(context.Background(), client.NewKey{Name: fmt.Sprint("k", i)})
					switch skillett.ErrorCode(err) {
					case "":
						created.Add(1)
					case skillett.EPLANLIMIT:
						refused.Add(1)
					default:
						t.Errorf("create %d: %v", i, err)
					}
				})
			}
			close(start)
			wg.Wait()
			keys, err := u.ListKeys(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if created.Load() != 1 || refused.Load() != int64(n-1) || len(keys) != 1 {
				t.Errorf("%d concurrent creates for a free user across A and B: got %d created, %d refused, %d listed; want 1, %d, 1",
					n, created.Load(), refused.Load(), len(keys), n-1)
			}
			t.Logf("%d concurrent creates across two processes: %d key created", n, len(keys))
		})
	}
}

// Ten processes with small pools share one PostgreSQL server's default 100
// connections; a revocation on one reaches all the others within a second.
func TestManyProcessesOnPostgres(t *testing.T) {
	const processes, poolSize = 10, 8
	db := pgtest.NewDatabase(t)
	cli(t, "", "migrate", "--db", db)
	var servers []*server
	for range processes {
		servers = append(servers, startServer(t, db, "--pg-max-conns", fmt.Sprint(poolSize)))
	}
	u := newUser(t, db, servers[0], "pro")
	k, err := u.CreateKey(t.Context(), client.NewKey{Name: "everywhere"})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range servers {
		if _, err := withKey(u, s.URL, k.FullKey).Me(t.Context()); err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
	}
	if err := u.RevokeKey(t.Context(), k.APIKey.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var slowest time.Duration
	for i, s := range servers {
		c := withKey(u, s.URL, k.FullKey)
		took := untilRefused(t, start, skillett.EUNAUTHORIZED, func() error { _, err := c.Me(t.Context()); return err },
			fmt.Sprintf("process %d still accepts the key 1 s after the revocation", i))
		slowest = max(slowest, took)
	}
	t.Logf("%d processes (pool %d each) on one database: revocation refused by all within %v", processes, poolSize, slowest)
}
