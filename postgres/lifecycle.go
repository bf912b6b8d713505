package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/skillett/skillett"
)

// KeyByID returns the user's key with this id. ENOTFOUND.
func (s *Store) KeyByID(ctx context.Context, userID, keyID string) (*skillett.Key, error) {
	k, err := findKey(ctx, s.pool, userID, keyID, "")
	return k, wrap("key by id", err)
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// findKey reads the user's key; lock is "" or a locking clause.
func findKey(ctx context.Context, q querier, userID, keyID, lock string) (*skillett.Key, error) {
	var r keyRow
	err := q.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys k
		WHERE k.id = $1 AND k.user_id = $2 `+lock, keyID, userID).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errKeyNotFound
	} else if err != nil {
		return nil, err
	}
	return r.key()
}

// UpdateKey changes the user's key as update says. The key's row is locked
// FOR UPDATE from the read on, so concurrent changes of one key, from any
// process, apply one after the other, each to what the last committed.
// ENOTFOUND.
func (s *Store) UpdateKey(ctx context.Context, userID, keyID string, e *skillett.Event, update func(*skillett.Key) ([]string, error)) (*skillett.Key, error) {
	var k *skillett.Key
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if k, err = findKey(ctx, tx, userID, keyID, "FOR UPDATE"); err != nil {
			return err
		}
		changed, err := update(k)
		if err != nil {
			return err
		}
		a := keyAttrs(k)
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET name = $1, scopes = $2, expires_at = $3,
			ip_allowlist = $4, rate_limit = $5, rate_window = $6 WHERE id = $7`,
			k.Name, k.Scopes, secPtr(k.ExpiresAt), a.allowlist, a.rateLimit, a.rateWindow, k.ID); err != nil {
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

// RollKey replaces the user's key by newKey as roll says. The old key's
// row is locked FOR UPDATE before roll sees it, so of concurrent rolls
// from any process the first commits and the others then read it rolled.
// ENOTFOUND.
func (s *Store) RollKey(ctx context.Context, userID, keyID string, newKey *skillett.Key, e *skillett.Event, roll func(old, newKey *skillett.Key) error) (*skillett.Key, error) {
	var old *skillett.Key
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if old, err = findKey(ctx, tx, userID, keyID, "FOR UPDATE"); err != nil {
			return err
		}
		if err := roll(old, newKey); err != nil {
			return err
		}
		if err := insertKey(ctx, tx, newKey); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET expires_at = $1, replaced_by = $2 WHERE id = $3`,
			secPtr(old.ExpiresAt), old.ReplacedBy, old.ID); err != nil {
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
