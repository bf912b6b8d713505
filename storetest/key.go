package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

func timePtrString(t *time.Time) string {
	if t == nil {
		return "null"
	}
	return timeString(*t)
}

func keyString(k *skillett.Key) string {
	if k == nil {
		return "<nil>"
	}
	return fmt.Sprintf("{id=%s user=%s name=%q prefix=%s hash=%x scopes=%q created=%s expires=%s revoked=%s used=%s allow=%v limit=%v replaced_by=%q reason=%q}",
		k.ID, k.UserID, k.Name, k.Prefix, k.Hash[:6], k.Scopes, timeString(k.CreatedAt),
		timePtrString(k.ExpiresAt), timePtrString(k.RevokedAt), timePtrString(k.LastUsedAt),
		k.IPAllowlist, rateLimitString(k.RateLimit), k.ReplacedBy, k.RevocationReason)
}

func wantKey(t *testing.T, what string, got, want *skillett.Key) {
	t.Helper()
	if g, w := keyString(got), keyString(want); g != w {
		t.Fatalf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

// wantKeyIDs fails t unless keys have these ids, in this order.
func wantKeyIDs(t *testing.T, what string, keys []*skillett.Key, want ...string) {
	t.Helper()
	got := make([]string, len(keys))
	for i, k := range keys {
		got[i] = k.ID
	}
	if g, w := strings.Join(got, " "), strings.Join(want, " "); g != w {
		t.Fatalf("%s: got ids [%s], want [%s]", what, g, w)
	}
}

func (s suite) createKey(t *testing.T) {
	t.Run("OK", s.createKeyOK)
	t.Run("StoredToTheSecond", s.createKeyStoredToTheSecond)
	t.Run("ErrNotFound", s.createKeyErrNotFound)
	t.Run("ErrPlanLimit", s.createKeyErrPlanLimit)
	t.Run("Unlimited", s.createKeyUnlimited)
	t.Run("RevokedDoNotCount", s.createKeyRevokedDoNotCount)
	t.Run("ExpiredDoNotCount", s.createKeyExpiredDoNotCount)
	t.Run("LimitsHonoured", s.createKeyLimitsHonoured)
	t.Run("Concurrent", s.createKeyConcurrent)
}

func (s suite) createKeyOK(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	k, full := NewKey(u.ID, T0)
	k.Name = "CI · déploiement"
	k.Scopes = []string{"github", "slack"}
	k.ExpiresAt = ptr(T0.Add(30 * 24 * time.Hour))
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, limits, nil), "")

	gotK, gotU, err := st.KeyByHash(t.Context(), apikey.Hash(full))
	wantCode(t, "KeyByHash", err, "")
	wantKey(t, "KeyByHash", gotK, k)
	wantUser(t, "KeyByHash owner", gotU, u)
	keys, err := st.ListKeys(t.Context(), u.ID)
	wantCode(t, "ListKeys", err, "")
	if len(keys) != 1 {
		t.Fatalf("ListKeys: got %d keys, want 1", len(keys))
	}
	wantKey(t, "ListKeys", keys[0], k)
}

func (s suite) createKeyStoredToTheSecond(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	zone := time.FixedZone("EST", -5*3600)
	k, _ := NewKey(u.ID, T0.Add(700*time.Millisecond).In(zone))
	k.ExpiresAt = ptr(T0.Add(time.Hour + 300*time.Millisecond).In(zone))
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, limits, nil), "")
	want := *k
	want.CreatedAt, want.ExpiresAt = T0, ptr(T0.Add(time.Hour))
	gotK, _, err := st.KeyByHash(t.Context(), k.Hash)
	wantCode(t, "KeyByHash", err, "")
	wantKey(t, "KeyByHash", gotK, &want)
}

func (s suite) createKeyErrNotFound(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	st := s.open(t)
	k, _ := NewKey("usr_missing", T0)
	wantCode(t, "CreateKey(unknown user)", st.CreateKey(t.Context(), k, limits, nil), skillett.ENOTFOUND)
}

