// Package redistest finds the Redis that tests share: SKILLETT_TEST_REDIS,
// default redis://127.0.0.1:6379/0. Without one a test is skipped (and
// said so by loudskip), except under CI=true, where it fails.
//
// Only tests should import it.
package redistest

import (
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/skillett/skillett/internal/loudskip"
	"github.com/skillett/skillett/ratelimit"
)

// DefaultURL is the test Redis when SKILLETT_TEST_REDIS is not set.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL returns the URL of the test Redis, once it has answered a PING.
func URL(t testing.TB) string {
	t.Helper()
	url, c := connect(t)
	c.Close()
	return url
}

// Client returns a client of the test Redis, closed when t ends.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	_, c := connect(t)
	t.Cleanup(func() { c.Close() })
	return c
}

func connect(t testing.TB) (string, *redis.Client) {
	t.Helper()
	url := os.Getenv("SKILLETT_TEST_REDIS")
	if url == "" {
		url = DefaultURL
	}
	opt, err := ratelimit.RedisOptions(url)
	if err != nil {
		t.Fatalf("SKILLETT_TEST_REDIS: %v", err)
	}
	c := redis.NewClient(opt)
	if err := c.Ping(t.Context()).Err(); err != nil {
		c.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Redis at %s (CI=true: Redis is required): %v", url, err)
		}
		loudskip.Skip(t, "Redis", fmt.Sprintf("no Redis at %s: %v; start one or set SKILLETT_TEST_REDIS", url, err))
	}
	return url, c
}
