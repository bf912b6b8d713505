package storetest

import (
	"testing"
	"time"

	"github.com/skillett/skillett"
)

func (s suite) listUsers(t *testing.T) {
	st := s.open(t)
	users, err := st.ListUsers(t.Context())
	wantCode(t, "ListUsers (none)", err, "")
	if len(users) != 0 {
		t.Fatalf("ListUsers: got %d users, want none", len(users))
	}
	b := MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
	a := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	users, err = st.ListUsers(t.Context())
	wantCode(t, "ListUsers", err, "")
	if len(users) != 2 {
		t.Fatalf("ListUsers: got %d users, want 2", len(users))
	}
	// Same created_at: by email.
	wantUser(t, "ListUsers[0]", users[0], a)
	wantUser(t, "ListUsers[1]", users[1], b)
}

func (s suite) setUserPassword(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		other := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
		mine, current, others := newSession(u.ID, "t1"), newSession(u.ID, "t2"), newSession(other.ID, "t3")
		for _, sess := range []*skillett.Session{mine, current, others} {
			wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, nil), "")
		}
		wantCode(t, "SetUserPassword", st.SetUserPassword(t.Context(), u.ID, "$argon2id$new", &current.TokenHash, nil), "")
		wantPasswordHash(t, st, u, "$argon2id$new")
		_, _, err := st.SessionUser(t.Context(), mine.TokenHash, T0.Add(time.Hour))
		wantCode(t, "SessionUser(other session of the user)", err, skillett.ENOTFOUND)
		_, _, err = st.SessionUser(t.Context(), current.TokenHash, T0.Add(time.Hour))
		wantCode(t, "SessionUser(kept session)", err, "")
		_, _, err = st.SessionUser(t.Context(), others.TokenHash, T0.Add(time.Hour))
		wantCode(t, "SessionUser(another user's session)", err, "")
	})
	t.Run("AllSessions", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		sess := newSession(u.ID, "t1")
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, nil), "")
		wantCode(t, "SetUserPassword", st.SetUserPassword(t.Context(), u.ID, "$argon2id$new", nil, nil), "")
		_, _, err := st.SessionUser(t.Context(), sess.TokenHash, T0.Add(time.Hour))
		wantCode(t, "SessionUser", err, skillett.ENOTFOUND)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st := s.open(t)
		wantCode(t, "SetUserPassword(unknown user)", st.SetUserPassword(t.Context(), "usr_nope", "$x", nil, nil), skillett.ENOTFOUND)
	})
}

func (s suite) deleteUserSessions(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	other := MustCreateUser(t, st, "bob@example.com", skillett.PlanFree)
	s1, s2, s3 := newSession(u.ID, "t1"), newSession(u.ID, "t2"), newSession(other.ID, "t3")
	for _, sess := range []*skillett.Session{s1, s2, s3} {
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, nil), "")
	}
	wantCode(t, "DeleteUserSessions(keep s2)", st.DeleteUserSessions(t.Context(), u.ID, &s2.TokenHash, nil), "")
	_, _, err := st.SessionUser(t.Context(), s1.TokenHash, T0)
	wantCode(t, "SessionUser(s1)", err, skillett.ENOTFOUND)
	_, _, err = st.SessionUser(t.Context(), s2.TokenHash, T0)
	wantCode(t, "SessionUser(kept s2)", err, "")
	wantCode(t, "DeleteUserSessions(all)", st.DeleteUserSessions(t.Context(), u.ID, nil, nil), "")
	_, _, err = st.SessionUser(t.Context(), s2.TokenHash, T0)
	wantCode(t, "SessionUser(s2)", err, skillett.ENOTFOUND)
	_, _, err = st.SessionUser(t.Context(), s3.TokenHash, T0)
	wantCode(t, "SessionUser(another user's)", err, "")
}
