package dashboard

import (
	"fmt"
	"slices"
	"time"

	"github.com/skillett/skillett"
)

// Key statuses as shown in the list.
const (
	statusActive  = "active"
	statusExpired = "expired"
	statusRevoked = "revoked"
)

// keyRow is a key as the pages show it.
type keyRow struct {
	ID       string
	Name     string
	Prefix   string
	Scopes   []string // empty when the key has full access
	Created  *timeView
	LastUsed *timeView // nil: never used
	Expires  *timeView // nil: never expires
	Revoked  *timeView // nil: not revoked
	Status   string
	Replaced *replacement // set when a roll replaced the key
	Uses     int64        // valid uses over the last usageChartDays days (the list only)
	Leak     *leakMark    // set when the key was revoked as leaked
}

// replacement is the key a roll made in another's place.
type replacement struct {
	ID, Prefix string
}

func newKeyRow(k *skillett.Key, now time.Time) keyRow {
	row := keyRow{
		ID:       k.ID,
		Name:     k.Name,
		Prefix:   k.Prefix,
		Created:  newTimeView(&k.CreatedAt, now),
		LastUsed: newTimeView(k.LastUsedAt, now),
		Expires:  newTimeView(k.ExpiresAt, now),
		Revoked:  newTimeView(k.RevokedAt, now),
		Status:   keyStatus(k, now),
	}
	if !slices.Contains(k.Scopes, skillett.ScopeAll) {
		row.Scopes = k.Scopes
	}
	return row
}

func keyStatus(k *skillett.Key, now time.Time) string {
	switch {
	case k.RevokedAt != nil:
		return statusRevoked
	case k.Expired(now):
		return statusExpired
	}
	return statusActive
}

// timeView is a time shown relative to now, with the exact time for
// machines (ISO) and on hover (Exact).
type timeView struct {
	ISO   string // 2026-04-08T10:30:00Z
	Exact string // 2026-04-08 10:30:00 UTC
	Rel   string // 3 minutes ago, in 30 days
}

func newTimeView(t *time.Time, now time.Time) *timeView {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &timeView{
		ISO:   u.Format(time.RFC3339),
		Exact: u.Format("2006-01-02 15:04:05 UTC"),
		Rel:   relativeTime(u, now),
	}
}

// relativeTime says how long before or after now t is, in the largest
// whole unit that fits: "just now", "3 minutes ago", "in 30 days".
func relativeTime(t, now time.Time) string {
	d := t.Sub(now)
	future := d > 0
	if d < 0 {
		d = -d
	}
	const day = 24 * time.Hour
	var s string
	switch {
	case d < time.Minute:
		if future {
			return "in less than a minute"
		}
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < day:
		s = plural(int(d/time.Hour), "hour")
	case d < 45*day:
		s = plural(int(d/day), "day")
	case d < 365*day:
		s = plural(int(d/(30*day)), "month")
	default:
		s = plural(int(d/(365*day)), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// planUsage is the user's plan and how much of its key limit is used.
type planUsage struct {
	Active  int
	Max     int  // meaningful when Limited
	Limited bool // the plan has a maximum
	Plan    string
}

// Summary reads "1 of 1 active keys on Free" or "3 active keys on Pro
// (no limit)".
func (p planUsage) Summary() string {
	if p.Limited {
		return fmt.Sprintf("%d of %d active keys on %s", p.Active, p.Max, p.Plan)
	}
	return fmt.Sprintf("%s on %s (no limit)", plural(p.Active, "active key"), p.Plan)
}

// AtLimit reports whether another key would exceed the plan's maximum.
func (p planUsage) AtLimit() bool { return p.Limited && p.Active >= p.Max }

// humanDuration says roughly how long d is, rounded up: "45 seconds",
// "15 minutes", "2 hours".
func humanDuration(d time.Duration) string {
	switch {
	case d <= time.Minute:
		return plural(int((d+time.Second-1)/time.Second), "second")
	case d <= time.Hour:
		return plural(int((d+time.Minute-1)/time.Minute), "minute")
	}
	return plural(int((d+time.Hour-1)/time.Hour), "hour")
}
