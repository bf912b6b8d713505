package postgres

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/skillett/skillett"
)

// insertEvent writes e in tx; a nil e writes nothing.
func insertEvent(ctx context.Context, tx pgx.Tx, e *skillett.Event) error {
	if e == nil {
		return nil
	}
	data, err := e.DataJSON()
	if err != nil {
		return err
	}
	return tx.QueryRow(ctx, `INSERT INTO audit_events
		(id, user_id, type, created_at, actor_type, actor_id, ip, user_agent, key_id, data)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), nullif($7, ''), nullif($8, ''), nullif($9, ''), $10::jsonb)
		RETURNING seq`,
		e.ID, e.UserID, e.Type, sec(e.CreatedAt), e.Actor.Type, e.Actor.ID, e.Actor.IP, e.Actor.UserAgent,
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
	return wrap("record event", s.inTx(ctx, func(tx pgx.Tx) error { return insertEvent(ctx, tx, e) }))
}

// Events returns the events f selects, newest first.
func (s *Store) Events(ctx context.Context, f skillett.EventFilter) ([]*skillett.Event, error) {
	var q strings.Builder
	q.WriteString(`SELECT seq, id, user_id, type, created_at, actor_type, coalesce(actor_id, ''),
		coalesce(ip, ''), coalesce(user_agent, ''), coalesce(key_id, ''), data::text
		FROM audit_events WHERE user_id = $1`)
	args := []any{f.UserID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.KeyID != "" {
		q.WriteString(` AND key_id = ` + arg(f.KeyID))
	}
	if f.Type != "" {
		q.WriteString(` AND type = ` + arg(f.Type))
	}
	if c := f.Before; c != nil {
		q.WriteString(` AND (created_at, seq) < (` + arg(sec(c.CreatedAt)) + `, ` + arg(c.Seq) + `)`)
	}
	q.WriteString(` ORDER BY created_at DESC, seq DESC LIMIT ` + arg(f.Limit))
	rows, err := s.pool.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, wrap("events", err)
	}
	defer rows.Close()
	out := []*skillett.Event{}
	for rows.Next() {
		var (
			e    skillett.Event
			data string
		)
		if err := rows.Scan(&e.Seq, &e.ID, &e.UserID, &e.Type, &e.CreatedAt, &e.Actor.Type, &e.Actor.ID,
			&e.Actor.IP, &e.Actor.UserAgent, &e.KeyID, &data); err != nil {
			return nil, wrap("events", err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		if err := e.SetDataJSON(data); err != nil {
			return nil, wrap("events", err)
		}
		out = append(out, &e)
	}
	return out, wrap("events", rows.Err())
}

// DeleteEventsBefore deletes at most limit events created before t, oldest
// first, in one statement: it locks only the rows it deletes, and briefly.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM audit_events WHERE seq IN (
		SELECT seq FROM audit_events WHERE created_at < $1 ORDER BY created_at LIMIT $2
		FOR UPDATE SKIP LOCKED)`, sec(t), limit)
	if err != nil {
		return 0, wrap("delete events", err)
	}
	return int(tag.RowsAffected()), nil
}

// RevokeLeakedKeys revokes each reported key that is still unrevoked, as
// leaked, with its key.leaked event and change, in one transaction. Keys
// are locked in hash order, so that two reports naming the same keys in
// another order wait for each other rather than deadlock.
func (s *Store) RevokeLeakedKeys(ctx context.Context, leaks []skillett.Leak, now time.Time) ([]bool, error) {
	ours := make([]bool, len(leaks))
	order := make([]int, len(leaks))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return bytes.Compare(leaks[a].Hash[:], leaks[b].Hash[:]) })
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var revokedIDs []string
		for _, i := range order {
			l := leaks[i]
			var id, userID string
			var revoked *time.Time
			// FOR UPDATE: of two reports of one key at once, the second
			// waits and then sees it revoked, so one event is written.
			err := tx.QueryRow(ctx, `SELECT id, user_id, revoked_at FROM api_keys WHERE key_hash = $1 FOR UPDATE`, l.Hash[:]).
				Scan(&id, &userID, &revoked)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			ours[i] = true
			if revoked != nil { // before, or earlier in this report
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $1, revocation_reason = $2 WHERE id = $3`,
				sec(now), skillett.ReasonLeaked, id); err != nil {
				return err
			}
			e := skillett.NewEvent(ctx, skillett.EventKeyLeaked, now)
			e.Data = l.EventData()
			if err := insertEvent(ctx, tx, about(e, userID, id)); err != nil {
				return err
			}
			revokedIDs = append(revokedIDs, id)
		}
		for _, id := range revokedIDs { // last: recordChange serializes writers
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
