package storetest

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

// Key detail, update and roll (SPEC §8).

func rateLimitString(r *skillett.RateLimit) string {
	if r == nil {
		return "null"
	}
	return fmt.Sprintf("%d/%s", r.Limit, r.Window)
}

// withAttrs gives k an allowlist and a rate limit.
func withAttrs(k *skillett.Key) *skillett.Key {
	k.IPAllowlist = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("203.0.113.7/32")}
	k.RateLimit = &skillett.RateLimit{Limit: 100, Window: time.Minute}
	return k
}

func (s suite) keyByID(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	mallory := MustCreateUser(t, st, "mallory@example.com", skillett.PlanPro)
	k := MustCreateKey(t, st, u, T0)
	t.Run("OK", func(t *testing.T) {
		got, err := st.KeyByID(t.Context(), u.ID, k.ID)
		wantCode(t, "KeyByID", err, "")
		wantKey(t, "KeyByID", got, k)
	})
	t.Run("ErrNotFoundOtherUser", func(t *testing.T) {
		_, err := st.KeyByID(t.Context(), mallory.ID, k.ID)
		wantCode(t, "KeyByID(another user's key)", err, skillett.ENOTFOUND)
	})
	t.Run("ErrNotFoundUnknownID", func(t *testing.T) {
		_, err := st.KeyByID(t.Context(), u.ID, "key_missing")
		wantCode(t, "KeyByID(unknown id)", err, skillett.ENOTFOUND)
		_, err = st.KeyByID(t.Context(), u.ID, "not a key id ' --")
		wantCode(t, "KeyByID(malformed id)", err, skillett.ENOTFOUND)
	})
}

// The attributes beyond the page survive the round trip through every
// read: KeyByID, KeyByHash and ListKeys.
func (s suite) keyAttributes(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	k, _ := NewKey(u.ID, T0)
	withAttrs(k)
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, nil, nil), "")
	got, err := st.KeyByID(t.Context(), u.ID, k.ID)
	wantCode(t, "KeyByID", err, "")
	wantKey(t, "KeyByID", got, k)
	got, _, err = st.KeyByHash(t.Context(), k.Hash)
	wantCode(t, "KeyByHash", err, "")
	wantKey(t, "KeyByHash", got, k)
	list, err := st.ListKeys(t.Context(), u.ID)
	wantCode(t, "ListKeys", err, "")
	if len(list) != 1 {
		t.Fatalf("ListKeys: got %d keys, want 1", len(list))
	}
	wantKey(t, "ListKeys", list[0], k)
}

// rename is an update function that renames the key and clears its rate limit.
func rename(name string) func(*skillett.Key) ([]string, error) {
	return func(k *skillett.Key) ([]string, error) {
		return skillett.KeyUpdate{Name: skillett.To(name), RateLimit: skillett.To[*skillett.RateLimit](nil)}.Apply(k), nil
	}
}

func (s suite) updateKey(t *testing.T) {
	t.Run("OK", s.updateKeyOK)
	t.Run("ErrFromUpdateWritesNothing", s.updateKeyErrFromUpdateWritesNothing)
	t.Run("ErrNotFound", s.updateKeyErrNotFound)
	t.Run("ConcurrentUpdatesAllApply", s.concurrentUpdatesAllApply)
}

func (s suite) updateKeyOK(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	k, _ := NewKey(u.ID, T0)
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), withAttrs(k), nil, nil), "")
	before, err := st.LastChange(t.Context())
	wantCode(t, "LastChange", err, "")

	exp := T0.Add(48 * time.Hour)
	got, err := st.UpdateKey(t.Context(), u.ID, k.ID, nil, func(c *skillett.Key) ([]string, error) {
		wantKey(t, "the key update sees", c, k)
		return skillett.KeyUpdate{
			Name: skillett.To("Renamed"), Scopes: skillett.To([]string{"github", "slack"}),
			ExpiresAt: skillett.To(&exp), IPAllowlist: skillett.To[[]netip.Prefix](nil),
			RateLimit: skillett.To(&skillett.RateLimit{Limit: 5, Window: time.Hour}),
		}.Apply(c), nil
	})
	wantCode(t, "UpdateKey", err, "")
	want := *k
	want.Name, want.Scopes, want.ExpiresAt, want.IPAllowlist = "Renamed", []string{"github", "slack"}, &exp, nil
	want.RateLimit = &skillett.RateLimit{Limit: 5, Window: time.Hour}
	wantKey(t, "UpdateKey result", got, &want)
	stored, err := st.KeyByID(t.Context(), u.ID, k.ID)
	wantCode(t, "KeyByID", err, "")
	wantKey(t, "key after UpdateKey", stored, &want)

	changes, err := st.Changes(t.Context(), before, 10)
	wantCode(t, "Changes", err, "")
	if len(changes) != 1 || changes[0].KeyID != k.ID {
		t.Fatalf("Changes after UpdateKey: got %+v, want one change with KeyID %s", changes, k.ID)
	}
}

