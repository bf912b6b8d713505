package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/service"
)

var usersCreateCommand = command{
	words:   []string{"users", "create"},
	summary: "create a user (default plan free); with --password-stdin the password is read from standard input",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the user's email (required)")
		plan := fs.String("plan", "free", "plan: free, pro or unlimited")
		pwStdin := fs.Bool("password-stdin", false, "read the password (one line) from standard input")
		return func(ctx context.Context, args []string) error {
			if err := noArgs("users create", args); err != nil {
				return err
			}
			if *email == "" {
				return usagef("users create: --email is required")
			}
			p, err := skillett.ParsePlan(*plan)
			if err != nil {
				return err
			}
			password := ""
			if *pwStdin {
				if password, err = readLine(e); err != nil {
					return err
				}
				if err := skillett.ValidatePassword(password); err != nil {
					return err
				}
			}
			return withService(ctx, db, func(svc *service.Service) error {
				u, err := svc.CreateUser(ctx, *email, password, p)
				if skillett.ErrorCode(err) == skillett.ECONFLICT {
					taken, _ := skillett.NormalizeEmail(*email)
					return skillett.Errorf(skillett.ECONFLICT, "A user with the email %s already exists in %s.", taken, db.name())
				}
				if err != nil {
					return err
				}
				if password == "" {
					fmt.Fprintf(e.stderr, "Note: %s has no password, so cannot log in to the dashboard; keys can be made with skillett keys create. Set one with skillett users set-password --email %s --password-stdin.\n", u.Email, u.Email)
				}
				return printJSON(e, httpapi.NewUser(u))
			})
		}
	},
}

var usersSetPlanCommand = command{
	words:   []string{"users", "set-plan"},
	summary: "change a user's plan",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the user's email (required)")
		plan := fs.String("plan", "", "the new plan: free, pro or unlimited (required)")
		return func(ctx context.Context, args []string) error {
			if err := noArgs("users set-plan", args); err != nil {
				return err
			}
			if *email == "" || *plan == "" {
				return usagef("users set-plan: --email and --plan are required")
			}
			p, err := skillett.ParsePlan(*plan)
			if err != nil {
				return err
			}
			return withService(ctx, db, func(svc *service.Service) error {
				u, err := svc.SetPlan(ctx, *email, p)
				if skillett.ErrorCode(err) == skillett.ENOTFOUND {
					return errNoUser(*email, db)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "Set the plan of %s to %s in %s.\n", u.Email, u.Plan, db.name())
				return printJSON(e, httpapi.NewUser(u))
			})
		}
	},
}

// withService opens the database and runs fn with a service on it.
func withService(ctx context.Context, db *dbFlags, fn func(*service.Service) error) error {
	store, err := db.openExisting(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(service.New(service.Config{Store: store}))
}

// withUser checks that the command (named cmd) was given --email, opens
// the database and runs fn with a service and the user with that email.
func withUser(ctx context.Context, db *dbFlags, cmd, email string, fn func(*service.Service, *skillett.User) error) error {
	if email == "" {
		return usagef("%s: --email is required", cmd)
	}
	return withService(ctx, db, func(svc *service.Service) error {
		u, err := svc.UserByEmail(ctx, email)
		if skillett.ErrorCode(err) == skillett.ENOTFOUND {
			return errNoUser(email, db)
		}
		if err != nil {
			return err
		}
		return fn(svc, u)
	})
}

// errNoUser says that no user has email in db, naming the database: a
// wrong --db is the likelier mistake. The service has accepted email, so
// it is given as the service stores it.
func errNoUser(email string, db *dbFlags) error {
	email, _ = skillett.NormalizeEmail(email)
	return skillett.Errorf(skillett.ENOTFOUND, "No user has the email %s in %s.", email, db.name())
}

func readLine(e env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", usagef("--password-stdin: no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func noArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd, args)
	}
	return nil
}

func printJSON(e env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
