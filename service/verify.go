package service

import (
	"context"
	"net/netip"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/ratelimit"
)

// verifier answers key verifications from the cache, falling back to the
// store, and keeps the cache current by following the change log.
type verifier struct {
	*keyCache
	changes  *changeFollower
	now      func() time.Time
	usage    *usageRecorder
	limiter  ratelimit.Limiter
	onVerify func(skillett.Outcome, bool)
}

func newVerifier(s *Service, cfg Config, realClock bool) *verifier {
	cache := newKeyCache(cfg)
	return &verifier{
		keyCache: cache,
		changes:  newChangeFollower(cfg, cache, realClock),
		now:      cfg.Now, usage: s.usage, limiter: cfg.Limiter, onVerify: cfg.OnVerify,
	}
}

// Verify implements skillett.Verifier. A valid verification counts as a
// use of the key (last_used_at); every verification of a key that exists
// is counted in its usage.
func (s *Service) Verify(ctx context.Context, req skillett.VerifyRequest) (skillett.Verification, error) {
	return s.verifier.verify(ctx, req, missGuard{})
}

// VerifyKey verifies a key presented from an unknown address (a key with
// an IP allowlist is refused): Verify without Addr.
func (s *Service) VerifyKey(ctx context.Context, fullKey, scope string) (skillett.Verification, error) {
	return s.verifier.verify(ctx, skillett.VerifyRequest{Key: fullKey, Scope: scope}, missGuard{})
}

// KeyPrincipal authenticates a request by its key, presented from addr.
// The verification is returned also when the key is refused, for the
// rate-limit headers of the answer; the error says why it was refused:
// EUNAUTHORIZED, EIPNOTALLOWED, or ERATELIMITED with RetryAfter. A client
// over its miss rate (the address in ctx, SPEC §12) gets ERATELIMITED for
// a key that is not in the cache, before any lookup.
func (s *Service) KeyPrincipal(ctx context.Context, fullKey string, addr netip.Addr) (skillett.Verification, error) {
	res, err := s.verifier.verify(ctx, skillett.VerifyRequest{Key: fullKey, Addr: addr}, s.missGuard(ctx))
	if err != nil || res.Valid() {
		return res, err
	}
	return res, refusal(res)
}

func (v *verifier) verify(ctx context.Context, req skillett.VerifyRequest, guard missGuard) (skillett.Verification, error) {
	if len(req.Key) != apikey.Len { // bounds what is hashed
		return v.malformed()
	}
	now := v.now()
	v.changes.catchUp(ctx, now)
	h := apikey.Hash(req.Key)
	e, hit := v.cached(h, now)
	if !hit {
		// The form and the checksum only matter before the store is
		// asked: a key whose hash is among the known ones is one of them,
		// and every key was made well-formed with a correct checksum.
		if !apikey.Valid(req.Key) {
			return v.malformed()
		}
		var err error
		if e, hit, err = v.lookup(ctx, h, guard, now); err != nil {
			return skillett.Verification{}, err
		}
	}
	if e == nil {
		v.report(skillett.VerifyNotFound, hit)
		return skillett.Verification{Outcome: skillett.VerifyNotFound}, nil
	}
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

func (v *verifier) malformed() (skillett.Verification, error) {
	v.report(skillett.VerifyMalformed, false)
	return skillett.Verification{Outcome: skillett.VerifyMalformed}, nil
}

func (v *verifier) report(outcome skillett.Outcome, hit bool) {
	if v.onVerify != nil {
		v.onVerify(outcome, hit)
	}
}
