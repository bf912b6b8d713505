package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

// usageDay is day n of the usage tests, counted from 2026-04-08 (T0's day).
func usageDay(n int) time.Time { return time.Date(2026, 4, 8+n, 0, 0, 0, 0, time.UTC) }

func (s suite) usage(t *testing.T) {
	t.Run("AddsUp", s.usageAddsUp)
	t.Run("Empty", s.usageEmpty)
	t.Run("ConcurrentAdds", s.usageConcurrentAdds)
}

func (s suite) usageAddsUp(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	a, b := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
	wantCode(t, "AddUsage", st.AddUsage(t.Context(), []skillett.UsageDay{
		{KeyID: a.ID, Day: usageDay(0), Counts: skillett.UsageCounts{1, 2, 3, 4, 5, 6}},
		{KeyID: a.ID, Day: usageDay(2), Counts: skillett.UsageCounts{10}},
		{KeyID: b.ID, Day: usageDay(0), Counts: skillett.UsageCounts{0, 0, 0, 0, 0, 7}},
	}), "")
	wantCode(t, "AddUsage", st.AddUsage(t.Context(), []skillett.UsageDay{
		{KeyID: a.ID, Day: usageDay(0), Counts: skillett.UsageCounts{100, 0, 0, 0, 0, 1}},
	}), "")
	got, err := st.KeyUsage(t.Context(), a.ID, usageDay(0), usageDay(2))
	wantCode(t, "KeyUsage", err, "")
	want := []skillett.UsageDay{
		{KeyID: a.ID, Day: usageDay(0), Counts: skillett.UsageCounts{101, 2, 3, 4, 5, 7}},
		{KeyID: a.ID, Day: usageDay(2), Counts: skillett.UsageCounts{10}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("KeyUsage:\ngot  %v\nwant %v", got, want)
	}
	got, err = st.KeyUsage(t.Context(), a.ID, usageDay(1), usageDay(1))
	wantCode(t, "KeyUsage", err, "")
	if len(got) != 0 {
		t.Fatalf("KeyUsage of a day without uses: got %v, want none", got)
	}
	totals, err := st.UsageTotals(t.Context(), u.ID, usageDay(0), usageDay(1))
	wantCode(t, "UsageTotals", err, "")
	if fmt.Sprint(totals[a.ID]) != fmt.Sprint(skillett.UsageCounts{101, 2, 3, 4, 5, 7}) || totals[b.ID].Total() != 7 || len(totals) != 2 {
		t.Fatalf("UsageTotals over days 0–1: got %v", totals)
	}
	other := MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
	totals, err = st.UsageTotals(t.Context(), other.ID, usageDay(0), usageDay(2))
	wantCode(t, "UsageTotals", err, "")
	if len(totals) != 0 {
		t.Fatalf("UsageTotals of a user without keys: got %v", totals)
	}
}

func (s suite) usageEmpty(t *testing.T) {
	st := s.open(t)
	wantCode(t, "AddUsage(nil)", st.AddUsage(t.Context(), nil), "")
	got, err := st.KeyUsage(t.Context(), "key_missing", usageDay(0), usageDay(30))
	wantCode(t, "KeyUsage(unknown key)", err, "")
	if len(got) != 0 {
		t.Fatalf("KeyUsage of an unknown key: got %v", got)
	}
}

func (s suite) usageConcurrentAdds(t *testing.T) {
	// Two processes' flushes racing on the same rows lose nothing.
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	a, b := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
	errs := Race(8, func(i int) error {
		rows := []skillett.UsageDay{{KeyID: a.ID, Day: usageDay(0), Counts: skillett.UsageCounts{1}}, {KeyID: b.ID, Day: usageDay(0), Counts: skillett.UsageCounts{0, 1}}}
		if i%2 == 1 {
			rows[0], rows[1] = rows[1], rows[0]
		}
		return st.AddUsage(t.Context(), rows)
	})
	for _, err := range errs {
		wantCode(t, "AddUsage", err, "")
	}
	totals, err := st.UsageTotals(t.Context(), u.ID, usageDay(0), usageDay(0))
	wantCode(t, "UsageTotals", err, "")
	if totals[a.ID][0] != 8 || totals[b.ID][1] != 8 {
		t.Fatalf("after 8 concurrent adds: got %v, want 8 each", totals)
	}
}
