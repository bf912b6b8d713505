package main

import (
	"context"
	"flag"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/service"
)

var keysCreateCommand = command{
	words:   []string{"keys", "create"},
	summary: "create an API key for a user (plan limits apply); prints the POST /api-keys response, full key included",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the owner's email (required)")
		name := fs.String("name", "", "the key's name (required)")
		scopes := fs.String("scopes", "", `comma-separated integrations the key is restricted to (default "*": all)`)
		expires := fs.String("expires-at", "", "RFC 3339 time after which the key is refused (default never)")
		return func(ctx context.Context, args []string) error {
			if err := noArgs("keys create", args); err != nil {
				return err
			}
			req := skillett.KeyRequest{Name: *name, Scopes: appendList(nil, *scopes)}
			if *scopes == "" {
				req.Scopes = nil
			} else if len(req.Scopes) == 0 {
				req.Scopes = []string{}
			}
			if *expires != "" {
				t, err := skillett.ParseTime("--expires-at", *expires)
				if err != nil {
					return err
				}
				req.ExpiresAt = &t
			}
			return withUser(ctx, db, "keys create", *email, func(svc *service.Service, u *skillett.User) error {
				k, full, err := svc.CreateKey(ctx, u.ID, req)
				if err != nil {
					return err
				}
				return printJSON(e, httpapi.NewCreateKeyResponse(k, full))
			})
		}
	},
}

var keysListCommand = command{
	words:   []string{"keys", "list"},
	summary: "list a user's API keys, as GET /api-keys does",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the owner's email (required)")
		return func(ctx context.Context, args []string) error {
			if err := noArgs("keys list", args); err != nil {
				return err
			}
			return withUser(ctx, db, "keys list", *email, func(svc *service.Service, u *skillett.User) error {
				keys, err := svc.ListKeys(ctx, u.ID)
				if err != nil {
					return err
				}
				return printJSON(e, httpapi.NewListedKeys(keys))
			})
		}
	},
}

var keysRevokeCommand = command{
	words:   []string{"keys", "revoke"},
	args:    "ID",
	summary: "revoke one of a user's API keys, as DELETE /api-keys/ID does",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the owner's email (required)")
		return func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return usagef("keys revoke: want exactly one key ID, got %d arguments", len(args))
			}
			return withUser(ctx, db, "keys revoke", *email, func(svc *service.Service, u *skillett.User) error {
				return svc.RevokeKey(ctx, u.ID, args[0])
			})
		}
	},
}
