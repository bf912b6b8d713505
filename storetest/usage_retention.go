package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

// usageRetention checks DeleteUsageBefore: batches of at most limit rows,
// oldest days first, by the UTC day of the time given, and nothing of that
// day or later.
func (s suite) usageRetention(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	a, b := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
	var days []skillett.UsageDay
	for n := range 10 {
		days = append(days, skillett.UsageDay{KeyID: a.ID, Day: usageDay(n), Counts: skillett.UsageCounts{int64(n + 1)}})
		if n < 5 {
			days = append(days, skillett.UsageDay{KeyID: b.ID, Day: usageDay(n), Counts: skillett.UsageCounts{1}})
		}
	}
	wantCode(t, "AddUsage", st.AddUsage(t.Context(), days), "")

	// 19:30 on day 4 at UTC−5 is 00:30 on day 5 in UTC: days 0–4 go, 10 rows.
	cutoff := usageDay(5).Add(30 * time.Minute).In(time.FixedZone("UTC-5", -5*3600))
	n, err := st.DeleteUsageBefore(t.Context(), cutoff, 4)
	wantCode(t, "DeleteUsageBefore", err, "")
	if got := usageDays(t, st, a.ID); n != 4 || got != "[2 3 4 5 6 7 8 9]" {
		t.Fatalf("first batch: deleted %d, key a keeps days %s; want 4 deleted (days 0 and 1 of both keys), days [2 … 9] kept", n, got)
	}
	deleted := []int{n}
	for n == 4 {
		n, err = st.DeleteUsageBefore(t.Context(), cutoff, 4)
		wantCode(t, "DeleteUsageBefore", err, "")
		deleted = append(deleted, n)
	}
	if fmt.Sprint(deleted) != "[4 4 2]" {
		t.Fatalf("batches deleted: got %v, want [4 4 2]", deleted)
	}
	if got := usageDays(t, st, a.ID); got != "[5 6 7 8 9]" {
		t.Fatalf("key a keeps days %s, want [5 6 7 8 9]", got)
	}
	if got := usageDays(t, st, b.ID); got != "[]" {
		t.Fatalf("key b keeps days %s, want none", got)
	}
	kept, err := st.KeyUsage(t.Context(), a.ID, usageDay(5), usageDay(5))
	wantCode(t, "KeyUsage", err, "")
	if len(kept) != 1 || kept[0].Counts != (skillett.UsageCounts{6}) {
		t.Fatalf("day 5 of key a: got %v, want its counts untouched", kept)
	}
}

// usageDays returns the days (numbered as usageDay numbers them) with
// stored usage of the key, among days 0–9.
func usageDays(t *testing.T, st skillett.Store, keyID string) string {
	t.Helper()
	got, err := st.KeyUsage(t.Context(), keyID, usageDay(0), usageDay(9))
	wantCode(t, "KeyUsage", err, "")
	var days []int
	for _, d := range got {
		days = append(days, int(d.Day.Sub(usageDay(0))/(24*time.Hour)))
	}
	return fmt.Sprint(days)
}
