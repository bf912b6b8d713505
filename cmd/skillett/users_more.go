package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/service"
)

var usersListCommand = command{
	words:   []string{"users", "list"},
	summary: "list every user, oldest first, as JSON",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		return func(ctx context.Context, args []string) error {
			if err := noArgs("users list", args); err != nil {
				return err
			}
			return withService(ctx, db, func(svc *service.Service) error {
				users, err := svc.ListUsers(ctx)
				if err != nil {
					return err
				}
				out := make([]httpapi.User, 0, len(users))
				for _, u := range users {
					out = append(out, httpapi.NewUser(u))
				}
				return printJSON(e, out)
			})
		}
	},
}

var usersSetPasswordCommand = command{
	words:   []string{"users", "set-password"},
	summary: "set a user's password, read (one line) from standard input; ends the user's sessions",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the user's email (required)")
		pwStdin := fs.Bool("password-stdin", false, "read the password (one line) from standard input (required: a password is never a flag)")
		return func(ctx context.Context, args []string) error {
			if err := noArgs("users set-password", args); err != nil {
				return err
			}
			if *email == "" || !*pwStdin {
				return usagef("users set-password: --email and --password-stdin are required")
			}
			password, err := readLine(e)
			if err != nil {
				return err
			}
			if err := skillett.ValidatePassword(password); err != nil {
				return err
			}
			return withUser(ctx, db, "users set-password", *email, func(svc *service.Service, u *skillett.User) error {
				if _, err := svc.SetPassword(ctx, u.Email, password); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "Set the password of %s in %s; the user's sessions have ended.\n", u.Email, db.name())
				return nil
			})
		}
	},
}
