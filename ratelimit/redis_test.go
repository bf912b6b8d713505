package ratelimit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/skillett/skillett/internal/loudskip"
	"github.com/skillett/skillett/internal/redistest"
	"github.com/skillett/skillett/internal/syncbuf"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/ratelimit"
)

// uniquePrefix keeps the keys of each test apart from every other test's
// (other packages and other checkouts share the Redis), and deletes them
// afterwards.
func uniquePrefix(t *testing.T, c *redis.Client) string {
	p := "skillett-test:" + rand.Text()[:12] + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		it := c.Scan(ctx, 0, p+"*", 100).Iterator()
		for it.Next(ctx) {
			c.Del(ctx, it.Val())
		}
	})
	return p
}

func TestRedis(t *testing.T) {
	c := redistest.Client(t)
	testLimiter(t, func(t *testing.T) ratelimit.Limiter {
		return ratelimit.NewRedis(c, uniquePrefix(t, c), nil)
	})
}

// twoProcesses returns two limiters as two processes would have them: each
// with a client of its own, over one Redis and one key prefix. hook, if
// not nil, sees both clients' commands.
func twoProcesses(t *testing.T, hook redis.Hook) []*ratelimit.Redis {
	c := redistest.Client(t)
	prefix := uniquePrefix(t, c)
	var procs []*ratelimit.Redis
	for range 2 {
		ci := redis.NewClient(c.Options())
		t.Cleanup(func() { ci.Close() })
		if hook != nil {
			ci.AddHook(hook)
		}
		procs = append(procs, ratelimit.NewRedis(ci, prefix, nil))
	}
	return procs
}

