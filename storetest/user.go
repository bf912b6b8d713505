package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

func userString(u *skillett.User) string {
	if u == nil {
		return "<nil>"
	}
	return fmt.Sprintf("{%s %s %s %q %s}", u.ID, u.Email, u.Plan, u.PasswordHash, timeString(u.CreatedAt))
}

func wantUser(t *testing.T, what string, got, want *skillett.User) {
	t.Helper()
	if g, w := userString(got), userString(want); g != w {
		t.Fatalf("%s: got %s, want %s", what, g, w)
	}
}

func (s suite) createUser(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := NewUser("ada@example.com", skillett.PlanPro)
		// Given in another zone with a fraction: stored to the second, returned in UTC.
		u.CreatedAt = T0.Add(1500 * time.Millisecond).In(time.FixedZone("CEST", 2*3600))
		wantCode(t, "CreateUser", st.CreateUser(t.Context(), u, nil), "")
		want := *u
		want.CreatedAt = T0.Add(time.Second)
		got, err := st.UserByEmail(t.Context(), u.Email)
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "UserByEmail", got, &want)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		st := s.open(t)
		first := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		dup := NewUser("ada@example.com", skillett.PlanPro)
		wantCode(t, "CreateUser(duplicate email)", st.CreateUser(t.Context(), dup, nil), skillett.ECONFLICT)
		got, err := st.UserByEmail(t.Context(), "ada@example.com")
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "UserByEmail", got, first)
	})
	t.Run("EmptyPasswordHash", func(t *testing.T) {
		st := s.open(t)
		u := NewUser("ada@example.com", skillett.PlanFree)
		u.PasswordHash = ""
		wantCode(t, "CreateUser", st.CreateUser(t.Context(), u, nil), "")
		got, err := st.UserByEmail(t.Context(), u.Email)
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "UserByEmail", got, u)
	})
}

func (s suite) userByEmail(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
		got, err := st.UserByEmail(t.Context(), "ada@example.com")
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "UserByEmail", got, u)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		got, err := st.UserByEmail(t.Context(), "nobody@example.com")
		wantCode(t, "UserByEmail", err, skillett.ENOTFOUND)
		if got != nil {
			t.Fatalf("UserByEmail: got %s, want nil", userString(got))
		}
	})
}

func (s suite) setUserPlan(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		other := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
		before, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")

		got, err := st.SetUserPlan(t.Context(), u.Email, skillett.PlanPro, nil)
		wantCode(t, "SetUserPlan", err, "")
		want := *u
		want.Plan = skillett.PlanPro
		wantUser(t, "SetUserPlan", got, &want)
		stored, err := st.UserByEmail(t.Context(), u.Email)
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "UserByEmail after SetUserPlan", stored, &want)
		unchanged, err := st.UserByEmail(t.Context(), other.Email)
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "other user after SetUserPlan", unchanged, other)

		changes, err := st.Changes(t.Context(), before, 10)
		wantCode(t, "Changes", err, "")
		if len(changes) != 1 || changes[0].UserID != u.ID || changes[0].KeyID != "" || changes[0].Seq <= before {
			t.Fatalf("Changes after SetUserPlan: got %+v, want one change with UserID %s after seq %d", changes, u.ID, before)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		_, err := st.SetUserPlan(t.Context(), "nobody@example.com", skillett.PlanPro, nil)
		wantCode(t, "SetUserPlan", err, skillett.ENOTFOUND)
		last, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")
		if last != 0 {
			t.Fatalf("LastChange after failed SetUserPlan: got %d, want 0", last)
		}
	})
}
