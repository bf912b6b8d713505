package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/sqlite"
)

// benchHandler is the whole handler stack over SQLite, logging as in
// production (to a discarded writer), with one key created.
func benchHandler(b *testing.B) (http.Handler, string) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	metrics := httpapi.NewMetrics()
	svc := service.New(service.Config{Store: st, Logger: log, OnVerify: metrics.ObserveVerification})
	if err := svc.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close(context.Background()); st.Close() })
	u, err := svc.CreateUser(b.Context(), "bench@example.com", "", skillett.PlanPro)
	if err != nil {
		b.Fatal(err)
	}
	_, full, err := svc.CreateKey(b.Context(), u.ID, skillett.KeyRequest{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return httpapi.NewServer(httpapi.Options{Service: svc, Logger: log, Metrics: metrics}), full
}

func benchRequests(b *testing.B, h http.Handler, path, key string) {
	b.ReportAllocs()
	cpu0 := processCPU()
	defer func() { b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op") }()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
			}
		}
	})
}

// processCPU is the CPU time this process has used, in nanoseconds: per
// op, what a shared machine's other load disturbs least.
func processCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkStack compares an authenticated GET /me with an unauthenticated
// GET /healthz through the same stack: routing, logging, metrics and, for
// /me, key verification on a cache hit and the JSON answer.
func BenchmarkStack(b *testing.B) {
	h, full := benchHandler(b)
	b.Run("healthz", func(b *testing.B) { benchRequests(b, h, "/healthz", "") })
	b.Run("me_authenticated", func(b *testing.B) { benchRequests(b, h, "/me", full) })
}
