package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// newClient returns a client that keeps one connection per worker alive,
// so that the measures time requests, not TCP handshakes.
func newClient(conns int) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// endpoint is what one side of a measure requests.
type endpoint struct {
	path string
	// auth returns the Authorization header of the next request, made
	// beforehand so that the load generator spends as little on /me as it
	// can; nil: none.
	auth func() []string
}

// stats are the figures of one endpoint in one measure.
type stats struct {
	n        int
	elapsed  time.Duration // summed over the endpoint's slices
	p50, p99 time.Duration
	bytes    int64 // body size of one answer
	// CPU time the server process and this process used per request,
	// background work included (it runs under both endpoints alike).
	serverCPU, clientCPU time.Duration
}

func (s stats) perSecond() float64 { return float64(s.n) / s.elapsed.Seconds() }

// sample collects the latencies of one endpoint over its slices.
type sample struct {
	lat                  []time.Duration
	elapsed              time.Duration
	bytes                int64
	serverCPU, clientCPU time.Duration
}

func (s *sample) stats() stats {
	slices.Sort(s.lat)
	st := stats{n: len(s.lat), elapsed: s.elapsed, p50: percentile(s.lat, 0.50), p99: percentile(s.lat, 0.99), bytes: s.bytes}
	if st.n > 0 {
		st.serverCPU, st.clientCPU = s.serverCPU/time.Duration(st.n), s.clientCPU/time.Duration(st.n)
	}
	return st
}

// percentile returns the q-quantile of sorted (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// compare loads a and b in alternating slices of the given length, in ABBA
// order, until each has had total time, with conns concurrent workers, on
// the server srv.
func compare(ctx context.Context, srv *server, a, b endpoint, conns int, total, slice time.Duration) (stats, stats, error) {
	c := newClient(conns)
	defer c.CloseIdleConnections()
	var sa, sb sample
	for round := 0; sa.elapsed < total || sb.elapsed < total; round++ {
		first, second, s1, s2 := a, b, &sa, &sb
		if round%2 == 1 {
			first, second, s1, s2 = b, a, &sb, &sa
		}
		for _, x := range []struct {
			e endpoint
			s *sample
		}{{first, s1}, {second, s2}} {
			srv0, self0 := srv.cpu(), selfCPU()
			if err := runSlice(ctx, c, srv.url, x.e, conns, slice, x.s); err != nil {
				return stats{}, stats{}, err
			}
			x.s.serverCPU += srv.cpu() - srv0
			x.s.clientCPU += selfCPU() - self0
		}
	}
	return sa.stats(), sb.stats(), nil
}

// runSlice has conns workers request e back to back for d and adds their
// latencies to s. Any answer but 200 is an error.
func runSlice(ctx context.Context, c *http.Client, base string, e endpoint, conns int, d time.Duration, s *sample) error {
	start := time.Now()
	deadline := start.Add(d)
	lats := make([][]time.Duration, conns)
	var (
		wg       sync.WaitGroup
		failed   atomic.Int64
		firstErr error
		errOnce  sync.Once
		size     atomic.Int64
	)
	for w := range conns {
		// One request per worker, reused once its answer is read.
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+e.path, nil)
		if err != nil {
			return err
		}
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if e.auth != nil {
					req.Header["Authorization"] = e.auth()
				}
				t0 := time.Now()
				n, err := get(c, req)
				lat := time.Since(t0)
				if err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
					continue
				}
				size.Store(n)
				lats[w] = append(lats[w], lat)
			}
		})
	}
	wg.Wait()
	s.elapsed += time.Since(start)
	for _, l := range lats {
		s.lat = append(s.lat, l...)
	}
	s.bytes = size.Load()
	if err := ctx.Err(); err != nil {
		return err
	}
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("GET %s: %d requests failed; first: %w", e.path, n, firstErr)
	}
	return nil
}

// get sends req and reads the whole answer; anything but 200 is an error.
func get(c *http.Client, req *http.Request) (int64, error) {
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 300))
		return 0, fmt.Errorf("%s: %s", res.Status, body)
	}
	return io.Copy(io.Discard, res.Body)
}

// sequential sends n requests to e one after the other.
func sequential(ctx context.Context, base string, e endpoint, n int) (stats, error) {
	c := newClient(1)
	defer c.CloseIdleConnections()
	var s sample
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+e.path, nil)
	if err != nil {
		return stats{}, err
	}
	for range n {
		if e.auth != nil {
			req.Header["Authorization"] = e.auth()
		}
		t0 := time.Now()
		size, err := get(c, req)
		if err != nil {
			return stats{}, fmt.Errorf("GET %s: %w", e.path, err)
		}
		s.lat = append(s.lat, time.Since(t0))
		s.bytes = size
	}
	s.elapsed = time.Since(start)
	return s.stats(), nil
}

// selfCPU is the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
