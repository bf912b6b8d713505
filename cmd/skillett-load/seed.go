package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/postgres"
	"github.com/skillett/skillett/sqlite"
)

const (
	storeSQLite   = "SQLite"
	storePostgres = "PostgreSQL"
)

// bulkStore is a store that can be seeded in bulk (both of ours).
type bulkStore interface {
	skillett.Store
	InsertKeys(ctx context.Context, keys []*skillett.Key) error
}

// seeded is what the measures need to know of the seeded database.
type seeded struct {
	keys    []string      // the full keys of the n spread keys, in insertion order
	listKey string        // a full-access key of the list user
	took    time.Duration // creating the users and keys
	vacuum  time.Duration // VACUUM ANALYZE after it (PostgreSQL)
}

// seedBatch is how many keys go to InsertKeys at once: big enough that a
// call's overhead does not matter, small enough that the next batch is
// generated while this one is written.
const seedBatch = 50_000

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// seed creates users (plan unlimited) and n keys spread over them, plus one
// user with listKeys keys, writing the keys with InsertKeys while the next
// batch is generated.
func seed(ctx context.Context, st bulkStore, n, users, listKeys int) (*seeded, error) {
	start := time.Now()
	now := start.UTC().Truncate(time.Second)
	ids, err := seedUsers(ctx, st, n, users, now)
	if err != nil {
		return nil, err
	}

	s := &seeded{keys: make([]string, n)}
	total := n + listKeys
	scopes := []string{skillett.ScopeAll}
	batches := make(chan []*skillett.Key, 1)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		for lo := 0; lo < total; lo += seedBatch {
			batch := make([]*skillett.Key, min(seedBatch, total-lo))
			for j := range batch {
				i := lo + j
				full := apikey.Generate()
				owner := ids[len(ids)-1]
				if i < n {
					s.keys[i], owner = full, ids[i%(len(ids)-1)]
				} else {
					s.listKey = full
				}
				batch[j] = &skillett.Key{
					ID: "key_" + apikey.RandomString(idAlphabet, 20), UserID: owner,
					Name: fmt.Sprintf("load %d", i), Prefix: apikey.DisplayPrefix(full), Hash: apikey.Hash(full),
					Scopes: scopes, CreatedAt: now.Add(-time.Duration(total-i) * time.Second),
				}
			}
			select {
			case batches <- batch:
			case <-gctx.Done():
				return
			}
		}
	}()
	for batch := range batches {
		if err == nil {
			if err = st.InsertKeys(ctx, batch); err != nil {
				cancel() // stop generating; drain what is in flight
			}
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	s.took = time.Since(start)
	return s, nil
}

// seedUsers stores min(users, n) users for n keys, and the list user last;
// it returns their ids.
func seedUsers(ctx context.Context, st bulkStore, n, users int, now time.Time) ([]string, error) {
	ids := make([]string, min(users, n)+1) // the last is the list user
	for i := range ids {
		u := &skillett.User{ID: "usr_" + apikey.RandomString(idAlphabet, 16), Email: fmt.Sprintf("load%d@example.com", i),
			Plan: skillett.PlanUnlimited, CreatedAt: now.Add(-time.Duration(n) * time.Second)}
		if i == len(ids)-1 {
			u.Email = "list@example.com"
		}
		if err := st.CreateUser(ctx, u, nil); err != nil {
			return nil, fmt.Errorf("seed: create user: %w", err)
		}
		ids[i] = u.ID
	}
	return ids, nil
}

// seedStore opens the database in process, seeds it and closes it. On
// PostgreSQL it then runs VACUUM ANALYZE, as autovacuum would have done on
// a database that has lived with its keys for a while.
func seedStore(ctx context.Context, store, dsn string, n, users, listKeys int) (*seeded, error) {
	var (
		st  bulkStore
		err error
	)
	switch store {
	case storeSQLite:
		st, err = sqlite.Open(ctx, dsn)
	default:
		st, err = postgres.Open(ctx, dsn, postgres.Options{})
	}
	if err != nil {
		return nil, err
	}
	s, err := seed(ctx, st, n, users, listKeys)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if store == storePostgres {
		start := time.Now()
		// On a connection of its own: the store's pool has a statement timeout.
		if err := adminExec(ctx, dsn, `VACUUM ANALYZE`); err != nil {
			return nil, fmt.Errorf("vacuum analyze: %w", err)
		}
		s.vacuum = time.Since(start)
	}
	return s, nil
}

// createDatabase creates a fresh database on the PostgreSQL server at admin
// and returns its URL and a function that drops it.
func createDatabase(ctx context.Context, admin string) (dsn string, drop func() error, err error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("-pg must be a postgres:// URL")
	}
	name := "skillett_load_" + strings.ToLower(rand.Text()[:12])
	if err := adminExec(ctx, admin, `CREATE DATABASE `+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u.Path = "/" + name
	drop = func() error {
		// The run's context may be over (interrupted): dropping must still happen.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return adminExec(ctx, admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}
	return u.String(), drop, nil
}

func adminExec(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// describePostgres says which PostgreSQL server admin reaches, and its
// memory settings.
func describePostgres(ctx context.Context, admin string) string {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer conn.Close(context.Background())
	var version, buffers string
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('shared_buffers')`).Scan(&version, &buffers); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return fmt.Sprintf("PostgreSQL %s on the same machine, shared_buffers %s", version, buffers)
}
