package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/skillett/skillett"
)

// InsertKeys is for seeding and imports: it inserts keys as they are,
// without plan-limit checks, with one COPY. Every field is stored,
// RevokedAt and LastUsedAt included (times to the second); seq is left to
// its identity default, so keys get increasing seq in slice order. The
// owners must exist and Scopes must not be nil. Nothing is written to the
// change log: a new key has nothing cached to invalidate.
//
// The COPY runs without the pool's statement timeout, which is meant for
// requests, not for loading a million rows; ctx bounds it instead.
func (s *Store) InsertKeys(ctx context.Context, keys []*skillett.Key) error {
	columns := []string{"id", "user_id", "name", "key_prefix", "key_hash", "scopes",
		"created_at", "expires_at", "revoked_at", "last_used_at"}
	rows := pgx.CopyFromSlice(len(keys), func(i int) ([]any, error) {
		k := keys[i]
		if k.Scopes == nil {
			return nil, fmt.Errorf("key %s: nil scopes", k.ID)
		}
		return []any{k.ID, k.UserID, k.Name, k.Prefix, k.Hash[:], k.Scopes,
			sec(k.CreatedAt), secPtr(k.ExpiresAt), secPtr(k.RevokedAt), secPtr(k.LastUsedAt)}, nil
	})
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"api_keys"}, columns, rows)
		return err
	})
	return wrap("insert keys", err)
}
