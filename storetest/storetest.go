// Package storetest is the behaviour suite that every skillett.Store must
// pass, so that the sqlite and postgres stores behave identically. A store's
// own tests call Run with a function that opens a fresh, empty, migrated
// store.
//
// It imports the root package, apikey and the standard library.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	if err := s.CreateUser(tb.Context(), u); err != nil {
		tb.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// MustCreateKey stores a new key of u created at createdAt, under no plan
// limit.
func MustCreateKey(tb testing.TB, s skillett.Store, u *skillett.User, createdAt time.Time) *skillett.Key {
	tb.Helper()
	k, _ := NewKey(u.ID, createdAt)
	if err := s.CreateKey(tb.Context(), k, skillett.PlanLimits{}); err != nil {
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
	t.Run("UserByID", s.userByID)
	t.Run("SetUserPlan", s.setUserPlan)
	t.Run("Session", s.session)
	t.Run("ReserveLoginAttempt", s.reserveLoginAttempt)
	t.Run("CreateKey", s.createKey)
	t.Run("ListKeys", s.listKeys)
	t.Run("KeyByHash", s.keyByHash)
	t.Run("RevokeKey", s.revokeKey)
	t.Run("TouchKeys", s.touchKeys)
	t.Run("Changes", s.changes)
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

// ---------------------------------------------------------------------------
// Users

func userString(u *skillett.User) string {
	if u == nil {
		return "<nil>"
	}
	return fmt.Sprintf("{%s %s %s %q %s}", u.ID, u.Email, u.Plan, u.PasswordHash, timeString(u.CreatedAt))
}

// timeString formats t to the nanosecond with its zone, so that a time not
// stored to the second or not returned in UTC shows.
func timeString(t time.Time) string {
	return t.Format(time.RFC3339Nano) + "[" + t.Location().String() + "]"
}

func wantUser(t *testing.T, what string, got, want *skillett.User) {
	t.Helper()
	if g, w := userString(got), userString(want); g != w {
		t.Fatalf("%s: got %s, want %s", what, g, w)
	}
}

func (s suite) createUser(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := NewUser("ada@example.com", skillett.PlanPro)
		// Given in another zone with a fraction: stored to the second, returned in UTC.
		u.CreatedAt = T0.Add(1500 * time.Millisecond).In(time.FixedZone("CEST", 2*3600))
		wantCode(t, "CreateUser", st.CreateUser(t.Context(), u), "")
		want := *u
		want.CreatedAt = T0.Add(time.Second)
		got, err := st.UserByID(t.Context(), u.ID)
		wantCode(t, "UserByID", err, "")
		wantUser(t, "UserByID", got, &want)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		st := s.open(t)
		first := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		dup := NewUser("ada@example.com", skillett.PlanPro)
		wantCode(t, "CreateUser(duplicate email)", st.CreateUser(t.Context(), dup), skillett.ECONFLICT)
		got, err := st.UserByEmail(t.Context(), "ada@example.com")
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "UserByEmail", got, first)
	})
	t.Run("EmptyPasswordHash", func(t *testing.T) {
		st := s.open(t)
		u := NewUser("ada@example.com", skillett.PlanFree)
		u.PasswordHash = ""
		wantCode(t, "CreateUser", st.CreateUser(t.Context(), u), "")
		got, err := st.UserByID(t.Context(), u.ID)
		wantCode(t, "UserByID", err, "")
		wantUser(t, "UserByID", got, u)
	})
}

func (s suite) userByEmail(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
		got, err := st.UserByEmail(t.Context(), "ada@example.com")
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "UserByEmail", got, u)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		got, err := st.UserByEmail(t.Context(), "nobody@example.com")
		wantCode(t, "UserByEmail", err, skillett.ENOTFOUND)
		if got != nil {
			t.Fatalf("UserByEmail: got %s, want nil", userString(got))
		}
	})
}

func (s suite) userByID(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		u := MustCreateUser(t, st, "bob@example.com", skillett.PlanUnlimited)
		got, err := st.UserByID(t.Context(), u.ID)
		wantCode(t, "UserByID", err, "")
		wantUser(t, "UserByID", got, u)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		_, err := st.UserByID(t.Context(), "usr_missing")
		wantCode(t, "UserByID", err, skillett.ENOTFOUND)
	})
}