func (s suite) createKeyErrPlanLimit(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	first, _ := NewKey(u.ID, T0)
	wantCode(t, "CreateKey(first)", st.CreateKey(t.Context(), first, limits, nil), "")
	second, _ := NewKey(u.ID, T0.Add(time.Minute))
	wantCode(t, "CreateKey(second)", st.CreateKey(t.Context(), second, limits, nil), skillett.EPLANLIMIT)
	keys, err := st.ListKeys(t.Context(), u.ID)
	wantCode(t, "ListKeys", err, "")
	wantKeyIDs(t, "ListKeys", keys, first.ID)
	// Another user's keys do not count.
	other := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
	k, _ := NewKey(other.ID, T0)
	wantCode(t, "CreateKey(other user)", st.CreateKey(t.Context(), k, limits, nil), "")
}

func (s suite) createKeyUnlimited(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	for _, plan := range []skillett.Plan{skillett.PlanPro, skillett.PlanUnlimited} {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", plan)
		for i := range 5 {
			k, _ := NewKey(u.ID, T0)
			wantCode(t, fmt.Sprintf("%s: CreateKey %d", plan, i+1), st.CreateKey(t.Context(), k, limits, nil), "")
		}
	}
}

func (s suite) createKeyRevokedDoNotCount(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	first, _ := NewKey(u.ID, T0)
	wantCode(t, "CreateKey(first)", st.CreateKey(t.Context(), first, limits, nil), "")
	wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, first.ID, T0.Add(time.Minute), nil), "")
	second, _ := NewKey(u.ID, T0.Add(2*time.Minute))
	wantCode(t, "CreateKey(after revoke)", st.CreateKey(t.Context(), second, limits, nil), "")
}

func (s suite) createKeyExpiredDoNotCount(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	first, _ := NewKey(u.ID, T0)
	first.ExpiresAt = ptr(T0.Add(time.Hour))
	wantCode(t, "CreateKey(first)", st.CreateKey(t.Context(), first, limits, nil), "")
	early, _ := NewKey(u.ID, T0.Add(time.Hour-time.Second))
	wantCode(t, "CreateKey a second before the first expires", st.CreateKey(t.Context(), early, limits, nil), skillett.EPLANLIMIT)
	onTime, _ := NewKey(u.ID, T0.Add(time.Hour))
	wantCode(t, "CreateKey when the first expires", st.CreateKey(t.Context(), onTime, limits, nil), "")
}

func (s suite) createKeyLimitsHonoured(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	custom := skillett.PlanLimits{skillett.PlanFree: 3, skillett.PlanPro: 0}
	for i := range 3 {
		k, _ := NewKey(u.ID, T0)
		wantCode(t, fmt.Sprintf("CreateKey %d of 3", i+1), st.CreateKey(t.Context(), k, custom, nil), "")
	}
	k, _ := NewKey(u.ID, T0)
	wantCode(t, "CreateKey 4 of 3", st.CreateKey(t.Context(), k, custom, nil), skillett.EPLANLIMIT)

	pro := MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
	k, _ = NewKey(pro.ID, T0)
	wantCode(t, "CreateKey with limit 0", st.CreateKey(t.Context(), k, custom, nil), skillett.EPLANLIMIT)

	// A plan missing from the map has no maximum.
	unl := MustCreateUser(t, st, "cy@example.com", skillett.PlanUnlimited)
	for i := range 5 {
		k, _ := NewKey(unl.ID, T0)
		wantCode(t, fmt.Sprintf("CreateKey %d, plan not in the map", i+1), st.CreateKey(t.Context(), k, custom, nil), "")
	}
}

func (s suite) createKeyConcurrent(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	const n = 20
	errs := Race(n, func(int) error {
		k, _ := NewKey(u.ID, T0)
		return st.CreateKey(t.Context(), k, limits, nil)
	})
	if ok, limited := CountCodes(t, errs, skillett.EPLANLIMIT); ok != 1 || limited != n-1 {
		t.Fatalf("%d concurrent CreateKey on free: got %d created and %d refused, want 1 and %d", n, ok, limited, n-1)
	}
	keys, err := st.ListKeys(t.Context(), u.ID)
	wantCode(t, "ListKeys", err, "")
	if len(keys) != 1 {
		t.Fatalf("ListKeys: got %d keys, want 1", len(keys))
	}
}

