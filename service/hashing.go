package service

import (
	"context"
	"time"

	"github.com/skillett/skillett"
)

// hashGate bounds how many password hashes run at once (SPEC §12): each
// argon2id hash holds its memory (19 MiB by default) while it runs, so
// without a bound 200 simultaneous logins take gigabytes.
type hashGate struct {
	slots chan struct{}
	wait  time.Duration
}

func newHashGate(n int, wait time.Duration) *hashGate {
	return &hashGate{slots: make(chan struct{}, n), wait: wait}
}

var errBusy = &skillett.Error{Code: skillett.EUNAVAILABLE, Message: "The server is busy; try again in a second.", RetryAfter: time.Second}

// run runs fn once a slot is free, or returns EUNAVAILABLE when none is
// within the wait.
func (g *hashGate) run(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			return errBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	fn()
	return nil
}
