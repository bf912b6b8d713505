package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/postgres"
	"github.com/skillett/skillett/ratelimit"
)

// usageFlags are serve's settings of keys' rate limits and usage counts
// (SPEC §9).
type usageFlags struct {
	redisURL string
	flush    time.Duration
}

func addUsageFlags(fs *flag.FlagSet) *usageFlags {
	u := &usageFlags{}
	fs.StringVar(&u.redisURL, "redis", "",
		"redis:// URL of a Redis that shares keys' rate limits among serve processes (env SKILLETT_REDIS_URL); none: each process enforces them alone")
	fs.DurationVar(&u.flush, "usage-flush-interval", time.Second,
		"how often last_used_at and usage counts are written: one row per used key, and per key and day, each time (env SKILLETT_USAGE_FLUSH_INTERVAL)")
	return u
}

// limiter returns serve's rate limiter: over Redis with --redis, else in
// memory, with a warning on PostgreSQL, where processes usually are many.
// A Redis that does not answer at start is a warning, not an error: the
// limiter works per process until it does. close releases the client.
func (u *usageFlags) limiter(ctx context.Context, store skillett.Store, reg *prometheus.Registry, log *slog.Logger) (l ratelimit.Limiter, close func(), err error) {
	if u.flush <= 0 {
		return nil, nil, usagef("--usage-flush-interval must be positive")
	}
	if u.redisURL == "" {
		if _, ok := store.(*postgres.Store); ok {
			log.Warn("rate limits are enforced by each serve process alone: pass --redis URL to share them among processes (SPEC §9)")
		}
		return ratelimit.NewMemory(), func() {}, nil
	}
	opt, err := ratelimit.RedisOptions(u.redisURL)
	if err != nil {
		return nil, nil, usagef("--redis: %v", err)
	}
	client := redis.NewClient(opt)
	up := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "skillett_ratelimit_redis_up",
		Help: "1 while the rate limiter's Redis answers; 0 while each process enforces rate limits alone.",
	})
	outages := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "skillett_ratelimit_redis_outages_total",
		Help: "Times the rate limiter's Redis stopped answering and limits fell back to each process.",
	})
	reg.MustRegister(up, outages)
	r := ratelimit.NewRedis(client, "skillett:rl:", log)
	r.OnState = func(ok bool) {
		if ok {
			up.Set(1)
		} else {
			up.Set(0)
			outages.Inc()
		}
	}
	up.Set(1)
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := r.Ping(pctx); err == nil {
		log.Info("rate limits are shared through Redis", "addr", opt.Addr, "db", opt.DB)
	}
	return r, func() { client.Close() }, nil
}
