// Package testserver starts the whole HTTP service for tests: a real
// server on loopback over a real SQLite file, with a fake clock, cheap
// password hashing, background work that only runs when the test asks,
// and captured JSON logs.
package testserver

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/internal/syncbuf"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/sqlite"
)

// T0 is the fake clock's start.
var T0 = time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)

// Server is a running service.
type Server struct {
	*httptest.Server
	Service *service.Service
	Store   *sqlite.Store
	Clock   *testclock.Clock
	Logs    *syncbuf.Buffer
	Logger  *slog.Logger
}

// New starts a server. configure, if not nil, may change the service's
// config before it starts; api, if not nil, the server's options (their
// Service already set) before it is built. Everything stops when t ends.
func New(t testing.TB, configure func(*service.Config), api func(*httpapi.Options)) *Server {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: st, Clock: testclock.New(T0), Logs: &syncbuf.Buffer{}}
	s.Logger = slog.New(slog.NewJSONHandler(s.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	metrics := httpapi.NewMetrics()
	cfg := service.Config{
		Store:              st,
		Now:                s.Clock.Now,
		Logger:             s.Logger,
		Password:           service.PasswordParams{Memory: 64, Time: 1, Threads: 1},
		ChangePollInterval: time.Hour,
		UsageFlushInterval: time.Hour,
		OnVerify:           metrics.ObserveVerification,
	}
	if configure != nil {
		configure(&cfg)
	}
	s.Service = service.New(cfg)
	if err := s.Service.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	o := httpapi.Options{Service: s.Service, Logger: s.Logger, Metrics: metrics}
	if api != nil {
		api(&o)
	}
	s.Server = httptest.NewServer(httpapi.NewServer(o))
	t.Cleanup(func() {
		s.Server.Close()
		s.Service.Close(context.Background())
		st.Close()
	})
	return s
}
