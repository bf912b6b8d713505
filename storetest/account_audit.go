package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

// accountAudit checks that a password change and "sign out everywhere"
// write their event in the transaction of the change: a committed change
// has its event, a failed one has none and changes nothing.
func (s suite) accountAudit(t *testing.T) {
	t.Run("PasswordChanged", s.auditPasswordChanged)
	t.Run("PasswordChangeFailed", s.auditPasswordChangeFailed)
	t.Run("SignedOutEverywhere", s.auditSignedOutEverywhere)
	t.Run("SignOutEverywhereFailed", s.auditSignOutEverywhereFailed)
}

func (s suite) auditPasswordChanged(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	other, current := newSession(u.ID, "t1"), newSession(u.ID, "t2")
	for _, sess := range []*skillett.Session{other, current} {
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, nil), "")
	}
	e := ev(t, skillett.EventUserPasswordChange, T0)
	e.Data = map[string]any{"all_sessions": false}
	wantCode(t, "SetUserPassword", st.SetUserPassword(t.Context(), u.ID, "$argon2id$new", &current.TokenHash, e), "")
	events := AllEvents(t, st, u.ID)
	wantTypes(t, "events", events, skillett.EventUserPasswordChange)
	wantAccountEvent(t, events[0], u.ID, "map[all_sessions:false]")
	wantPasswordHash(t, st, u, "$argon2id$new")
	wantSessions(t, st, map[*skillett.Session]bool{other: false, current: true})
}

func (s suite) auditPasswordChangeFailed(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	sess := newSession(u.ID, "t1")
	wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, ev(t, skillett.EventUserLoggedIn, T0)), "")
	logIn := AllEvents(t, st, u.ID)[0]

	e := ev(t, skillett.EventUserPasswordChange, T0)
	wantCode(t, "SetUserPassword(unknown user)", st.SetUserPassword(t.Context(), "usr_nope", "$x", nil, e), skillett.ENOTFOUND)
	wantTypes(t, "events of the unknown user", AllEvents(t, st, "usr_nope"))

	// An event that cannot be written (its id is taken) undoes the
	// change it records.
	e = ev(t, skillett.EventUserPasswordChange, T0)
	e.ID = logIn.ID
	if err := st.SetUserPassword(t.Context(), u.ID, "$argon2id$new", nil, e); err == nil {
		t.Fatal("SetUserPassword with an event that cannot be written: got nil, want an error")
	}
	wantTypes(t, "events", AllEvents(t, st, u.ID), skillett.EventUserLoggedIn)
	wantPasswordHash(t, st, u, u.PasswordHash)
	wantSessions(t, st, map[*skillett.Session]bool{sess: true})
}

func (s suite) auditSignedOutEverywhere(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	bob := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
	s1, s2, bobs := newSession(u.ID, "t1"), newSession(u.ID, "t2"), newSession(bob.ID, "t3")
	for _, sess := range []*skillett.Session{s1, s2, bobs} {
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, nil), "")
	}
	e := ev(t, skillett.EventUserLoggedOut, T0)
	e.Data = map[string]any{"all_sessions": true}
	wantCode(t, "DeleteUserSessions", st.DeleteUserSessions(t.Context(), u.ID, nil, e), "")
	events := AllEvents(t, st, u.ID)
	wantTypes(t, "events", events, skillett.EventUserLoggedOut)
	wantAccountEvent(t, events[0], u.ID, "map[all_sessions:true]")
	wantSessions(t, st, map[*skillett.Session]bool{s1: false, s2: false, bobs: true})
	wantTypes(t, "bob's events", AllEvents(t, st, bob.ID))

	// No session left: nothing changes, and no event says it did.
	wantCode(t, "DeleteUserSessions(none left)", st.DeleteUserSessions(t.Context(), u.ID, nil, ev(t, skillett.EventUserLoggedOut, T0)), "")
	wantTypes(t, "events after a second sign-out", AllEvents(t, st, u.ID), skillett.EventUserLoggedOut)
}

func (s suite) auditSignOutEverywhereFailed(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	sess := newSession(u.ID, "t1")
	wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, ev(t, skillett.EventUserLoggedIn, T0)), "")
	e := ev(t, skillett.EventUserLoggedOut, T0)
	e.ID = AllEvents(t, st, u.ID)[0].ID
	if err := st.DeleteUserSessions(t.Context(), u.ID, nil, e); err == nil {
		t.Fatal("DeleteUserSessions with an event that cannot be written: got nil, want an error")
	}
	wantTypes(t, "events", AllEvents(t, st, u.ID), skillett.EventUserLoggedIn)
	wantSessions(t, st, map[*skillett.Session]bool{sess: true})
}

// wantAccountEvent checks an account event of userID: by the suite's
// actor, about no key, with data printing as wantData.
func wantAccountEvent(t *testing.T, e *skillett.Event, userID, wantData string) {
	t.Helper()
	if e.UserID != userID || e.Actor != Actor || e.KeyID != "" || !e.CreatedAt.Equal(T0) || fmt.Sprint(e.Data) != wantData {
		t.Errorf("%s: got user %s, actor %+v, key %q, time %s, data %v; want user %s, actor %+v, no key, %s, data %s",
			e.Type, e.UserID, e.Actor, e.KeyID, timeString(e.CreatedAt), e.Data, userID, Actor, timeString(T0), wantData)
	}
}

func wantPasswordHash(t *testing.T, st skillett.Store, u *skillett.User, want string) {
	t.Helper()
	got, err := st.UserByEmail(t.Context(), u.Email)
	wantCode(t, "UserByEmail", err, "")
	if got.PasswordHash != want {
		t.Errorf("password hash: got %q, want %q", got.PasswordHash, want)
	}
}

// wantSessions checks which of the sessions still exist.
func wantSessions(t *testing.T, st skillett.Store, alive map[*skillett.Session]bool) {
	t.Helper()
	for sess, want := range alive {
		_, _, err := st.SessionUser(t.Context(), sess.TokenHash, T0.Add(time.Minute))
		if got := err == nil; got != want {
			t.Errorf("session of %s: exists %v (%v), want %v", sess.UserID, got, err, want)
		}
	}
}
