package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/internal/testclock"
)

var addedUsage struct {
	sync.Mutex
	rows map[*countingStore][][]skillett.UsageDay
}

func (s *countingStore) AddUsage(ctx context.Context, days []skillett.UsageDay) error {
	addedUsage.Lock()
	if addedUsage.rows == nil {
		addedUsage.rows = map[*countingStore][][]skillett.UsageDay{}
	}
	addedUsage.rows[s] = append(addedUsage.rows[s], days)
	addedUsage.Unlock()
	return s.Store.AddUsage(ctx, days)
}

func (s *countingStore) usageBatches() [][]skillett.UsageDay {
	addedUsage.Lock()
	defer addedUsage.Unlock()
	return addedUsage.rows[s]
}

func usageString(days []skillett.UsageDay) string {
	s := ""
	for _, d := range days {
		s += fmt.Sprintf("%s%v ", d.Day.Format("01-02"), d.Counts)
	}
	return s
}

// Every verification of a key that exists is counted by UTC day and
// outcome; flushes write one row per key and day.
func TestUsageCounts(t *testing.T) {
	clock := testclock.New(time.Date(2026, 4, 8, 23, 59, 58, 0, time.UTC))
	svc, st := newService(t, "", clock)
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	k, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "gh", Scopes: []string{"github"}})
	for range 500 {
		verify(t, svc, full, "github")
	}
	verify(t, svc, full, "slack")
	verify(t, svc, neverIssued(), "")
	verify(t, svc, "sk_nonsense", "")
	clock.Advance(3 * time.Second) // the next UTC day
	verify(t, svc, full, "")
	if err := svc.RevokeKey(t.Context(), u.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	verify(t, svc, full, "")
	verify(t, svc, full, "")
	if err := svc.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	batches := st.usageBatches()
	if len(batches) != 1 || len(batches[0]) != 2 {
		t.Fatalf("AddUsage calls after one flush: %v, want one batch of 2 rows (one per key and day)", batches)
	}
	got, err := svc.KeyUsage(t.Context(), u.ID, k.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	// valid, rate_limited, insufficient_scope, ip_not_allowed, revoked, expired
	want := "04-07[0 0 0 0 0 0] 04-08[500 0 1 0 0 0] 04-09[1 0 0 0 2 0] "
	if usageString(got) != want {
		t.Fatalf("KeyUsage(3 days):\ngot  %s\nwant %s", usageString(got), want)
	}

	// Counts add up across flushes; nothing is written when nothing happened.
	verify(t, svc, full, "")
	if err := svc.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := svc.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(st.usageBatches()); n != 2 {
		t.Fatalf("AddUsage calls after three flushes, the last with nothing to write: %d, want 2", n)
	}
	got, _ = svc.KeyUsage(t.Context(), u.ID, k.ID, 1)
	if want := "04-09[1 0 0 0 3 0] "; usageString(got) != want {
		t.Fatalf("KeyUsage(1 day): got %s, want %s", usageString(got), want)
	}
}

func TestKeyUsageRules(t *testing.T) {
	svc, _ := newService(t, "", testclock.New(t0))
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	other := mustUser(t, svc, "b@example.com", skillett.PlanPro)
	k, _ := mustKey(t, svc, u, skillett.KeyRequest{Name: "k"})
	for _, days := range []int{0, -1, 91} {
		if _, err := svc.KeyUsage(t.Context(), u.ID, k.ID, days); skillett.ErrorCode(err) != skillett.EINVALID {
			t.Errorf("KeyUsage(days=%d): got %v, want EINVALID", days, err)
		}
	}
	for _, c := range []struct{ user, key string }{{other.ID, k.ID}, {u.ID, "key_missing"}} {
		if _, err := svc.KeyUsage(t.Context(), c.user, c.key, 30); skillett.ErrorCode(err) != skillett.ENOTFOUND {
			t.Errorf("KeyUsage(%s of %s): got %v, want ENOTFOUND", c.key, c.user, err)
		}
	}
	got, err := svc.KeyUsage(t.Context(), u.ID, k.ID, 90)
	if err != nil || len(got) != 90 || !got[89].Day.Equal(time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC)) || !got[0].Day.Equal(time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("KeyUsage(90 days) of an unused key: %d entries from %v to %v, %v; want 90 from 2026-01-09 to 2026-04-08", len(got), got[0].Day, got[len(got)-1].Day, err)
	}
}

// Counts of uses racing with flushes are never lost nor counted twice.
func TestUsageCountsRacingFlushes(t *testing.T) {
	svc, _ := newService(t, "", testclock.New(t0))
	u := mustUser(t, svc, "a@example.com", skillett.PlanPro)
	k, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "k"})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 250 {
				verify(t, svc, full, "")
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if err := svc.FlushUsage(t.Context()); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if err := svc.Close(t.Context()); err != nil { // flushes the rest
		t.Fatal(err)
	}
	got, _ := svc.KeyUsage(t.Context(), u.ID, k.ID, 1)
	if got[0].Counts[0] != 2000 {
		t.Fatalf("valid uses counted after 2 000 uses racing 20 flushes and a close: %d", got[0].Counts[0])
	}
}
