package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/skillett/skillett/internal/redistest"
	"github.com/skillett/skillett/postgres/pgtest"
)

// A burst of 10 × limit spread over two processes sharing Redis lets
// between limit and 1.1 × limit uses through (SPEC §9).
func TestRateLimitAcrossProcesses(t *testing.T) {
	redis := redistest.URL(t)
	db := filepath.Join(t.TempDir(), "shared.db")
	cli(t, "", "migrate", "--db", db)
	a := startServer(t, db, "--redis", redis)
	b := startServer(t, db, "--redis", redis)
	u := newUser(t, db, a, "pro")
	const limit = 20
	body, _ := json.Marshal(map[string]any{"name": "shared", "rate_limit": map[string]any{"limit": limit, "window_seconds": 3600}})
	res, err := u.HTTPClient.Post(a.URL+"/api-keys", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		FullKey string `json:"full_key"`
	}
	json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || created.FullKey == "" {
		t.Fatalf("POST /api-keys with a rate limit: %d", res.StatusCode)
	}

	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for i := range 10 * limit {
		wg.Go(func() {
			s := []*server{a, b}[i%2]
			req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL+"/me", nil)
			req.Header.Set("Authorization", "Bearer "+created.FullKey)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			switch res.StatusCode {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusTooManyRequests:
				limited.Add(1)
			default:
				t.Errorf("GET /me: %d", res.StatusCode)
			}
		})
	}
	wg.Wait()
	if n := ok.Load(); n < limit || n > limit*11/10 || ok.Load()+limited.Load() != 10*limit {
		t.Fatalf("%d uses over two processes of a key limited to %d: %d passed, %d rate limited; want %d to %d passed",
			10*limit, limit, n, limited.Load(), limit, limit*11/10)
	}
	t.Logf("%d uses over two processes sharing Redis, limit %d: %d passed", 10*limit, limit, ok.Load())
	res, err = http.Get(a.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"skillett_ratelimit_redis_up 1", `skillett_key_verifications_total{outcome="rate_limited"}`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// serve on PostgreSQL without --redis says at start that each process
// enforces rate limits alone; on SQLite it does not (SPEC §9).
func TestPostgresWithoutRedisWarns(t *testing.T) {
	const warning = "rate limits are enforced by each serve process alone"
	pg := startServer(t, pgtest.NewDatabase(t))
	lite := startServer(t, filepath.Join(t.TempDir(), "one.db"))
	pg.stop(t)
	lite.stop(t)
	if !strings.Contains(pg.log.String(), warning) {
		t.Errorf("serve on PostgreSQL without --redis: no warning in\n%s", pg.log)
	}
	if strings.Contains(lite.log.String(), warning) {
		t.Errorf("serve on SQLite warns about rate limits:\n%s", lite.log)
	}
}
