package service_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/sqlite"
)

// fastPasswords keeps argon2id cheap in tests; production uses the defaults.
var fastPasswords = service.PasswordParams{Memory: 64, Time: 1, Threads: 1}

var t0 = time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)

// countingStore is the real store, counting the calls that caching and
// coalescing are meant to save.
type countingStore struct {
	skillett.Store
	keyByHash, touches atomic.Int64
	mu                 sync.Mutex
	touched            []map[string]time.Time
}

func (s *countingStore) KeyByHash(ctx context.Context, h [32]byte) (*skillett.Key, *skillett.User, error) {
	s.keyByHash.Add(1)
	return s.Store.KeyByHash(ctx, h)
}

func (s *countingStore) TouchKeys(ctx context.Context, used map[string]time.Time) error {
	s.touches.Add(1)
	s.mu.Lock()
	s.touched = append(s.touched, used)
	s.mu.Unlock()
	return s.Store.TouchKeys(ctx, used)
}

func openStore(t testing.TB, path string) *countingStore {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &countingStore{Store: st}
}

// newService starts a service on the SQLite file path (a new one in a
// temporary directory when path is ""), with long background intervals so
// that tests decide when things happen.
func newService(t testing.TB, path string, clock *testclock.Clock, tweak ...func(*service.Config)) (*service.Service, *countingStore) {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "test.db")
	}
	st := openStore(t, path)
	cfg := service.Config{
		Store:              st,
		Now:                clock.Now,
		Password:           fastPasswords,
		ChangePollInterval: time.Hour,
		UsageFlushInterval: time.Hour,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	svc := service.New(cfg)
	if err := svc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	return svc, st
}

func mustUser(t *testing.T, svc *service.Service, email string, plan skillett.Plan) *skillett.User {
	t.Helper()
	u, err := svc.CreateUser(t.Context(), email, "correct horse battery", plan)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustKey(t *testing.T, svc *service.Service, u *skillett.User, req skillett.KeyRequest) (*skillett.Key, string) {
	t.Helper()
	k, full, err := svc.CreateKey(t.Context(), u.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	return k, full
}

func verify(t *testing.T, svc *service.Service, full, scope string) skillett.Outcome {
	t.Helper()
	res, err := svc.VerifyKey(t.Context(), full, scope)
	if err != nil {
		t.Fatal(err)
	}
	return res.Outcome
}

func TestVerifyOutcomes(t *testing.T) {
	clock := testclock.New(t0)
	svc, _ := newService(t, "", clock)
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	_, all := mustKey(t, svc, u, skillett.KeyRequest{Name: "all"})
	_, github := mustKey(t, svc, u, skillett.KeyRequest{Name: "gh", Scopes: []string{"github"}})
	exp := t0.Add(time.Hour)
	_, expiring := mustKey(t, svc, u, skillett.KeyRequest{Name: "exp", ExpiresAt: &exp})
	revoked, revokedFull := mustKey(t, svc, u, skillett.KeyRequest{Name: "rev"})
	verify(t, svc, revokedFull, "") // cached before the revoke
	if err := svc.RevokeKey(t.Context(), u.ID, revoked.ID); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, key, scope string
		want             skillett.Outcome
	}{
		{"valid", all, "", skillett.VerifyValid},
		{"valid for any scope", all, "slack", skillett.VerifyValid},
		{"scoped key in scope", github, "github", skillett.VerifyValid},
		{"scoped key out of scope", github, "slack", skillett.VerifyInsufficientScope},
		{"malformed", "sk_nope", "", skillett.VerifyMalformed},
		// The full length, so hashed and looked up before the form is checked.
		{"full length, wrong prefix", "pk" + all[2:], "", skillett.VerifyMalformed},
		{"full length, not base62", all[:10] + "-" + all[11:], "", skillett.VerifyMalformed},
		{"bad checksum", all[:40] + string("01"[boolInt(all[40] == '0')]), "", skillett.VerifyMalformed},
		{"never issued", neverIssued(), "", skillett.VerifyNotFound},
		{"revoked", revokedFull, "", skillett.VerifyRevoked},
		{"expiring, before", expiring, "", skillett.VerifyValid},
	} {
		if got := verify(t, svc, c.key, c.scope); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}

	// Expiry is checked against the clock at every use, cached or not.
	clock.Advance(time.Hour - time.Second)
	if got := verify(t, svc, expiring, ""); got != skillett.VerifyValid {
		t.Errorf("1 s before expires_at: got %q, want valid", got)
	}
	clock.Advance(time.Second)
	if got := verify(t, svc, expiring, ""); got != skillett.VerifyExpired {
		t.Errorf("at expires_at: got %q, want expired", got)
	}
	if _, err := svc.KeyPrincipal(t.Context(), expiring, netip.Addr{}); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("KeyPrincipal of an expired key: got %v, want unauthorized", err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func neverIssued() string {
	body := "sk_" + apikey.RandomString(apikey.Alphabet, 32)
	return body + apikey.Checksum(body)
}

// Known keys and well-formed unknown keys are answered from memory after
// the first lookup; malformed keys (a wrong checksum included) never reach
// the store.
func TestVerifyCache(t *testing.T) {
	svc, st := newService(t, "", testclock.New(t0))
	u := mustUser(t, svc, "a@example.com", skillett.PlanFree)
	_, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "k"})
	unknown := neverIssued()
	// Well-formed, but its checksum is wrong: the hash of no known key, so
	// the checksum is checked, and it never reaches the store.
	typo := full[:40] + string("AB"[boolInt(full[40] == 'A')])
	for range 1000 {
		verify(t, svc, full, "")
		verify(t, svc, unknown, "")
		verify(t, svc, "sk_garbage", "")
		if got := verify(t, svc, typo, ""); got != skillett.VerifyMalformed {
			t.Fatalf("a key with a wrong checksum: %q, want malformed", got)
		}
	}
	if got := st.keyByHash.Load(); got != 2 {
		t.Errorf("store lookups for 3000 verifications of 3 keys: got %d, want 2", got)
	}
}

// A cached key is read again once it is a minute old, even if no change
// was ever read for it: the safety net under the change log.
func TestVerifyCacheTTL(t *testing.T) {
	clock := testclock.New(t0)
	svc, st := newService(t, "", clock)
	u := mustUser(t, svc, "a@example.com", skillett.PlanFree)
	_, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "k"})
	for _, step := range []struct {
		advance time.Duration
		lookups int64
	}{{0, 1}, {59 * time.Second, 1}, {time.Second, 2}, {30 * time.Second, 2}, {30 * time.Second, 3}, {-time.Hour, 4}} {
		clock.Advance(step.advance)
		if got := verify(t, svc, full, ""); got != skillett.VerifyValid {
			t.Fatalf("after %v: %q, want valid", step.advance, got)
		}
		if got := st.keyByHash.Load(); got != step.lookups {
			t.Errorf("after %v: %d store lookups, want %d", step.advance, got, step.lookups)
		}
	}
}

