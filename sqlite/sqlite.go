// Package sqlite implements skillett.Store on an SQLite file, through
// database/sql and the pure-Go driver modernc.org/sqlite.
//
// The file is in WAL mode, so readers never wait for the writer. A Store
// holds two pools on it: one of many read-only connections, and one of a
// single connection for writes whose transactions begin IMMEDIATE. The
// writers of one process therefore queue in database/sql instead of spinning
// on SQLITE_BUSY, and a transaction that reads before it writes (the plan
// limit, login throttling) holds the write lock from its first statement,
// which makes it atomic against other processes too; those wait for the lock
// under busy_timeout.
//
// It imports only the root package and the driver.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/skillett/skillett"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// BusyTimeout is how long a write waits for another process to release the
// database before it fails.
const BusyTimeout = 10 * time.Second

// changeRetention is how long entries of the change log are kept. Every
// process polls the log far more often than that.
const changeRetention = time.Hour

//go:embed migration/*.sql
var migrations embed.FS

// Store is a skillett.Store on an SQLite file. It is safe for concurrent use.
type Store struct {
	write *sql.DB  // one connection; transactions BEGIN IMMEDIATE
	read  *sql.DB  // read-only connections
	wal   *os.File // the write-ahead log, watched by ChangeMark; nil if unavailable
}

var _ skillett.Store = (*Store)(nil)

// Open opens the SQLite database at path, creating the file if needed, and
// applies pending migrations. path is a file name; it may not contain '?'.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.Contains(path, "?") || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: %q is not a database file name", path)
	}
	// The file holds password hashes: create it readable by its owner
	// only (SPEC §12). SQLite gives the -wal and -shm files the same mode.
	// An existing file keeps the mode its owner chose.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	q := url.Values{
		"_busy_timeout": {strconv.FormatInt(BusyTimeout.Milliseconds(), 10)},
		"_foreign_keys": {"on"},
		"_synchronous":  {"NORMAL"},
	}

	wq := maps.Clone(q)
	wq.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// SQLite has one writer at a time anyway; one connection makes the
	// writers of this process wait their turn without SQLITE_BUSY retries.
	write.SetMaxOpenConns(1)

	rq := maps.Clone(q)
	rq.Set("_query_only", "on")
	read, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)

	s := &Store{write: write, read: read}
	if err := setWAL(ctx, write); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// The WAL file exists from the migration on, and stays while this
	// process holds connections. Without it ChangeMark reports nothing and
	// readers rely on polling alone.
	s.wal, _ = os.Open(path + "-wal")
	return s, nil
}

// ChangeNotifications implements skillett.ChangeFeed: SQLite cannot
// announce changes, ChangeMark and polling do.
func (s *Store) ChangeNotifications(context.Context) <-chan struct{} { return nil }

// ChangeMark implements skillett.ChangeFeed: a fingerprint of the WAL
// file's size and modification time, which every commit of every process
// changes. It costs one fstat.
func (s *Store) ChangeMark() (uint64, bool) {
	if s.wal == nil {
		return 0, false
	}
	fi, err := s.wal.Stat()
	if err != nil {
		return 0, false
	}
	return uint64(fi.Size())*0x9E3779B97F4A7C15 ^ uint64(fi.ModTime().UnixNano()), true
}

// setWAL switches the file to WAL mode, which then persists in the file.
// The switch needs an exclusive lock, and SQLite does not wait for it under
// busy_timeout (measured: 20 processes opening a new file at once fail now
// and then with SQLITE_BUSY), so this retries until BusyTimeout has passed.
func setWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(BusyTimeout)
	for {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("journal mode is %s, want wal", mode)
		case !isBusy(err) || time.Now().After(deadline):
			return fmt.Errorf("set WAL mode: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY or one of its extended codes.
func isBusy(err error) bool {
	const sqliteBusy = 5
	e, ok := errors.AsType[interface {
		error
		Code() int
	}](err)
	return ok && e.Code()&0xff == sqliteBusy
}

// Migrate applies the embedded migrations not applied yet, in name order,
// in one write transaction, recording each in schema_migrations. Since the
// transaction begins IMMEDIATE, processes migrating the same file at once
// take turns and all but the first find nothing to do.
func (s *Store) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migration/*.sql") // sorted
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name       TEXT    PRIMARY KEY,
			applied_at INTEGER NOT NULL DEFAULT (unixepoch())
		) STRICT`); err != nil {
			return err
		}
		for _, name := range names {
			base := path.Base(name)
			var done bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = ?)`, base).Scan(&done); err != nil {
				return err
			}
			if done {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", base, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, base); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("migrate", err)
}

// Ping checks that the database file can be read.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n)
	return wrap("ping", err)
}

// Close closes both pools.
func (s *Store) Close() error {
	if s.wal != nil {
		s.wal.Close()
	}
	return errors.Join(s.read.Close(), s.write.Close())
}

// inTx runs fn in a write transaction and commits it, or rolls it back if
// fn fails.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// wrap adds the operation to a database error; application errors (and
// nil) pass through unchanged.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*skillett.Error](err); ok {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// recordChange appends to the change log and prunes entries older than
// changeRetention (by the database's clock: the log is a mechanism of the
// running processes, not part of the domain).
func recordChange(ctx context.Context, tx *sql.Tx, keyID, userID string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO changes (key_id, user_id) VALUES (nullif(?, ''), nullif(?, ''))`, keyID, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE at < unixepoch() - ?`, int64(changeRetention/time.Second))
	return err
}

// Changes returns the change log entries after afterSeq, oldest first, at
// most limit of them (none if limit <= 0).
func (s *Store) Changes(ctx context.Context, afterSeq int64, limit int) ([]skillett.Change, error) {
	out := []skillett.Change{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := s.read.QueryContext(ctx, `SELECT seq, coalesce(key_id, ''), coalesce(user_id, '')
		FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
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

// LastChange returns the newest sequence number of the change log, 0 if
// it is empty.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq)
	return seq, wrap("last change", err)
}

// Times are stored as unix seconds and returned in UTC.

func fromUnix(n int64) time.Time { return time.Unix(n, 0).UTC() }

func nullUnix(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Unix()
}

func fromNullUnix(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromUnix(n.Int64)
	return &t
}