func (s suite) setUserPlan(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		other := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
		before, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")

		got, err := st.SetUserPlan(t.Context(), u.Email, skillett.PlanPro)
		wantCode(t, "SetUserPlan", err, "")
		want := *u
		want.Plan = skillett.PlanPro
		wantUser(t, "SetUserPlan", got, &want)
		stored, err := st.UserByEmail(t.Context(), u.Email)
		wantCode(t, "UserByEmail", err, "")
		wantUser(t, "UserByEmail after SetUserPlan", stored, &want)
		unchanged, err := st.UserByID(t.Context(), other.ID)
		wantCode(t, "UserByID", err, "")
		wantUser(t, "other user after SetUserPlan", unchanged, other)

		changes, err := st.Changes(t.Context(), before, 10)
		wantCode(t, "Changes", err, "")
		if len(changes) != 1 || changes[0].UserID != u.ID || changes[0].KeyID != "" || changes[0].Seq <= before {
			t.Fatalf("Changes after SetUserPlan: got %+v, want one change with UserID %s after seq %d", changes, u.ID, before)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		_, err := st.SetUserPlan(t.Context(), "nobody@example.com", skillett.PlanPro)
		wantCode(t, "SetUserPlan", err, skillett.ENOTFOUND)
		last, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")
		if last != 0 {
			t.Fatalf("LastChange after failed SetUserPlan: got %d, want 0", last)
		}
	})
}

// ---------------------------------------------------------------------------
// Sessions

func sessionString(s *skillett.Session) string {
	if s == nil {
		return "<nil>"
	}
	return fmt.Sprintf("{%x %s %s %s}", s.TokenHash[:4], s.UserID, timeString(s.CreatedAt), timeString(s.ExpiresAt))
}

func newSession(userID string, token string) *skillett.Session {
	return &skillett.Session{
		TokenHash: apikey.Hash(token),
		UserID:    userID,
		CreatedAt: T0,
		ExpiresAt: T0.Add(7 * 24 * time.Hour),
	}
}

func (s suite) session(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		sess := newSession(u.ID, "token-1")
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess), "")
		MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)

		gotS, gotU, err := st.SessionUser(t.Context(), sess.TokenHash, T0.Add(time.Hour))
		wantCode(t, "SessionUser", err, "")
		if g, w := sessionString(gotS), sessionString(sess); g != w {
			t.Fatalf("SessionUser session: got %s, want %s", g, w)
		}
		wantUser(t, "SessionUser user", gotU, u)
	})
	t.Run("Expiry", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		sess := newSession(u.ID, "token-1")
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess), "")

		_, _, err := st.SessionUser(t.Context(), sess.TokenHash, sess.ExpiresAt.Add(-time.Second))
		wantCode(t, "SessionUser one second before expiry", err, "")
		_, _, err = st.SessionUser(t.Context(), sess.TokenHash, sess.ExpiresAt.Add(-time.Millisecond))
		wantCode(t, "SessionUser a millisecond before expiry", err, "")
		_, _, err = st.SessionUser(t.Context(), sess.TokenHash, sess.ExpiresAt)
		wantCode(t, "SessionUser at expires_at", err, skillett.ENOTFOUND)
		_, _, err = st.SessionUser(t.Context(), sess.TokenHash, sess.ExpiresAt.Add(time.Hour))
		wantCode(t, "SessionUser after expiry", err, skillett.ENOTFOUND)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), newSession(u.ID, "token-1")), "")
		_, _, err := st.SessionUser(t.Context(), apikey.Hash("token-2"), T0)
		wantCode(t, "SessionUser(unknown token)", err, skillett.ENOTFOUND)
	})
	t.Run("Delete", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		s1, s2 := newSession(u.ID, "token-1"), newSession(u.ID, "token-2")
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), s1), "")
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), s2), "")
		wantCode(t, "DeleteSession", st.DeleteSession(t.Context(), s1.TokenHash), "")
		_, _, err := st.SessionUser(t.Context(), s1.TokenHash, T0)
		wantCode(t, "SessionUser(deleted)", err, skillett.ENOTFOUND)
		_, _, err = st.SessionUser(t.Context(), s2.TokenHash, T0)
		wantCode(t, "SessionUser(other session)", err, "")
	})
	t.Run("DeleteMissing", func(t *testing.T) {
		st := s.open(t)
		wantCode(t, "DeleteSession(missing)", st.DeleteSession(t.Context(), apikey.Hash("nope")), "")
	})
}

