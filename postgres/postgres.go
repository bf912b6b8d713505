// Package postgres implements skillett.Store on PostgreSQL, through pgx and
// its pool, for deployments where many `skillett serve` processes share one
// database.
//
// Correctness across processes rests on the database's locks, never on
// anything held in memory:
//   - CreateKey locks the owner's row before it counts their active keys,
//     so the count and the insert are atomic;
//   - ReserveLoginAttempt counts and records under a transaction-scoped
//     advisory lock on the email;
//   - writers of the change log take turns under an advisory lock, so that
//     its sequence numbers become visible in increasing order and a reader
//     that remembers the last one it saw misses nothing;
//   - Migrate runs under an advisory lock, so processes starting together
//     take turns and all but the first find nothing to do.
//
// It also announces changes with LISTEN/NOTIFY (ChangeNotifications).
//
// It imports only the root package and pgx.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/skillett/skillett"
)

// Defaults for the zero fields of Options.
const (
	DefaultMaxConns         = 20
	DefaultConnectTimeout   = 5 * time.Second
	DefaultStatementTimeout = 5 * time.Second
)

// Advisory lock keys. PostgreSQL keeps the one-key (bigint) and the two-key
// (int, int) forms apart, so they cannot collide with each other.
const (
	migrateLock    int64 = 0x736b696c6c657401 // "skillet" + 1
	changesLock    int64 = 0x736b696c6c657402
	loginLockSpace int32 = 0x736b696c // "skil"; second key: hashtext(email)
)

// changeRetention is how long entries of the change log are kept. Every
// process polls the log far more often than that.
const changeRetention = time.Hour

//go:embed migration/*.sql
var migrations embed.FS

// Options tune the connection pool. Zero fields take the value the DSN
// gives (pool_max_conns, connect_timeout, statement_timeout), else the
// defaults above.
type Options struct {
	MaxConns         int32
	ConnectTimeout   time.Duration
	StatementTimeout time.Duration
}

// Store is a skillett.Store on PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool

	// closing ends the change listeners when the store is closed.
	closing   context.Context
	close     context.CancelFunc
	listeners sync.WaitGroup
}

var _ skillett.Store = (*Store)(nil)

// Open connects to the database at dsn, a postgres:// or postgresql:// URL
// (or a libpq keyword string), and applies pending migrations.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err) // pgx redacts the password
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(dsn, "pool_max_conns"): // else pgx's default: the number of CPUs
		cfg.MaxConns = DefaultMaxConns
	}
	cc := cfg.ConnConfig
	switch {
	case opts.ConnectTimeout > 0:
		cc.ConnectTimeout = opts.ConnectTimeout
	case cc.ConnectTimeout == 0:
		cc.ConnectTimeout = DefaultConnectTimeout
	}
	switch _, set := cc.RuntimeParams["statement_timeout"]; {
	case opts.StatementTimeout > 0:
		cc.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	case !set:
		cc.RuntimeParams["statement_timeout"] = strconv.FormatInt(DefaultStatementTimeout.Milliseconds(), 10)
	}
	if _, set := cc.RuntimeParams["application_name"]; !set {
		cc.RuntimeParams["application_name"] = "skillett"
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool}
	s.closing, s.close = context.WithCancel(context.Background())
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Pool returns the connection pool, e.g. for its statistics.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Migrate applies the embedded migrations not applied yet, in name order,
// in one transaction, recording each in schema_migrations. The transaction
// first takes an advisory lock, so processes migrating the same database at
// once take turns and all but the first find nothing to do.
func (s *Store) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migration/*.sql") // sorted
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// Waiting for another process's migration is expected; ctx bounds
		// the wait instead of the statement timeout.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name       text        PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return err
		}
		for _, name := range names {
			base := path.Base(name)
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = $1)`, base).Scan(&done); err != nil {
				return err
			}
			if done {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			// Without arguments pgx uses the simple protocol, which runs
			// a file of several statements.
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", base, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, base); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("migrate", err)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.pool.Ping(ctx))
}

// Close ends the change listeners and closes the pool.
func (s *Store) Close() error {
	s.close()
	s.listeners.Wait()
	s.pool.Close()
	return nil
}

// inTx runs fn in a transaction and commits it, or rolls it back if fn
// fails.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// wrap adds the operation to a database error; application errors (and
// nil) pass through unchanged. Messages name no values: a *pgconn.PgError
// says its Detail (which may show a row) only to those who ask for it.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*skillett.Error](err); ok {
		return err
	}
	return oneLine{fmt.Errorf("postgres: %s: %w", op, err)}
}

// oneLine says its error on one line, for the CLI and logs: pgx puts each
// attempt of a failed connect on a line of its own.
type oneLine struct{ err error }

var newlines = strings.NewReplacer("\n\t", "; ", "\n", "; ")

func (e oneLine) Error() string { return newlines.Replace(e.err.Error()) }

func (e oneLine) Unwrap() error { return e.err }

// isUniqueViolation reports whether err violates the named unique
// constraint.
func isUniqueViolation(err error, constraint string) bool {
	e, ok := errors.AsType[*pgconn.PgError](err)
	return ok && e.Code == "23505" && e.ConstraintName == constraint
}

// changesChannel is the NOTIFY channel of the change log.
const changesChannel = "skillett_changes"

// recordChange appends to the change log, announces it on changesChannel
// (delivered at commit), and prunes entries older than changeRetention by
// the database's clock. Call it last in a transaction.
//
// Readers remember the last seq they saw, so seqs must become visible in
// increasing order; a sequence alone does not ensure that, as transactions
// commit in any order. Writers therefore take turns under an advisory lock
// held until commit: PostgreSQL makes a commit visible before it releases
// the transaction's locks, so the next writer's larger seq becomes visible
// after this one. Changes are rare (revocations, plan changes), so the
// queue is short.
func recordChange(ctx context.Context, tx pgx.Tx, keyID, userID string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, changesLock); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `WITH c AS (
			INSERT INTO changes (key_id, user_id) VALUES (nullif($1, ''), nullif($2, '')) RETURNING seq
		) SELECT pg_notify('`+changesChannel+`', seq::text) FROM c`, keyID, userID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM changes WHERE at < now() - make_interval(secs => $1)`, changeRetention.Seconds())
	return err
}

// Changes returns the change log entries after afterSeq, oldest first, at
// most limit of them (none if limit <= 0).
func (s *Store) Changes(ctx context.Context, afterSeq int64, limit int) ([]skillett.Change, error) {
	out := []skillett.Change{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, coalesce(key_id, ''), coalesce(user_id, '')
		FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit)
	if err != nil {
		return nil, wrap("changes", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c skillett.Change
		if err := rows.Scan(&c.Seq, &c.KeyID, &c.UserID); err != nil {
			return nil, wrap("changes", err)
		}
		out = append(out, c)
	}
	return out, wrap("changes", rows.Err())
}

// LastChange returns the newest sequence number of the change log, 0 if it
// is empty.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq)
	return seq, wrap("last change", err)
}

// sec returns t to the second in UTC, as times are stored.
func sec(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// secPtr is sec for optional times.
func secPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := sec(*t)
	return &v
}

// utc sets the location of scanned optional times to UTC.
func utc(ts ...**time.Time) {
	for _, t := range ts {
		if *t != nil {
			v := (*t).UTC()
			*t = &v
		}
	}
}