func TestVerifyCacheOff(t *testing.T) {
	svc, st := newService(t, "", testclock.New(t0), func(c *service.Config) { c.NoCache = true })
	u := mustUser(t, svc, "a@example.com", skillett.PlanFree)
	_, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "k"})
	for range 10 {
		verify(t, svc, full, "")
	}
	if got := st.keyByHash.Load(); got != 10 {
		t.Errorf("store lookups with the cache off: got %d, want 10", got)
	}
}

// Another process's revocation and plan change reach this process's cache
// through the change log.
func TestChangesFromAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	clock := testclock.New(t0)
	a, _ := newService(t, path, clock)
	b, _ := newService(t, path, clock, func(c *service.Config) { c.ChangePollInterval = 10 * time.Millisecond })
	u := mustUser(t, a, "a@example.com", skillett.PlanFree)
	k, full := mustKey(t, a, u, skillett.KeyRequest{Name: "k"})

	res, err := b.VerifyKey(t.Context(), full, "")
	if err != nil || !res.Valid() || res.Principal.User.Plan != skillett.PlanFree {
		t.Fatalf("first verify on b: got %+v, %v; want valid on free", res, err)
	}
	if _, err := a.SetPlan(t.Context(), u.Email, skillett.PlanPro); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "plan change seen by b", func() bool {
		res, err := b.VerifyKey(t.Context(), full, "")
		return err == nil && res.Valid() && res.Principal.User.Plan == skillett.PlanPro
	})
	if err := a.RevokeKey(t.Context(), u.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if got := verify(t, a, full, ""); got != skillett.VerifyRevoked {
		t.Errorf("on the revoking process, the very next verify: got %q, want revoked", got)
	}
	waitFor(t, "revocation seen by b", func() bool { return verify(t, b, full, "") == skillett.VerifyRevoked })
}

