package postgres_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/postgres"
	"github.com/skillett/skillett/postgres/pgtest"
	"github.com/skillett/skillett/storetest"
)

// testOptions keep pools small: many tests, and other packages' tests, share
// the server's connections.
var testOptions = postgres.Options{MaxConns: 4}

// MustOpen opens a store on dsn and closes it when the test ends. Each call
// has a pool of its own, as a separate process would.
func MustOpen(tb testing.TB, dsn string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(tb.Context(), dsn, testOptions)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) skillett.Store {
		return MustOpen(t, pgtest.NewDatabase(t))
	})
}

func TestOpen(t *testing.T) {
	t.Run("MigrateIdempotent", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		s := MustOpen(t, dsn)
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again: got %v, want nil", err)
		}
		s2 := MustOpen(t, dsn)
		var n int
		if err := s2.Pool().QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob("migration/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		if n != len(files) {
			t.Fatalf("schema_migrations: got %d rows, want %d (one per migration file)", n, len(files))
		}
	})
	t.Run("ConcurrentMigrate", func(t *testing.T) {
		// Eight processes starting at once on a new database.
		dsn := pgtest.NewDatabase(t)
		const n = 8
		stores := make([]*postgres.Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2}) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open %d: got %v, want nil", i, err)
				continue
			}
			t.Cleanup(func() { stores[i].Close() })
		}
		if t.Failed() {
			return
		}
		u := storetest.MustCreateUser(t, stores[0], "ada@example.com", skillett.PlanFree)
		if _, err := stores[n-1].UserByEmail(t.Context(), u.Email); err != nil {
			t.Fatalf("UserByEmail through another store: got %v, want nil", err)
		}
	})
	t.Run("Defaults", func(t *testing.T) {
		s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t), postgres.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		cfg := s.Pool().Config()
		if cfg.MaxConns != postgres.DefaultMaxConns || cfg.ConnConfig.ConnectTimeout != postgres.DefaultConnectTimeout {
			t.Errorf("MaxConns, ConnectTimeout: got %d, %v, want %d, %v", cfg.MaxConns, cfg.ConnConfig.ConnectTimeout,
				postgres.DefaultMaxConns, postgres.DefaultConnectTimeout)
		}
		wantSetting(t, s, "statement_timeout", "5s")
	})
	t.Run("OptionsWin", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t) + "&statement_timeout=1000&connect_timeout=9&pool_max_conns=7"
		s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 3, ConnectTimeout: 2 * time.Second, StatementTimeout: 1500 * time.Millisecond})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		cfg := s.Pool().Config()
		if cfg.MaxConns != 3 || cfg.ConnConfig.ConnectTimeout != 2*time.Second {
			t.Errorf("MaxConns, ConnectTimeout: got %d, %v, want 3, 2s", cfg.MaxConns, cfg.ConnConfig.ConnectTimeout)
		}
		wantSetting(t, s, "statement_timeout", "1500ms")
	})
	t.Run("DSNOverDefaults", func(t *testing.T) {
		dsn := strings.Replace(pgtest.NewDatabase(t), "postgres://", "postgresql://", 1) +
			"&statement_timeout=1000&connect_timeout=9&pool_max_conns=7"
		s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		cfg := s.Pool().Config()
		if cfg.MaxConns != 7 || cfg.ConnConfig.ConnectTimeout != 9*time.Second {
			t.Errorf("MaxConns, ConnectTimeout: got %d, %v, want 7, 9s", cfg.MaxConns, cfg.ConnConfig.ConnectTimeout)
		}
		wantSetting(t, s, "statement_timeout", "1s")
	})
	t.Run("ErrUnreachable", func(t *testing.T) {
		_, err := postgres.Open(t.Context(), "postgres://nobody:secret@127.0.0.1:1/x", postgres.Options{ConnectTimeout: time.Second})
		if err == nil {
			t.Fatal("Open: got nil, want an error")
		}
		if msg := err.Error(); strings.Contains(msg, "secret") || strings.Contains(msg, "\n") {
			t.Fatalf("Open: got error %q, want one line without the password", msg)
		}
	})
	t.Run("ErrBadDSN", func(t *testing.T) {
		if _, err := postgres.Open(t.Context(), "postgres://nobody:secret@127.0.0.1:5432/x?pool_max_conns=many", postgres.Options{}); err == nil {
			t.Fatal("Open: got nil, want an error")
		} else if strings.Contains(err.Error(), "secret") {
			t.Fatalf("Open error shows the password: %v", err)
		}
	})
}

