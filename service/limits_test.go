package service_test

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/clientip"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/ratelimit"
	"github.com/skillett/skillett/service"
)

func from(ctx context.Context, ip string) context.Context {
	return clientip.NewContext(ctx, netip.MustParseAddr(ip))
}

func withAddressLimits(st skillett.HitCounter, clock *testclock.Clock, rates map[string]ratelimit.Rate) func(*service.Config) {
	return func(c *service.Config) {
		c.AddressLimits = ratelimit.NewAddress(ratelimit.AddressOptions{Counter: st, Rates: rates, Now: clock.Now})
	}
}

// 1 000 unknown well-formed keys from one address reach the database at
// most 100 times (SPEC §12 --miss-rate 100/m); malformed keys and cached
// keys cost nothing and keep their answers; another address is not held
// back.
func TestCredentialFlood(t *testing.T) {
	clock := testclock.New(t0)
	var counter skillett.HitCounter
	svc, st := newService(t, "", clock, func(c *service.Config) {
		counter = c.Store.(*countingStore).Store.(skillett.HitCounter)
		withAddressLimits(counter, clock, map[string]ratelimit.Rate{skillett.BucketMiss: {Limit: 100, Window: time.Minute}})(c)
	})
	u := mustUser(t, svc, "ada@example.com", skillett.PlanPro)
	_, good := mustKey(t, svc, u, skillett.KeyRequest{Name: "cached"})
	attacker := from(t.Context(), "192.0.2.66")
	if _, err := svc.KeyPrincipal(attacker, good, netip.Addr{}); err != nil { // now cached
		t.Fatal(err)
	}
	base := st.keyByHash.Load()
	limited := 0
	for range 1000 {
		_, err := svc.KeyPrincipal(attacker, apikey.Generate(), netip.Addr{})
		switch skillett.ErrorCode(err) {
		case skillett.EUNAUTHORIZED:
		case skillett.ERATELIMITED:
			limited++
		default:
			t.Fatalf("an unknown key: got %v, want unauthorized or rate_limited", err)
		}
	}
	if n := st.keyByHash.Load() - base; n > 100 {
		t.Errorf("1 000 unknown keys from one address: %d store lookups, want at most 100", n)
	} else {
		t.Logf("1 000 unknown keys from one address: %d store lookups, %d refused with rate_limited", n, limited)
	}
	if limited < 900 {
		t.Errorf("got %d rate_limited answers, want at least 900", limited)
	}
	if _, err := svc.KeyPrincipal(attacker, good, netip.Addr{}); err != nil {
		t.Errorf("a cached key from the flooding address: %v, want it to keep working", err)
	}
	if _, err := svc.KeyPrincipal(attacker, "sk_not-a-key", netip.Addr{}); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("a malformed key from the flooding address: got %v, want unauthorized (free to reject)", err)
	}
	if _, err := svc.SessionPrincipal(attacker, "unknown-session-token"); skillett.ErrorCode(err) != skillett.ERATELIMITED {
		t.Errorf("an unknown session token from the flooding address: got %v, want rate_limited", err)
	}
	if _, err := svc.KeyPrincipal(from(t.Context(), "192.0.2.67"), apikey.Generate(), netip.Addr{}); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("an unknown key from another address: got %v, want unauthorized", err)
	}
	// /verify (no client address in the context) is not limited per address.
	if res, err := svc.VerifyKey(t.Context(), apikey.Generate(), ""); err != nil || res.Outcome != skillett.VerifyNotFound {
		t.Errorf("VerifyKey: got %v, %v", res.Outcome, err)
	}
	clock.Advance(time.Minute)
	if _, err := svc.KeyPrincipal(attacker, apikey.Generate(), netip.Addr{}); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("a minute later: got %v, want unauthorized", err)
	}
}

