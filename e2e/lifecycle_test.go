package e2e

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/client"
	"github.com/skillett/skillett/postgres/pgtest"
)

// Key updates and rolls (SPEC §8) across two serve processes on one
// database: a scope change on A is refused by B within a second, and of
// concurrent rolls of one key on A and B exactly one succeeds.
func TestKeyLifecycleTwoProcesses(t *testing.T) {
	t.Run("PostgreSQL", func(t *testing.T) { testKeyLifecycleTwoProcesses(t, pgtest.NewDatabase(t)) })
	t.Run("SQLite", func(t *testing.T) { testKeyLifecycleTwoProcesses(t, filepath.Join(t.TempDir(), "shared.db")) })
}

func testKeyLifecycleTwoProcesses(t *testing.T, db string) {
	cli(t, "", "migrate", "--db", db)
	a := startServer(t, db)
	b := startServer(t, db)

	t.Run("ConcurrentRollsAcrossProcesses", func(t *testing.T) {
		u := newUser(t, db, a, "free")
		k, err := u.CreateKey(t.Context(), client.NewKey{Name: "rolled"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 10
		servers := []*server{a, b}
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				c := &client.Client{BaseURL: servers[i%2].URL, HTTPClient: u.HTTPClient}
				<-start
				_, errs[i] = c.RollKey(context.Background(), k.APIKey.ID, time.Hour)
			})
		}
		close(start)
		wg.Wait()
		var rolled, conflict int
		for i, err := range errs {
			switch skillett.ErrorCode(err) {
			case "":
				rolled++
			case skillett.ECONFLICT:
				conflict++
			default:
				t.Errorf("roll %d: %v", i, err)
			}
		}
		keys, err := u.ListKeys(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if rolled != 1 || conflict != n-1 || len(keys) != 2 {
			t.Fatalf("%d concurrent rolls across A and B: %d succeeded, %d conflict, %d keys listed; want 1, %d, 2", n, rolled, conflict, len(keys), n-1)
		}
		// The Free user is at its limit with the new key, the old one outside it.
		_, err = (&client.Client{BaseURL: b.URL, HTTPClient: u.HTTPClient}).CreateKey(t.Context(), client.NewKey{Name: "extra"})
		if skillett.ErrorCode(err) != skillett.EPLANLIMIT {
			t.Fatalf("create after the roll: got %v, want plan_limit_reached", err)
		}
	})

	t.Run("ScopeChangeReachesB", func(t *testing.T) {
		timeToRefusal(t, newUser(t, db, a, "pro"), b, keyChange{
			name: "scope change",
			apply: func(u *client.Client, k *client.CreatedKey) error { // narrows "*" to github
				_, err := u.UpdateKey(t.Context(), k.APIKey.ID, map[string]any{"scopes": []string{"github"}})
				return err
			},
			use:  func(c *client.Client) error { _, err := c.ListKeys(t.Context()); return err },
			code: skillett.EINSUFFICIENTSCOPE,
		})
	})

	t.Run("RollWithoutGraceReachesB", func(t *testing.T) {
		u := newUser(t, db, a, "pro")
		k, err := u.CreateKey(t.Context(), client.NewKey{Name: "deploy"})
		if err != nil {
			t.Fatal(err)
		}
		oldOnB := withKey(u, b.URL, k.FullKey)
		if _, err := oldOnB.Me(t.Context()); err != nil {
			t.Fatal(err)
		}
		r, err := u.RollKey(t.Context(), k.APIKey.ID, 0) // no grace: refused at once, everywhere
		if err != nil {
			t.Fatal(err)
		}
		if _, err := withKey(u, b.URL, r.FullKey).Me(t.Context()); err != nil {
			t.Fatalf("the new key on B: %v", err)
		}
		untilRefused(t, time.Now(), skillett.EUNAUTHORIZED, func() error { _, err := oldOnB.Me(t.Context()); return err },
			"B still accepts the old key 1 s after a roll without grace on A")
		d, err := withKey(u, b.URL, r.FullKey).Key(t.Context(), k.APIKey.ID)
		if err != nil || d.ReplacedBy == nil || *d.ReplacedBy != r.APIKey.ID {
			t.Fatalf("old key's detail on B: got %+v, %v; want replaced_by %s", d, err, r.APIKey.ID)
		}
	})
}
