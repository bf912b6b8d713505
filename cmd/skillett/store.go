package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
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
		"database: a file path or sqlite:PATH, or a postgres:// URL (env SKILLETT_DB)")
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

// open opens the database and applies pending migrations.
func (d *dbFlags) open(ctx context.Context) (skillett.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dsn := d.dsn
	var (
		s   skillett.Store
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err = postgres.Open(ctx, dsn, d.pg)
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, usagef("--db: empty SQLite path")
		}
		s, err = sqlite.Open(ctx, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return s, nil
}
