package service

import (
	"context"
	"net/netip"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/clientip"
)

// AllowClient counts one event of bucket (skillett.BucketLogin, …) for the
// client address in ctx (clientip.NewContext; httpapi puts it there) and
// returns ERATELIMITED, with RetryAfter, over the bucket's limit (SPEC
// §12). Calls that come from no client (the CLI) are not limited.
func (s *Service) AllowClient(ctx context.Context, bucket string) error {
	addr, ok := s.limitedClient(ctx)
	if !ok {
		return nil
	}
	return s.cfg.AddressLimits.Allow(ctx, bucket, addr)
}

// limitedClient returns the client address of ctx, and false when calls
// of ctx are not limited: no limiter configured, or no client (the CLI).
func (s *Service) limitedClient(ctx context.Context) (netip.Addr, bool) {
	if s.cfg.AddressLimits == nil {
		return netip.Addr{}, false
	}
	return clientip.FromContext(ctx)
}

// missGuard is what a credential lookup on behalf of a client asks before
// and tells after: before, whether the client may cost one more lookup;
// after one that matched nothing, that it did (SPEC §12: the miss rate).
// The zero missGuard (no client, no limiter) guards nothing.
type missGuard struct {
	limiter skillett.AddressLimiter
	ctx     context.Context
	addr    netip.Addr
}

func (s *Service) missGuard(ctx context.Context) missGuard {
	addr, ok := s.limitedClient(ctx)
	if !ok {
		return missGuard{}
	}
	return missGuard{limiter: s.cfg.AddressLimits, ctx: ctx, addr: addr}
}

// before returns ERATELIMITED, without I/O, when the client is known to be
// over its miss rate.
func (g missGuard) before() error {
	if g.limiter == nil {
		return nil
	}
	return g.limiter.Blocked(skillett.BucketMiss, g.addr)
}

// missed counts a lookup that matched nothing. Its verdict only matters
// for the next lookup (through Blocked), and a failure to count must not
// turn a 401 into a 500.
func (g missGuard) missed() {
	if g.limiter == nil {
		return
	}
	_ = g.limiter.Allow(g.ctx, skillett.BucketMiss, g.addr)
}
