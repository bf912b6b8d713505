package service_test

import (
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/internal/testclock"
)

// BenchmarkVerifyCacheHit is the hot path of every authenticated request:
// shape and checksum, SHA-256, cache lookup, expiry check, usage record.
func BenchmarkVerifyCacheHit(b *testing.B) {
	svc, _ := newService(b, "", testclock.New(time.Now()))
	u, err := svc.CreateUser(b.Context(), "bench@example.com", "", skillett.PlanPro)
	if err != nil {
		b.Fatal(err)
	}
	_, full, err := svc.CreateKey(b.Context(), u.ID, skillett.KeyRequest{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if res, err := svc.VerifyKey(b.Context(), full, ""); err != nil || !res.Valid() {
		b.Fatal(res, err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res, _ := svc.VerifyKey(b.Context(), full, ""); !res.Valid() {
				b.Fatal(res.Outcome)
			}
		}
	})
}

// BenchmarkVerifyCacheHitSerial is the same on one goroutine.
func BenchmarkVerifyCacheHitSerial(b *testing.B) {
	svc, _ := newService(b, "", testclock.New(time.Now()))
	u, _ := svc.CreateUser(b.Context(), "bench@example.com", "", skillett.PlanPro)
	_, full, _ := svc.CreateKey(b.Context(), u.ID, skillett.KeyRequest{Name: "bench"})
	svc.VerifyKey(b.Context(), full, "")
	b.ReportAllocs()
	for b.Loop() {
		if res, _ := svc.VerifyKey(b.Context(), full, ""); !res.Valid() {
			b.Fatal(res.Outcome)
		}
	}
}
