package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

// RunHitCounter checks a skillett.HitCounter: fixed windows that start at
// the first hit, exact counts under concurrent hits, and pruning. open
// returns a fresh, empty, migrated store.
func RunHitCounter(t *testing.T, open func(t *testing.T) skillett.HitCounter) {
	const window = time.Minute
	t.Run("Window", func(t *testing.T) {
		s := open(t)
		start := T0.Add(250 * time.Millisecond)
		for i := int64(1); i <= 3; i++ {
			n, reset, err := s.CountHit(t.Context(), "login|192.0.2.1", start.Add(time.Duration(i)*time.Second), window)
			if err != nil {
				t.Fatal(err)
			}
			if want := start.Add(time.Second + window); n != i || !reset.Equal(want) {
				t.Errorf("hit %d: got count %d, reset %s; want %d, %s", i, n, reset, i, want)
			}
		}
		// Another key has a window of its own.
		if n, _, _ := s.CountHit(t.Context(), "signup|192.0.2.1", start, window); n != 1 {
			t.Errorf("another key: got count %d, want 1", n)
		}
		// Once the window has ended, the next hit starts a new one.
		later := start.Add(time.Second + window)
		n, reset, err := s.CountHit(t.Context(), "login|192.0.2.1", later, window)
		if err != nil || n != 1 || !reset.Equal(later.Add(window)) {
			t.Errorf("after the window: got %d, %s, %v; want 1, %s", n, reset, err, later.Add(window))
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		s := open(t)
		const n = 40
		var wg sync.WaitGroup
		counts := make([]int64, n)
		for i := range n {
			wg.Go(func() {
				c, _, err := s.CountHit(t.Context(), "miss|192.0.2.9", T0, window)
				if err != nil {
					t.Error(err)
				}
				counts[i] = c
			})
		}
		wg.Wait()
		seen := make(map[int64]bool)
		for _, c := range counts {
			seen[c] = true
		}
		for c := int64(1); c <= n; c++ {
			if !seen[c] {
				t.Fatalf("%d concurrent hits: count %d never returned (got %v): hits were lost", n, c, counts)
			}
		}
	})
	t.Run("Prune", func(t *testing.T) {
		s := open(t)
		s.CountHit(t.Context(), "a", T0, window)
		s.CountHit(t.Context(), "a", T0, window)
		s.CountHit(t.Context(), "b", T0.Add(30*time.Second), window)
		if err := s.PruneHits(t.Context(), T0.Add(window)); err != nil {
			t.Fatal(err)
		}
		// "a" was pruned: an old-window hit now starts afresh at 1.
		if n, _, _ := s.CountHit(t.Context(), "a", T0, window); n != 1 {
			t.Errorf("a after prune: got %d, want 1", n)
		}
		if n, _, _ := s.CountHit(t.Context(), "b", T0.Add(31*time.Second), window); n != 2 {
			t.Errorf("b after prune: got %d, want 2 (its window had not ended)", n)
		}
	})
}