// ---------------------------------------------------------------------------
// Login throttling

const (
	loginWindow = 15 * time.Minute
	loginMax    = 10
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
	const email = "ada@example.com"
	t.Run("Limit", func(t *testing.T) {
		st := s.open(t)
		for i := range loginMax {
			wantCode(t, fmt.Sprintf("attempt %d", i+1), reserve(t.Context(), st, email, T0), "")
		}
		wantLimited(t, "attempt 11", reserve(t.Context(), st, email, T0), loginWindow)
		wantLimited(t, "attempt 12, 5 minutes later", reserve(t.Context(), st, email, T0.Add(5*time.Minute)), 10*time.Minute)
		// Refused attempts are not recorded: all ten leave the window together.
		wantCode(t, "attempt once the window has passed", reserve(t.Context(), st, email, T0.Add(loginWindow)), "")
	})
	t.Run("RetryAfterRoundsUp", func(t *testing.T) {
		st := s.open(t)
		for range loginMax {
			wantCode(t, "attempt", reserve(t.Context(), st, email, T0), "")
		}
		wantLimited(t, "1.5 s before the window passes", reserve(t.Context(), st, email, T0.Add(loginWindow-1500*time.Millisecond)), 2*time.Second)
		wantLimited(t, "0.2 s before the window passes", reserve(t.Context(), st, email, T0.Add(loginWindow-200*time.Millisecond)), time.Second)
	})
	t.Run("WindowSlides", func(t *testing.T) {
		st := s.open(t)
		for i := range loginMax { // one failure a minute, T0 … T0+9m
			wantCode(t, fmt.Sprintf("attempt %d", i+1), reserve(t.Context(), st, email, T0.Add(time.Duration(i)*time.Minute)), "")
		}
		wantLimited(t, "at T0+10m", reserve(t.Context(), st, email, T0.Add(10*time.Minute)), 5*time.Minute)
		wantLimited(t, "a second before the first failure leaves", reserve(t.Context(), st, email, T0.Add(loginWindow-time.Second)), time.Second)
		// At T0+15m the failure of T0 has left the window: room for one.
		now := T0.Add(loginWindow)
		wantCode(t, "at T0+15m", reserve(t.Context(), st, email, now), "")
		wantLimited(t, "again at T0+15m", reserve(t.Context(), st, email, now), time.Minute)
	})
	t.Run("PerEmail", func(t *testing.T) {
		st := s.open(t)
		for range loginMax {
			wantCode(t, "attempt", reserve(t.Context(), st, email, T0), "")
		}
		wantCode(t, "other email", reserve(t.Context(), st, "bob@example.com", T0), "")
	})
	t.Run("Clear", func(t *testing.T) {
		st := s.open(t)
		for range loginMax {
			wantCode(t, "attempt", reserve(t.Context(), st, email, T0), "")
			wantCode(t, "attempt", reserve(t.Context(), st, "bob@example.com", T0), "")
		}
		wantCode(t, "ClearLoginFailures", st.ClearLoginFailures(t.Context(), email), "")
		for i := range loginMax {
			wantCode(t, fmt.Sprintf("attempt %d after clear", i+1), reserve(t.Context(), st, email, T0), "")
		}
		wantLimited(t, "attempt 11 after clear", reserve(t.Context(), st, email, T0), loginWindow)
		wantLimited(t, "other email not cleared", reserve(t.Context(), st, "bob@example.com", T0), loginWindow)
	})
	t.Run("ClearUnknown", func(t *testing.T) {
		st := s.open(t)
		wantCode(t, "ClearLoginFailures", st.ClearLoginFailures(t.Context(), email), "")
	})
	t.Run("Concurrent", func(t *testing.T) {
		st := s.open(t)
		const n = 30
		errs := Race(n, func(i int) error { return reserve(t.Context(), st, email, T0) })
		if ok, limited := CountCodes(t, errs, skillett.ERATELIMITED); ok != loginMax || limited != n-loginMax {
			t.Fatalf("%d concurrent attempts: got %d reserved and %d rate limited, want %d and %d", n, ok, limited, loginMax, n-loginMax)
		}
	})
}

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

// ---------------------------------------------------------------------------
// Keys

