package skillett

import (
	"context"
	"time"
)

// Verification outcomes of part two (SPEC §9).
const (
	VerifyIPNotAllowed Outcome = "ip_not_allowed"
	VerifyRateLimited  Outcome = "rate_limited"
)

// UsageOutcomes are the outcomes counted in a key's usage (SPEC §9), in the
// order of UsageCounts: every verification of a key that exists has one.
var UsageOutcomes = [NumUsageOutcomes]Outcome{VerifyValid, VerifyRateLimited, VerifyInsufficientScope, VerifyIPNotAllowed, VerifyRevoked, VerifyExpired}

// NumUsageOutcomes is the length of UsageOutcomes.
const NumUsageOutcomes = 6

// UsageIndex returns the index of outcome in UsageOutcomes, or -1 for an
// outcome that is not counted (malformed, not_found).
func UsageIndex(outcome Outcome) int {
	for i, o := range UsageOutcomes {
		if o == outcome {
			return i
		}
	}
	return -1
}

// UsageCounts counts verifications by outcome, in UsageOutcomes order.
type UsageCounts [NumUsageOutcomes]int64

// Total returns the number of verifications counted.
func (c UsageCounts) Total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// Of returns the count of outcome (0 for one that is not counted).
func (c UsageCounts) Of(outcome Outcome) int64 {
	if i := UsageIndex(outcome); i >= 0 {
		return c[i]
	}
	return 0
}

// UsageDay is one key's counts on one UTC day (Day is its midnight, UTC).
type UsageDay struct {
	KeyID  string
	Day    time.Time
	Counts UsageCounts
}

// UsageStore keeps usage counts per key and UTC day.
type UsageStore interface {
	// AddUsage adds each entry's counts to those stored for its key and
	// day, in one transaction; entries for the same key and day may not
	// repeat.
	AddUsage(ctx context.Context, days []UsageDay) error
	// KeyUsage returns the stored counts of keyID for the days from..to
	// (UTC midnights, inclusive), oldest first; days without uses are
	// absent.
	KeyUsage(ctx context.Context, keyID string, from, to time.Time) ([]UsageDay, error)
	// UsageTotals returns, for each of userID's keys with uses in the days
	// from..to, the sum of their counts over those days.
	UsageTotals(ctx context.Context, userID string, from, to time.Time) (map[string]UsageCounts, error)
	// DeleteUsageBefore deletes at most limit of the rows of days before
	// the UTC day of t, oldest first, and returns how many it deleted;
	// callers repeat it so that no statement holds locks for long.
	DeleteUsageBefore(ctx context.Context, t time.Time, limit int) (int, error)
}