func wantSetting(t *testing.T, s *postgres.Store, name, want string) {
	t.Helper()
	var got string
	if err := s.Pool().QueryRow(t.Context(), `SELECT current_setting($1)`, name).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s: got %s, want %s", name, got, want)
	}
}

// TestAcrossProcesses runs the races of the plan limit and of login
// throttling through two pools, as two server processes would.
func TestAcrossProcesses(t *testing.T) {
	t.Run("CreateKeyPlanLimit", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		a, b := MustOpen(t, dsn), MustOpen(t, dsn)
		u := storetest.MustCreateUser(t, a, "ada@example.com", skillett.PlanFree)
		const n = 200
		errs := storetest.Race(n, func(i int) error {
			st := []*postgres.Store{a, b}[i%2]
			k, _ := storetest.NewKey(u.ID, storetest.T0)
			return st.CreateKey(t.Context(), k, skillett.DefaultPlanLimits(), nil)
		})
		if ok, limited := storetest.CountCodes(t, errs, skillett.EPLANLIMIT); ok != 1 || limited != n-1 {
			t.Fatalf("%d concurrent CreateKey on free through two pools: got %d created and %d refused, want 1 and %d", n, ok, limited, n-1)
		}
		keys, err := b.ListKeys(t.Context(), u.ID)
		if err != nil || len(keys) != 1 {
			t.Fatalf("ListKeys: got %d keys, %v, want 1 key", len(keys), err)
		}
	})
	t.Run("ReserveLoginAttempt", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		a, b := MustOpen(t, dsn), MustOpen(t, dsn)
		const n, max = 60, 10
		errs := storetest.Race(n, func(i int) error {
			st := []*postgres.Store{a, b}[i%2]
			return st.ReserveLoginAttempt(t.Context(), "ada@example.com", storetest.T0, 15*time.Minute, max)
		})
		if ok, limited := storetest.CountCodes(t, errs, skillett.ERATELIMITED); ok != max || limited != n-max {
			t.Fatalf("%d concurrent attempts through two pools: got %d reserved and %d rate limited, want %d and %d", n, ok, limited, max, n-max)
		}
	})
	t.Run("ChangesInOrder", func(t *testing.T) {
		// A reader that remembers the last seq it saw must miss no change
		// while other processes revoke keys concurrently.
		dsn := pgtest.NewDatabase(t)
		a, b, reader := MustOpen(t, dsn), MustOpen(t, dsn), MustOpen(t, dsn)
		u := storetest.MustCreateUser(t, a, "ada@example.com", skillett.PlanPro)
		const n = 200
		keys := make([]*skillett.Key, n)
		for i := range keys {
			keys[i] = storetest.MustCreateKey(t, a, u, storetest.T0)
		}

		ctx, cancel := context.WithCancel(t.Context())
		seen := map[string]bool{}
		var (
			seq     int64
			readErr error
			done    = make(chan struct{})
		)
		go func() { // polls as fast as it can until told to catch up and stop
			defer close(done)
			for {
				stopping := ctx.Err() != nil
				changes, err := reader.Changes(context.Background(), seq, 1000)
				if err != nil {
					readErr = err
					return
				}
				for _, c := range changes {
					seen[c.KeyID] = true
					seq = c.Seq
				}
				if stopping && len(changes) == 0 {
					return
				}
			}
		}()
		errs := storetest.Race(n, func(i int) error {
			st := []*postgres.Store{a, b}[i%2]
			return st.RevokeKey(t.Context(), u.ID, keys[i].ID, storetest.T0, nil)
		})
		cancel()
		<-done
		storetest.CountCodes(t, errs, "")
		if readErr != nil {
			t.Fatalf("Changes: %v", readErr)
		}
		missed := 0
		for _, k := range keys {
			if !seen[k.ID] {
				missed++
			}
		}
		if missed > 0 {
			t.Fatalf("the reader missed %d of %d changes", missed, n)
		}
	})
}

