package service

import (
	"context"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/ratelimit"
)

// limit applies k's rate limit to res (SPEC §9): a valid use takes one
// from the budget or becomes VerifyRateLimited; a use refused for another
// reason takes nothing and only reads the budget, for the answer's
// headers.
func (v *verifier) limit(ctx context.Context, k *skillett.Key, res *skillett.Verification, now time.Time) error {
	l := ratelimit.Limit{Max: k.RateLimit.Limit, Window: k.RateLimit.Window}
	var r ratelimit.Result
	var err error
	if res.Outcome == skillett.VerifyValid {
		r, err = v.limiter.Allow(ctx, k.ID, l, now)
		if err == nil && !r.Allowed {
			*res = skillett.Verification{Outcome: skillett.VerifyRateLimited}
		}
	} else {
		r, err = v.limiter.Peek(ctx, k.ID, l, now)
	}
	if err != nil {
		return err
	}
	res.RateLimit = skillett.RateLimitStatus{Limit: l.Max, Window: l.Window, Remaining: r.Remaining, Reset: r.Reset}
	return nil
}

// refusal is the error of a verification that refused its key.
func refusal(res skillett.Verification) error {
	msg := skillett.RefusalMessage(res.Outcome)
	switch res.Outcome {
	case skillett.VerifyIPNotAllowed:
		return skillett.Errorf(skillett.EIPNOTALLOWED, "%s", msg)
	case skillett.VerifyRateLimited:
		return &skillett.Error{Code: skillett.ERATELIMITED, Message: msg, RetryAfter: res.RateLimit.Reset}
	}
	return skillett.Errorf(skillett.EUNAUTHORIZED, "%s", msg)
}
