package service

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/ratelimit"
)

// cacheTTL bounds how long a cached answer lives even if no change is ever
// read for it: a safety net under the change log, not the mechanism.
const cacheTTL = time.Minute

// entry is what the cache holds for a key: an immutable snapshot of the key
// and its owner, plus the last use recorded for it.
type entry struct {
	principal  *skillett.Principal
	lastUsed   atomic.Int64 // unix seconds of the latest use seen
	flushedUse atomic.Int64 // lastUsed as last taken by a flush
	queued     atomic.Bool  // in the usage recorder's queue
	counts     usageCounts  // verifications by day and outcome, unflushed
}

func newEntry(k *skillett.Key, u *skillett.User) *entry {
	e := &entry{principal: &skillett.Principal{User: u, Method: skillett.MethodAPIKey, Key: k}}
	if k.LastUsedAt != nil {
		e.lastUsed.Store(k.LastUsedAt.Unix())
		e.flushedUse.Store(k.LastUsedAt.Unix())
	}
	return e
}

// verifier answers key verifications from a bounded cache of known keys and
// a bounded negative cache of well-formed unknown ones, falling back to the
// store. Cached entries are dropped when the change log says their key was
// revoked or their user changed.
type verifier struct {
	store    skillett.Store
	now      func() time.Time
	usage    *usageRecorder
	limiter  ratelimit.Limiter
	onVerify func(skillett.Outcome, bool)
	poll     time.Duration
	log      interface{ Warn(string, ...any) }

	known   *otter.Cache[[32]byte, *entry]   // nil when caching is off
	unknown *otter.Cache[[32]byte, struct{}] // nil when caching is off

	// mu orders cache fills against invalidations: a fill only lands if
	// no invalidation ran since its store read began (gen unchanged), so a
	// revocation can never be overwritten by a stale read.
	mu  sync.Mutex
	gen atomic.Uint64

	// logMu serialises readers of the change log; seq is the last entry
	// read. hint, when the store has one, tells a verification that the
	// log may have moved since mark was taken.
	logMu     sync.Mutex
	seq       int64
	hint      skillett.ChangeHint
	mark      atomic.Uint64
	lastCheck atomic.Int64 // monotonic ns since epoch of the last hint check
	hintEvery time.Duration
}

// epoch anchors the monotonic clock readings of hint checks.
var epoch = time.Now()

func newVerifier(s *Service, cfg Config) *verifier {
	v := &verifier{store: cfg.Store, now: cfg.Now, usage: s.usage, limiter: cfg.Limiter, onVerify: cfg.OnVerify, poll: cfg.ChangePollInterval, log: cfg.Logger}
	v.hint, _ = cfg.Store.(skillett.ChangeHint)
	v.hintEvery = cfg.ChangeHintInterval
	if !cfg.NoCache {
		v.known = otter.Must(&otter.Options[[32]byte, *entry]{
			MaximumSize:      cfg.CacheSize,
			ExpiryCalculator: otter.ExpiryWriting[[32]byte, *entry](cacheTTL),
		})
		v.unknown = otter.Must(&otter.Options[[32]byte, struct{}]{
			MaximumSize:      max(cfg.NegativeCacheSize, 1),
			ExpiryCalculator: otter.ExpiryWriting[[32]byte, struct{}](cacheTTL),
		})
	}
	return v
}

// Verify implements skillett.Verifier. A valid verification counts as a
// use of the key (last_used_at); every verification of a key that exists
// is counted in its usage.
func (s *Service) Verify(ctx context.Context, req skillett.VerifyRequest) (skillett.Verification, error) {
	return s.verifier.verify(ctx, req)
}

// VerifyKey verifies a key presented from an unknown address (a key with
// an IP allowlist is refused): Verify without Addr.
func (s *Service) VerifyKey(ctx context.Context, fullKey, scope string) (skillett.Verification, error) {
	return s.verifier.verify(ctx, skillett.VerifyRequest{Key: fullKey, Scope: scope})
}

// KeyPrincipal authenticates a request by its key, presented from addr.
// The verification is returned also when the key is refused, for the
// rate-limit headers of the answer; the error says why it was refused:
// EUNAUTHORIZED, EIPNOTALLOWED, or ERATELIMITED with RetryAfter.
func (s *Service) KeyPrincipal(ctx context.Context, fullKey string, addr netip.Addr) (skillett.Verification, error) {
	res, err := s.verifier.verify(ctx, skillett.VerifyRequest{Key: fullKey, Addr: addr})
	if err != nil || res.Valid() {
		return res, err
	}
	return res, refusal(res)
}

