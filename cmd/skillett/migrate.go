package main

import (
	"context"
	"flag"
	"fmt"
)

var migrateCommand = command{
	words:   []string{"migrate"},
	summary: "apply pending schema migrations and exit",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		return func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return usagef("migrate takes no arguments, got %q", args)
			}
			s, err := db.open(ctx) // opening migrates
			if err != nil {
				return err
			}
			if err := s.Close(); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "Migrated %s: its schema is up to date.\n", db.name())
			return nil
		}
	},
}
