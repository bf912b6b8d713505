package skillett

import (
	"context"
	"time"
)

// Change is one entry of the store's change log: a key was revoked (KeyID
// set) or a user changed (UserID set, e.g. a new plan). Every process reads
// the log to drop what it cached about that key or user.
type Change struct {
	Seq    int64
	KeyID  string
	UserID string
}

// Store is the persistence of the service. The sqlite and postgres packages
// implement it with identical behaviour, checked by the storetest suite.
// Times passed in are stored to the second; times returned are UTC.
type Store interface {
	// Every method that takes an *Event writes it in the transaction of
	// its change, completing the fields noted; a nil event writes none.

	// CreateUser inserts u (ID, Email, Plan, PasswordHash, CreatedAt set by
	// the caller) and e with UserID. ECONFLICT if the email is taken.
	CreateUser(ctx context.Context, u *User, e *Event) error
	// UserByEmail returns the user with this (normalized) email. ENOTFOUND.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// SetUserPlan changes a user's plan, records a Change for the user and
	// returns the updated user. If the plan changed it writes e with UserID
	// and Data {"from", "to"}. ENOTFOUND.
	SetUserPlan(ctx context.Context, email string, plan Plan, e *Event) (*User, error)

	// ListUsers returns every user, oldest first (then by email).
	ListUsers(ctx context.Context) ([]*User, error)
	// SetUserPassword sets the password hash of the user with this id and
	// deletes the user's sessions but the one whose token hash is keep
	// (nil: all of them), and writes e with UserID, atomically. ENOTFOUND.
	SetUserPassword(ctx context.Context, userID, hash string, keep *[32]byte, e *Event) error
	// DeleteUserSessions deletes the user's sessions but keep (nil: all)
	// and, if it deleted any, writes e with UserID.
	DeleteUserSessions(ctx context.Context, userID string, keep *[32]byte, e *Event) error

	// CreateSession inserts s, and e with UserID.
	CreateSession(ctx context.Context, s *Session, e *Event) error
	// SessionUser returns the session with this token hash and its user if
	// the session has not expired at now. ENOTFOUND otherwise.
	SessionUser(ctx context.Context, tokenHash [32]byte, now time.Time) (*Session, *User, error)
	// DeleteSession deletes the session with this token hash and writes e
	// with the session's UserID; deleting a missing session is not an
	// error, and writes nothing.
	DeleteSession(ctx context.Context, tokenHash [32]byte, e *Event) error

	// ReserveLoginAttempt atomically counts the failed logins for email in
	// (now-window, now] and, if fewer than max, records this attempt as a
	// failure (ClearLoginFailures undoes that on success). At max or more
	// it records nothing and returns ERATELIMITED with RetryAfter set to
	// when the oldest counted failure leaves the window.
	ReserveLoginAttempt(ctx context.Context, email string, now time.Time, window time.Duration, max int) error
	// ClearLoginFailures forgets every failed login of email.
	ClearLoginFailures(ctx context.Context, email string) error

	// CreateKey inserts k (every field but RevokedAt, LastUsedAt,
	// ReplacedBy and RevocationReason set by the caller) unless the owner
	// already holds as many counted keys (Key.Counted: active, not rolled)
	// at k.CreatedAt as limits allow for their plan: then EPLANLIMIT. The
	// count and the insert are atomic, also across processes. ENOTFOUND if
	// the user does not exist. It writes e with UserID and KeyID.
	CreateKey(ctx context.Context, k *Key, limits PlanLimits, e *Event) error
	// ListKeys returns the user's keys, revoked and expired ones included,
	// newest first (the later-created first within one second).
	ListKeys(ctx context.Context, userID string) ([]*Key, error)
	// KeyByHash returns the key with this hash and its owner. ENOTFOUND.
	KeyByHash(ctx context.Context, hash [32]byte) (*Key, *User, error)
	// RevokeKey sets revoked_at to now and revocation_reason to
	// ReasonRevoked unless already revoked, then also writing e with
	// UserID and KeyID, and records a Change for the key. ENOTFOUND if the
	// user has no key with this id.
	RevokeKey(ctx context.Context, userID, keyID string, now time.Time, e *Event) error
	// RevokeLeakedKeys revokes, at now and with ReasonLeaked, each key
	// whose hash is reported in leaks and is not revoked yet, writing a
	// key.leaked event (Data "source" and "url", actor of ctx) and a
	// Change for it. ours[i] reports whether leaks[i] is one of our keys,
	// revoked before or not; a second report changes nothing.
	RevokeLeakedKeys(ctx context.Context, leaks []Leak, now time.Time) (ours []bool, err error)
	// KeyByID returns the user's key with this id. ENOTFOUND, also for
	// another user's key.
	KeyByID(ctx context.Context, userID, keyID string) (*Key, error)
	// UpdateKey changes the user's key in one transaction: it reads the
	// key (locked against concurrent changes), calls update with a copy,
	// stores name, scopes, expires_at, ip_allowlist and rate_limit as
	// update left them, records a Change for the key and returns it.
	// update runs inside the transaction and must not do I/O; its error is
	// returned as is, and nothing is written. changed names the fields
	// that changed (for the audit log). ENOTFOUND.
	// If any field changed it writes e with UserID, KeyID and Data
	// {"fields": changed}.
	UpdateKey(ctx context.Context, userID, keyID string, e *Event, update func(k *Key) (changed []string, err error)) (*Key, error)
	// RollKey replaces the user's key keyID by newKey in one transaction:
	// it reads the old key (locked, so that of concurrent rolls from any
	// process exactly one succeeds), calls roll(old, newKey) (normally
	// skillett.Roll, which fills in newKey and changes old), inserts
	// newKey without any plan limit check, stores old's expires_at and
	// replaced_by, records a Change for the old key and returns it. roll
	// runs inside the transaction and must not do I/O; its error is
	// returned as is, and nothing is written. ENOTFOUND.
	// It writes e with UserID, KeyID (the old key's) and Data
	// "new_key_id" added.
	RollKey(ctx context.Context, userID, keyID string, newKey *Key, e *Event, roll func(old, newKey *Key) error) (*Key, error)
	// TouchKeys sets last_used_at of each key id to the given time unless
	// the stored value is later: it never moves backwards.
	TouchKeys(ctx context.Context, used map[string]time.Time) error

	// RecordEvent writes e alone: for events that record no change of
	// stored state (a failed login).
	RecordEvent(ctx context.Context, e *Event) error
	// Events returns the events of f.UserID's log that f selects, newest
	// first: by CreatedAt, then Seq.
	Events(ctx context.Context, f EventFilter) ([]*Event, error)
	// DeleteEventsBefore deletes at most limit of the events created
	// before t, oldest first, and returns how many it deleted; callers
	// repeat it so that no statement holds locks for long.
	DeleteEventsBefore(ctx context.Context, t time.Time, limit int) (int, error)

	ChangeFeed
	UsageStore

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// ChangeFeed is how a process learns that another one changed what it may
// have cached: the change log, and two ways of hearing sooner that it
// moved. It is part of Store, so that a wrapper of a store cannot drop it
// by accident; a store that cannot announce or hint answers "cannot tell".
type ChangeFeed interface {
	// Changes returns the change log entries after seq, oldest first, at
	// most limit of them.
	Changes(ctx context.Context, afterSeq int64, limit int) ([]Change, error)
	// LastChange returns the sequence number of the newest change, 0 if none.
	LastChange(ctx context.Context) (int64, error)

	// ChangeNotifications announces committed changes at once (PostgreSQL's
	// LISTEN/NOTIFY), so that a process need not wait for its next poll of
	// Changes. The channel receives a value, without blocking the sender,
	// after each change committed by any process, and possibly at other
	// times (after a reconnect): a value means "read the log now". It is
	// closed when ctx ends. Nil: the store cannot announce changes.
	ChangeNotifications(ctx context.Context) <-chan struct{}
	// ChangeMark tells, far more cheaply than reading Changes, that some
	// process may have committed something: the mark differs after every
	// commit (and sometimes without one). A process checks it on each
	// verification and reads the change log at once when it moved, so that
	// a change made by another process (a CLI's revoke or set-plan)
	// applies from the next request on. ok is false when the store cannot
	// tell (right now, or ever).
	ChangeMark() (mark uint64, ok bool)
}
