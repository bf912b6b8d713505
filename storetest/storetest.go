// Package storetest is the behaviour suite that every skillett.Store must
// pass, so that the sqlite and postgres stores behave identically. A store's
// own tests call Run with a function that opens a fresh, empty, migrated
// store. The checks live in one file per entity (user.go, session.go,
// login.go, key.go, lifecycle.go, change.go, usage.go, audit.go, …), one
// method per subtest; this file holds Run and the helpers that the stores'
// own tests share.
//
// It imports the root package, apikey and the standard library.
package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

// T0 is the fixed time the suite's clocks start from.
var T0 = time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewUser returns a user with a fresh id, created at T0; it is not stored.
func NewUser(email string, plan skillett.Plan) *skillett.User {
	return &skillett.User{
		ID:           "usr_" + apikey.RandomString(idAlphabet, 20),
		Email:        email,
		Plan:         plan,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		CreatedAt:    T0,
	}
}

// NewKey returns a full-access key of userID created at createdAt, and its
// full key; it is not stored.
func NewKey(userID string, createdAt time.Time) (*skillett.Key, string) {
	full := apikey.Generate()
	return &skillett.Key{
		ID:        "key_" + apikey.RandomString(idAlphabet, 20),
		UserID:    userID,
		Name:      "Production",
		Prefix:    apikey.DisplayPrefix(full),
		Hash:      apikey.Hash(full),
		Scopes:    []string{skillett.ScopeAll},
		CreatedAt: createdAt,
	}, full
}

// MustCreateUser stores a new user with this email and plan.
func MustCreateUser(tb testing.TB, s skillett.Store, email string, plan skillett.Plan) *skillett.User {
	tb.Helper()
	u := NewUser(email, plan)
	if err := s.CreateUser(tb.Context(), u, nil); err != nil {
		tb.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// MustCreateKey stores a new key of u created at createdAt, under no plan
// limit.
func MustCreateKey(tb testing.TB, s skillett.Store, u *skillett.User, createdAt time.Time) *skillett.Key {
	tb.Helper()
	k, _ := NewKey(u.ID, createdAt)
	if err := s.CreateKey(tb.Context(), k, skillett.PlanLimits{}, nil); err != nil {
		tb.Fatalf("CreateKey: %v", err)
	}
	return k
}

// Run runs the suite; open returns a fresh, empty, migrated store and closes
// it when the test ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) skillett.Store) {
	s := suite{open: open}
	t.Run("Ping", s.ping)
	t.Run("CreateUser", s.createUser)
	t.Run("UserByEmail", s.userByEmail)
	t.Run("SetUserPlan", s.setUserPlan)
	t.Run("Session", s.session)
	t.Run("ListUsers", s.listUsers)
	t.Run("SetUserPassword", s.setUserPassword)
	t.Run("DeleteUserSessions", s.deleteUserSessions)
	t.Run("AccountAudit", s.accountAudit)
	t.Run("ReserveLoginAttempt", s.reserveLoginAttempt)
	t.Run("CreateKey", s.createKey)
	t.Run("ListKeys", s.listKeys)
	t.Run("KeyByHash", s.keyByHash)
	t.Run("RevokeKey", s.revokeKey)
	t.Run("TouchKeys", s.touchKeys)
	t.Run("Changes", s.changes)
	t.Run("Usage", s.usage)
	t.Run("UsageRetention", s.usageRetention)
	t.Run("KeyByID", s.keyByID)
	t.Run("KeyAttributes", s.keyAttributes)
	t.Run("UpdateKey", s.updateKey)
	t.Run("RollKey", s.rollKey)
	t.Run("Audit", s.audit)
}

type suite struct {
	open func(t *testing.T) skillett.Store
}

// wantCode fails t unless err has the code want ("" for nil).
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := skillett.ErrorCode(err); got != want {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, want)
	}
}

func (s suite) ping(t *testing.T) {
	st := s.open(t)
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: got %v, want nil", err)
	}
}

// timeString formats t to the nanosecond with its zone, so that a time not
// stored to the second or not returned in UTC shows.
func timeString(t time.Time) string {
	return t.Format(time.RFC3339Nano) + "[" + t.Location().String() + "]"
}

func ptr[T any](v T) *T { return &v }

// Race runs f(0) … f(n-1) in n goroutines released at the same instant,
// and returns their errors.
func Race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// CountCodes counts the nil errors and the errors with code, and fails t on
// any other error.
func CountCodes(t *testing.T, errs []error, code string) (ok, withCode int) {
	t.Helper()
	for _, err := range errs {
		switch skillett.ErrorCode(err) {
		case "":
			ok++
		case code:
			withCode++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return ok, withCode
}
