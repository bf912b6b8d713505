package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/skillett/skillett"
)

const keyColumns = `k.id, k.user_id, k.name, k.key_prefix, k.key_hash, k.scopes,
	k.created_at, k.expires_at, k.revoked_at, k.last_used_at,
	k.ip_allowlist, k.rate_limit, k.rate_window, k.replaced_by, k.revocation_reason`

// keyRow receives the keyColumns of a row.
type keyRow struct {
	k                          skillett.Key
	hash                       []byte
	scopes                     string
	created                    int64
	expires, revoked, lastUsed sql.NullInt64
	allowlist                  sql.NullString
	rateLimit, rateWindow      sql.NullInt64
	replacedBy, reason         sql.NullString
}

func (r *keyRow) dest() []any {
	return []any{&r.k.ID, &r.k.UserID, &r.k.Name, &r.k.Prefix, &r.hash, &r.scopes,
		&r.created, &r.expires, &r.revoked, &r.lastUsed,
		&r.allowlist, &r.rateLimit, &r.rateWindow, &r.replacedBy, &r.reason}
}

func (r *keyRow) key() (*skillett.Key, error) {
	k := r.k
	if len(r.hash) != len(k.Hash) {
		return nil, fmt.Errorf("key %s: stored hash has %d bytes", k.ID, len(r.hash))
	}
	copy(k.Hash[:], r.hash)
	if err := json.Unmarshal([]byte(r.scopes), &k.Scopes); err != nil {
		return nil, fmt.Errorf("key %s: scopes: %w", k.ID, err)
	}
	k.CreatedAt = fromUnix(r.created)
	k.ExpiresAt = fromNullUnix(r.expires)
	k.RevokedAt = fromNullUnix(r.revoked)
	k.LastUsedAt = fromNullUnix(r.lastUsed)
	if r.allowlist.Valid {
		if err := json.Unmarshal([]byte(r.allowlist.String), &k.IPAllowlist); err != nil {
			return nil, fmt.Errorf("key %s: ip_allowlist: %w", k.ID, err)
		}
	}
	if r.rateLimit.Valid && r.rateWindow.Valid {
		k.RateLimit = &skillett.RateLimit{Limit: int(r.rateLimit.Int64), Window: time.Duration(r.rateWindow.Int64) * time.Second}
	}
	k.ReplacedBy, k.RevocationReason = r.replacedBy.String, r.reason.String
	return &k, nil
}

// attrs are the stored forms of a key's scopes and optional attributes,
// the columns that both insertKey and UpdateKey write.
type attrs struct {
	scopes                           string
	allowlist, rateLimit, rateWindow any
}

func keyAttrs(k *skillett.Key) (attrs, error) {
	var a attrs
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return a, err
	}
	a.scopes = string(scopes)
	if k.IPAllowlist != nil {
		b, err := json.Marshal(k.IPAllowlist) // netip.Prefix marshals as its text
		if err != nil {
			return a, err
		}
		a.allowlist = string(b)
	}
	if r := k.RateLimit; r != nil {
		a.rateLimit, a.rateWindow = r.Limit, int64(r.Window/time.Second)
	}
	return a, nil
}

var errKeyNotFound = skillett.Errorf(skillett.ENOTFOUND, "API key not found.")

// CreateKey inserts k unless its owner already holds as many active keys at
// k.CreatedAt as limits allow for their plan (EPLANLIMIT). The write
// transaction holds the database's write lock from its first statement, so
// the count and the insert are atomic across connections and processes.
// ENOTFOUND if the user does not exist.
func (s *Store) CreateKey(ctx context.Context, k *skillett.Key, limits skillett.PlanLimits, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var plan skillett.Plan
		err := tx.QueryRowContext(ctx, `SELECT plan FROM users WHERE id = ?`, k.UserID).Scan(&plan)
		if errors.Is(err, sql.ErrNoRows) {
			return errUserNotFound
		} else if err != nil {
			return err
		}
		if max, ok := limits.Max(plan); ok {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_keys
				WHERE user_id = ? AND revoked_at IS NULL AND replaced_by IS NULL
				AND (expires_at IS NULL OR expires_at > ?)`,
				k.UserID, k.CreatedAt.Unix()).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return skillett.PlanLimitError(max)
			}
		}
		if err := insertKey(ctx, tx, k); err != nil {
			return err
		}
		return insertEvent(ctx, tx, about(e, k.UserID, k.ID))
	})
	return wrap("create key", err)
}

func insertKey(ctx context.Context, tx *sql.Tx, k *skillett.Key) error {
	a, err := keyAttrs(k)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO api_keys
		(id, user_id, name, key_prefix, key_hash, scopes, created_at, expires_at,
		 ip_allowlist, rate_limit, rate_window)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Name, k.Prefix, k.Hash[:], a.scopes, k.CreatedAt.Unix(), nullUnix(k.ExpiresAt),
		a.allowlist, a.rateLimit, a.rateWindow)
	return err
}

// ListKeys returns the user's keys, newest first; among keys created in the
// same second, the later-inserted (higher seq) first.
func (s *Store) ListKeys(ctx context.Context, userID string) ([]*skillett.Key, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys k
		WHERE k.user_id = ? ORDER BY k.created_at DESC, k.seq DESC`, userID)
	if err != nil {
		return nil, wrap("list keys", err)
	}
	defer rows.Close()
	keys := []*skillett.Key{}
	for rows.Next() {
		var r keyRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, wrap("list keys", err)
		}
		k, err := r.key()
		if err != nil {
			return nil, wrap("list keys", err)
		}
		keys = append(keys, k)
	}
	return keys, wrap("list keys", rows.Err())
}

// KeyByHash returns the key with this hash and its owner. ENOTFOUND.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (*skillett.Key, *skillett.User, error) {
	var (
		kr keyRow
		ur userRow
	)
	err := s.read.QueryRowContext(ctx, `SELECT `+keyColumns+`, `+userColumns+`
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?`, hash[:]).
		Scan(append(kr.dest(), ur.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errKeyNotFound
	} else if err != nil {
		return nil, nil, wrap("key by hash", err)
	}
	k, err := kr.key()
	if err != nil {
		return nil, nil, wrap("key by hash", err)
	}
	return k, ur.user(), nil
}

// RevokeKey sets revoked_at to now unless it is set already, then also
// writing e, and records a change for the key, in one transaction. The
// change is recorded also when the key was revoked before: it is harmless,
// and keeps the method simple. ENOTFOUND if the user has no key with this
// id.
func (s *Store) RevokeKey(ctx context.Context, userID, keyID string, now time.Time, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM api_keys WHERE id = ? AND user_id = ?`, keyID, userID).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return errKeyNotFound
		} else if err != nil {
			return err
		}
		if !revoked.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ?, revocation_reason = ? WHERE id = ?`,
				now.Unix(), skillett.ReasonRevoked, keyID); err != nil {
				return err
			}
			if err := insertEvent(ctx, tx, about(e, userID, keyID)); err != nil {
				return err
			}
		}
		return recordChange(ctx, tx, keyID, "")
	})
	return wrap("revoke key", err)
}

// TouchKeys raises last_used_at of each key to the given time, in one
// transaction; it never lowers it. Unknown ids are ignored.
func (s *Store) TouchKeys(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE api_keys SET last_used_at = ?1
			WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for id, at := range used {
			if _, err := stmt.ExecContext(ctx, at.Unix(), id); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("touch keys", err)
}
