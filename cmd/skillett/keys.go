package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

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
		expires := fs.String("expires-at", "", "when the key stops working: an RFC 3339 time, or a date YYYY-MM-DD meaning its start, 00:00 UTC (default never)")
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
				t, err := parseExpiresAt(*expires)
				if err != nil {
					return err
				}
				req.ExpiresAt = &t
			}
			return withUser(ctx, db, "keys create", *email, func(svc *service.Service, u *skillett.User) error {
				k, full, err := svc.CreateKey(ctx, u.ID, req)
				if err != nil {
					return cliWording(err)
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
				if err := svc.RevokeKey(ctx, u.ID, args[0]); err != nil {
					return operatorWording(err, db, u, args[0])
				}
				fmt.Fprintf(e.stderr, "Revoked %s of %s in %s.\n", args[0], u.Email, db.name())
				return nil
			})
		}
	},
}

// parseExpiresAt reads --expires-at: an RFC 3339 time, or a date alone,
// which means the start of that day in UTC (as in the dashboard: the key
// stops working at 00:00 UTC that day).
func parseExpiresAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("--expires-at must be an RFC 3339 time such as 2027-01-01T00:00:00Z, or a date such as 2027-01-01 (its start, 00:00 UTC)")
	}
	return t, nil
}

// cliWording says the service's API-worded messages in the CLI's terms.
func cliWording(err error) error {
	msg := skillett.ErrorMessage(err)
	if rest, ok := strings.CutPrefix(msg, "expires_at "); ok {
		return skillett.Errorf(skillett.ErrorCode(err), "--expires-at %s", rest)
	}
	return err
}

// operatorWording words a key command's error for the operator: a key
// that is not the user's is named with the user and the database, and
// API field names become flags.
func operatorWording(err error, db *dbFlags, u *skillett.User, keyID string) error {
	if skillett.ErrorCode(err) == skillett.ENOTFOUND {
		return skillett.Errorf(skillett.ENOTFOUND, "%s has no API key %s in %s.", u.Email, keyID, db.name())
	}
	return cliWording(err)
}