// recv waits up to d for a value on ch and reports whether one came (false
// also when ch is closed).
func recv(ch <-chan struct{}, d time.Duration) bool {
	select {
	case _, ok := <-ch:
		return ok
	case <-time.After(d):
		return false
	}
}

// drain empties ch of a pending value.
func drain(ch <-chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

func TestChangeNotifications(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		listener, writer := MustOpen(t, dsn), MustOpen(t, dsn)
		u := storetest.MustCreateUser(t, writer, "ada@example.com", skillett.PlanPro)
		k := storetest.MustCreateKey(t, writer, u, storetest.T0)

		ch := listener.ChangeNotifications(t.Context())
		if !recv(ch, 5*time.Second) {
			t.Fatal("no value once listening")
		}
		if recv(ch, 100*time.Millisecond) {
			t.Fatal("a value without a change")
		}
		if err := writer.RevokeKey(t.Context(), u.ID, k.ID, storetest.T0, nil); err != nil {
			t.Fatal(err)
		}
		if !recv(ch, time.Second) {
			t.Fatal("no value within 1s of RevokeKey through another pool")
		}
		if _, err := writer.SetUserPlan(t.Context(), u.Email, skillett.PlanFree, nil); err != nil {
			t.Fatal(err)
		}
		if !recv(ch, time.Second) {
			t.Fatal("no value within 1s of SetUserPlan through another pool")
		}
	})
	t.Run("NoValueOnRollback", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		st := MustOpen(t, dsn)
		ch := st.ChangeNotifications(t.Context())
		if !recv(ch, 5*time.Second) {
			t.Fatal("no value once listening")
		}
		// An unknown key: RevokeKey fails before it records anything.
		if err := st.RevokeKey(t.Context(), "usr_x", "key_missing", storetest.T0, nil); skillett.ErrorCode(err) != skillett.ENOTFOUND {
			t.Fatalf("RevokeKey: got %v, want not_found", err)
		}
		if recv(ch, 300*time.Millisecond) {
			t.Fatal("a value for a change that was not made")
		}
	})
	t.Run("ClosedWhenContextEnds", func(t *testing.T) {
		st := MustOpen(t, pgtest.NewDatabase(t))
		ctx, cancel := context.WithCancel(t.Context())
		ch := st.ChangeNotifications(ctx)
		recv(ch, 5*time.Second)
		cancel()
		waitClosed(t, ch)
	})
	t.Run("ClosedWhenStoreCloses", func(t *testing.T) {
		st, err := postgres.Open(t.Context(), pgtest.NewDatabase(t), testOptions)
		if err != nil {
			t.Fatal(err)
		}
		ch := st.ChangeNotifications(t.Context())
		recv(ch, 5*time.Second)
		st.Close()
		waitClosed(t, ch)
	})
	t.Run("Reconnects", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		listener, writer := MustOpen(t, dsn), MustOpen(t, dsn)
		u := storetest.MustCreateUser(t, writer, "ada@example.com", skillett.PlanPro)
		k := storetest.MustCreateKey(t, writer, u, storetest.T0)
		ch := listener.ChangeNotifications(t.Context())
		if !recv(ch, 5*time.Second) {
			t.Fatal("no value once listening")
		}

		// Kill the listener's connection, as a restarting server or a
		// network failure would.
		var killed int
		if err := writer.Pool().QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name LIKE '%-listen'`).Scan(&killed); err != nil {
			t.Fatal(err)
		}
		if killed != 1 {
			t.Fatalf("terminated %d listener connections, want 1", killed)
		}
		if !recv(ch, 5*time.Second) {
			t.Fatal("no value after reconnecting")
		}
		drain(ch)
		if err := writer.RevokeKey(t.Context(), u.ID, k.ID, storetest.T0, nil); err != nil {
			t.Fatal(err)
		}
		if !recv(ch, time.Second) {
			t.Fatal("no value within 1s of RevokeKey after reconnecting")
		}
	})
}

func waitClosed(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("channel not closed within 5s")
		}
	}
}
