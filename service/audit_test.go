package service_test

import (
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/storetest"
)

func TestPruneAuditLog(t *testing.T) {
	clock := testclock.New(storetest.T0)
	svc, _ := newService(t, "", clock, func(c *service.Config) { c.AuditRetention = 48 * time.Hour })
	u := mustUser(t, svc, "ada@example.com", skillett.PlanPro) // user.signed_up at T0
	clock.Advance(24 * time.Hour)
	mustKey(t, svc, u, skillett.KeyRequest{Name: "a"}) // key.created at T0+24h
	clock.Advance(24*time.Hour + time.Second)          // the sign-up is now older than 48 h

	n, err := svc.PruneAuditLog(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("PruneAuditLog: got %d, %v; want 1 deleted", n, err)
	}
	events, _, err := svc.AuditLog(t.Context(), u.ID, 10, "")
	if err != nil || len(events) != 1 || events[0].Type != skillett.EventKeyCreated {
		t.Fatalf("after pruning: got %d events (%v), want the key.created alone", len(events), err)
	}
}

func TestReportLeaks(t *testing.T) {
	clock := testclock.New(storetest.T0)
	svc, _ := newService(t, "", clock)
	u := mustUser(t, svc, "ada@example.com", skillett.PlanPro)
	_, full := mustKey(t, svc, u, skillett.KeyRequest{Name: "a"})
	// Cached as valid before the report: the report must drop it at once.
	if v, err := svc.VerifyKey(t.Context(), full, ""); err != nil || !v.Valid() {
		t.Fatalf("VerifyKey before: got %v, %v", v.Outcome, err)
	}
	ours, err := svc.ReportLeaks(t.Context(), []service.LeakReport{{Token: "not a key"}, {Token: full, Source: "content"}})
	if err != nil || ours[0] || !ours[1] {
		t.Fatalf("ReportLeaks: got %v, %v; want [false true]", ours, err)
	}
	if v, err := svc.VerifyKey(t.Context(), full, ""); err != nil || v.Outcome != skillett.VerifyRevoked {
		t.Fatalf("VerifyKey after: got %v, %v; want revoked", v.Outcome, err)
	}
}