// waitFor polls cond until it holds, failing after 2 s: for effects that
// cross processes through the database, where there is no clock to move.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 2 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Many uses in one second cost one write; later uses move last_used_at on;
// Close writes what is pending.
func TestUsageCoalesced(t *testing.T) {
	clock := testclock.New(t0)
	svc, st := newService(t, "", clock)
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	k1, full1 := mustKey(t, svc, u, skillett.KeyRequest{Name: "one"})
	k2, full2 := mustKey(t, svc, u, skillett.KeyRequest{Name: "two"})

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				verify(t, svc, full1, "")
				verify(t, svc, full2, "")
			}
		})
	}
	wg.Wait()
	if got := st.touches.Load(); got != 0 {
		t.Fatalf("writes before any flush: got %d, want 0", got)
	}
	if err := svc.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := st.touches.Load(); got != 1 {
		t.Fatalf("writes for 8000 uses of 2 keys in one second: got %d, want 1", got)
	}
	if got := st.touched[0]; len(got) != 2 || !got[k1.ID].Equal(t0) || !got[k2.ID].Equal(t0) {
		t.Errorf("written: got %v, want both keys at %v", got, t0)
	}
	if err := svc.FlushUsage(t.Context()); err != nil || st.touches.Load() != 1 {
		t.Errorf("a flush with nothing pending wrote (%d writes, %v)", st.touches.Load(), err)
	}

	clock.Advance(3 * time.Second)
	verify(t, svc, full1, "")
	if err := svc.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	keys, err := st.ListKeys(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		want := t0
		if k.ID == k1.ID {
			want = t0.Add(3 * time.Second)
		}
		if k.LastUsedAt == nil || !k.LastUsedAt.Equal(want) {
			t.Errorf("key %s last_used_at after Close: got %v, want %v", k.Name, k.LastUsedAt, want)
		}
	}
}

// Only valid uses count: refused keys leave last_used_at alone.
func TestUsageOnlyValid(t *testing.T) {
	svc, st := newService(t, "", testclock.New(t0))
	u := mustUser(t, svc, "a@example.com", skillett.PlanFree)
	_, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "gh", Scopes: []string{"github"}})
	verify(t, svc, full, "slack")
	if err := svc.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := st.touches.Load(); got != 0 {
		t.Errorf("writes after an insufficient_scope verification: got %d, want 0", got)
	}
}

func TestLoginThrottle(t *testing.T) {
	clock := testclock.New(t0)
	svc, _ := newService(t, "", clock)
	u := mustUser(t, svc, "a@example.com", skillett.PlanFree)
	for i := range 10 {
		if _, _, err := svc.Login(t.Context(), u.Email, "wrong password"); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
			t.Fatalf("failure %d: got %v, want unauthorized", i+1, err)
		}
		clock.Advance(time.Minute)
	}
	_, _, err := svc.Login(t.Context(), u.Email, "correct horse battery")
	e, ok := err.(*skillett.Error)
	if !ok || e.Code != skillett.ERATELIMITED {
		t.Fatalf("11th attempt with the right password: got %v, want rate_limited", err)
	}
	// The first failure was at t0; it leaves the window at t0+15m.
	if want := t0.Add(15 * time.Minute).Sub(clock.Now()); e.RetryAfter != want {
		t.Errorf("RetryAfter: got %v, want %v", e.RetryAfter, want)
	}
	clock.Advance(e.RetryAfter)
	if _, token, err := svc.Login(t.Context(), u.Email, "correct horse battery"); err != nil || token == "" {
		t.Fatalf("login once the window has passed: got %v", err)
	}
	// Success forgets the failures.
	if _, _, err := svc.Login(t.Context(), u.Email, "wrong password"); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("after a success, a failure: got %v, want unauthorized", err)
	}
	// Unknown emails are throttled the same way and say the same thing.
	if _, _, err := svc.Login(t.Context(), "nobody@example.com", "whatever1"); skillett.ErrorMessage(err) != "Wrong email or password." {
		t.Errorf("unknown email: got %v", err)
	}
}

func TestSessions(t *testing.T) {
	clock := testclock.New(t0)
	svc, _ := newService(t, "", clock)
	u, token, err := svc.Signup(t.Context(), "New@Example.com ", "long enough")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "new@example.com" || u.Plan != skillett.PlanFree {
		t.Errorf("signup: got %s on %s, want new@example.com on free", u.Email, u.Plan)
	}
	p, err := svc.SessionPrincipal(t.Context(), token)
	if err != nil || p.User.ID != u.ID || p.Method != skillett.MethodSession || !p.FullAccess() {
		t.Fatalf("SessionPrincipal: got %+v, %v", p, err)
	}
	clock.Advance(7*24*time.Hour - time.Second)
	if _, err := svc.SessionPrincipal(t.Context(), token); err != nil {
		t.Errorf("1 s before 7 days: got %v, want the session", err)
	}
	clock.Advance(time.Second)
	if _, err := svc.SessionPrincipal(t.Context(), token); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("after 7 days: got %v, want unauthorized", err)
	}
	_, token, err = svc.Login(t.Context(), u.Email, "long enough")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Logout(t.Context(), token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SessionPrincipal(t.Context(), token); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("after logout: got %v, want unauthorized", err)
	}
	if _, _, err := svc.Signup(t.Context(), "new@example.com", "long enough"); skillett.ErrorCode(err) != skillett.ECONFLICT {
		t.Errorf("signup with a taken email: got %v, want conflict", err)
	}
	if _, _, err := svc.Signup(t.Context(), "short@example.com", "short"); skillett.ErrorCode(err) != skillett.EINVALID {
		t.Errorf("signup with a short password: got %v, want invalid_request", err)
	}
}

