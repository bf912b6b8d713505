package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/skillett/skillett"
)

// bulkCacheKiB is the page cache of the write connection during
// InsertKeys. Random hashes and ids land all over their indexes, so with
// SQLite's default cache (2 MiB) nearly every insert rereads pages: 256 MiB
// holds the indexes of a million keys and halves the time of a big load.
const bulkCacheKiB = 256 << 10

// InsertKeys is for seeding and imports: it inserts keys as they are,
// without plan-limit checks, in one write transaction through one prepared
// INSERT. Every field is stored, RevokedAt and LastUsedAt included; the
// owners must exist and Scopes must not be nil. Keys inserted together get
// increasing seq in slice order, so among keys created within one second
// ListKeys shows the later ones in the slice first. Nothing is written to
// the change log: a new key has nothing cached to invalidate.
func (s *Store) InsertKeys(ctx context.Context, keys []*skillett.Key) error {
	// The write pool's one connection, held for the call so that the
	// larger page cache is set, used and restored on the same connection.
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return wrap("insert keys", err)
	}
	defer conn.Close()
	var cacheSize int64
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cacheSize); err != nil {
		return wrap("insert keys", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -bulkCacheKiB)); err != nil {
		return wrap("insert keys", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, cacheSize))

	tx, err := conn.BeginTx(ctx, nil) // IMMEDIATE, as every write transaction
	if err != nil {
		return wrap("insert keys", err)
	}
	defer tx.Rollback() // no-op after Commit
	if err := insertKeys(ctx, tx, keys); err != nil {
		return wrap("insert keys", err)
	}
	return wrap("insert keys", tx.Commit())
}

func insertKeys(ctx context.Context, tx *sql.Tx, keys []*skillett.Key) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO api_keys
		(id, user_id, name, key_prefix, key_hash, scopes, created_at, expires_at, revoked_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, k := range keys {
		if k.Scopes == nil {
			return fmt.Errorf("key %s: nil scopes", k.ID)
		}
		scopes, err := json.Marshal(k.Scopes)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, k.ID, k.UserID, k.Name, k.Prefix, k.Hash[:], string(scopes),
			k.CreatedAt.Unix(), nullUnix(k.ExpiresAt), nullUnix(k.RevokedAt), nullUnix(k.LastUsedAt)); err != nil {
			return fmt.Errorf("key %s: %w", k.ID, err)
		}
	}
	return nil
}
