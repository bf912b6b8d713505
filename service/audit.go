package service

import (
	"context"
	"slices"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

// Audit log page sizes (SPEC §10).
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 200
)

// about completes e with the user it is about.
func about(e *skillett.Event, userID string) *skillett.Event {
	e.UserID = userID
	return e
}

// AuditLog returns a page of the user's events, newest first, starting
// after cursor ("" for the newest), and the cursor of the next page, ""
// when there is none. EINVALID for a limit outside 1–200 or a cursor this
// server did not make.
func (s *Service) AuditLog(ctx context.Context, userID string, limit int, cursor string) ([]*skillett.Event, string, error) {
	if limit < 1 || limit > MaxAuditLimit {
		return nil, "", skillett.Errorf(skillett.EINVALID, "limit must be between 1 and %d.", MaxAuditLimit)
	}
	f := skillett.EventFilter{UserID: userID, Limit: limit + 1}
	if cursor != "" {
		c, err := skillett.ParseEventCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		f.Before = &c
	}
	events, err := s.store.Events(ctx, f)
	if err != nil {
		return nil, "", err
	}
	// One more than asked says whether a next page exists, so that a walk
	// never ends on an empty page.
	next := ""
	if len(events) > limit {
		events = events[:limit]
		next = events[limit-1].Cursor().String()
	}
	return events, next, nil
}

// KeyEvents returns the user's most recent events of type typ (all types
// if empty), at most limit, newest first: the dashboard's leak markers.
func (s *Service) KeyEvents(ctx context.Context, userID, typ string, limit int) ([]*skillett.Event, error) {
	return s.store.Events(ctx, skillett.EventFilter{UserID: userID, Type: typ, Limit: limit})
}

// LeakReport is one token reported as found in public, with where.
type LeakReport struct {
	Token  string
	Source string
	URL    string
}

// ReportLeaks revokes, as leaked, every active key among the reported
// tokens, writing a key.leaked event by the actor of ctx for each, and
// reports for each token whether it is one of our keys (revoked or not).
// A token that is not shaped like our keys costs no database work. A
// revoked key is refused from the next request on in this process, and
// within the change poll interval in every other.
func (s *Service) ReportLeaks(ctx context.Context, reports []LeakReport) ([]bool, error) {
	ours := make([]bool, len(reports))
	var (
		leaks []skillett.Leak
		index []int // index[j]: the report of leaks[j]
	)
	for i, r := range reports {
		if !apikey.Valid(r.Token) {
			continue
		}
		leaks = append(leaks, skillett.Leak{Hash: apikey.Hash(r.Token), Source: r.Source, URL: r.URL})
		index = append(index, i)
	}
	if len(leaks) == 0 {
		return ours, nil
	}
	found, err := s.store.RevokeLeakedKeys(ctx, leaks, s.now())
	if err != nil {
		return nil, err
	}
	var hashes [][32]byte
	for j, ok := range found {
		ours[index[j]] = ok
		if ok {
			hashes = append(hashes, leaks[j].Hash)
		}
	}
	s.verifier.forget(func(p *skillett.Principal) bool { return slices.Contains(hashes, p.Key.Hash) })
	return ours, nil
}
