package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skillett/skillett/client"
	"github.com/skillett/skillett/postgres/pgtest"
)

// A serve process killed (SIGKILL) in the middle of a stream of creates
// and revokes leaves an audit log that matches the keys exactly: events
// are written in the transaction of their change, so a committed change
// has its event and none exists for a change that was cut off.
func TestAuditSurvivesCrash(t *testing.T) {
	t.Run("PostgreSQL", func(t *testing.T) { testAuditSurvivesCrash(t, pgtest.NewDatabase(t)) })
	t.Run("SQLite", func(t *testing.T) { testAuditSurvivesCrash(t, filepath.Join(t.TempDir(), "crash.db")) })
}

func testAuditSurvivesCrash(t *testing.T, db string) {
	cli(t, "", "migrate", "--db", db)
	a := startServer(t, db)
	u := newUser(t, db, a, "pro")
	me, err := u.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	var (
		wg      sync.WaitGroup
		created atomic.Int64
	)
	for range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				k, err := u.CreateKey(t.Context(), client.NewKey{Name: "crash"})
				if err != nil {
					return // the server is gone
				}
				created.Add(1)
				if i%2 == 0 {
					if err := u.RevokeKey(t.Context(), k.APIKey.ID); err != nil {
						return
					}
				}
			}
		})
	}
	for created.Load() < 40 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.done
	wg.Wait()

	// Restart on the same database; read the keys and the whole log.
	b := startServer(t, db)
	var keys []struct {
		ID        string  `json:"id"`
		RevokedAt *string `json:"revoked_at"`
	}
	if err := json.Unmarshal([]byte(cli(t, "", "keys", "list", "--db", db, "--email", me.Email)), &keys); err != nil {
		t.Fatal(err)
	}
	createdEv, revokedEv := map[string]int{}, map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(cli(t, "", "audit", "--db", db, "--email", me.Email, "--limit", "1000000")), "\n") {
		var e struct {
			Type  string  `json:"type"`
			KeyID *string `json:"key_id"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		switch e.Type {
		case "key.created":
			createdEv[*e.KeyID]++
		case "key.revoked":
			revokedEv[*e.KeyID]++
		}
	}
	exists := map[string]bool{}
	revoked := 0
	for _, k := range keys {
		exists[k.ID] = true
		if createdEv[k.ID] != 1 {
			t.Errorf("key %s has %d key.created events, want 1", k.ID, createdEv[k.ID])
		}
		want := 0
		if k.RevokedAt != nil {
			want, revoked = 1, revoked+1
		}
		if revokedEv[k.ID] != want {
			t.Errorf("key %s (revoked_at %v) has %d key.revoked events, want %d", k.ID, k.RevokedAt, revokedEv[k.ID], want)
		}
	}
	for id := range createdEv {
		if !exists[id] {
			t.Errorf("a key.created event names %s, which does not exist", id)
		}
	}
	for id := range revokedEv {
		if !exists[id] {
			t.Errorf("a key.revoked event names %s, which does not exist", id)
		}
	}
	if len(keys) < 40 || revoked == 0 {
		t.Fatalf("want at least 40 keys, some revoked; got %d keys, %d revoked", len(keys), revoked)
	}
	t.Logf("after the crash: %d keys, %d revoked, every one with its events", len(keys), revoked)
	b.stop(t)
}
