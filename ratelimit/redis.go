package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// windowScript is Memory's fixed window kept in a Redis hash, atomic
// because Redis runs a script alone: s is the window's start and n the uses
// taken, w its length (a new length starts a new window), all under KEYS[1]. ARGV: now (unix ms), window (ms), max, uses
// to take (0 to peek). It returns {allowed, uses taken, ms until reset}.
// Time is the callers', as in Memory, so that processes agree within
// their clocks' skew; the key's TTL only collects ended windows.
var windowScript = redis.NewScript(`
local now, win, max, take = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 's', 'n', 'w')
local s, n = tonumber(v[1]), tonumber(v[2])
if not s or tonumber(v[3]) ~= win or now >= s + win or now < s - win then
  s, n = now, 0
end
local reset = math.min(s + win - now, win)
if n >= max then
  return {0, n, reset}
end
if take > 0 then
  n = n + take
  redis.call('HSET', KEYS[1], 's', s, 'n', n, 'w', win)
  redis.call('PEXPIRE', KEYS[1], reset + 1000)
end
return {1, n, reset}
`)

// RedisRetry is how long a Redis limiter answers from its local fallback
// after Redis failed, before it asks Redis again.
const RedisRetry = time.Second

// Redis is a Limiter shared by every process using the same Redis. While
// Redis does not answer it limits per process, with a Memory of its own:
// it logs the change both ways and reports it to OnState, and asks Redis
// again every RedisRetry. It never refuses a use because Redis is down.
type Redis struct {
	client *redis.Client
	prefix string
	local  *Memory
	log    *slog.Logger
	// OnState, if set, is called with false when Redis stops answering
	// and true when it answers again. Set it before first use.
	OnState func(up bool)
	// Retry is how long the limiter answers from its local fallback after
	// Redis failed before it asks Redis again (default RedisRetry).
	Retry time.Duration

	mu      sync.Mutex // serialises state changes
	down    atomic.Bool
	retryAt atomic.Int64 // unix ns after which a degraded limiter asks Redis again
}

// RedisOptions returns the client options of a redis:// URL, with short
// timeouts: a limiter that waits long for Redis stalls every request.
func RedisOptions(url string) (*redis.Options, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opt.DialTimeout = 250 * time.Millisecond
	opt.ReadTimeout = 250 * time.Millisecond
	opt.WriteTimeout = 250 * time.Millisecond
	opt.PoolTimeout = 500 * time.Millisecond
	opt.MaxRetries = 1
	opt.DisableIdentity = true
	return opt, nil
}

// NewRedis returns a limiter over client, whose keys all start with prefix
// (for example "skillett:rl:"). It does not contact Redis.
func NewRedis(client *redis.Client, prefix string, log *slog.Logger) *Redis {
	if log == nil {
		log = slog.Default()
	}
	return &Redis{client: client, prefix: prefix, local: NewMemory(), log: log, Retry: RedisRetry}
}

// Up reports whether the last exchange with Redis succeeded.
func (r *Redis) Up() bool { return !r.down.Load() }

// Ping asks Redis whether it answers, and marks the limiter up or degraded
// accordingly.
func (r *Redis) Ping(ctx context.Context) error {
	err := r.client.Ping(ctx).Err()
	r.setState(err == nil, err)
	return err
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, l Limit, now time.Time) (Result, error) {
	return r.run(ctx, key, l, now, 1)
}

// Peek implements Limiter.
func (r *Redis) Peek(ctx context.Context, key string, l Limit, now time.Time) (Result, error) {
	return r.run(ctx, key, l, now, 0)
}

func (r *Redis) run(ctx context.Context, key string, l Limit, now time.Time, take int) (Result, error) {
	if r.down.Load() && time.Now().UnixNano() < r.retryAt.Load() {
		return r.local.take(key, l, now, take == 1), nil
	}
	v, err := windowScript.Run(ctx, r.client, []string{r.prefix + key}, now.UnixMilli(), l.Window.Milliseconds(), l.Max, take).Int64Slice()
	if err == nil && len(v) != 3 {
		err = errors.New("ratelimit: unexpected reply from the Redis script")
	}
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		r.setState(false, err)
		return r.local.take(key, l, now, take == 1), nil
	}
	if r.down.Load() {
		r.setState(true, nil)
	}
	res := Result{Allowed: v[0] == 1, Limit: l, Remaining: max(l.Max-int(v[1]), 0), Reset: time.Duration(v[2]) * time.Millisecond}
	return res, nil
}

func (r *Redis) setState(up bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !up {
		r.retryAt.Store(time.Now().Add(r.Retry).UnixNano())
	}
	if r.down.Load() == !up {
		return
	}
	r.down.Store(!up)
	if up {
		r.log.Info("rate limiter: Redis answers again; limits are shared across processes")
	} else {
		r.log.Warn("rate limiter: Redis does not answer; each process enforces rate limits alone until it does", "err", err)
	}
	if r.OnState != nil {
		r.OnState(up)
	}
}
