package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

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
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, nil), "")
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
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, nil), "")

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
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), newSession(u.ID, "token-1"), nil), "")
		_, _, err := st.SessionUser(t.Context(), apikey.Hash("token-2"), T0)
		wantCode(t, "SessionUser(unknown token)", err, skillett.ENOTFOUND)
	})
	t.Run("Delete", func(t *testing.T) {
		st := s.open(t)
		u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
		s1, s2 := newSession(u.ID, "token-1"), newSession(u.ID, "token-2")
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), s1, nil), "")
		wantCode(t, "CreateSession", st.CreateSession(t.Context(), s2, nil), "")
		wantCode(t, "DeleteSession", st.DeleteSession(t.Context(), s1.TokenHash, nil), "")
		_, _, err := st.SessionUser(t.Context(), s1.TokenHash, T0)
		wantCode(t, "SessionUser(deleted)", err, skillett.ENOTFOUND)
		_, _, err = st.SessionUser(t.Context(), s2.TokenHash, T0)
		wantCode(t, "SessionUser(other session)", err, "")
	})
	t.Run("DeleteMissing", func(t *testing.T) {
		st := s.open(t)
		wantCode(t, "DeleteSession(missing)", st.DeleteSession(t.Context(), apikey.Hash("nope"), nil), "")
	})
}
