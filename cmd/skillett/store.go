package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/postgres"
	"github.com/skillett/skillett/sqlite"
)

// dbFlags are the database flags every command takes.
type dbFlags struct {
	dsn string
	pg  postgres.Options
}

func addDBFlags(fs *flag.FlagSet) *dbFlags {
	d := &dbFlags{}
	fs.StringVar(&d.dsn, "db", "skillett.db",
		"database: a SQLite file path or sqlite:PATH, or a postgres:// or postgresql:// URL naming a database (env SKILLETT_DB)")
	fs.Func("pg-max-conns", "PostgreSQL: most connections in the pool (env SKILLETT_PG_MAX_CONNS; default 20)", func(s string) error {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 1 {
			return errors.New("want a whole number of connections, at least 1")
		}
		d.pg.MaxConns = int32(n)
		return nil
	})
	fs.DurationVar(&d.pg.ConnectTimeout, "pg-connect-timeout", 0, "PostgreSQL: connect timeout (env SKILLETT_PG_CONNECT_TIMEOUT; default 5s)")
	fs.DurationVar(&d.pg.StatementTimeout, "pg-statement-timeout", 0, "PostgreSQL: statement timeout (env SKILLETT_PG_STATEMENT_TIMEOUT; default 5s)")
	return d
}

// open opens the database and applies pending migrations; a SQLite file
// that does not exist is created (serve and migrate).
func (d *dbFlags) open(ctx context.Context) (skillett.Store, error) { return d.openDB(ctx, true) }

// openExisting is open for the commands that read or change data: they
// refuse a SQLite file that does not exist, which is more likely a typo
// than a wish for an empty database.
func (d *dbFlags) openExisting(ctx context.Context) (skillett.Store, error) {
	return d.openDB(ctx, false)
}

// name describes the database for messages (password masked).
func (d *dbFlags) name() string {
	p, err := parseDSN(d.dsn)
	if err != nil {
		return d.dsn
	}
	return p.String()
}

func (d *dbFlags) openDB(ctx context.Context, create bool) (skillett.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p, err := parseDSN(d.dsn)
	if err != nil {
		return nil, err
	}
	if err := p.checkSQLiteFile(create); err != nil {
		return nil, err
	}
	var s skillett.Store
	if p.postgresURL != "" {
		s, err = postgres.Open(ctx, p.postgresURL, d.pg)
	} else {
		s, err = sqlite.Open(ctx, p.sqlitePath)
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", p, err)
	}
	return s, nil
}
