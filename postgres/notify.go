package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reconnection backoff of the change listener.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// ChangeMark implements skillett.ChangeFeed: PostgreSQL has no cheap mark;
// its notifications do that work.
func (s *Store) ChangeMark() (uint64, bool) { return 0, false }

// ChangeNotifications implements skillett.ChangeFeed: the channel
// receives a value, without blocking the sender, after each change
// committed by any process, and also each time the listener has
// (re)connected, since changes may have been committed while nobody
// listened. It is closed when ctx ends or the store is closed. It must not
// be called after Close.
//
// A goroutine LISTENs on a connection of its own, outside the pool so that
// it takes no pool slot and can be dropped whole when it breaks, and
// reconnects with exponential backoff. Notifications only speed things up:
// readers still poll Changes, which covers a listener that is down.
func (s *Store) ChangeNotifications(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.closing, cancel)
	cfg := s.pool.Config().ConnConfig // a copy
	cfg.RuntimeParams["application_name"] += "-listen"
	s.listeners.Go(func() {
		defer close(ch)
		defer stop()
		defer cancel()
		notify := func() {
			select {
			case ch <- struct{}{}:
			default: // a value is pending already; that says it all
			}
		}
		backoff := minBackoff
		for {
			if listened := listen(ctx, cfg, notify); listened {
				backoff = minBackoff
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxBackoff)
		}
	})
	return ch
}

// listen connects, LISTENs on changesChannel and calls notify once
// listening and then for each notification, until the connection fails or
// ctx ends. It reports whether it got as far as listening.
func listen(ctx context.Context, cfg *pgx.ConnConfig, notify func()) (listened bool) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false
	}
	defer func() {
		// ctx may be over; give the goodbye its own short deadline.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(ctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+changesChannel); err != nil {
		return false
	}
	notify()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true
		}
		notify()
	}
}
