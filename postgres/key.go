package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/skillett/skillett"
)

const keyColumns = `k.id, k.user_id, k.name, k.key_prefix, k.key_hash, k.scopes,
	k.created_at, k.expires_at, k.revoked_at, k.last_used_at,
	k.ip_allowlist, k.rate_limit, k.rate_window, k.replaced_by, k.revocation_reason`

// keyRow receives the keyColumns of a row.
type keyRow struct {
	k                     skillett.Key
	hash                  []byte
	allowlist             []string
	rateLimit, rateWindow *int
	replacedBy, reason    *string
}

func (r *keyRow) dest() []any {
	k := &r.k
	return []any{&k.ID, &k.UserID, &k.Name, &k.Prefix, &r.hash, &k.Scopes,
		&k.CreatedAt, &k.ExpiresAt, &k.RevokedAt, &k.LastUsedAt,
		&r.allowlist, &r.rateLimit, &r.rateWindow, &r.replacedBy, &r.reason}
}

func (r *keyRow) key() (*skillett.Key, error) {
	k := r.k
	if len(r.hash) != len(k.Hash) {
		return nil, fmt.Errorf("key %s: stored hash has %d bytes", k.ID, len(r.hash))
	}
	copy(k.Hash[:], r.hash)
	k.CreatedAt = k.CreatedAt.UTC()
	utc(&k.ExpiresAt, &k.RevokedAt, &k.LastUsedAt)
	if r.allowlist != nil {
		k.IPAllowlist = make([]netip.Prefix, len(r.allowlist))
		for i, a := range r.allowlist {
			p, err := netip.ParsePrefix(a)
			if err != nil {
				return nil, fmt.Errorf("key %s: ip_allowlist: %w", k.ID, err)
			}
			k.IPAllowlist[i] = p
		}
	}
	if r.rateLimit != nil && r.rateWindow != nil {
		k.RateLimit = &skillett.RateLimit{Limit: *r.rateLimit, Window: time.Duration(*r.rateWindow) * time.Second}
	}
	if r.replacedBy != nil {
		k.ReplacedBy = *r.replacedBy
	}
	if r.reason != nil {
		k.RevocationReason = *r.reason
	}
	return &k, nil
}

// attrs are the stored forms of a key's optional attributes.
type attrs struct {
	allowlist             []string
	rateLimit, rateWindow *int
}

func keyAttrs(k *skillett.Key) attrs {
	var a attrs
	if k.IPAllowlist != nil {
		a.allowlist = make([]string, len(k.IPAllowlist))
		for i, p := range k.IPAllowlist {
			a.allowlist[i] = p.String()
		}
	}
	if r := k.RateLimit; r != nil {
		w := int(r.Window / time.Second)
		a.rateLimit, a.rateWindow = &r.Limit, &w
	}
	return a
}

var errKeyNotFound = skillett.Errorf(skillett.ENOTFOUND, "API key not found.")

// CreateKey inserts k unless its owner already holds as many active keys at
// k.CreatedAt as limits allow for their plan (EPLANLIMIT). ENOTFOUND if the
// user does not exist.
//
// The transaction first locks the owner's row, so concurrent creates for
// one user, from any process, count and insert one after the other; under
// READ COMMITTED each count sees the keys committed before it. FOR NO KEY
// UPDATE is enough for that, and unlike FOR UPDATE it does not block the
// foreign-key checks of inserts that reference the user (sessions, keys).
func (s *Store) CreateKey(ctx context.Context, k *skillett.Key, limits skillett.PlanLimits, e *skillett.Event) error {
	created := sec(k.CreatedAt)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var plan skillett.Plan
		err := tx.QueryRow(ctx, `SELECT plan FROM users WHERE id = $1 FOR NO KEY UPDATE`, k.UserID).Scan(&plan)
		if errors.Is(err, pgx.ErrNoRows) {
			return errUserNotFound
		} else if err != nil {
			return err
		}
		if max, ok := limits.Max(plan); ok {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM api_keys
				WHERE user_id = $1 AND revoked_at IS NULL AND replaced_by IS NULL
				AND (expires_at IS NULL OR expires_at > $2)`,
				k.UserID, created).Scan(&n); err != nil {
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

func insertKey(ctx context.Context, tx pgx.Tx, k *skillett.Key) error {
	a := keyAttrs(k)
	_, err := tx.Exec(ctx, `INSERT INTO api_keys
		(id, user_id, name, key_prefix, key_hash, scopes, created_at, expires_at,
		 ip_allowlist, rate_limit, rate_window)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		k.ID, k.UserID, k.Name, k.Prefix, k.Hash[:], k.Scopes, sec(k.CreatedAt), secPtr(k.ExpiresAt),
		a.allowlist, a.rateLimit, a.rateWindow)
	return err
}

// ListKeys returns the user's keys, newest first; among keys created in the
// same second, the later-inserted (higher seq) first.
func (s *Store) ListKeys(ctx context.Context, userID string) ([]*skillett.Key, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM api_keys k
		WHERE k.user_id = $1 ORDER BY k.created_at DESC, k.seq DESC`, userID)
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
		r keyRow
		u skillett.User
	)
	err := s.pool.QueryRow(ctx, `SELECT `+keyColumns+`, `+userColumns+`
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1`, hash[:]).
		Scan(append(r.dest(), userDest(&u)...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errKeyNotFound
	} else if err != nil {
		return nil, nil, wrap("key by hash", err)
	}
	k, err := r.key()
	if err != nil {
		return nil, nil, wrap("key by hash", err)
	}
	fixUser(&u)
	return k, &u, nil
}

// RevokeKey sets revoked_at to now unless it is set already, then also
// writing e, and records a change for the key, in one transaction. The
// change is recorded also when the key was revoked before: it is harmless,
// and keeps the method simple. ENOTFOUND if the user has no key with this
// id.
func (s *Store) RevokeKey(ctx context.Context, userID, keyID string, now time.Time, e *skillett.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var revoked *time.Time
		// FOR UPDATE: of two revokes at once, one writes the event.
		err := tx.QueryRow(ctx, `SELECT revoked_at FROM api_keys WHERE id = $1 AND user_id = $2 FOR UPDATE`,
			keyID, userID).Scan(&revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			return errKeyNotFound
		} else if err != nil {
			return err
		}
		if revoked == nil {
			if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $1, revocation_reason = $2 WHERE id = $3`,
				sec(now), skillett.ReasonRevoked, keyID); err != nil {
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
// statement; it never lowers it, and leaves alone the rows it would not
// change. Unknown ids are ignored.
//
// The ids go in sorted, so that two processes touching overlapping sets
// lock the rows in the same order rather than deadlocking.
func (s *Store) TouchKeys(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(used))
	times := make([]time.Time, len(ids))
	for i, id := range ids {
		times[i] = sec(used[id])
	}
	_, err := s.pool.Exec(ctx, `UPDATE api_keys k SET last_used_at = v.at
		FROM unnest($1::text[], $2::timestamptz[]) AS v (id, at)
		WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.at)`, ids, times)
	return wrap("touch keys", err)
}