func timePtrString(t *time.Time) string {
	if t == nil {
		return "null"
	}
	return timeString(*t)
}

func keyString(k *skillett.Key) string {
	if k == nil {
		return "<nil>"
	}
	return fmt.Sprintf("{id=%s user=%s name=%q prefix=%s hash=%x scopes=%q created=%s expires=%s revoked=%s used=%s}",
		k.ID, k.UserID, k.Name, k.Prefix, k.Hash[:6], k.Scopes, timeString(k.CreatedAt),
		timePtrString(k.ExpiresAt), timePtrString(k.RevokedAt), timePtrString(k.LastUsedAt))
}

func wantKey(t *testing.T, what string, got, want *skillett.Key) {
	t.Helper()
	if g, w := keyString(got), keyString(want); g != w {
		t.Fatalf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

// wantKeyIDs fails t unless keys have these ids, in this order.
func wantKeyIDs(t *testing.T, what string, keys []*skillett.Key, want ...string) {
	t.Helper()
	got := make([]string, len(keys))
	for i, k := range keys {
		got[i] = k.ID
	}
	if g, w := strings.Join(got, " "), strings.Join(want, " "); g != w {
		t.Fatalf("%s: got ids [%s], want [%s]", what, g, w)
	}
}

func ptr[T any](v T) *T { return &v }

func (s suite) createKey(t *testing.T) {
	limits := skillett.DefaultPlanLimits()
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		k, full := NewKey(u.ID, T0)
		k.Name = "CI · déploiement"
		k.Scopes = []string{"github", "slack"}
		k.ExpiresAt = ptr(T0.Add(30 * 24 * time.Hour))
		wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, limits), "")

		gotK, gotU, err := st.KeyByHash(t.Context(), apikey.Hash(full))
		wantCode(t, "KeyByHash", err, "")
		wantKey(t, "KeyByHash", gotK, k)
		wantUser(t, "KeyByHash owner", gotU, u)
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		if len(keys) != 1 {
			t.Fatalf("ListKeys: got %d keys, want 1", len(keys))
		}
		wantKey(t, "ListKeys", keys[0], k)
	})
	t.Run("StoredToTheSecond", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		zone := time.FixedZone("EST", -5*3600)
		k, _ := NewKey(u.ID, T0.Add(700*time.Millisecond).In(zone))
		k.ExpiresAt = ptr(T0.Add(time.Hour + 300*time.Millisecond).In(zone))
		wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, limits), "")
		want := *k
		want.CreatedAt, want.ExpiresAt = T0, ptr(T0.Add(time.Hour))
		gotK, _, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		wantKey(t, "KeyByHash", gotK, &want)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		k, _ := NewKey("usr_missing", T0)
		wantCode(t, "CreateKey(unknown user)", st.CreateKey(t.Context(), k, limits), skillett.ENOTFOUND)
	})
	t.Run("ErrPlanLimit", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		first, _ := NewKey(u.ID, T0)
		wantCode(t, "CreateKey(first)", st.CreateKey(t.Context(), first, limits), "")
		second, _ := NewKey(u.ID, T0.Add(time.Minute))
		wantCode(t, "CreateKey(second)", st.CreateKey(t.Context(), second, limits), skillett.EPLANLIMIT)
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		wantKeyIDs(t, "ListKeys", keys, first.ID)
		// Another user's keys do not count.
		other := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
		k, _ := NewKey(other.ID, T0)
		wantCode(t, "CreateKey(other user)", st.CreateKey(t.Context(), k, limits), "")
	})
	t.Run("Unlimited", func(t *testing.T) {
		for _, plan := range []skillett.Plan{skillett.PlanPro, skillett.PlanUnlimited} {
			st := s.open(t)
			u := MustCreateUser(t, st, "ada@example.com", plan)
			for i := range 5 {
				k, _ := NewKey(u.ID, T0)
				wantCode(t, fmt.Sprintf("%s: CreateKey %d", plan, i+1), st.CreateKey(t.Context(), k, limits), "")
			}
		}
	})
	t.Run("RevokedDoNotCount", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		first, _ := NewKey(u.ID, T0)
		wantCode(t, "CreateKey(first)", st.CreateKey(t.Context(), first, limits), "")
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, first.ID, T0.Add(time.Minute)), "")
		second, _ := NewKey(u.ID, T0.Add(2*time.Minute))
		wantCode(t, "CreateKey(after revoke)", st.CreateKey(t.Context(), second, limits), "")
	})
	t.Run("ExpiredDoNotCount", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		first, _ := NewKey(u.ID, T0)
		first.ExpiresAt = ptr(T0.Add(time.Hour))
		wantCode(t, "CreateKey(first)", st.CreateKey(t.Context(), first, limits), "")
		early, _ := NewKey(u.ID, T0.Add(time.Hour-time.Second))
		wantCode(t, "CreateKey a second before the first expires", st.CreateKey(t.Context(), early, limits), skillett.EPLANLIMIT)
		onTime, _ := NewKey(u.ID, T0.Add(time.Hour))
		wantCode(t, "CreateKey when the first expires", st.CreateKey(t.Context(), onTime, limits), "")
	})
	t.Run("LimitsHonoured", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		custom := skillett.PlanLimits{skillett.PlanFree: 3, skillett.PlanPro: 0}
		for i := range 3 {
			k, _ := NewKey(u.ID, T0)
			wantCode(t, fmt.Sprintf("CreateKey %d of 3", i+1), st.CreateKey(t.Context(), k, custom), "")
		}
		k, _ := NewKey(u.ID, T0)
		wantCode(t, "CreateKey 4 of 3", st.CreateKey(t.Context(), k, custom), skillett.EPLANLIMIT)

		pro := MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
		k, _ = NewKey(pro.ID, T0)
		wantCode(t, "CreateKey with limit 0", st.CreateKey(t.Context(), k, custom), skillett.EPLANLIMIT)

		// A plan missing from the map has no maximum.
		unl := MustCreateUser(t, st, "cy@example.com", skillett.PlanUnlimited)
		for i := range 5 {
			k, _ := NewKey(unl.ID, T0)
			wantCode(t, fmt.Sprintf("CreateKey %d, plan not in the map", i+1), st.CreateKey(t.Context(), k, custom), "")
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		const n = 20
		errs := Race(n, func(int) error {
			k, _ := NewKey(u.ID, T0)
			return st.CreateKey(t.Context(), k, limits)
		})
		if ok, limited := CountCodes(t, errs, skillett.EPLANLIMIT); ok != 1 || limited != n-1 {
			t.Fatalf("%d concurrent CreateKey on free: got %d created and %d refused, want 1 and %d", n, ok, limited, n-1)
		}
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		if len(keys) != 1 {
			t.Fatalf("ListKeys: got %d keys, want 1", len(keys))
		}
	})
}

