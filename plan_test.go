package skillett_test

import (
	"maps"
	"testing"

	"github.com/skillett/skillett"
)

func TestParsePlanLimits(t *testing.T) {
	u := skillett.Unlimited
	for _, c := range []struct {
		in   string
		want skillett.PlanLimits // nil: an error
	}{
		{"", skillett.PlanLimits{"free": 1, "pro": u, "unlimited": u}},
		{"free=3", skillett.PlanLimits{"free": 3, "pro": u, "unlimited": u}},
		{" free = 0 , pro=5,", skillett.PlanLimits{"free": 0, "pro": 5, "unlimited": u}},
		{"pro=unlimited,free=unlimited", skillett.PlanLimits{"free": u, "pro": u, "unlimited": u}},
		{"unlimited=2", skillett.PlanLimits{"free": 1, "pro": u, "unlimited": 2}},
		{"gold=1", nil},
		{"free", nil},
		{"free=-1", nil},
		{"free=many", nil},
		{"Free=1", nil},
	} {
		got, err := skillett.ParsePlanLimits(c.in)
		switch {
		case c.want == nil && err == nil:
			t.Errorf("ParsePlanLimits(%q): got %v, want an error", c.in, got)
		case c.want != nil && err != nil:
			t.Errorf("ParsePlanLimits(%q): got %v, want %v", c.in, err, c.want)
		case c.want != nil && !maps.Equal(got, c.want):
			t.Errorf("ParsePlanLimits(%q): got %v, want %v", c.in, got, c.want)
		}
	}
}

func TestPlanLimitsMax(t *testing.T) {
	l := skillett.PlanLimits{"free": 2, "pro": skillett.Unlimited}
	for _, c := range []struct {
		plan skillett.Plan
		n    int
		ok   bool
	}{{"free", 2, true}, {"pro", 0, false}, {"unlimited", 0, false}} {
		if n, ok := l.Max(c.plan); n != c.n || ok != c.ok {
			t.Errorf("Max(%s): got %d, %v, want %d, %v", c.plan, n, ok, c.n, c.ok)
		}
	}
}
