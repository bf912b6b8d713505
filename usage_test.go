package skillett_test

import (
	"testing"

	"github.com/skillett/skillett"
)

func TestUsageCountsOf(t *testing.T) {
	c := skillett.UsageCounts{1, 2, 3, 4, 5, 6}
	for i, o := range skillett.UsageOutcomes {
		if got := c.Of(o); got != int64(i+1) {
			t.Errorf("Of(%s) = %d, want %d", o, got, i+1)
		}
	}
	if got := c.Of(skillett.VerifyMalformed); got != 0 {
		t.Errorf("Of(malformed) = %d, want 0 (not counted)", got)
	}
}