func (s suite) listKeys(t *testing.T) {
	t.Run("Order", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		a := MustCreateKey(t, st, u, T0)
		b := MustCreateKey(t, st, u, T0.Add(time.Second))
		c := MustCreateKey(t, st, u, T0.Add(time.Second)) // same second as b, created later
		d := MustCreateKey(t, st, u, T0.Add(time.Second+900*time.Millisecond))
		e := MustCreateKey(t, st, u, T0.Add(-time.Hour)) // created last with an older time
		f := MustCreateKey(t, st, u, T0.Add(time.Hour))
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		wantKeyIDs(t, "ListKeys", keys, f.ID, d.ID, c.ID, b.ID, a.ID, e.ID)
	})
	t.Run("Empty", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		if keys == nil || len(keys) != 0 {
			t.Fatalf("ListKeys with no keys: got %#v, want an empty non-nil slice", keys)
		}
	})
	t.Run("OnlyOwn", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		other := MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
		mine := MustCreateKey(t, st, u, T0)
		MustCreateKey(t, st, other, T0.Add(time.Second))
		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		wantKeyIDs(t, "ListKeys", keys, mine.ID)
	})
	t.Run("RevokedAndExpiredIncluded", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		limits := skillett.DefaultPlanLimits()
		expired, _ := NewKey(u.ID, T0)
		expired.ExpiresAt = ptr(T0.Add(time.Minute))
		wantCode(t, "CreateKey(expiring)", st.CreateKey(t.Context(), expired, limits), "")
		revoked, _ := NewKey(u.ID, T0.Add(time.Hour))
		wantCode(t, "CreateKey(after expiry)", st.CreateKey(t.Context(), revoked, limits), "")
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, revoked.ID, T0.Add(2*time.Hour)), "")
		active, _ := NewKey(u.ID, T0.Add(3*time.Hour))
		wantCode(t, "CreateKey(after revoke)", st.CreateKey(t.Context(), active, limits), "")

		keys, err := st.ListKeys(t.Context(), u.ID)
		wantCode(t, "ListKeys", err, "")
		wantKeyIDs(t, "ListKeys", keys, active.ID, revoked.ID, expired.ID)
		revoked.RevokedAt = ptr(T0.Add(2 * time.Hour))
		wantKey(t, "revoked key", keys[1], revoked)
		wantKey(t, "expired key", keys[2], expired)
	})
}

