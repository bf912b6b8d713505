package service_test

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/service"
)

func verifyFrom(t *testing.T, svc *service.Service, full, scope, addr string) skillett.Verification {
	t.Helper()
	req := skillett.VerifyRequest{Key: full, Scope: scope}
	if addr != "" {
		req.Addr = netip.MustParseAddr(addr)
	}
	res, err := svc.Verify(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestIPAllowlist(t *testing.T) {
	clock := testclock.New(t0)
	svc, st := newService(t, "", clock)
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	allow, _ := skillett.ParseIPAllowlist([]string{"203.0.113.0/24", "2001:db8::/32"})
	k, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "edge", IPAllowlist: allow})
	for _, c := range []struct {
		addr string
		want skillett.Outcome
	}{
		{"203.0.113.9", skillett.VerifyValid},
		{"::ffff:203.0.113.9", skillett.VerifyValid},
		{"2001:db8:1::5", skillett.VerifyValid},
		{"198.51.100.1", skillett.VerifyIPNotAllowed},
		{"203.0.114.1", skillett.VerifyIPNotAllowed},
		{"2001:db9::1", skillett.VerifyIPNotAllowed},
		{"", skillett.VerifyIPNotAllowed}, // unknown address
	} {
		if got := verifyFrom(t, svc, full, "", c.addr); got.Outcome != c.want || (got.Principal != nil) != (c.want == skillett.VerifyValid) {
			t.Errorf("verify from %q: got %s (principal %v), want %s", c.addr, got.Outcome, got.Principal != nil, c.want)
		}
	}
	// A refused use is not a use: no last_used_at.
	k2, full2 := mustKey(t, svc, u, skillett.KeyRequest{Name: "far", IPAllowlist: allow})
	verifyFrom(t, svc, full2, "", "198.51.100.1")
	if err := svc.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, _, err := st.KeyByHash(t.Context(), k2.Hash)
	if err != nil || got.LastUsedAt != nil {
		t.Fatalf("last_used_at of a key used only from outside its allowlist: %v (%v), want none", got.LastUsedAt, err)
	}
	usage, _ := svc.KeyUsage(t.Context(), u.ID, k.ID, 1)
	if c := usage[0].Counts; c[0] != 3 || c[3] != 4 {
		t.Fatalf("usage: %v, want 3 valid and 4 ip_not_allowed", c)
	}
}

func TestRateLimit(t *testing.T) {
	clock := testclock.New(t0)
	svc, _ := newService(t, "", clock)
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	allow, _ := skillett.ParseIPAllowlist([]string{"203.0.113.0/24"})
	k, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "limited", Scopes: []string{"github"}, IPAllowlist: allow,
		RateLimit: &skillett.RateLimit{Limit: 3, Window: time.Minute}})
	// Refused uses take nothing: wrong scope, wrong address.
	for range 5 {
		if res := verifyFrom(t, svc, full, "slack", "203.0.113.1"); res.Outcome != skillett.VerifyInsufficientScope || res.RateLimit.Remaining != 3 {
			t.Fatalf("wrong scope: got %s with %+v, want insufficient_scope with 3 remaining", res.Outcome, res.RateLimit)
		}
		if res := verifyFrom(t, svc, full, "github", "198.51.100.1"); res.Outcome != skillett.VerifyIPNotAllowed || res.RateLimit.Remaining != 3 {
			t.Fatalf("wrong address: got %s with %+v, want ip_not_allowed with 3 remaining", res.Outcome, res.RateLimit)
		}
	}
	for i := range 3 {
		res := verifyFrom(t, svc, full, "github", "203.0.113.1")
		want := skillett.RateLimitStatus{Limit: 3, Window: time.Minute, Remaining: 2 - i, Reset: time.Minute - time.Duration(i)*time.Second}
		if !res.Valid() || res.RateLimit != want {
			t.Fatalf("use %d: got %s with %+v, want valid with %+v", i+1, res.Outcome, res.RateLimit, want)
		}
		clock.Advance(time.Second)
	}
	res := verifyFrom(t, svc, full, "github", "203.0.113.1")
	if res.Outcome != skillett.VerifyRateLimited || res.Principal != nil || res.RateLimit.Remaining != 0 || res.RateLimit.RetryAfter() != 57*time.Second {
		t.Fatalf("4th use: got %s with %+v, want rate_limited, retry after 57 s", res.Outcome, res.RateLimit)
	}
	_, err := svc.KeyPrincipal(t.Context(), full, netip.MustParseAddr("203.0.113.1"))
	if e, ok := err.(*skillett.Error); !ok || e.Code != skillett.ERATELIMITED || skillett.RetryAfter(err) != 57*time.Second {
		t.Fatalf("KeyPrincipal over the limit: %v, want ERATELIMITED retrying after 57 s", err)
	}
	clock.Advance(57 * time.Second)
	if res := verifyFrom(t, svc, full, "github", "203.0.113.1"); !res.Valid() || res.RateLimit.Remaining != 2 {
		t.Fatalf("first use of the next window: got %s with %+v", res.Outcome, res.RateLimit)
	}
	if err := svc.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	usage, _ := svc.KeyUsage(t.Context(), u.ID, k.ID, 1)
	if want := (skillett.UsageCounts{4, 2, 5, 5, 0, 0}); usage[0].Counts != want {
		t.Fatalf("usage: %v, want %v", usage[0].Counts, want)
	}
	// A key without a limit carries none.
	_, plain := mustKey(t, svc, u, skillett.KeyRequest{Name: "plain"})
	if res := verifyFrom(t, svc, plain, "", ""); !res.Valid() || res.RateLimit.Limited() {
		t.Fatalf("plain key: %s with %+v", res.Outcome, res.RateLimit)
	}
}

// A parallel burst lets exactly the limit through.
func TestRateLimitBurst(t *testing.T) {
	svc, _ := newService(t, "", testclock.New(t0))
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	_, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "burst", RateLimit: &skillett.RateLimit{Limit: 7, Window: time.Hour}})
	var valid, limited atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			res, err := svc.VerifyKey(t.Context(), full, "")
			switch {
			case err != nil:
				t.Error(err)
			case res.Valid():
				valid.Add(1)
			case res.Outcome == skillett.VerifyRateLimited:
				limited.Add(1)
			}
		})
	}
	wg.Wait()
	if valid.Load() != 7 || limited.Load() != 93 {
		t.Fatalf("100 parallel uses of a key limited to 7: %d valid, %d rate limited", valid.Load(), limited.Load())
	}
}