func (v *verifier) verify(ctx context.Context, req skillett.VerifyRequest) (skillett.Verification, error) {
	if !apikey.Valid(req.Key) {
		v.report(skillett.VerifyMalformed, false)
		return skillett.Verification{Outcome: skillett.VerifyMalformed}, nil
	}
	v.catchUp(ctx)
	h := apikey.Hash(req.Key)
	e, hit, err := v.lookup(ctx, h)
	if err != nil {
		return skillett.Verification{}, err
	}
	if e == nil {
		v.report(skillett.VerifyNotFound, hit)
		return skillett.Verification{Outcome: skillett.VerifyNotFound}, nil
	}
	now := v.now()
	k := e.principal.Key
	var res skillett.Verification
	switch {
	case k.RevokedAt != nil:
		res.Outcome = skillett.VerifyRevoked
	case k.Expired(now):
		res.Outcome = skillett.VerifyExpired
	case !skillett.AllowsAddr(k.IPAllowlist, req.Addr):
		res.Outcome = skillett.VerifyIPNotAllowed
	case req.Scope != "" && !skillett.HasScope(k.Scopes, req.Scope):
		res = skillett.Verification{Outcome: skillett.VerifyInsufficientScope, Principal: e.principal}
	default:
		res = skillett.Verification{Outcome: skillett.VerifyValid, Principal: e.principal}
	}
	if k.RateLimit != nil {
		if err := v.limit(ctx, k, &res, now); err != nil {
			return skillett.Verification{}, err
		}
	}
	if res.Outcome == skillett.VerifyValid {
		v.usage.record(e, now)
	}
	v.usage.count(e, res.Outcome, now)
	v.report(res.Outcome, hit)
	return res, nil
}

func (v *verifier) report(outcome skillett.Outcome, hit bool) {
	if v.onVerify != nil {
		v.onVerify(outcome, hit)
	}
}

// lookup finds the key with hash h: from the caches, else from the store.
// A nil entry means there is no such key.
func (v *verifier) lookup(ctx context.Context, h [32]byte) (e *entry, hit bool, err error) {
	if v.known != nil {
		if e, ok := v.known.GetIfPresent(h); ok {
			return e, true, nil
		}
		if _, ok := v.unknown.GetIfPresent(h); ok {
			return nil, true, nil
		}
	}
	gen := v.gen.Load()
	k, u, err := v.store.KeyByHash(ctx, h)
	if isCode(err, skillett.ENOTFOUND) {
		if v.unknown != nil {
			v.unknown.Set(h, struct{}{})
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	e = newEntry(k, u)
	if v.known != nil {
		v.mu.Lock()
		if v.gen.Load() == gen {
			v.known.Set(h, e)
		}
		v.mu.Unlock()
	}
	return e, false, nil
}

// forget drops every cached entry for which drop is true.
func (v *verifier) forget(drop func(*skillett.Principal) bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.gen.Add(1)
	if v.known == nil {
		return
	}
	for h, e := range v.known.All() {
		if drop(e.principal) {
			v.known.Invalidate(h)
		}
	}
}

func (v *verifier) forgetKey(keyID string) {
	v.forget(func(p *skillett.Principal) bool { return p.Key.ID == keyID })
}

func (v *verifier) forgetUser(userID string) {
	v.forget(func(p *skillett.Principal) bool { return p.User.ID == userID })
}

func (v *verifier) forgetAll() {
	v.forget(func(*skillett.Principal) bool { return true })
}

// catchUp reads the change log before a verification if the store hints
// that another process committed since the last read. It checks the hint
// at most once per Config.ChangeHintInterval; otherwise it costs a clock reading.
func (v *verifier) catchUp(ctx context.Context) {
	if v.hint == nil || v.known == nil {
		return
	}
	now := int64(time.Since(epoch))
	last := v.lastCheck.Load()
	if now-last < int64(v.hintEvery) || !v.lastCheck.CompareAndSwap(last, now) {
		return
	}
	m, ok := v.hint.ChangeMark()
	if !ok || m == v.mark.Load() {
		return
	}
	// Concurrent verifications that saw the same move wait here for the
	// one reading the log, so none answers from a stale entry.
	v.logMu.Lock()
	defer v.logMu.Unlock()
	if m == v.mark.Load() {
		return
	}
	if err := v.readChanges(ctx); err != nil {
		v.forgetAll()
		return
	}
	v.mark.Store(m) // taken before the read: a later commit moves it again
}

// readChanges drops cached entries of every key revoked and user changed
// since the last read. The caller holds logMu.
func (v *verifier) readChanges(ctx context.Context) error {
	for {
		changes, err := v.store.Changes(ctx, v.seq, 1000)
		if err != nil {
			return err
		}
		for _, c := range changes {
			switch {
			case c.KeyID != "":
				v.forgetKey(c.KeyID)
			case c.UserID != "":
				v.forgetUser(c.UserID)
			}
			v.seq = c.Seq
		}
		if len(changes) < 1000 {
			return nil
		}
	}
}

// followChanges reads the store's change log until ctx ends, every v.poll
// and at once when the store announces a change.
func (v *verifier) followChanges(ctx context.Context) {
	var wake <-chan struct{}
	if n, ok := v.store.(skillett.ChangeNotifier); ok {
		wake = n.ChangeNotifications(ctx)
	}
	tick := time.NewTicker(v.poll)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case _, ok := <-wake:
			if !ok {
				wake = nil
			}
		}
		v.logMu.Lock()
		err := v.readChanges(ctx)
		v.logMu.Unlock()
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			// Unable to learn of revocations: fail closed by answering
			// from the store until the log reads again.
			if !failing {
				v.log.Warn("reading the change log failed; verification cache cleared", "err", err)
			}
			failing = true
			v.forgetAll()
		default:
			failing = false
		}
	}
}

func (v *verifier) close() {
	if v.known != nil {
		v.known.StopAllGoroutines()
		v.unknown.StopAllGoroutines()
	}
}
