package postgres_test

import (
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/postgres/pgtest"
	"github.com/skillett/skillett/storetest"
)

func TestHitCounter(t *testing.T) {
	storetest.RunHitCounter(t, func(t *testing.T) skillett.HitCounter {
		return MustOpen(t, pgtest.NewDatabase(t))
	})
}

// Failed logins of emails never tried again are deleted too (SPEC §12):
// pruning is not only per email.
func TestLoginFailuresPruned(t *testing.T) {
	s := MustOpen(t, pgtest.NewDatabase(t))
	ctx := t.Context()
	for _, email := range []string{"a@example.com", "b@example.com"} {
		if err := s.ReserveLoginAttempt(ctx, email, storetest.T0, 15*time.Minute, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PruneHits(ctx, storetest.T0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM login_failures`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("got %d login_failures rows a day later, want 0", n)
	}
}
