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