func (s suite) listKeys(t *testing.T) {
	t.Run("Order", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		a := MustCreateKey(t, st, u, T0)
		b := MustCreateKey(t, st, u, T0.Add(time.Second))
		c := MustCreateKey(t, st, u, T0.Add(time.Second)) // same second as b, created later
		d := MustCreateKey(t, st, u, T0.Add(time.Second+900*time.Millisecond))
		e := MustCreateKey(t, st, u, T0.Add(-time.Hour)) // created last with an older time
		f := MustCreateKey(t, st, u, T0.Add(time.Hour))
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		wantKeyIDs(t, "ListKeys", keys, f.ID, d.ID, c.ID, b.ID, a.ID, e.ID)
	})
	t.Run("Empty", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		if keys == nil || len(keys) != 0 {
			t.Fatalf("ListKeys with no keys: got %#v, want an empty non-nil slice", keys)
		}
	})
	t.Run("OnlyOwn", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		other := MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
		mine := MustCreateKey(t, st, u, T0)
		MustCreateKey(t, st, other, T0.Add(time.Second))
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		wantKeyIDs(t, "ListKeys", keys, mine.ID)
	})
	t.Run("RevokedAndExpiredIncluded", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		limits := skillett.DefaultPlanLimits()
		expired, _ := NewKey(u.ID, T0)
		expired.ExpiresAt = ptr(T0.Add(time.Minute))
		wantCode(t, "CreateKey(expiring)", st.CreateKey(t.Context(), expired, limits, nil), "")
		revoked, _ := NewKey(u.ID, T0.Add(time.Hour))
		wantCode(t, "CreateKey(after expiry)", st.CreateKey(t.Context(), revoked, limits, nil), "")
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, revoked.ID, T0.Add(2*time.Hour), nil), "")
		active, _ := NewKey(u.ID, T0.Add(3*time.Hour))
		wantCode(t, "CreateKey(after revoke)", st.CreateKey(t.Context(), active, limits, nil), "")

		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		wantKeyIDs(t, "ListKeys", keys, active.ID, revoked.ID, expired.ID)
		revoked.RevokedAt, revoked.RevocationReason = ptr(T0.Add(2*time.Hour)), skillett.ReasonRevoked
		wantKey(t, "revoked key", keys[1], revoked)
		wantKey(t, "expired key", keys[2], expired)
	})
}

func (s suite) keyByHash(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		other := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
		k := MustCreateKey(t, st, u, T0)
		MustCreateKey(t, st, other, T0)
		gotK, gotU, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		wantKey(t, "KeyByHash", gotK, k)
		wantUser(t, "KeyByHash owner", gotU, u)
	})
	t.Run("OwnerPlanIsCurrent", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		k := MustCreateKey(t, st, u, T0)
		_, err := st.SetUserPlan(t.Context(), u.Email, skillett.PlanPro, nil)
		wantCode(t, "SetUserPlan", err, "")
		_, gotU, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		if gotU.Plan != skillett.PlanPro {
			t.Fatalf("KeyByHash owner plan: got %s, want %s", gotU.Plan, skillett.PlanPro)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		MustCreateKey(t, st, u, T0)
		k, _, err := st.KeyByHash(t.Context(), apikey.Hash(apikey.Generate()))
		wantCode(t, "KeyByHash(unknown)", err, skillett.ENOTFOUND)
		if k != nil {
			t.Fatalf("KeyByHash(unknown): got %s, want nil", keyString(k))
		}
	})
}