// Logins and signups are counted per address (SPEC §12).
func TestLoginAndSignupRates(t *testing.T) {
	clock := testclock.New(t0)
	svc, _ := newService(t, "", clock, func(c *service.Config) {
		withAddressLimits(c.Store.(*countingStore).Store.(skillett.HitCounter), clock, map[string]ratelimit.Rate{
			skillett.BucketLogin: {Limit: 3, Window: time.Minute}, skillett.BucketSignup: {Limit: 2, Window: time.Hour}})(c)
	})
	a := from(t.Context(), "198.51.100.1")
	for i := range 2 {
		if _, _, err := svc.Signup(a, "user"+string(rune('a'+i))+"@example.com", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.Signup(a, "userz@example.com", "correct horse battery"); skillett.ErrorCode(err) != skillett.ERATELIMITED || skillett.RetryAfter(err) != time.Hour {
		t.Errorf("3rd signup: got %v, want rate_limited with Retry-After 1h", err)
	}
	if _, _, err := svc.Signup(a, "bad", "correct horse battery"); skillett.ErrorCode(err) != skillett.EINVALID {
		t.Errorf("an invalid signup: got %v, want invalid_request before any limit", err)
	}
	for range 3 {
		svc.Login(a, "nobody@example.com", "wrong password")
	}
	if _, _, err := svc.Login(a, "usera@example.com", "correct horse battery"); skillett.ErrorCode(err) != skillett.ERATELIMITED {
		t.Errorf("4th login: got %v, want rate_limited", err)
	}
	if _, _, err := svc.Login(from(t.Context(), "198.51.100.2"), "usera@example.com", "correct horse battery"); err != nil {
		t.Errorf("a login from another address: %v", err)
	}
	// The CLI has no client address: never limited.
	if _, err := svc.CreateUser(t.Context(), "cli@example.com", "correct horse battery", skillett.PlanFree); err != nil {
		t.Errorf("CreateUser without an address: %v", err)
	}
}

// At most HashConcurrency hashes run at once; a login that waits longer
// than HashWait gets EUNAVAILABLE with Retry-After 1 s (SPEC §12).
func TestHashConcurrency(t *testing.T) {
	clock := testclock.New(t0)
	svc, _ := newService(t, "", clock, func(c *service.Config) {
		c.HashConcurrency = 1
		c.HashWait = 50 * time.Millisecond
		c.Password = service.PasswordParams{Memory: 8 * 1024, Time: 3, Threads: 1} // ~ tens of ms
	})
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = svc.Signup(t.Context(), "crowd"+string(rune('a'+i))+"@example.com", "correct horse battery")
		})
	}
	wg.Wait()
	var ok, busy int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case skillett.ErrorCode(err) == skillett.EUNAVAILABLE && skillett.RetryAfter(err) == time.Second:
			busy++
		default:
			t.Errorf("got %v, want success or unavailable with Retry-After 1s", err)
		}
	}
	if ok == 0 || busy == 0 {
		t.Errorf("%d simultaneous signups through one hashing slot with a 50 ms wait: %d created, %d unavailable; want some of each", n, ok, busy)
	}
}

// A failed login for a user without a password costs what a wrong
// password costs, within 20% of its median (SPEC §12): no timing oracle.
//
// Cost is measured as the CPU time of the test process (argon2 hashes in
// goroutines of its own), which other load on the machine does not inflate
// the way it inflates wall time; nothing else runs in the process then.
func TestLoginTimingPasswordless(t *testing.T) {
	clock := testclock.New(t0)
	svc, _ := newService(t, "", clock, func(c *service.Config) {
		// Cheaper than production (argon2id is slow under -race), still
		// far above everything else a failed login does.
		c.Password = service.PasswordParams{Memory: 4 * 1024, Time: 1, Threads: 1}
		c.LoginMaxFailures = 1000
	})
	if _, err := svc.CreateUser(t.Context(), "nopw@example.com", "", skillett.PlanFree); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(t.Context(), "pw@example.com", "correct horse battery", skillett.PlanFree); err != nil {
		t.Fatal(err)
	}
	svc.Login(t.Context(), "nobody@example.com", "warm up the dummy hash")
	login := func(email string) (cpu, wall time.Duration) {
		c0, w0 := processCPU(t), time.Now()
		_, _, err := svc.Login(t.Context(), email, "wrong password")
		if skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
			t.Fatalf("login as %s: got %v, want unauthorized", email, err)
		}
		return processCPU(t) - c0, time.Since(w0)
	}
	const rounds = 21
	var wrongCPU, noneCPU, wrongWall, noneWall []time.Duration
	for i := range rounds { // interleaved, alternating which goes first
		first, second := "pw@example.com", "nopw@example.com"
		if i%2 == 1 {
			first, second = second, first
		}
		for _, email := range []string{first, second} {
			cpu, wall := login(email)
			if email == "pw@example.com" {
				wrongCPU, wrongWall = append(wrongCPU, cpu), append(wrongWall, wall)
			} else {
				noneCPU, noneWall = append(noneCPU, cpu), append(noneWall, wall)
			}
		}
	}
	mw, mn := median(wrongCPU), median(noneCPU)
	ratio := float64(mn) / float64(mw)
	t.Logf("median failed login, CPU: wrong password %v, user without a password %v (ratio %.2f); wall: %v, %v",
		mw, mn, ratio, median(wrongWall), median(noneWall))
	if ratio < 0.8 || ratio > 1.2 {
		t.Errorf("a user without a password costs %v, a wrong password %v: want within 20%%", mn, mw)
	}
}

