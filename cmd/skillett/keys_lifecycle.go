package main

import (
	"context"
	"flag"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/service"
)

var keysRollCommand = command{
	words:   []string{"keys", "roll"},
	args:    "ID",
	summary: "replace a user's API key by a new one with the same attributes, as POST /api-keys/ID/roll does; prints its response, new full key included",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the owner's email (required)")
		grace := fs.Duration("grace", 0, "how long the old key keeps working, 0s to 168h in whole seconds (default 0: refused at once)")
		return func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return usagef("keys roll: want exactly one key ID, got %d arguments", len(args))
			}
			if *grace < 0 || *grace > skillett.MaxGracePeriod || *grace%time.Second != 0 {
				return usagef("keys roll: --grace must be whole seconds from 0s to 168h, got %s", *grace)
			}
			return withUser(ctx, db, "keys roll", *email, func(svc *service.Service, u *skillett.User) error {
				old, newKey, full, err := svc.RollKey(ctx, u.ID, args[0], *grace)
				if err != nil {
					return operatorWording(err, db, u, args[0])
				}
				return printJSON(e, httpapi.NewRollKeyResponse(old, newKey, full))
			})
		}
	},
}

var keysUpdateCommand = command{
	words:   []string{"keys", "update"},
	args:    "ID",
	summary: "change a user's API key, as PATCH /api-keys/ID does; prints the key's detail",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the owner's email (required)")
		name := fs.String("name", "", "the key's new name")
		scopes := fs.String("scopes", "", `the key's new scopes, comma-separated ("*" for all)`)
		expires := fs.String("expires-at", "", `when the key stops working: an RFC 3339 time, a date YYYY-MM-DD meaning its start (00:00 UTC), or "none" for never`)
		return func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return usagef("keys update: want exactly one key ID, got %d arguments", len(args))
			}
			var upd skillett.KeyUpdate
			var err error
			fs.Visit(func(f *flag.Flag) {
				switch f.Name {
				case "name":
					upd.Name = skillett.To(*name)
				case "scopes":
					upd.Scopes = skillett.To(appendList([]string{}, *scopes))
				case "expires-at":
					upd.ExpiresAt.Set = true
					if *expires != "none" {
						t, perr := parseExpiresAt(*expires)
						upd.ExpiresAt.Value, err = &t, perr
					}
				}
			})
			if err != nil {
				return err
			}
			if !upd.Name.Set && !upd.Scopes.Set && !upd.ExpiresAt.Set {
				return usagef("keys update: give at least one of --name, --scopes, --expires-at")
			}
			return withUser(ctx, db, "keys update", *email, func(svc *service.Service, u *skillett.User) error {
				k, err := svc.UpdateKey(ctx, u.ID, args[0], upd)
				if err != nil {
					return operatorWording(err, db, u, args[0])
				}
				return printJSON(e, httpapi.NewKeyDetail(k))
			})
		}
	},
}