func (s suite) revokeKey(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		k := MustCreateKey(t, st, u, T0)
		other := MustCreateKey(t, st, u, T0)
		before, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")

		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k.ID, T0.Add(time.Hour+400*time.Millisecond), nil), "")
		got, _, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		k.RevokedAt, k.RevocationReason = ptr(T0.Add(time.Hour)), skillett.ReasonRevoked
		wantKey(t, "revoked key", got, k)
		got, _, err = st.KeyByHash(t.Context(), other.Hash)
		wantCode(t, "KeyByHash", err, "")
		wantKey(t, "other key", got, other)

		changes, err := st.Changes(t.Context(), before, 10)
		wantCode(t, "Changes", err, "")
		if len(changes) != 1 || changes[0].KeyID != k.ID || changes[0].UserID != "" {
			t.Fatalf("Changes after RevokeKey: got %+v, want one change with KeyID %s", changes, k.ID)
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		k := MustCreateKey(t, st, u, T0)
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k.ID, T0.Add(time.Hour), nil), "")
		wantCode(t, "RevokeKey again", st.RevokeKey(t.Context(), u.ID, k.ID, T0.Add(2*time.Hour), nil), "")
		got, _, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		if got.RevokedAt == nil || !got.RevokedAt.Equal(T0.Add(time.Hour)) {
			t.Fatalf("revoked_at after revoking twice: got %s, want %s", timePtrString(got.RevokedAt), timeString(T0.Add(time.Hour)))
		}
	})
	t.Run("ErrNotFoundOtherUser", func(t *testing.T) {
		st := s.open(t)
		owner := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		mallory := MustCreateUser(t, st, "mallory@example.com", skillett.PlanPro)
		k := MustCreateKey(t, st, owner, T0)
		wantCode(t, "RevokeKey(another user's key)", st.RevokeKey(t.Context(), mallory.ID, k.ID, T0.Add(time.Hour), nil), skillett.ENOTFOUND)
		got, _, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		wantKey(t, "key after another user's revoke", got, k)
		last, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")
		if last != 0 {
			t.Fatalf("LastChange after refused revoke: got %d, want 0", last)
		}
	})
	t.Run("ErrNotFoundUnknownID", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		MustCreateKey(t, st, u, T0)
		wantCode(t, "RevokeKey(unknown id)", st.RevokeKey(t.Context(), u.ID, "key_missing", T0, nil), skillett.ENOTFOUND)
	})
}

func (s suite) touchKeys(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		a, b, c := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
		err := st.TouchKeys(t.Context(), map[string]time.Time{
			a.ID: T0.Add(time.Minute),
			b.ID: T0.Add(2*time.Minute + 999*time.Millisecond),
		})
		wantCode(t, "TouchKeys", err, "")
		a.LastUsedAt, b.LastUsedAt = ptr(T0.Add(time.Minute)), ptr(T0.Add(2*time.Minute))
		for _, want := range []*skillett.Key{a, b, c} {
			got, _, err := st.KeyByHash(t.Context(), want.Hash)
			wantCode(t, "KeyByHash", err, "")
			wantKey(t, "after TouchKeys", got, want)
		}
	})
	t.Run("NeverBackwards", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		a, b := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
		wantCode(t, "TouchKeys", st.TouchKeys(t.Context(), map[string]time.Time{a.ID: T0.Add(time.Hour), b.ID: T0.Add(time.Hour)}), "")
		wantCode(t, "TouchKeys", st.TouchKeys(t.Context(), map[string]time.Time{a.ID: T0.Add(time.Minute), b.ID: T0.Add(2 * time.Hour)}), "")
		for key, want := range map[*skillett.Key]time.Time{a: T0.Add(time.Hour), b: T0.Add(2 * time.Hour)} {
			got, _, err := st.KeyByHash(t.Context(), key.Hash)
			wantCode(t, "KeyByHash", err, "")
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(want) {
				t.Fatalf("last_used_at: got %s, want %s", timePtrString(got.LastUsedAt), timeString(want))
			}
		}
	})
	t.Run("UnknownAndEmpty", func(t *testing.T) {
		st := s.open(t)
		wantCode(t, "TouchKeys(unknown id)", st.TouchKeys(t.Context(), map[string]time.Time{"key_missing": T0}), "")
		wantCode(t, "TouchKeys(empty)", st.TouchKeys(t.Context(), map[string]time.Time{}), "")
		wantCode(t, "TouchKeys(nil)", st.TouchKeys(t.Context(), nil), "")
	})
}