func processCPU(t *testing.T) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// A key created, rolled or updated through a key never outlives it (SPEC
// §12); through a session, nothing changes.
func TestKeysMadeByKeys(t *testing.T) {
	clock := testclock.New(t0)
	svc, _ := newService(t, "", clock)
	u := mustUser(t, svc, "ada@example.com", skillett.PlanPro)
	exp := t0.Add(time.Hour)
	later := t0.Add(2 * time.Hour)
	parent, _ := mustKey(t, svc, u, skillett.KeyRequest{Name: "parent", ExpiresAt: &exp})
	viaKey := keyauth.WithPrincipal(t.Context(), &skillett.Principal{User: u, Method: skillett.MethodAPIKey, Key: parent})
	viaSession := keyauth.WithPrincipal(t.Context(), &skillett.Principal{User: u, Method: skillett.MethodSession})

	child, _, err := svc.CreateKey(viaKey, u.ID, skillett.KeyRequest{Name: "child"})
	if err != nil || child.ExpiresAt == nil || !child.ExpiresAt.Equal(exp) {
		t.Fatalf("create through a key without expires_at: got %v, %v; want the parent's %v", child, err, exp)
	}
	if _, _, err := svc.CreateKey(viaKey, u.ID, skillett.KeyRequest{Name: "longer", ExpiresAt: &later}); skillett.ErrorCode(err) != skillett.EINVALID {
		t.Errorf("create through a key, expiring after it: got %v, want invalid_request", err)
	}
	free, _, err := svc.CreateKey(viaSession, u.ID, skillett.KeyRequest{Name: "from a session"})
	if err != nil || free.ExpiresAt != nil {
		t.Fatalf("create through a session: got %v, %v; want no expiry", free, err)
	}
	// Update through the key: asking for more is refused, clearing the
	// expiry gives the parent's, and any other change caps it.
	if _, err := svc.UpdateKey(viaKey, u.ID, free.ID, skillett.KeyUpdate{ExpiresAt: skillett.To(&later)}); skillett.ErrorCode(err) != skillett.EINVALID {
		t.Errorf("update through a key to a later expiry: got %v, want invalid_request", err)
	}
	k, err := svc.UpdateKey(viaKey, u.ID, free.ID, skillett.KeyUpdate{Name: skillett.To("renamed")})
	if err != nil || k.ExpiresAt == nil || !k.ExpiresAt.Equal(exp) {
		t.Errorf("rename through a key: got %v, %v; want its expiry cut to the parent's", k, err)
	}
	k, err = svc.UpdateKey(viaKey, u.ID, free.ID, skillett.KeyUpdate{ExpiresAt: skillett.To[*time.Time](nil)})
	if err != nil || k.ExpiresAt == nil || !k.ExpiresAt.Equal(exp) {
		t.Errorf("clear the expiry through a key: got %v, %v; want the parent's", k, err)
	}
	if k, err = svc.UpdateKey(viaSession, u.ID, free.ID, skillett.KeyUpdate{ExpiresAt: skillett.To[*time.Time](nil)}); err != nil || k.ExpiresAt != nil {
		t.Errorf("clear the expiry through a session: got %v, %v; want none", k, err)
	}
	// Roll through the key: the new key inherits at most the parent's life.
	_, rolled, _, err := svc.RollKey(viaKey, u.ID, free.ID, 0)
	if err != nil || rolled.ExpiresAt == nil || !rolled.ExpiresAt.Equal(exp) {
		t.Errorf("roll through a key: got %v, %v; want the parent's expiry", rolled, err)
	}
}
