package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"syscall"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/clientip"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/netguard"
	"github.com/skillett/skillett/ratelimit"
)

// limitFlags are serve's bounds on what a client can cost (SPEC §12) and
// how a client's address is found (SPEC §9).
type limitFlags struct {
	trustedProxies string
	rates          map[string]rateFlag // by bucket
	hashes         int
	connsPerIP     int
	conns          int
	metricsAddr    string
}

// rateFlags are the per-address rate flags, one a bucket.
var rateFlags = []struct{ bucket, flag, env, def, what string }{
	{skillett.BucketLogin, "login-rate", "SKILLETT_LOGIN_RATE", "30/m", "logins"},
	{skillett.BucketSignup, "signup-rate", "SKILLETT_SIGNUP_RATE", "10/h", "sign-ups"},
	{skillett.BucketMiss, "miss-rate", "SKILLETT_MISS_RATE", "100/m", "credentials that match nothing"},
	{skillett.BucketPublicRevoke, "public-revoke-rate", "SKILLETT_PUBLIC_REVOKE_RATE", "60/h", "POST /credentials/revoke calls"},
}

// The environment variables of these flags (see envVars).
func init() {
	for _, r := range rateFlags {
		envVars[r.flag] = r.env
	}
}

type rateFlag struct {
	name  string
	value *string
}

// MinServiceTokenLen is the shortest service token serve accepts: a token
// is a password that other services send on every call, so it must not be
// guessable (SPEC §12).
const MinServiceTokenLen = 32

func addLimitFlags(fs *flag.FlagSet) *limitFlags {
	l := &limitFlags{rates: make(map[string]rateFlag)}
	fs.StringVar(&l.trustedProxies, "trusted-proxies", "",
		"comma-separated CIDR prefixes of reverse proxies whose X-Forwarded-For is believed (env SKILLETT_TRUSTED_PROXIES); none: the client address is the TCP peer")
	for _, r := range rateFlags {
		l.rates[r.bucket] = rateFlag{r.flag, fs.String(r.flag, r.def,
			fmt.Sprintf("most %s per client address, N/s, N/m, N/h or N/d, or off (env %s)", r.what, r.env))}
	}
	fs.IntVar(&l.hashes, "hash-concurrency", runtime.NumCPU(),
		"most password hashes at once, each taking 19 MiB; a login or sign-up that waits more than 2 s gets 503 (env SKILLETT_HASH_CONCURRENCY; default: the number of CPUs)")
	fs.IntVar(&l.connsPerIP, "max-conns-per-ip", 256,
		"most open connections from one client address; more are closed at once (env SKILLETT_MAX_CONNS_PER_IP; 0: no bound)")
	fs.IntVar(&l.conns, "max-conns", defaultMaxConns(),
		"most open connections in all, below the file descriptor limit (env SKILLETT_MAX_CONNS; default: the limit less 128)")
	fs.StringVar(&l.metricsAddr, "metrics-addr", "",
		"serve /metrics on this address, HOST:PORT, instead of the public one (env SKILLETT_METRICS_ADDR)")
	return l
}

// limits is what the flags resolve to.
type limits struct {
	clientIP    *clientip.Resolver
	rates       map[string]ratelimit.Rate
	hashes      int
	connsPerIP  int
	conns       int
	metricsAddr string
	addresses   skillett.AddressLimiter // set by serve once the store is open
}

func (l *limitFlags) resolve(tokens []string) (*limits, error) {
	for _, t := range tokens {
		if len(t) < MinServiceTokenLen {
			return nil, usagef("--service-token: a service token must be at least %d characters (one has %d); make one with: openssl rand -base64 32", MinServiceTokenLen, len(t))
		}
	}
	trusted, err := clientip.ParsePrefixes(l.trustedProxies)
	if err != nil {
		return nil, usagef("--trusted-proxies: %v", err)
	}
	out := &limits{clientIP: clientip.NewResolver(trusted), rates: make(map[string]ratelimit.Rate),
		hashes: l.hashes, connsPerIP: l.connsPerIP, conns: l.conns, metricsAddr: l.metricsAddr}
	for bucket, f := range l.rates {
		r, err := ratelimit.ParseRate(*f.value)
		if err != nil {
			return nil, usagef("--%s: %v", f.name, err)
		}
		out.rates[bucket] = r
	}
	if l.hashes < 1 {
		return nil, usagef("--hash-concurrency must be at least 1, got %d", l.hashes)
	}
	if l.connsPerIP < 0 || l.conns < 0 {
		return nil, usagef("--max-conns and --max-conns-per-ip must not be negative")
	}
	return out, nil
}

// defaultMaxConns leaves 128 descriptors of the process's limit for the
// database, the log and the listeners.
func defaultMaxConns() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur < 192 {
		return 64
	}
	return int(max(64, min(r.Cur, 1<<20)-128))
}

// Timeouts and sizes of the public HTTP server (SPEC §12; README
// "Limits"). Real clients send their headers in one go and their bodies
// (at most 64 KiB) right after, so a few seconds is ample; a slow client
// holds a connection no longer than that.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 30 * time.Second
	// maxHeaderBytes is what net/http reads of a request's headers before
	// it gives up with a bare 431 and a reset; httpapi answers those over
	// httpapi.MaxHeaderBytes (16 KiB) with a proper 431.
	maxHeaderBytes = 4 * httpapi.MaxHeaderBytes
)

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// guardListener bounds the open connections (SPEC §12). Trusted proxies
// speak for many clients, so they are not bound per address.
func guardListener(ln net.Listener, l *limits) net.Listener {
	return netguard.Limit(ln, netguard.Options{
		PerAddress: l.connsPerIP,
		Total:      l.conns,
		Exempt:     l.clientIP.Trusted,
	})
}

// serveMetrics serves /metrics alone on addr until the returned func is
// called.
func serveMetrics(addr string, m *httpapi.Metrics, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := newHTTPServer(mux, log)
	log.Info("metrics listening", "addr", ln.Addr().String())
	go srv.Serve(ln)
	return func() { srv.Close() }, nil
}

// addressLimits is the per-address limiter over the store's shared
// counters (both stores have them).
func addressLimits(store skillett.Store, l *limits) skillett.AddressLimiter {
	counter, ok := store.(skillett.HitCounter)
	if !ok {
		return nil
	}
	return ratelimit.NewAddress(ratelimit.AddressOptions{Counter: counter, Rates: l.rates})
}

// revokeLimiter gives POST /credentials/revoke the shared per-address
// limiter (--public-revoke-rate).
type revokeLimiter struct{ l skillett.AddressLimiter }

func (r revokeLimiter) Allow(ctx context.Context, addr string) (time.Duration, bool, error) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return 0, true, nil // no address: nothing to count it against
	}
	err = r.l.Allow(ctx, skillett.BucketPublicRevoke, a)
	if skillett.ErrorCode(err) == skillett.ERATELIMITED {
		return skillett.RetryAfter(err), false, nil
	}
	return 0, err == nil, err
}

func publicRevokeLimiter(l skillett.AddressLimiter) httpapi.AddressLimiter {
	if l == nil {
		return nil
	}
	return revokeLimiter{l}
}
