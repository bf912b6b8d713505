package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/skillett/skillett"
)

// ListUsers returns every user, oldest first.
func (s *Store) ListUsers(ctx context.Context) ([]*skillett.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u ORDER BY u.created_at, u.email`)
	if err != nil {
		return nil, wrap("list users", err)
	}
	defer rows.Close()
	var users []*skillett.User
	for rows.Next() {
		u := new(skillett.User)
		if err := rows.Scan(userDest(u)...); err != nil {
			return nil, wrap("list users", err)
		}
		fixUser(u)
		users = append(users, u)
	}
	return users, wrap("list users", rows.Err())
}

// SetUserPassword sets the user's password hash, deletes the user's
// sessions but keep (nil: all) and writes e, in one transaction. ENOTFOUND.
func (s *Store) SetUserPassword(ctx context.Context, userID, hash string, keep *[32]byte, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errUserNotFound
		}
		if _, err := deleteUserSessions(ctx, tx, userID, keep); err != nil {
			return err
		}
		return insertEvent(ctx, tx, about(e, userID, ""))
	})
	return wrap("set user password", err)
}

// DeleteUserSessions deletes the user's sessions but keep (nil: all) and,
// if there were any, writes e, in one transaction.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep *[32]byte, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := deleteUserSessions(ctx, tx, userID, keep)
		if err != nil || n == 0 {
			return err
		}
		return insertEvent(ctx, tx, about(e, userID, ""))
	})
	return wrap("delete user sessions", err)
}

// deleteUserSessions deletes the user's sessions but keep (nil: all) and
// returns how many it deleted.
func deleteUserSessions(ctx context.Context, tx pgx.Tx, userID string, keep *[32]byte) (int64, error) {
	var except [32]byte // no token hashes to all zeros
	if keep != nil {
		except = *keep
	}
	tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, except[:])
	return tag.RowsAffected(), err
}