// Two processes sharing one Redis: a burst of 10 × limit spread over both
// lets exactly limit through.
func TestRedisSharedAcrossProcesses(t *testing.T) {
	procs := twoProcesses(t, nil)
	lim := ratelimit.Limit{Max: 25, Window: time.Hour}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 250 {
		wg.Go(func() {
			res, err := procs[i%2].Allow(t.Context(), "key_shared", lim, time.Now())
			if err != nil {
				t.Error(err)
			}
			if res.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 25 {
		t.Fatalf("250 uses over two processes of a key limited to 25: %d allowed, want 25", allowed.Load())
	}
	for _, p := range procs {
		if !p.Up() {
			t.Error("limiter reports Redis down")
		}
	}
}

// scriptCalls counts the limiter's script calls a client makes.
type scriptCalls struct{ n atomic.Int64 }

func (h *scriptCalls) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *scriptCalls) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *scriptCalls) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); name == "evalsha" || name == "eval" {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

// A key limited to 2 000 is leased 20 uses at a time: a burst of 10 ×
// limit over two processes still lets between limit and 1.1 × limit
// through (exactly limit: a lease never grants a use twice), with about a
// twentieth of the Redis calls.
func TestRedisLeasesSharedAcrossProcesses(t *testing.T) {
	var calls scriptCalls
	procs := twoProcesses(t, &calls)
	lim := ratelimit.Limit{Max: 2000, Window: time.Hour}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for range 10 * lim.Max / 16 {
				res, err := procs[w%2].Allow(t.Context(), "key_leased", lim, time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				if res.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got < int64(lim.Max) || got > int64(lim.Max)*11/10 {
		t.Fatalf("%d uses over two processes of a key limited to %d: %d allowed, want between %d and %d", 10*lim.Max, lim.Max, got, lim.Max, lim.Max*11/10)
	}
	// 100 leases of 20 grant the 2 000 uses; once Redis has refused one
	// use of the window, a process refuses the rest without asking.
	if got := calls.n.Load(); got > int64(lim.Max)/10 {
		t.Errorf("Redis calls for %d uses: %d, want at most %d (leases of %d)", 10*lim.Max, got, lim.Max/10, lim.Max/ratelimit.LeaseDivisor)
	}
}

// A lease is spent only within its window: in a process alone, each
// window still lets exactly Max through, and the last use reports 0 left.
// Uses over the limit are refused from memory after the first.
func TestRedisLeaseEndsWithWindow(t *testing.T) {
	c := redistest.Client(t)
	prefix := uniquePrefix(t, c)
	var calls scriptCalls
	c = redis.NewClient(c.Options())
	t.Cleanup(func() { c.Close() })
	c.AddHook(&calls)
	l := ratelimit.NewRedis(c, prefix, nil)
	clock := testclock.New(time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC))
	lim := ratelimit.Limit{Max: 400, Window: time.Minute}
	for window := range 3 {
		for i := range lim.Max {
			res := mustAllow(t, l, "k", lim, clock.Now())
			if !res.Allowed || res.Remaining != lim.Max-1-i {
				t.Fatalf("window %d, use %d: got %+v, want allowed with %d remaining", window, i+1, res, lim.Max-1-i)
			}
		}
		before := calls.n.Load()
		for range 100 {
			if res := mustAllow(t, l, "k", lim, clock.Now()); res.Allowed || res.Remaining != 0 || res.Reset != time.Minute {
				t.Fatalf("window %d: a use over the limit: %+v, want refused, 0 left, reset 1m", window, res)
			}
		}
		if n := calls.n.Load() - before; n != 1 {
			t.Fatalf("window %d: 100 refused uses asked Redis %d times, want once", window, n)
		}
		if res, err := l.Peek(t.Context(), "k", lim, clock.Now()); err != nil || res.Allowed || res.Remaining != 0 {
			t.Fatalf("window %d: Peek of a spent key: %+v, %v", window, res, err)
		}
		clock.Advance(time.Minute)
	}
}

// A Redis that stops mid-run: the limiter goes on per process (never
// refusing every key), says so once in the log and through OnState, and
// shares limits again once Redis is back.
func TestRedisOutageDegradesToLocalLimits(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed (CI=true: required)")
		}
		loudskip.Skip(t, "redis-server", "redis-server is not installed")
	}
	port := freePort(t)
	srv := startRedis(t, port)
	opt, _ := ratelimit.RedisOptions("redis://127.0.0.1:" + strconv.Itoa(port) + "/0")
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	var logs syncbuf.Buffer
	l := ratelimit.NewRedis(c, "t:", slog.New(slog.NewTextHandler(&logs, nil)))
	l.Retry = 20 * time.Millisecond
	var states []bool
	var mu sync.Mutex
	l.OnState = func(up bool) { mu.Lock(); states = append(states, up); mu.Unlock() }
	if err := l.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	lim := ratelimit.Limit{Max: 3, Window: time.Hour}
	now := time.Now()
	for range 3 {
		if res := mustAllow(t, l, "k", lim, now); !res.Allowed {
			t.Fatal("use within the limit refused while Redis is up")
		}
	}
	if res := mustAllow(t, l, "k", lim, now); res.Allowed {
		t.Fatal("4th use of a key limited to 3 allowed while Redis is up")
	}

	srv.Process.Kill()
	srv.Wait()
	// Other keys are not refused: each process limits them alone now.
	for i := range 3 {
		res := mustAllow(t, l, "other", lim, now)
		if !res.Allowed || res.Remaining != 2-i {
			t.Fatalf("use %d of another key with Redis down: got %+v, want allowed, %d remaining", i+1, res, 2-i)
		}
	}
	if res := mustAllow(t, l, "other", lim, now); res.Allowed {
		t.Fatal("4th use of a key limited to 3 allowed with Redis down: the local limit must hold")
	}
	if l.Up() {
		t.Fatal("Up() is true with Redis stopped")
	}
	if got := logs.String(); !strings.Contains(got, "Redis does not answer") {
		t.Fatalf("log after the outage: %q, want a warning", got)
	}

	startRedis(t, port) // stopped by its cleanup
	deadline := time.Now().Add(5 * time.Second)
	for !l.Up() && time.Now().Before(deadline) {
		mustAllow(t, l, "again", lim, now)
		time.Sleep(10 * time.Millisecond)
	}
	if !l.Up() {
		t.Fatal("limiter still degraded 5 s after Redis came back")
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(states) != "[true false true]" && fmt.Sprint(states) != "[false true]" {
		t.Fatalf("OnState calls: %v, want down then up", states)
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startRedis runs a test-owned redis-server on port until the test ends.
func startRedis(t *testing.T, port int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	defer c.Close()
	for range 200 {
		if c.Ping(context.Background()).Err() == nil {
			return cmd
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return nil
}
