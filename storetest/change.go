package storetest

import (
	"testing"

	"github.com/skillett/skillett"
)

func (s suite) changes(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		st := s.open(t)
		last, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")
		if last != 0 {
			t.Fatalf("LastChange of an empty log: got %d, want 0", last)
		}
		changes, err := st.Changes(t.Context(), 0, 10)
		wantCode(t, "Changes", err, "")
		if len(changes) != 0 {
			t.Fatalf("Changes of an empty log: got %+v, want none", changes)
		}
	})
	t.Run("Order", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		k1, k2 := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k1.ID, T0, nil), "")
		_, err := st.SetUserPlan(t.Context(), u.Email, skillett.PlanFree, nil)
		wantCode(t, "SetUserPlan", err, "")
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k2.ID, T0, nil), "")

		all, err := st.Changes(t.Context(), 0, 10)
		wantCode(t, "Changes", err, "")
		want := []skillett.Change{{KeyID: k1.ID}, {UserID: u.ID}, {KeyID: k2.ID}}
		if len(all) != len(want) {
			t.Fatalf("Changes(0, 10): got %+v, want %d entries", all, len(want))
		}
		for i := range all {
			if all[i].KeyID != want[i].KeyID || all[i].UserID != want[i].UserID || (i > 0 && all[i].Seq <= all[i-1].Seq) {
				t.Fatalf("Changes(0, 10): got %+v, want %+v in order with increasing seq", all, want)
			}
		}
		last, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")
		if last != all[2].Seq {
			t.Fatalf("LastChange: got %d, want %d", last, all[2].Seq)
		}

		after, err := st.Changes(t.Context(), all[0].Seq, 10)
		wantCode(t, "Changes", err, "")
		if len(after) != 2 || after[0] != all[1] || after[1] != all[2] {
			t.Fatalf("Changes(after first): got %+v, want %+v", after, all[1:])
		}
		limited, err := st.Changes(t.Context(), 0, 2)
		wantCode(t, "Changes", err, "")
		if len(limited) != 2 || limited[0] != all[0] || limited[1] != all[1] {
			t.Fatalf("Changes(0, 2): got %+v, want %+v", limited, all[:2])
		}
		none, err := st.Changes(t.Context(), last, 10)
		wantCode(t, "Changes", err, "")
		if len(none) != 0 {
			t.Fatalf("Changes(last): got %+v, want none", none)
		}
	})
}
