package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/skillett/skillett"
)

// insertEvent writes e in tx; a nil e writes nothing.
func insertEvent(ctx context.Context, tx *sql.Tx, e *skillett.Event) error {
	if e == nil {
		return nil
	}
	data, err := e.DataJSON()
	if err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, `INSERT INTO audit_events
		(id, user_id, type, created_at, actor_type, actor_id, ip, user_agent, key_id, data)
		VALUES (?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, ''), nullif(?, ''), ?)
		RETURNING seq`,
		e.ID, e.UserID, e.Type, e.CreatedAt.Unix(), e.Actor.Type, e.Actor.ID, e.Actor.IP, e.Actor.UserAgent,
		e.KeyID, data).Scan(&e.Seq)
}

// about completes e with the user and key it is about; nil stays nil.
func about(e *skillett.Event, userID, keyID string) *skillett.Event {
	if e != nil {
		e.UserID, e.KeyID = userID, keyID
	}
	return e
}

// RecordEvent writes e in a transaction of its own.
func (s *Store) RecordEvent(ctx context.Context, e *skillett.Event) error {
	return wrap("record event", s.inTx(ctx, func(tx *sql.Tx) error { return insertEvent(ctx, tx, e) }))
}

// Events returns the events f selects, newest first.
func (s *Store) Events(ctx context.Context, f skillett.EventFilter) ([]*skillett.Event, error) {
	var q strings.Builder
	q.WriteString(`SELECT seq, id, user_id, type, created_at, actor_type, coalesce(actor_id, ''),
		coalesce(ip, ''), coalesce(user_agent, ''), coalesce(key_id, ''), data
		FROM audit_events WHERE user_id = ?`)
	args := []any{f.UserID}
	if f.KeyID != "" {
		q.WriteString(` AND key_id = ?`)
		args = append(args, f.KeyID)
	}
	if f.Type != "" {
		q.WriteString(` AND type = ?`)
		args = append(args, f.Type)
	}
	if c := f.Before; c != nil {
		q.WriteString(` AND (created_at < ? OR (created_at = ? AND seq < ?))`)
		args = append(args, c.CreatedAt.Unix(), c.CreatedAt.Unix(), c.Seq)
	}
	q.WriteString(` ORDER BY created_at DESC, seq DESC LIMIT ?`)
	args = append(args, f.Limit)
	rows, err := s.read.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, wrap("events", err)
	}
	defer rows.Close()
	out := []*skillett.Event{}
	for rows.Next() {
		var (
			e       skillett.Event
			created int64
			data    string
		)
		if err := rows.Scan(&e.Seq, &e.ID, &e.UserID, &e.Type, &created, &e.Actor.Type, &e.Actor.ID,
			&e.Actor.IP, &e.Actor.UserAgent, &e.KeyID, &data); err != nil {
			return nil, wrap("events", err)
		}
		e.CreatedAt = fromUnix(created)
		if err := e.SetDataJSON(data); err != nil {
			return nil, wrap("events", err)
		}
		out = append(out, &e)
	}
	return out, wrap("events", rows.Err())
}

// DeleteEventsBefore deletes at most limit events created before t, oldest
// first, in one short write transaction.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE seq IN (
			SELECT seq FROM audit_events WHERE created_at < ? ORDER BY created_at LIMIT ?)`, t.Unix(), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), wrap("delete events", err)
}

// RevokeLeakedKeys revokes each reported key that is still unrevoked, as
// leaked, with its key.leaked event and change, in one transaction.
func (s *Store) RevokeLeakedKeys(ctx context.Context, leaks []skillett.Leak, now time.Time) ([]bool, error) {
	ours := make([]bool, len(leaks))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i, l := range leaks {
			var id, userID string
			var revoked sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT id, user_id, revoked_at FROM api_keys WHERE key_hash = ?`, l.Hash[:]).
				Scan(&id, &userID, &revoked)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			ours[i] = true
			if revoked.Valid { // before, or earlier in this report
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ?, revocation_reason = ?
				WHERE id = ?`, now.Unix(), skillett.ReasonLeaked, id); err != nil {
				return err
			}
			e := skillett.NewEvent(ctx, skillett.EventKeyLeaked, now)
			e.Data = l.EventData()
			if err := insertEvent(ctx, tx, about(e, userID, id)); err != nil {
				return err
			}
			if err := recordChange(ctx, tx, id, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("revoke leaked keys", err)
	}
	return ours, nil
}
