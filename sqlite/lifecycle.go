package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/skillett/skillett"
)

// KeyByID returns the user's key with this id. ENOTFOUND.
func (s *Store) KeyByID(ctx context.Context, userID, keyID string) (*skillett.Key, error) {
	k, err := findKey(ctx, s.read, userID, keyID)
	return k, wrap("key by id", err)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func findKey(ctx context.Context, q querier, userID, keyID string) (*skillett.Key, error) {
	var r keyRow
	err := q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys k
		WHERE k.id = ? AND k.user_id = ?`, keyID, userID).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errKeyNotFound
	} else if err != nil {
		return nil, err
	}
	return r.key()
}

// UpdateKey changes the user's key as update says. The write transaction
// holds the database's write lock from its first statement, so the read
// and the write are atomic across processes. ENOTFOUND.
func (s *Store) UpdateKey(ctx context.Context, userID, keyID string, e *skillett.Event, update func(*skillett.Key) ([]string, error)) (*skillett.Key, error) {
	var k *skillett.Key
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if k, err = findKey(ctx, tx, userID, keyID); err != nil {
			return err
		}
		changed, err := update(k)
		if err != nil {
			return err
		}
		a, err := keyAttrs(k)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET name = ?, scopes = ?, expires_at = ?,
			ip_allowlist = ?, rate_limit = ?, rate_window = ? WHERE id = ?`,
			k.Name, a.scopes, nullUnix(k.ExpiresAt), a.allowlist, a.rateLimit, a.rateWindow, k.ID); err != nil {
			return err
		}
		if e != nil && len(changed) > 0 {
			e.Data = map[string]any{"fields": changed}
			if err := insertEvent(ctx, tx, about(e, userID, k.ID)); err != nil {
				return err
			}
		}
		return recordChange(ctx, tx, k.ID, "")
	})
	if err != nil {
		return nil, wrap("update key", err)
	}
	return k, nil
}

// RollKey replaces the user's key by newKey as roll says. Concurrent rolls
// take the write lock one after the other, so the second finds the key
// rolled. ENOTFOUND.
func (s *Store) RollKey(ctx context.Context, userID, keyID string, newKey *skillett.Key, e *skillett.Event, roll func(old, newKey *skillett.Key) error) (*skillett.Key, error) {
	var old *skillett.Key
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if old, err = findKey(ctx, tx, userID, keyID); err != nil {
			return err
		}
		if err := roll(old, newKey); err != nil {
			return err
		}
		if err := insertKey(ctx, tx, newKey); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET expires_at = ?, replaced_by = ? WHERE id = ?`,
			nullUnix(old.ExpiresAt), old.ReplacedBy, old.ID); err != nil {
			return err
		}
		if e != nil {
			if e.Data == nil {
				e.Data = map[string]any{}
			}
			e.Data["new_key_id"] = newKey.ID
			if err := insertEvent(ctx, tx, about(e, userID, old.ID)); err != nil {
				return err
			}
		}
		return recordChange(ctx, tx, old.ID, "")
	})
	if err != nil {
		return nil, wrap("roll key", err)
	}
	return old, nil
}