func (s suite) updateKeyErrFromUpdateWritesNothing(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	k := MustCreateKey(t, st, u, T0)
	refused := skillett.Errorf(skillett.ECONFLICT, "no")
	_, err := st.UpdateKey(t.Context(), u.ID, k.ID, nil, func(c *skillett.Key) ([]string, error) {
		c.Name = "changed in vain"
		return nil, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("UpdateKey: got %v, want the update function's error", err)
	}
	stored, err := st.KeyByID(t.Context(), u.ID, k.ID)
	wantCode(t, "KeyByID", err, "")
	wantKey(t, "key after a refused update", stored, k)
	if last, _ := st.LastChange(t.Context()); last != 0 {
		t.Fatalf("LastChange after a refused update: got %d, want 0", last)
	}
}

func (s suite) updateKeyErrNotFound(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	mallory := MustCreateUser(t, st, "mallory@example.com", skillett.PlanPro)
	k := MustCreateKey(t, st, u, T0)
	_, err := st.UpdateKey(t.Context(), mallory.ID, k.ID, nil, rename("mine"))
	wantCode(t, "UpdateKey(another user's key)", err, skillett.ENOTFOUND)
	_, err = st.UpdateKey(t.Context(), u.ID, "key_missing", nil, rename("x"))
	wantCode(t, "UpdateKey(unknown id)", err, skillett.ENOTFOUND)
	stored, _ := st.KeyByID(t.Context(), u.ID, k.ID)
	wantKey(t, "key after another user's update", stored, k)
}

func (s suite) concurrentUpdatesAllApply(t *testing.T) {
	// Each update adds a scope to what the last one committed: none is
	// lost, so the updates ran one after the other on fresh reads.
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	k, _ := NewKey(u.ID, T0)
	k.Scopes = []string{"s"}
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, nil, nil), "")
	const n = 8
	errs := Race(n, func(i int) error {
		_, err := st.UpdateKey(t.Context(), u.ID, k.ID, nil, func(c *skillett.Key) ([]string, error) {
			return skillett.KeyUpdate{Scopes: skillett.To(append(slices.Clone(c.Scopes), fmt.Sprintf("s%d", i)))}.Apply(c), nil
		})
		return err
	})
	if ok, _ := CountCodes(t, errs, ""); ok != n {
		t.Fatalf("concurrent updates: %d succeeded, want %d", ok, n)
	}
	stored, _ := st.KeyByID(t.Context(), u.ID, k.ID)
	if len(stored.Scopes) != n+1 {
		t.Fatalf("scopes after %d concurrent additions: got %q, want %d scopes", n, stored.Scopes, n+1)
	}
}

// roll is the roll function of the service at now with grace.
func roll(grace time.Duration, now time.Time) func(old, nk *skillett.Key) error {
	return func(old, nk *skillett.Key) error { return skillett.Roll(old, nk, grace, now) }
}

func (s suite) rollKey(t *testing.T) {
	t.Run("OK", s.rollKeyOK)
	t.Run("GraceShortensExpiry", s.rollKeyGraceShortensExpiry)
	t.Run("ErrConflictWritesNothing", s.rollKeyErrConflictWritesNothing)
	t.Run("RolledKeyOutsidePlanLimit", s.rolledKeyOutsidePlanLimit)
	t.Run("RollRacingCreatesAtPlanLimit", s.rollRacingCreatesAtPlanLimit)
	t.Run("ConcurrentRollsOneWins", s.concurrentRollsOneWins)
}

func (s suite) rollKeyOK(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	k, _ := NewKey(u.ID, T0)
	k.Scopes = []string{"github"}
	exp := T0.Add(30 * time.Minute)
	k.ExpiresAt = &exp
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), withAttrs(k), nil, nil), "")
	before, _ := st.LastChange(t.Context())

	now := T0.Add(time.Minute + 300*time.Millisecond)
	nk, _ := NewKey(u.ID, now.Truncate(time.Second))
	nk.Name, nk.Scopes = "", nil // filled in by the roll
	old, err := st.RollKey(t.Context(), u.ID, k.ID, nk, nil, roll(time.Hour, now))
	wantCode(t, "RollKey", err, "")

	// The grace period would outlast the key: it keeps its own expiry.
	wantOld := *k
	wantOld.ReplacedBy = nk.ID
	wantKey(t, "RollKey result (old key)", old, &wantOld)
	stored, _ := st.KeyByID(t.Context(), u.ID, k.ID)
	wantKey(t, "old key after the roll", stored, &wantOld)

	wantNew := *nk
	wantNew.Name, wantNew.Scopes, wantNew.ExpiresAt = k.Name, k.Scopes, k.ExpiresAt
	wantNew.IPAllowlist, wantNew.RateLimit = k.IPAllowlist, k.RateLimit
	storedNew, err := st.KeyByID(t.Context(), u.ID, nk.ID)
	wantCode(t, "KeyByID(new key)", err, "")
	wantKey(t, "new key", storedNew, &wantNew)

	changes, _ := st.Changes(t.Context(), before, 10)
	if len(changes) != 1 || changes[0].KeyID != k.ID {
		t.Fatalf("Changes after RollKey: got %+v, want one change with KeyID %s", changes, k.ID)
	}
}

