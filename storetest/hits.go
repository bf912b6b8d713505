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
	h := hitSuite{open: open}
	t.Run("Window", h.window)
	t.Run("Concurrent", h.concurrent)
	t.Run("Prune", h.prune)
}

// hitWindow is the window of the hit counter tests.
const hitWindow = time.Minute

type hitSuite struct {
	open func(t *testing.T) skillett.HitCounter
}

func (h hitSuite) window(t *testing.T) {
	s := h.open(t)
	start := T0.Add(250 * time.Millisecond)
	for i := int64(1); i <= 3; i++ {
		n, reset, err := s.CountHit(t.Context(), "login|192.0.2.1", start.Add(time.Duration(i)*time.Second), hitWindow)
		if err != nil {
			t.Fatal(err)
		}
		if want := start.Add(time.Second + hitWindow); n != i || !reset.Equal(want) {
			t.Errorf("hit %d: got count %d, reset %s; want %d, %s", i, n, reset, i, want)
		}
	}
	// Another key has a window of its own.
	if n, _, _ := s.CountHit(t.Context(), "signup|192.0.2.1", start, hitWindow); n != 1 {
		t.Errorf("another key: got count %d, want 1", n)
	}
	// Once the window has ended, the next hit starts a new one.
	later := start.Add(time.Second + hitWindow)
	n, reset, err := s.CountHit(t.Context(), "login|192.0.2.1", later, hitWindow)
	if err != nil || n != 1 || !reset.Equal(later.Add(hitWindow)) {
		t.Errorf("after the hitWindow: got %d, %s, %v; want 1, %s", n, reset, err, later.Add(hitWindow))
	}
}

func (h hitSuite) concurrent(t *testing.T) {
	s := h.open(t)
	const n = 40
	var wg sync.WaitGroup
	counts := make([]int64, n)
	for i := range n {
		wg.Go(func() {
			c, _, err := s.CountHit(t.Context(), "miss|192.0.2.9", T0, hitWindow)
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
}

func (h hitSuite) prune(t *testing.T) {
	s := h.open(t)
	s.CountHit(t.Context(), "a", T0, hitWindow)
	s.CountHit(t.Context(), "a", T0, hitWindow)
	s.CountHit(t.Context(), "b", T0.Add(30*time.Second), hitWindow)
	if err := s.PruneHits(t.Context(), T0.Add(hitWindow)); err != nil {
		t.Fatal(err)
	}
	// "a" was pruned: an old-window hit now starts afresh at 1.
	if n, _, _ := s.CountHit(t.Context(), "a", T0, hitWindow); n != 1 {
		t.Errorf("a after prune: got %d, want 1", n)
	}
	if n, _, _ := s.CountHit(t.Context(), "b", T0.Add(31*time.Second), hitWindow); n != 2 {
		t.Errorf("b after prune: got %d, want 2 (its hitWindow had not ended)", n)
	}
}
