package skillett

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Plan is a user's subscription plan.
type Plan string

const (
	PlanFree      Plan = "free"
	PlanPro       Plan = "pro"
	PlanUnlimited Plan = "unlimited"
)

// Plans lists every plan, cheapest first.
var Plans = []Plan{PlanFree, PlanPro, PlanUnlimited}

// ParsePlan returns the plan named s, or an EINVALID error.
func ParsePlan(s string) (Plan, error) {
	p := Plan(s)
	if !slices.Contains(Plans, p) {
		return "", Errorf(EINVALID, "Plan must be one of free, pro, unlimited.")
	}
	return p, nil
}

// Unlimited is the PlanLimits value for "no maximum".
const Unlimited = -1

// PlanLimits maps each plan to the maximum number of active keys a user on
// it may hold; Unlimited (any negative number) means no maximum.
type PlanLimits map[Plan]int

// DefaultPlanLimits are the limits of the API reference page.
func DefaultPlanLimits() PlanLimits {
	return PlanLimits{PlanFree: 1, PlanPro: Unlimited, PlanUnlimited: Unlimited}
}

// Max returns the maximum number of active keys on plan p, and false when
// there is none. A plan missing from the map has no maximum.
func (l PlanLimits) Max(p Plan) (int, bool) {
	n, ok := l[p]
	if !ok || n < 0 {
		return 0, false
	}
	return n, true
}

// ParsePlanLimits parses "free=1,pro=unlimited" on top of the defaults.
func ParsePlanLimits(s string) (PlanLimits, error) {
	limits := DefaultPlanLimits()
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		p, err := ParsePlan(strings.TrimSpace(name))
		if !ok || err != nil {
			return nil, fmt.Errorf("plan limit %q: want PLAN=N or PLAN=unlimited with PLAN one of free, pro, unlimited", item)
		}
		value = strings.TrimSpace(value)
		if value == "unlimited" {
			limits[p] = Unlimited
			continue
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("plan limit %q: want a non-negative number or unlimited", item)
		}
		limits[p] = n
	}
	return limits, nil
}
