package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

const (
	loginWindow = 15 * time.Minute
	loginMax    = 10
	loginEmail  = "ada@example.com" // the email the login tests throttle
)

// reserve calls ReserveLoginAttempt with the suite's window and maximum.
func reserve(ctx context.Context, st skillett.Store, email string, now time.Time) error {
	return st.ReserveLoginAttempt(ctx, email, now, loginWindow, loginMax)
}

// wantLimited fails t unless err is ERATELIMITED with this RetryAfter.
func wantLimited(t *testing.T, what string, err error, retryAfter time.Duration) {
	t.Helper()
	wantCode(t, what, err, skillett.ERATELIMITED)
	e, _ := errors.AsType[*skillett.Error](err)
	if e.RetryAfter != retryAfter {
		t.Fatalf("%s: got RetryAfter %v, want %v", what, e.RetryAfter, retryAfter)
	}
}

func (s suite) reserveLoginAttempt(t *testing.T) {
	t.Run("Limit", s.loginAttemptLimit)
	t.Run("RetryAfterRoundsUp", s.loginAttemptRetryAfterRoundsUp)
	t.Run("WindowSlides", s.loginAttemptWindowSlides)
	t.Run("PerEmail", s.loginAttemptPerEmail)
	t.Run("Clear", s.loginAttemptClear)
	t.Run("ClearUnknown", s.loginAttemptClearUnknown)
	t.Run("Concurrent", s.loginAttemptConcurrent)
}

func (s suite) loginAttemptLimit(t *testing.T) {
	st := s.open(t)
	for i := range loginMax {
		wantCode(t, fmt.Sprintf("attempt %d", i+1), reserve(t.Context(), st, loginEmail, T0), "")
	}
	wantLimited(t, "attempt 11", reserve(t.Context(), st, loginEmail, T0), loginWindow)
	wantLimited(t, "attempt 12, 5 minutes later", reserve(t.Context(), st, loginEmail, T0.Add(5*time.Minute)), 10*time.Minute)
	// Refused attempts are not recorded: all ten leave the window together.
	wantCode(t, "attempt once the window has passed", reserve(t.Context(), st, loginEmail, T0.Add(loginWindow)), "")
}

func (s suite) loginAttemptRetryAfterRoundsUp(t *testing.T) {
	st := s.open(t)
	for range loginMax {
		wantCode(t, "attempt", reserve(t.Context(), st, loginEmail, T0), "")
	}
	wantLimited(t, "1.5 s before the window passes", reserve(t.Context(), st, loginEmail, T0.Add(loginWindow-1500*time.Millisecond)), 2*time.Second)
	wantLimited(t, "0.2 s before the window passes", reserve(t.Context(), st, loginEmail, T0.Add(loginWindow-200*time.Millisecond)), time.Second)
}

func (s suite) loginAttemptWindowSlides(t *testing.T) {
	st := s.open(t)
	for i := range loginMax { // one failure a minute, T0 … T0+9m
		wantCode(t, fmt.Sprintf("attempt %d", i+1), reserve(t.Context(), st, loginEmail, T0.Add(time.Duration(i)*time.Minute)), "")
	}
	wantLimited(t, "at T0+10m", reserve(t.Context(), st, loginEmail, T0.Add(10*time.Minute)), 5*time.Minute)
	wantLimited(t, "a second before the first failure leaves", reserve(t.Context(), st, loginEmail, T0.Add(loginWindow-time.Second)), time.Second)
	// At T0+15m the failure of T0 has left the window: room for one.
	now := T0.Add(loginWindow)
	wantCode(t, "at T0+15m", reserve(t.Context(), st, loginEmail, now), "")
	wantLimited(t, "again at T0+15m", reserve(t.Context(), st, loginEmail, now), time.Minute)
}

func (s suite) loginAttemptPerEmail(t *testing.T) {
	st := s.open(t)
	for range loginMax {
		wantCode(t, "attempt", reserve(t.Context(), st, loginEmail, T0), "")
	}
	wantCode(t, "other email", reserve(t.Context(), st, "bob@example.com", T0), "")
}

func (s suite) loginAttemptClear(t *testing.T) {
	st := s.open(t)
	for range loginMax {
		wantCode(t, "attempt", reserve(t.Context(), st, loginEmail, T0), "")
		wantCode(t, "attempt", reserve(t.Context(), st, "bob@example.com", T0), "")
	}
	wantCode(t, "ClearLoginFailures", st.ClearLoginFailures(t.Context(), loginEmail), "")
	for i := range loginMax {
		wantCode(t, fmt.Sprintf("attempt %d after clear", i+1), reserve(t.Context(), st, loginEmail, T0), "")
	}
	wantLimited(t, "attempt 11 after clear", reserve(t.Context(), st, loginEmail, T0), loginWindow)
	wantLimited(t, "other email not cleared", reserve(t.Context(), st, "bob@example.com", T0), loginWindow)
}

func (s suite) loginAttemptClearUnknown(t *testing.T) {
	st := s.open(t)
	wantCode(t, "ClearLoginFailures", st.ClearLoginFailures(t.Context(), loginEmail), "")
}

func (s suite) loginAttemptConcurrent(t *testing.T) {
	st := s.open(t)
	const n = 30
	errs := Race(n, func(i int) error { return reserve(t.Context(), st, loginEmail, T0) })
	if ok, limited := CountCodes(t, errs, skillett.ERATELIMITED); ok != loginMax || limited != n-loginMax {
		t.Fatalf("%d concurrent attempts: got %d reserved and %d rate limited, want %d and %d", n, ok, limited, loginMax, n-loginMax)
	}
}
