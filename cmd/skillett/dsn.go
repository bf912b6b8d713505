package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// dsn is a parsed --db value: a SQLite file or a PostgreSQL URL.
type dsn struct {
	sqlitePath  string // set for SQLite
	postgresURL string // set for PostgreSQL
}

// parseDSN reads --db. The forms are exactly: a file path; sqlite:PATH,
// the same path; a postgres:// or postgresql:// URL that names a
// database. Anything else with a scheme (mysql://, postgress://,
// sqlite://x.db, file:…) is refused rather than taken for a file name.
func parseDSN(s string) (dsn, error) {
	switch {
	case s == "":
		return dsn{}, usagef("--db is empty; give a file path, sqlite:PATH or a postgres:// URL")
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil {
			return dsn{}, usagef("--db: malformed PostgreSQL URL: %v", unwrapURLError(err))
		}
		if strings.Trim(u.Path, "/") == "" && u.Query().Get("dbname") == "" {
			return dsn{}, usagef("--db %s names no database; write postgres://USER@HOST:5432/DBNAME", redactURL(s))
		}
		if u.Host == "" && u.Query().Get("host") == "" {
			return dsn{}, usagef("--db %s names no host; write postgres://USER@HOST:5432/DBNAME", redactURL(s))
		}
		return dsn{postgresURL: s}, nil
	case strings.HasPrefix(s, "sqlite://"):
		return dsn{}, usagef("--db %s: write sqlite:PATH (sqlite:x.db, or sqlite:/abs/path/x.db) or just the path", s)
	case strings.HasPrefix(s, "file:"):
		return dsn{}, usagef("--db %s: SQLite URIs (file:) are not accepted; write the path, or sqlite:PATH", s)
	case strings.HasPrefix(s, "sqlite:"):
		s = strings.TrimPrefix(s, "sqlite:")
		if s == "" {
			return dsn{}, usagef("--db sqlite: names no file; write sqlite:PATH")
		}
	}
	if scheme, _, ok := strings.Cut(s, "://"); ok && !strings.ContainsAny(scheme, `/\.`) {
		return dsn{}, usagef("--db: unknown scheme %q; want a file path, sqlite:PATH, or a postgres:// or postgresql:// URL", scheme+"://")
	}
	if strings.Contains(s, "?") {
		return dsn{}, usagef("--db %s: a SQLite path cannot hold '?'", s)
	}
	return dsn{sqlitePath: s}, nil
}

func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// String names the database for messages, with any password masked.
func (d dsn) String() string {
	if d.postgresURL != "" {
		return redactURL(d.postgresURL)
	}
	return d.sqlitePath
}

// redactURL masks the password of a URL, if it has one.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the PostgreSQL database"
	}
	if _, ok := u.User.Password(); ok {
		return u.Redacted()
	}
	return s
}

// checkSQLiteFile refuses what SQLite would turn into a misleading error
// or an unwanted empty database: a missing directory, and, unless create,
// a missing file (a mistyped --db).
func (d dsn) checkSQLiteFile(create bool) error {
	if d.sqlitePath == "" {
		return nil
	}
	_, err := os.Stat(d.sqlitePath)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--db %s: %w", d.sqlitePath, err)
	}
	dir := filepath.Dir(d.sqlitePath)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return usagef("--db %s: the directory %s does not exist", d.sqlitePath, dir)
	}
	if !create {
		return usagef("--db %s: no such database file; check the path, or create it with skillett migrate --db %s", d.sqlitePath, d.sqlitePath)
	}
	return nil
}
