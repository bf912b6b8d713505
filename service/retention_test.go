package service_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/storetest"
)

// PruneUsage keeps the 90 days GET /api-keys/{id}/usage reads and two
// more, deleting older rows in batches, whatever the audit retention.
func TestPruneUsage(t *testing.T) {
	clock := testclock.New(storetest.T0) // 10:00 UTC on day 0
	svc, st := newService(t, "", clock, func(c *service.Config) { c.AuditRetention = -1 })
	u := mustUser(t, svc, "ada@example.com", skillett.PlanPro)
	k, _ := mustKey(t, svc, u, skillett.KeyRequest{Name: "a"})
	day := func(n int) time.Time { return time.Date(2026, 4, 8+n, 0, 0, 0, 0, time.UTC) }
	rows := []skillett.UsageDay{
		{KeyID: k.ID, Day: day(-92), Counts: skillett.UsageCounts{1}},
		{KeyID: k.ID, Day: day(-91), Counts: skillett.UsageCounts{2}},
		{KeyID: k.ID, Day: day(-89), Counts: skillett.UsageCounts{3}},
		{KeyID: k.ID, Day: day(0), Counts: skillett.UsageCounts{4}},
	}
	// More old rows than one batch deletes.
	for i := range 1100 {
		for _, n := range []int{-93, -92} {
			rows = append(rows, skillett.UsageDay{KeyID: fmt.Sprintf("key_other%d", i), Day: day(n), Counts: skillett.UsageCounts{1}})
		}
	}
	if err := st.Store.AddUsage(t.Context(), rows); err != nil {
		t.Fatal(err)
	}

	n, err := svc.PruneUsage(t.Context())
	if err != nil || n != 2201 {
		t.Fatalf("PruneUsage: got %d, %v; want 2201 rows deleted (days −93 and −92)", n, err)
	}
	stored, err := st.Store.KeyUsage(t.Context(), k.ID, day(-100), day(0))
	if err != nil {
		t.Fatal(err)
	}
	if got := usageString(stored); got != "01-07[2 0 0 0 0 0] 01-09[3 0 0 0 0 0] 04-08[4 0 0 0 0 0] " {
		t.Fatalf("stored after pruning: got %s, want days −91, −89 and 0", got)
	}
	read, err := svc.KeyUsage(t.Context(), u.ID, k.ID, service.MaxUsageDays)
	if err != nil {
		t.Fatal(err)
	}
	if read[0].Day != day(-89) || read[0].Counts.Total() != 3 || read[89].Counts.Total() != 4 {
		t.Fatalf("KeyUsage over %d days: got %s … %s", service.MaxUsageDays, usageString(read[:1]), usageString(read[89:]))
	}
	if n, err := svc.PruneUsage(t.Context()); err != nil || n != 0 {
		t.Fatalf("PruneUsage again: got %d, %v; want nothing to delete", n, err)
	}
}

// The retention loop that Start runs prunes usage counts too.
func TestPruneUsageOnStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	clock := testclock.New(storetest.T0)
	first, st := newService(t, path, clock)
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := st.Store.AddUsage(t.Context(), []skillett.UsageDay{{KeyID: "key_old", Day: old, Counts: skillett.UsageCounts{1}}}); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, st = newService(t, path, clock)
	for deadline := time.Now().Add(10 * time.Second); ; {
		rows, err := st.Store.KeyUsage(t.Context(), "key_old", old, old)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the old usage row is still there 10 s after Start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