func (s suite) keyByHash(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		other := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
		k := MustCreateKey(t, st, u, T0)
		MustCreateKey(t, st, other, T0)
		gotK, gotU, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		wantKey(t, "KeyByHash", gotK, k)
		wantUser(t, "KeyByHash owner", gotU, u)
	})
	t.Run("OwnerPlanIsCurrent", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		k := MustCreateKey(t, st, u, T0)
		_, err := st.SetUserPlan(t.Context(), u.Email, skillett.PlanPro)
		wantCode(t, "SetUserPlan", err, "")
		_, gotU, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		if gotU.Plan != skillett.PlanPro {
			t.Fatalf("KeyByHash owner plan: got %s, want %s", gotU.Plan, skillett.PlanPro)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		MustCreateKey(t, st, u, T0)
		k, _, err := st.KeyByHash(t.Context(), apikey.Hash(apikey.Generate()))
		wantCode(t, "KeyByHash(unknown)", err, skillett.ENOTFOUND)
		if k != nil {
			t.Fatalf("KeyByHash(unknown): got %s, want nil", keyString(k))
		}
	})
}

func (s suite) revokeKey(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		k := MustCreateKey(t, st, u, T0)
		other := MustCreateKey(t, st, u, T0)
		before, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")

		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k.ID, T0.Add(time.Hour+400*time.Millisecond)), "")
		got, _, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		k.RevokedAt = ptr(T0.Add(time.Hour))
		wantKey(t, "revoked key", got, k)
		got, _, err = st.KeyByHash(t.Context(), other.Hash)
		wantCode(t, "KeyByHash", err, "")
		wantKey(t, "other key", got, other)

		changes, err := st.Changes(t.Context(), before, 10)
		wantCode(t, "Changes", err, "")
		if len(changes) != 1 || changes[0].KeyID != k.ID || changes[0].UserID != "" {
			t.Fatalf("Changes after RevokeKey: got %+v, want one change with KeyID %s", changes, k.ID)
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		k := MustCreateKey(t, st, u, T0)
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k.ID, T0.Add(time.Hour)), "")
		wantCode(t, "RevokeKey again", st.RevokeKey(t.Context(), u.ID, k.ID, T0.Add(2*time.Hour)), "")
		got, _, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		if got.RevokedAt == nil || !got.RevokedAt.Equal(T0.Add(time.Hour)) {
			t.Fatalf("revoked_at after revoking twice: got %s, want %s", timePtrString(got.RevokedAt), timeString(T0.Add(time.Hour)))
		}
	})
	t.Run("ErrNotFoundOtherUser", func(t *testing.T) {
		st := s.open(t)
		owner := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		mallory := MustCreateUser(t, st, "mallory@example.com", skillett.PlanPro)
		k := MustCreateKey(t, st, owner, T0)
		wantCode(t, "RevokeKey(another user's key)", st.RevokeKey(t.Context(), mallory.ID, k.ID, T0.Add(time.Hour)), skillett.ENOTFOUND)
		got, _, err := st.KeyByHash(t.Context(), k.Hash)
		wantCode(t, "KeyByHash", err, "")
		wantKey(t, "key after another user's revoke", got, k)
		last, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")
		if last != 0 {
			t.Fatalf("LastChange after refused revoke: got %d, want 0", last)
		}
	})
	t.Run("ErrNotFoundUnknownID", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		MustCreateKey(t, st, u, T0)
		wantCode(t, "RevokeKey(unknown id)", st.RevokeKey(t.Context(), u.ID, "key_missing", T0), skillett.ENOTFOUND)
	})
}