// On SQLite the store hints that another process committed, so its plan
// change and revocation apply from the very next verification, without
// waiting for a poll.
func TestChangesFromAnotherProcessAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	clock := testclock.New(t0)
	a, _ := newService(t, path, clock)
	b, _ := newService(t, path, clock, func(c *service.Config) { c.ChangeHintInterval = time.Nanosecond }) // polls only hourly
	u := mustUser(t, a, "a@example.com", skillett.PlanFree)
	k, full := mustKey(t, a, u, skillett.KeyRequest{Name: "k"})
	if res, err := b.VerifyKey(t.Context(), full, ""); err != nil || res.Principal.User.Plan != skillett.PlanFree {
		t.Fatalf("first verify on b: got %+v, %v", res, err)
	}
	if _, err := a.SetPlan(t.Context(), u.Email, skillett.PlanPro); err != nil {
		t.Fatal(err)
	}
	if res, err := b.VerifyKey(t.Context(), full, ""); err != nil || res.Principal.User.Plan != skillett.PlanPro {
		t.Errorf("verify on b right after the plan change on a: got %+v, %v; want plan pro", res.Principal.User, err)
	}
	if err := a.RevokeKey(t.Context(), u.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if got := verify(t, b, full, ""); got != skillett.VerifyRevoked {
		t.Errorf("verify on b right after the revoke on a: got %q, want revoked", got)
	}
}

func TestSignupClosed(t *testing.T) {
	svc, _ := newService(t, "", testclock.New(t0), func(c *service.Config) { c.NoSignup = true })
	if svc.SignupOpen() {
		t.Error("SignupOpen with NoSignup: got true, want false")
	}
	if _, _, err := svc.Signup(t.Context(), "a@example.com", "correct horse battery"); err != service.ErrSignupClosed {
		t.Fatalf("Signup with NoSignup: got %v, want ErrSignupClosed", err)
	}
	if _, err := svc.UserByEmail(t.Context(), "a@example.com"); skillett.ErrorCode(err) != skillett.ENOTFOUND {
		t.Errorf("after a refused sign-up, the user: got %v, want not_found", err)
	}
	// An administrator still creates users.
	mustUser(t, svc, "b@example.com", skillett.PlanFree)
}

// The invariant httpapi's /me body cache rests on: a key's principal is the
// same pointer until its key or user changes, then a new one.
//
// This process's own changes are what it is about, so the change log is not
// read during it: a read would find those changes again and forget the
// entry once more, a new pointer without a change (harmless to /me's
// cache: one miss), and whether one happens depends on the wall clock
// (ChangeHintInterval), which made the test flaky.
func TestPrincipalPointerIdentity(t *testing.T) {
	svc, _ := newService(t, "", testclock.New(t0), func(c *service.Config) { c.ChangeHintInterval = time.Hour })
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	_, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "k"})
	other, _ := mustKey(t, svc, u, skillett.KeyRequest{Name: "other"})
	principal := func() *skillett.Principal {
		t.Helper()
		res, err := svc.VerifyKey(t.Context(), full, "")
		if err != nil || !res.Valid() {
			t.Fatalf("VerifyKey: got %v, %v", res.Outcome, err)
		}
		return res.Principal
	}
	first := principal()
	if again := principal(); again != first {
		t.Fatal("two verifications with nothing changed: got two principals, want one")
	}
	// Revoking another key of the same user changes nothing of this one.
	if err := svc.RevokeKey(t.Context(), u.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	if p := principal(); p != first {
		t.Error("after revoking another key: got a new principal, want the same")
	}
	if _, err := svc.SetPlan(t.Context(), u.Email, skillett.PlanUnlimited); err != nil {
		t.Fatal(err)
	}
	p := principal()
	if p == first || p.User.Plan != skillett.PlanUnlimited {
		t.Fatalf("after the user's plan changed: got the same principal (plan %s), want a new one on unlimited", p.User.Plan)
	}
	if again := principal(); again != p {
		t.Error("after the change, two verifications: got two principals, want one")
	}
}
