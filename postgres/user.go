package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/skillett/skillett"
)

const userColumns = `u.id, u.email, u.plan, u.password_hash, u.created_at`

// userDest returns the scan destinations of userColumns; call fixUser
// after scanning.
func userDest(u *skillett.User) []any {
	return []any{&u.ID, &u.Email, &u.Plan, &u.PasswordHash, &u.CreatedAt}
}

// fixUser returns the scanned time in UTC.
func fixUser(u *skillett.User) { u.CreatedAt = u.CreatedAt.UTC() }

var errUserNotFound = skillett.Errorf(skillett.ENOTFOUND, "User not found.")

// CreateUser inserts u and e. ECONFLICT if the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *skillett.User, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, plan, password_hash, created_at)
			VALUES ($1, $2, $3, $4, $5)`,
			u.ID, u.Email, u.Plan, u.PasswordHash, sec(u.CreatedAt)); err != nil {
			return err
		}
		return insertEvent(ctx, tx, about(e, u.ID, ""))
	})
	// Only the email: a duplicate id stays an internal error.
	if isUniqueViolation(err, "users_email_key") {
		return skillett.Errorf(skillett.ECONFLICT, "A user with this email already exists.")
	}
	return wrap("create user", err)
}

// UserByEmail returns the user with this email. ENOTFOUND.
func (s *Store) UserByEmail(ctx context.Context, email string) (*skillett.User, error) {
	return s.findUser(ctx, "user by email", `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, email)
}

func (s *Store) findUser(ctx context.Context, op, query string, arg any) (*skillett.User, error) {
	var u skillett.User
	err := s.pool.QueryRow(ctx, query, arg).Scan(userDest(&u)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errUserNotFound
	} else if err != nil {
		return nil, wrap(op, err)
	}
	fixUser(&u)
	return &u, nil
}

// SetUserPlan changes the plan of the user with this email and records a
// change for the user, and e if the plan changed, in one transaction.
// ENOTFOUND.
func (s *Store) SetUserPlan(ctx context.Context, email string, plan skillett.Plan, e *skillett.Event) (*skillett.User, error) {
	var u skillett.User
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var from skillett.Plan
		err := tx.QueryRow(ctx, `SELECT plan FROM users WHERE email = $1 FOR NO KEY UPDATE`, email).Scan(&from)
		if errors.Is(err, pgx.ErrNoRows) {
			return errUserNotFound
		} else if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE users u SET plan = $1 WHERE u.email = $2 RETURNING `+userColumns,
			plan, email).Scan(userDest(&u)...); err != nil {
			return err
		}
		if e != nil && from != plan {
			e.Data = map[string]any{"from": string(from), "to": string(plan)}
			if err := insertEvent(ctx, tx, about(e, u.ID, "")); err != nil {
				return err
			}
		}
		return recordChange(ctx, tx, "", u.ID)
	})
	if err != nil {
		return nil, wrap("set user plan", err)
	}
	fixUser(&u)
	return &u, nil
}

// CreateSession inserts sess and e, and deletes the user's sessions that have
// expired by its creation so that they do not pile up.
func (s *Store) CreateSession(ctx context.Context, sess *skillett.Session, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2`,
			sess.UserID, sec(sess.CreatedAt)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			sess.TokenHash[:], sess.UserID, sec(sess.CreatedAt), sec(sess.ExpiresAt)); err != nil {
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
		sess = skillett.Session{TokenHash: tokenHash}
		u    skillett.User
	)
	err := s.pool.QueryRow(ctx, `SELECT s.user_id, s.created_at, s.expires_at, `+userColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2`, tokenHash[:], now).
		Scan(append([]any{&sess.UserID, &sess.CreatedAt, &sess.ExpiresAt}, userDest(&u)...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, skillett.Errorf(skillett.ENOTFOUND, "Session not found.")
	} else if err != nil {
		return nil, nil, wrap("session user", err)
	}
	sess.CreatedAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.ExpiresAt.UTC()
	fixUser(&u)
	return &sess, &u, nil
}

// DeleteSession deletes the session with this token hash, if any, and
// writes e for its user.
func (s *Store) DeleteSession(ctx context.Context, tokenHash [32]byte, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var userID string
		err := tx.QueryRow(ctx, `DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id`, tokenHash[:]).Scan(&userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		return insertEvent(ctx, tx, about(e, userID, ""))
	})
	return wrap("delete session", err)
}

// lockLogin makes the transaction's reads and writes of email's failures
// exclusive, across processes, until it ends. Emails whose hashes collide
// merely take turns.
func lockLogin(ctx context.Context, tx pgx.Tx, email string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, loginLockSpace, email)
	return err
}

// ReserveLoginAttempt counts the failed logins of email in (now-window,
// now] and records this attempt as one unless there are max or more
// already, under the email's advisory lock. It also prunes the email's
// failures that have left the window.
func (s *Store) ReserveLoginAttempt(ctx context.Context, email string, now time.Time, window time.Duration, max int) error {
	cutoff := now.Add(-window)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockLogin(ctx, tx, email); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE email = $1 AND at <= $2`, email, cutoff); err != nil {
			return err
		}
		var (
			n      int
			oldest *time.Time
		)
		if err := tx.QueryRow(ctx, `SELECT count(*), min(at) FROM login_failures
			WHERE email = $1 AND at > $2 AND at <= $3`, email, cutoff, now).Scan(&n, &oldest); err != nil {
			return err
		}
		if n >= max {
			retry := window
			if oldest != nil {
				retry = oldest.Add(window).Sub(now)
			}
			return skillett.LoginThrottledError(retry)
		}
		_, err := tx.Exec(ctx, `INSERT INTO login_failures (email, at) VALUES ($1, $2)`, email, sec(now))
		return err
	})
	return wrap("reserve login attempt", err)
}

// ClearLoginFailures forgets every failed login of email. It takes the
// email's lock too, so that its delete never interleaves with a reserve's
// prune of the same rows.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockLogin(ctx, tx, email); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE email = $1`, email)
		return err
	})
	return wrap("clear login failures", err)
}