func (s suite) rollKeyGraceShortensExpiry(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	k := MustCreateKey(t, st, u, T0)
	now := T0.Add(time.Minute + 700*time.Millisecond)
	nk, _ := NewKey(u.ID, now)
	old, err := st.RollKey(t.Context(), u.ID, k.ID, nk, nil, roll(time.Hour, now))
	wantCode(t, "RollKey", err, "")
	if want := T0.Add(time.Hour + time.Minute); old.ExpiresAt == nil || !old.ExpiresAt.Equal(want) {
		t.Fatalf("old key's expires_at: got %s, want %s (now + grace, to the second)", timePtrString(old.ExpiresAt), timeString(want))
	}
	stored, _ := st.KeyByID(t.Context(), u.ID, nk.ID)
	if stored.ExpiresAt != nil {
		t.Fatalf("new key's expires_at: got %s, want null (copied from the old key)", timePtrString(stored.ExpiresAt))
	}
}

func (s suite) rollKeyErrConflictWritesNothing(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	k := MustCreateKey(t, st, u, T0)
	nk, _ := NewKey(u.ID, T0)
	_, err := st.RollKey(t.Context(), u.ID, k.ID, nk, nil, roll(0, T0))
	wantCode(t, "RollKey", err, "")
	before, _ := st.LastChange(t.Context())
	again, _ := NewKey(u.ID, T0)
	_, err = st.RollKey(t.Context(), u.ID, k.ID, again, nil, roll(0, T0.Add(-time.Hour)))
	wantCode(t, "RollKey(rolled key)", err, skillett.ECONFLICT)
	if _, err := st.KeyByID(t.Context(), u.ID, again.ID); skillett.ErrorCode(err) != skillett.ENOTFOUND {
		t.Fatalf("KeyByID(key of a refused roll): got %v, want not_found", err)
	}
	if last, _ := st.LastChange(t.Context()); last != before {
		t.Fatalf("LastChange after a refused roll: got %d, want %d", last, before)
	}
	mallory := MustCreateUser(t, st, "mallory@example.com", skillett.PlanPro)
	third, _ := NewKey(mallory.ID, T0)
	_, err = st.RollKey(t.Context(), mallory.ID, nk.ID, third, nil, roll(0, T0))
	wantCode(t, "RollKey(another user's key)", err, skillett.ENOTFOUND)
}

func (s suite) rolledKeyOutsidePlanLimit(t *testing.T) {
	// A Free user at the limit rolls its one key with a grace period:
	// both keys are active, and a create is still refused.
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	limits := skillett.DefaultPlanLimits()
	k, _ := NewKey(u.ID, T0)
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, limits, nil), "")
	nk, _ := NewKey(u.ID, T0)
	_, err := st.RollKey(t.Context(), u.ID, k.ID, nk, nil, roll(24*time.Hour, T0))
	wantCode(t, "RollKey at the plan limit", err, "")
	extra, _ := NewKey(u.ID, T0.Add(time.Second))
	wantCode(t, "CreateKey after the roll", st.CreateKey(t.Context(), extra, limits, nil), skillett.EPLANLIMIT)
}

func (s suite) rollRacingCreatesAtPlanLimit(t *testing.T) {
	// One roll and many creates at once for a Free user at the limit:
	// the roll succeeds, every create is refused, whichever commits
	// first.
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	limits := skillett.DefaultPlanLimits()
	k, _ := NewKey(u.ID, T0)
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, limits, nil), "")
	const n = 10
	errs := Race(n, func(i int) error {
		nk, _ := NewKey(u.ID, T0)
		if i == 0 {
			_, err := st.RollKey(t.Context(), u.ID, k.ID, nk, nil, roll(time.Hour, T0))
			return err
		}
		return st.CreateKey(t.Context(), nk, limits, nil)
	})
	wantCode(t, "the roll", errs[0], "")
	if ok, refused := CountCodes(t, errs[1:], skillett.EPLANLIMIT); ok != 0 || refused != n-1 {
		t.Fatalf("creates racing a roll at the limit: %d succeeded, %d refused; want 0 and %d", ok, refused, n-1)
	}
}

func (s suite) concurrentRollsOneWins(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	k := MustCreateKey(t, st, u, T0)
	const n = 10
	errs := Race(n, func(int) error {
		nk, _ := NewKey(u.ID, T0)
		_, err := st.RollKey(t.Context(), u.ID, k.ID, nk, nil, roll(time.Hour, T0))
		return err
	})
	if ok, conflict := CountCodes(t, errs, skillett.ECONFLICT); ok != 1 || conflict != n-1 {
		t.Fatalf("%d concurrent rolls: %d succeeded and %d got conflict, want 1 and %d", n, ok, conflict, n-1)
	}
	list, _ := st.ListKeys(t.Context(), u.ID)
	if len(list) != 2 {
		t.Fatalf("keys after %d concurrent rolls: got %d, want 2", n, len(list))
	}
}
