// Package service holds the rules of Skillett's accounts, sessions and API
// keys on top of a skillett.Store: signup and login (with throttling),
// sessions, key creation under plan limits, revocation, and verification of
// keys with an in-process cache, cross-process invalidation and coalesced
// last_used_at writes.
//
// The HTTP API, the dashboard, the CLI and the Go middleware all go through
// it, so that every rule lives in one place. It imports the root package,
// apikey, ratelimit and well-kept libraries only.
package service

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/ratelimit"
)

// Config configures a Service. Zero values take the defaults noted.
type Config struct {
	Store  skillett.Store
	Limits skillett.PlanLimits // default skillett.DefaultPlanLimits()
	Now    func() time.Time    // default time.Now
	Logger *slog.Logger        // default slog.Default()

	// NoSignup closes sign-up: Signup refuses with ErrSignupClosed. Users
	// are then created by an administrator (CreateUser).
	NoSignup bool

	SessionTTL       time.Duration // default 7 days
	LoginWindow      time.Duration // default 15 minutes
	LoginMaxFailures int           // default 10
	Password         PasswordParams
	// HashConcurrency bounds the password hashes that run at once
	// (default: the number of CPUs); HashWait is how long a login or
	// signup waits for a turn before EUNAVAILABLE (default 2 s).
	HashConcurrency int
	HashWait        time.Duration

	// CacheSize bounds the verification cache of known keys (default
	// 100 000); NegativeCacheSize that of well-formed unknown keys (default
	// 100 000). NoCache turns both caches off: every verification reads
	// the store.
	CacheSize         int
	NegativeCacheSize int
	NoCache           bool
	// ChangePollInterval is how often the store's change log is read to
	// drop cached keys revoked or users changed by another process
	// (default 50 ms; 1 s for stores that announce changes, where the poll
	// is only a safety net under the notifications).
	ChangePollInterval time.Duration
	// ChangeHintInterval bounds how often a verification asks the store's
	// ChangeMark whether another process committed
	// (default 1 ms): the check costs about a microsecond, which not every
	// request need pay, and another process's change applies within it.
	ChangeHintInterval time.Duration
	// UsageFlushInterval is how often coalesced last_used_at values are
	// written (default 1 s).
	UsageFlushInterval time.Duration

	// Limiter enforces keys' rate limits (default: a ratelimit.Memory, for
	// one process; a ratelimit.Redis shares them among processes).
	Limiter ratelimit.Limiter
	// AuditRetention is how long audit events are kept (default
	// DefaultAuditRetention; negative: forever); AuditPruneInterval how
	// often older ones are deleted (default 1 hour), and with them the
	// usage counts of days no reader asks for (see PruneUsage).
	AuditRetention     time.Duration
	AuditPruneInterval time.Duration
	// AddressLimits, if set, bounds per client address (the address in
	// the request's context, see clientip) the logins, signups and
	// credential lookups that match nothing (SPEC §12).
	AddressLimits skillett.AddressLimiter

	// OnVerify, if set, is called after each key verification with its
	// outcome and whether the cache answered. It must be fast.
	OnVerify func(outcome skillett.Outcome, cacheHit bool)
}

// Service implements the rules. It is safe for concurrent use. Start it
// before use and Close it to flush pending writes.
type Service struct {
	store  skillett.Store
	limits skillett.PlanLimits
	now    func() time.Time
	log    *slog.Logger
	cfg    Config

	verifier *verifier
	usage    *usageRecorder
	hashes   *hashGate
	// dummyHash is compared against when the email is unknown or has no
	// password, so that such a login costs as much as a wrong password.
	dummyHash func() string

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// New returns a Service for cfg; call Start to run its background work.
func New(cfg Config) *Service {
	if cfg.Limits == nil {
		cfg.Limits = skillett.DefaultPlanLimits()
	}
	realClock := cfg.Now == nil
	if realClock {
		cfg.Now = newMonoClock().Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	setDefault(&cfg.SessionTTL, 7*24*time.Hour)
	setDefault(&cfg.LoginWindow, 15*time.Minute)
	setDefault(&cfg.LoginMaxFailures, 10)
	setDefault(&cfg.CacheSize, 100_000)
	setDefault(&cfg.NegativeCacheSize, 100_000)
	setDefault(&cfg.UsageFlushInterval, time.Second)
	setDefault(&cfg.ChangeHintInterval, time.Millisecond)
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewMemory()
	}
	setDefault(&cfg.AuditRetention, DefaultAuditRetention)
	setDefault(&cfg.AuditPruneInterval, time.Hour)
	setDefault(&cfg.HashConcurrency, runtime.NumCPU())
	setDefault(&cfg.HashWait, 2*time.Second)
	if cfg.Password == (PasswordParams{}) {
		cfg.Password = DefaultPasswordParams
	}
	s := &Service{store: cfg.Store, limits: cfg.Limits, now: cfg.Now, log: cfg.Logger, cfg: cfg}
	s.usage = newUsageRecorder(cfg.Store, cfg.Logger)
	s.hashes = newHashGate(cfg.HashConcurrency, cfg.HashWait)
	s.dummyHash = sync.OnceValue(func() string { return hashPassword(rand.Text(), cfg.Password) })
	s.verifier = newVerifier(s, cfg, realClock)
	return s
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Start runs the background work: reading the change log and flushing
// last_used_at. It returns once the change log position is known, so that
// no change committed after Start returns is missed.
func (s *Service) Start(ctx context.Context) error {
	seq, err := s.store.LastChange(ctx)
	if err != nil {
		return err
	}
	s.verifier.changes.seq = seq
	ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.wg.Go(func() { s.verifier.changes.follow(ctx) })
	s.wg.Go(func() { s.usage.run(ctx, s.cfg.UsageFlushInterval) })
	s.wg.Go(func() { s.prune(ctx, s.cfg.AuditPruneInterval) })
	return nil
}

// Close stops the background work and writes pending last_used_at values.
// It does not close the store.
func (s *Service) Close(ctx context.Context) error {
	if s.stop != nil {
		s.stop()
		s.wg.Wait()
	}
	s.verifier.close()
	return s.usage.flush(ctx)
}

// FlushUsage writes pending last_used_at values now.
func (s *Service) FlushUsage(ctx context.Context) error { return s.usage.flush(ctx) }

// Ready reports whether the store answers.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }

// Limits returns the plan limits in force.
func (s *Service) Limits() skillett.PlanLimits { return s.limits }

// Now returns the service's current time.
func (s *Service) Now() time.Time { return s.now() }

// isCode reports whether err is a skillett error with this code.
func isCode(err error, code string) bool {
	e, ok := errors.AsType[*skillett.Error](err)
	return ok && e.Code == code
}
