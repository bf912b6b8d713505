package main

import (
	"context"
	"flag"
	"fmt"
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

func addDBFlags(fs *flag.FlagSet, e env) *dbFlags {
	d := &dbFlags{}
	fs.StringVar(&d.dsn, "db", envDefault(e, "SKILLETT_DB", "skillett.db"),
		"database: a file path or sqlite:PATH, or a postgres:// URL (env SKILLETT_DB)")
	fs.Func("pg-max-conns", "PostgreSQL: most connections in the pool (env SKILLETT_PG_MAX_CONNS; default 20)", func(s string) error {
		var n int32
		_, err := fmt.Sscan(s, &n)
		d.pg.MaxConns = n
		return err
	})
	fs.DurationVar(&d.pg.ConnectTimeout, "pg-connect-timeout", envDuration(e, "SKILLETT_PG_CONNECT_TIMEOUT"), "PostgreSQL: connect timeout (env SKILLETT_PG_CONNECT_TIMEOUT; default 5s)")
	fs.DurationVar(&d.pg.StatementTimeout, "pg-statement-timeout", envDuration(e, "SKILLETT_PG_STATEMENT_TIMEOUT"), "PostgreSQL: statement timeout (env SKILLETT_PG_STATEMENT_TIMEOUT; default 5s)")
	if v := e.getenv("SKILLETT_PG_MAX_CONNS"); v != "" {
		fmt.Sscan(v, &d.pg.MaxConns)
	}
	return d
}

func envDuration(e env, name string) time.Duration {
	d, _ := time.ParseDuration(e.getenv(name))
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
