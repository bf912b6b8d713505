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
// taken, w its length (a new length starts a new window), all under
// KEYS[1]. ARGV: now (unix ms), window (ms), max, uses wanted (0 to peek).
// It grants as many of the wanted uses as are left and returns {granted
// (for a peek: 1 if a use is left, else 0), uses taken, ms until reset,
// window start}. Time is the callers', as in Memory, so that processes
// agree within their clocks' skew; the key's TTL only collects ended
// windows.
var windowScript = redis.NewScript(`
local now, win, max, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 's', 'n', 'w')
local s, n = tonumber(v[1]), tonumber(v[2])
if not s or tonumber(v[3]) ~= win or now >= s + win or now < s - win then
  s, n = now, 0
end
local reset = math.min(s + win - now, win)
local g = math.min(want, max - n)
if want == 0 then
  g = (n < max) and 1 or 0
elseif g > 0 then
  n = n + g
  redis.call('HSET', KEYS[1], 's', s, 'n', n, 'w', win)
  redis.call('PEXPIRE', KEYS[1], reset + 1000)
else
  g = 0
end
return {g, n, reset, s}
`)

// LeaseDivisor sets the size of a Redis limiter's leases: a process takes
// Max/LeaseDivisor uses of a key's window at once (at least 1) and spends
// them without asking Redis again. Keys limited to fewer than 2 ×
// LeaseDivisor uses take one use per call, exactly as without leases.
//
// A lease never lets more than Max uses through across processes: Redis
// grants each use once. Its price is the other way: a process that stops
// receiving a key's requests keeps up to 1/LeaseDivisor of its window
// unused until the window ends, so with P such processes a burst may get
// P/LeaseDivisor of Max fewer uses (1% per process).
const LeaseDivisor = 100

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

	leases sweptMap[*leaseSlot]

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
	want := take
	if take == 1 {
		want = max(l.Max/LeaseDivisor, 1)
		if res, ok := r.fromLease(key, l, now); ok {
			return res, nil
		}
	}
	v, err := windowScript.Run(ctx, r.client, []string{r.prefix + key}, now.UnixMilli(), l.Window.Milliseconds(), l.Max, want).Int64Slice()
	if err == nil && len(v) != 4 {
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
	granted, used, reset := int(v[0]), int(v[1]), time.Duration(v[2])*time.Millisecond
	res := Result{Allowed: granted > 0, Limit: l, Remaining: max(l.Max-used, 0), Reset: reset}
	switch {
	case take == 1 && (granted > 1 || granted == 0):
		le := &lease{limit: l, start: v[3], end: now.UnixNano() + int64(reset)}
		le.unleased.Store(int64(res.Remaining))
		le.full.Store(granted == 0)
		r.keepLease(key, le, max(granted-1, 0), now)
		res.Remaining += max(granted-1, 0)
	case take == 0:
		res.Remaining += r.leased(key, l, now) // not spent yet, though Redis counts them taken
		res.Allowed = res.Allowed || res.Remaining > 0
	}
	return res, nil
}

// leased returns the uses left of this process's lease on key's window.
func (r *Redis) leased(key string, l Limit, now time.Time) int {
	slot, ok := r.leases.load(key)
	if !ok {
		return 0
	}
	le := slot.cur.Load()
	if le == nil || le.limit != l || now.UnixNano() >= le.end {
		return 0
	}
	return int(max(le.left.Load(), 0))
}

// leaseSlot holds a key's current lease in this process.
type leaseSlot struct{ cur atomic.Pointer[lease] }

// lease is a number of uses of one window of a key that Redis granted
// this process: left of them are still to spend, until end (unix ns).
type lease struct {
	limit    Limit
	start    int64 // the window's start in Redis (unix ms): its identity
	end      int64
	unleased atomic.Int64 // uses Redis had left after the latest grant: for Remaining
	left     atomic.Int64
	// full: Redis refused a use of this window. Its count only grows
	// within a window, so every later use is refused here until it ends,
	// without asking again: a client hammering a key over its limit costs
	// no Redis call.
	full atomic.Bool
}

// fromLease spends one use of key's lease, if this process holds one for
// l's current window with a use left, or refuses it if Redis already
// refused one of that window.
func (r *Redis) fromLease(key string, l Limit, now time.Time) (Result, bool) {
	slot, ok := r.leases.load(key)
	if !ok {
		return Result{}, false
	}
	le := slot.cur.Load()
	t := now.UnixNano()
	if le == nil || le.limit != l || t >= le.end {
		return Result{}, false
	}
	for {
		n := le.left.Load()
		if n <= 0 && le.full.Load() {
			return Result{Limit: l, Reset: min(time.Duration(le.end-t), l.Window)}, true
		}
		if n <= 0 {
			return Result{}, false
		}
		if le.left.CompareAndSwap(n, n-1) {
			reset := min(time.Duration(le.end-t), l.Window)
			return Result{Allowed: true, Limit: l, Remaining: int(le.unleased.Load() + n - 1), Reset: reset}, true
		}
	}
}

// keepLease adds n uses of le's window to key's lease. Uses of a window
// that a newer one has replaced are dropped: that window has ended.
func (r *Redis) keepLease(key string, le *lease, n int, now time.Time) {
	// A slot whose lease has ended is dropped by a sweep; a lease added
	// to one as it is dropped is lost: fewer uses, never more.
	t := now.UnixNano()
	slot := r.leases.loadOrAdd(key, &leaseSlot{}, func(s *leaseSlot) bool {
		le := s.cur.Load()
		return le == nil || t >= le.end
	})
	le.left.Store(int64(n))
	for {
		cur := slot.cur.Load()
		switch {
		case cur != nil && cur.limit == le.limit && cur.start == le.start:
			cur.left.Add(int64(n))
			if le.full.Load() {
				cur.full.Store(true)
			}
			// The latest grant saw the fewest uses left in Redis.
			for u := cur.unleased.Load(); le.unleased.Load() < u && !cur.unleased.CompareAndSwap(u, le.unleased.Load()); u = cur.unleased.Load() {
			}
			return
		case cur != nil && cur.limit == le.limit && cur.start > le.start:
			return
		}
		if slot.cur.CompareAndSwap(cur, le) {
			return
		}
	}
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
