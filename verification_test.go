package skillett_test

import (
	"testing"
	"time"

	"github.com/skillett/skillett"
)

func TestRateLimitStatusHeaders(t *testing.T) {
	s := skillett.RateLimitStatus{Limit: 5, Window: time.Minute, Remaining: 4, Reset: 59100 * time.Millisecond}
	if got := string(s.AppendPolicy(nil)); got != `"key";q=5;w=60` {
		t.Errorf("policy: got %s", got)
	}
	if got := string(s.AppendState(nil)); got != `"key";r=4;t=60` {
		t.Errorf("state: got %s", got)
	}
}
