// Package pgtest gives tests a fresh PostgreSQL database of their own.
//
// The server is named by the environment variable SKILLETT_TEST_POSTGRES, an
// admin URL (default postgres://postgres@127.0.0.1:5432/postgres). When it
// does not answer, tests are skipped, loudly; with CI=true they fail
// instead, so that CI cannot pass without having run them.
//
// A package that uses it calls loudskip.Main from its TestMain, so that
// skips show without -v.
//
// It imports pgx and the standard library; only tests should import it.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skillett/skillett/internal/loudskip"
)

// DefaultAdminDSN is the server used when SKILLETT_TEST_POSTGRES is unset.
const DefaultAdminDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminDSN returns the URL of a database on the test server as a user that
// may create databases.
func AdminDSN() string {
	if dsn := os.Getenv("SKILLETT_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return DefaultAdminDSN
}

// NewDatabase creates an empty database with a random name and returns its
// URL; the database is dropped, whoever is still connected, when the test
// ends.
func NewDatabase(tb testing.TB) (dsn string) {
	tb.Helper()
	admin := AdminDSN()
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("pgtest: SKILLETT_TEST_POSTGRES must be a postgres:// URL, got %q", admin)
	}
	name := "skillett_test_" + strings.ToLower(rand.Text())
	if err := adminExec(admin, `CREATE DATABASE `+name); err != nil {
		unavailable(tb, u, err)
	}
	tb.Cleanup(func() {
		if err := adminExec(admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// adminExec runs one statement on a connection of its own: test contexts
// are over by the time cleanups run.
func adminExec(admin, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 5 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// unavailable ends a test that cannot get a database: a failure in CI, a
// skip elsewhere.
func unavailable(tb testing.TB, u *url.URL, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("pgtest: PostgreSQL at %s: %v (CI=true: PostgreSQL tests must run)", u.Redacted(), err)
	}
	loudskip.Skip(tb, "PostgreSQL", fmt.Sprintf("no usable server at %s (%v); start one or set SKILLETT_TEST_POSTGRES, and set CI=true to make this a failure", u.Redacted(), err))
}
