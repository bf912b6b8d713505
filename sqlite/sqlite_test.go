package sqlite_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/sqlite"
	"github.com/skillett/skillett/storetest"
)

// MustOpen opens a store on path and closes it when the test ends.
func MustOpen(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), path)
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
		return MustOpen(t, filepath.Join(t.TempDir(), "skillett.db"))
	})
}

func TestOpen(t *testing.T) {
	t.Run("MigrateIdempotent", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "skillett.db")
		s := MustOpen(t, path)
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again: got %v, want nil", err)
		}
		s2 := MustOpen(t, path)
		if err := s2.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: got %v, want nil", err)
		}
	})
	t.Run("ConcurrentNewFile", func(t *testing.T) {
		// Many processes starting at once on a file that does not exist yet:
		// each Store has its own connections, as a process would.
		path := filepath.Join(t.TempDir(), "skillett.db")
		const n = 20
		stores := make([]*sqlite.Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = sqlite.Open(t.Context(), path) })
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
	t.Run("Reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "skillett.db")
		s, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		u := storetest.MustCreateUser(t, s, "ada@example.com", skillett.PlanFree)
		k := storetest.MustCreateKey(t, s, u, storetest.T0)
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		s = MustOpen(t, path)
		gotK, gotU, err := s.KeyByHash(t.Context(), k.Hash)
		if err != nil {
			t.Fatalf("KeyByHash after reopen: got %v, want nil", err)
		}
		if gotK.ID != k.ID || gotU.ID != u.ID {
			t.Fatalf("KeyByHash after reopen: got key %s of %s, want key %s of %s", gotK.ID, gotU.ID, k.ID, u.ID)
		}
	})
	t.Run("ErrBadPath", func(t *testing.T) {
		for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
			if s, err := sqlite.Open(t.Context(), path); err == nil {
				s.Close()
				t.Errorf("Open(%q): got nil error, want one", path)
			}
		}
	})
}

// TestConcurrentWriters measures what the write path promises: many writers
// in several processes at once (here two Stores on one file) all succeed,
// none sees SQLITE_BUSY, and readers keep reading meanwhile.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skillett.db")
	a, b := MustOpen(t, path), MustOpen(t, path)
	stores := []*sqlite.Store{a, b}
	owner := storetest.MustCreateUser(t, a, "ada@example.com", skillett.PlanPro)
	free := storetest.MustCreateUser(t, a, "bob@example.com", skillett.PlanFree)
	probe := storetest.MustCreateKey(t, a, owner, storetest.T0)

	const writers = 200
	limits := skillett.DefaultPlanLimits()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		errs     []error
		created  int
		refused  int
		reserved int
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	stop := make(chan struct{})
	var reads sync.WaitGroup
	var nreads int64
	for i := range 4 { // readers, throughout
		reads.Go(func() {
			s := stores[i%2]
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := s.KeyByHash(t.Context(), probe.Hash); err != nil {
					fail(fmt.Errorf("read: %w", err))
					return
				}
				mu.Lock()
				nreads++
				mu.Unlock()
			}
		})
	}

	start := time.Now()
	for i := range writers {
		s := stores[i%2]
		wg.Go(func() {
			now := storetest.T0.Add(time.Duration(i) * time.Second)
			k, _ := storetest.NewKey(owner.ID, now)
			if err := s.CreateKey(t.Context(), k, limits, nil); err != nil {
				fail(fmt.Errorf("create key: %w", err))
				return
			}
			// Every writer also races for the one key of a free user.
			fk, _ := storetest.NewKey(free.ID, now)
			switch err := s.CreateKey(t.Context(), fk, limits, nil); skillett.ErrorCode(err) {
			case "":
				mu.Lock()
				created++
				mu.Unlock()
			case skillett.EPLANLIMIT:
				mu.Lock()
				refused++
				mu.Unlock()
			default:
				fail(fmt.Errorf("create free key: %w", err))
			}
			if err := s.TouchKeys(t.Context(), map[string]time.Time{k.ID: now, probe.ID: now}); err != nil {
				fail(fmt.Errorf("touch: %w", err))
			}
			switch err := s.ReserveLoginAttempt(t.Context(), "ada@example.com", storetest.T0, 15*time.Minute, 10); skillett.ErrorCode(err) {
			case "":
				mu.Lock()
				reserved++
				mu.Unlock()
			case skillett.ERATELIMITED:
			default:
				fail(fmt.Errorf("reserve: %w", err))
			}
			if err := s.RevokeKey(t.Context(), owner.ID, k.ID, now, nil); err != nil {
				fail(fmt.Errorf("revoke: %w", err))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	reads.Wait()

	if err := errors.Join(errs...); err != nil {
		t.Fatalf("got errors, want none:\n%v", err)
	}
	if created != 1 || refused != writers-1 {
		t.Errorf("free keys: got %d created and %d refused, want 1 and %d", created, refused, writers-1)
	}
	if reserved != 10 {
		t.Errorf("login attempts: got %d reserved, want 10", reserved)
	}
	got, _, err := a.KeyByHash(t.Context(), probe.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if want := storetest.T0.Add((writers - 1) * time.Second); !got.LastUsedAt.Equal(want) {
		t.Errorf("probe last_used_at: got %v, want %v", got.LastUsedAt, want)
	}
	const txPerWriter = 5
	t.Logf("%d writers × %d write transactions on 2 stores: %v (%.0f tx/s), %d concurrent reads",
		writers, txPerWriter, elapsed.Round(time.Millisecond), float64(writers*txPerWriter)/elapsed.Seconds(), nreads)
}