func (s suite) touchKeys(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		a, b, c := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
		err := st.TouchKeys(t.Context(), map[string]time.Time{
			a.ID: T0.Add(time.Minute),
			b.ID: T0.Add(2*time.Minute + 999*time.Millisecond),
		})
		wantCode(t, "TouchKeys", err, "")
		a.LastUsedAt, b.LastUsedAt = ptr(T0.Add(time.Minute)), ptr(T0.Add(2*time.Minute))
		for _, want := range []*skillett.Key{a, b, c} {
			got, _, err := st.KeyByHash(t.Context(), want.Hash)
			wantCode(t, "KeyByHash", err, "")
			wantKey(t, "after TouchKeys", got, want)
		}
	})
	t.Run("NeverBackwards", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		a, b := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
		wantCode(t, "TouchKeys", st.TouchKeys(t.Context(), map[string]time.Time{a.ID: T0.Add(time.Hour), b.ID: T0.Add(time.Hour)}), "")
		wantCode(t, "TouchKeys", st.TouchKeys(t.Context(), map[string]time.Time{a.ID: T0.Add(time.Minute), b.ID: T0.Add(2 * time.Hour)}), "")
		for key, want := range map[*skillett.Key]time.Time{a: T0.Add(time.Hour), b: T0.Add(2 * time.Hour)} {
			got, _, err := st.KeyByHash(t.Context(), key.Hash)
			wantCode(t, "KeyByHash", err, "")
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(want) {
				t.Fatalf("last_used_at: got %s, want %s", timePtrString(got.LastUsedAt), timeString(want))
			}
		}
	})
	t.Run("UnknownAndEmpty", func(t *testing.T) {
		st := s.open(t)
		wantCode(t, "TouchKeys(unknown id)", st.TouchKeys(t.Context(), map[string]time.Time{"key_missing": T0}), "")
		wantCode(t, "TouchKeys(empty)", st.TouchKeys(t.Context(), map[string]time.Time{}), "")
		wantCode(t, "TouchKeys(nil)", st.TouchKeys(t.Context(), nil), "")
	})
}

func (s suite) changes(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		st := s.open(t)
		last, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")
		if last != 0 {
			t.Fatalf("LastChange of an empty log: got %d, want 0", last)
		}
		changes, err := st.Changes(t.Context(), 0, 10)
		wantCode(t, "Changes", err, "")
		if len(changes) != 0 {
			t.Fatalf("Changes of an empty log: got %+v, want none", changes)
		}
	})
	t.Run("Order", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
		k1, k2 := MustCreateKey(t, st, u, T0), MustCreateKey(t, st, u, T0)
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k1.ID, T0), "")
		_, err := st.SetUserPlan(t.Context(), u.Email, skillett.PlanFree)
		wantCode(t, "SetUserPlan", err, "")
		wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k2.ID, T0), "")

		all, err := st.Changes(t.Context(), 0, 10)
		wantCode(t, "Changes", err, "")
		want := []skillett.Change{{KeyID: k1.ID}, {UserID: u.ID}, {KeyID: k2.ID}}
		if len(all) != len(want) {
			t.Fatalf("Changes(0, 10): got %+v, want %d entries", all, len(want))
		}
		for i := range all {
			if all[i].KeyID != want[i].KeyID || all[i].UserID != want[i].UserID || (i > 0 && all[i].Seq <= all[i-1].Seq) {
				t.Fatalf("Changes(0, 10): got %+v, want %+v in order with increasing seq", all, want)
			}
		}
		last, err := st.LastChange(t.Context())
		wantCode(t, "LastChange", err, "")
		if last != all[2].Seq {
			t.Fatalf("LastChange: got %d, want %d", last, all[2].Seq)
		}

		after, err := st.Changes(t.Context(), all[0].Seq, 10)
		wantCode(t, "Changes", err, "")
		if len(after) != 2 || after[0] != all[1] || after[1] != all[2] {
			t.Fatalf("Changes(after first): got %+v, want %+v", after, all[1:])
		}
		limited, err := st.Changes(t.Context(), 0, 2)
		wantCode(t, "Changes", err, "")
		if len(limited) != 2 || limited[0] != all[0] || limited[1] != all[1] {
			t.Fatalf("Changes(0, 2): got %+v, want %+v", limited, all[:2])
		}
		none, err := st.Changes(t.Context(), last, 10)
		wantCode(t, "Changes", err, "")
		if len(none) != 0 {
			t.Fatalf("Changes(last): got %+v, want none", none)
		}
	})
}
