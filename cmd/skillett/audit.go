package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/service"
)

var auditCommand = command{
	words:   []string{"audit"},
	summary: "print a user's audit log, newest first, one JSON event per line (as GET /audit-log shows them)",
	flags: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
		db := addDBFlags(fs)
		email := fs.String("email", "", "the user's email (required)")
		limit := fs.Int("limit", service.DefaultAuditLimit, "print at most this many events")
		return func(ctx context.Context, args []string) error {
			if err := noArgs("audit", args); err != nil {
				return err
			}
			if *limit < 1 {
				return usagef("audit: --limit must be at least 1")
			}
			return withUser(ctx, db, "audit", *email, func(svc *service.Service, u *skillett.User) error {
				enc := json.NewEncoder(e.stdout)
				cursor := ""
				for left := *limit; left > 0; {
					events, next, err := svc.AuditLog(ctx, u.ID, min(left, service.MaxAuditLimit), cursor)
					if err != nil {
						return err
					}
					for _, ev := range events {
						if err := enc.Encode(httpapi.NewAuditEvent(ev)); err != nil {
							return err
						}
					}
					left -= len(events)
					if cursor = next; next == "" {
						return nil
					}
				}
				return nil
			})
		}
	},
}

// retentionFlag is the value of --audit-retention.
type retentionFlag time.Duration

func (r *retentionFlag) String() string {
	switch d := time.Duration(*r); {
	case d < 0:
		return "forever"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	default:
		return d.String()
	}
}

func (r *retentionFlag) Set(s string) error {
	d, err := parseRetention(s)
	*r = retentionFlag(d)
	return err
}

// parseRetention parses a retention period: a number of days ("365d") or
// a Go duration ("720h"); "0" or "forever" keeps events forever.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "0", "forever":
		return -1, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 100*365 {
			return 0, fmt.Errorf("%q: want a number of days such as 365d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a number of days such as 365d, a duration such as 720h, or forever", s)
	}
	return d, nil
}
