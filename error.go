package skillett

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are the "error" strings of SPEC §3; only the httpapi
// package maps them to HTTP statuses.
const (
	EINVALID           = "invalid_request"
	EUNAUTHORIZED      = "unauthorized"
	EINSUFFICIENTSCOPE = "insufficient_scope"
	EPLANLIMIT         = "plan_limit_reached"
	EFORBIDDEN         = "forbidden"
	ENOTFOUND          = "not_found"
	ECONFLICT          = "conflict"
	ERATELIMITED       = "rate_limited"
	EINTERNAL          = "internal"
)

// Error is an application error: a code from the list above and a message
// that is safe to show to the caller. Anything that is not an *Error is an
// internal error whose cause is logged and never shown.
type Error struct {
	Code    string
	Message string
	// RetryAfter is set on ERATELIMITED errors: how long until a retry may
	// succeed.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("skillett: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: its *Error's code, or EINTERNAL for
// any other non-nil error, or "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the public message of err; internal errors get a
// fixed message so that no internals leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "An internal error occurred."
}

// PlanLimitError is the EPLANLIMIT error of a plan that allows max active
// keys; every store returns it, so that all say the same.
func PlanLimitError(max int) *Error {
	noun := "keys"
	if max == 1 {
		noun = "key"
	}
	return Errorf(EPLANLIMIT, "Your plan allows at most %d active API %s; revoke one or upgrade your plan.", max, noun)
}

// LoginThrottledError is the ERATELIMITED error of an email with too many
// failed logins; retry is when the oldest counted failure leaves the
// window. Every store returns it, so that all say the same and round the
// same way.
func LoginThrottledError(retry time.Duration) *Error {
	return RateLimitedError("Too many failed logins; try again later.", retry)
}

// RateLimitedError is an ERATELIMITED error saying msg, whose RetryAfter is
// retry rounded up to whole seconds, at least one.
func RateLimitedError(msg string, retry time.Duration) *Error {
	return &Error{Code: ERATELIMITED, Message: msg, RetryAfter: roundUpSeconds(retry)}
}

// RetryAfter is how long the caller of a request refused with err should
// wait: its RetryAfter in whole seconds, rounded up and at least one
// second, as the Retry-After header and the dashboard both show it.
func RetryAfter(err error) time.Duration {
	var d time.Duration
	if e, ok := errors.AsType[*Error](err); ok {
		d = e.RetryAfter
	}
	return roundUpSeconds(d)
}

// roundUpSeconds rounds d up to whole seconds, at least one.
func roundUpSeconds(d time.Duration) time.Duration {
	return max(time.Second, (d + time.Second - 1).Truncate(time.Second))
}
