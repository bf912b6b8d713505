package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/skillett/skillett"
)

const userColumns = `u.id, u.email, u.plan, u.password_hash, u.created_at`

// userRow receives the userColumns of a row.
type userRow struct {
	u       skillett.User
	created int64
}

func (r *userRow) dest() []any {
	return []any{&r.u.ID, &r.u.Email, &r.u.Plan, &r.u.PasswordHash, &r.created}
}

func (r *userRow) user() *skillett.User {
	u := r.u
	u.CreatedAt = fromUnix(r.created)
	return &u
}

var errUserNotFound = skillett.Errorf(skillett.ENOTFOUND, "User not found.")

// CreateUser inserts u and e. ECONFLICT if the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *skillett.User, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// ON CONFLICT on the email alone: a duplicate id stays an internal error.
		res, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, plan, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`,
			u.ID, u.Email, u.Plan, u.PasswordHash, u.CreatedAt.Unix())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return skillett.Errorf(skillett.ECONFLICT, "A user with this email already exists.")
		}
		return insertEvent(ctx, tx, about(e, u.ID, ""))
	})
	return wrap("create user", err)
}

// UserByEmail returns the user with this email. ENOTFOUND.
func (s *Store) UserByEmail(ctx context.Context, email string) (*skillett.User, error) {
	return s.findUser(ctx, "user by email", `SELECT `+userColumns+` FROM users u WHERE u.email = ?`, email)
}

func (s *Store) findUser(ctx context.Context, op, query string, arg any) (*skillett.User, error) {
	var r userRow
	err := s.read.QueryRowContext(ctx, query, arg).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUserNotFound
	} else if err != nil {
		return nil, wrap(op, err)
	}
	return r.user(), nil
}

// SetUserPlan changes the plan of the user with this email and records a
// change for the user, and e if the plan changed, in one transaction.
// ENOTFOUND.
func (s *Store) SetUserPlan(ctx context.Context, email string, plan skillett.Plan, e *skillett.Event) (*skillett.User, error) {
	var r userRow
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var from skillett.Plan
		err := tx.QueryRowContext(ctx, `SELECT plan FROM users WHERE email = ?`, email).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			return errUserNotFound
		} else if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `UPDATE users SET plan = ? WHERE email = ?
			RETURNING id, email, plan, password_hash, created_at`,
			plan, email).Scan(r.dest()...); err != nil {
			return err
		}
		if e != nil && from != plan {
			e.UserID, e.Data = r.u.ID, map[string]any{"from": string(from), "to": string(plan)}
			if err := insertEvent(ctx, tx, e); err != nil {
				return err
			}
		}
		return recordChange(ctx, tx, "", r.u.ID)
	})
	if err != nil {
		return nil, wrap("set user plan", err)
	}
	return r.user(), nil
}

// CreateSession inserts sess and e, and deletes the user's sessions that
// have expired by its creation so that they do not pile up.
func (s *Store) CreateSession(ctx context.Context, sess *skillett.Session, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?`,
			sess.UserID, sess.CreatedAt.Unix()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			sess.TokenHash[:], sess.UserID, sess.CreatedAt.Unix(), sess.ExpiresAt.Unix()); err != nil {
			return err
		}
		return insertEvent(ctx, tx, about(e, sess.UserID, ""))
	})
	return wrap("create session", err)
}

// SessionUser returns the session with this token hash and its user, unless
// the session has expired at now. ENOTFOUND.
func (s *Store) SessionUser(ctx context.Context, tokenHash [32]byte, now time.Time) (*skillett.Session, *skillett.User, error) {
	var (
		sess             = skillett.Session{TokenHash: tokenHash}
		created, expires int64
		r                userRow
	)
	// expires_at > now.Unix() is expires_at > now for whole seconds.
	err := s.read.QueryRowContext(ctx, `SELECT s.user_id, s.created_at, s.expires_at, `+userColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash[:], now.Unix()).
		Scan(append([]any{&sess.UserID, &created, &expires}, r.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, skillett.Errorf(skillett.ENOTFOUND, "Session not found.")
	} else if err != nil {
		return nil, nil, wrap("session user", err)
	}
	sess.CreatedAt, sess.ExpiresAt = fromUnix(created), fromUnix(expires)
	return &sess, r.user(), nil
}

// DeleteSession deletes the session with this token hash, if any, and
// writes e for its user.
func (s *Store) DeleteSession(ctx context.Context, tokenHash [32]byte, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var userID string
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE token_hash = ? RETURNING user_id`, tokenHash[:]).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		return insertEvent(ctx, tx, about(e, userID, ""))
	})
	return wrap("delete session", err)
}

// ReserveLoginAttempt counts the failed logins of email in (now-window,
// now] and records this attempt as one unless there are max or more
// already, in one write transaction. It also prunes every failure that has
// left the window, whatever its email.
func (s *Store) ReserveLoginAttempt(ctx context.Context, email string, now time.Time, window time.Duration, max int) error {
	// Failures are stored to the second: at > now-window is at > cutoff.
	cutoff, at := now.Add(-window).Unix(), now.Unix()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at <= ?`, cutoff); err != nil {
			return err
		}
		var n int
		var oldest int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(min(at), 0) FROM login_failures
			WHERE email = ? AND at > ? AND at <= ?`, email, cutoff, at).Scan(&n, &oldest); err != nil {
			return err
		}
		if n >= max {
			retry := window
			if n > 0 {
				retry = time.Unix(oldest, 0).Add(window).Sub(now)
			}
			return skillett.LoginThrottledError(retry)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (email, at) VALUES (?, ?)`, email, at)
		return err
	})
	return wrap("reserve login attempt", err)
}

// ClearLoginFailures forgets every failed login of email.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM login_failures WHERE email = ?`, email)
	return wrap("clear login failures", err)
}
