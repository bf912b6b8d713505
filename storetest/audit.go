package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

// Actor is the actor of the suite's events.
var Actor = skillett.Actor{Type: skillett.ActorSession, IP: "203.0.113.5", UserAgent: "storetest/1"}

func actorCtx(tb testing.TB) context.Context {
	return skillett.WithActor(tb.Context(), Actor)
}

func ev(tb testing.TB, typ string, at time.Time) *skillett.Event {
	return skillett.NewEvent(actorCtx(tb), typ, at)
}

// AllEvents returns every event of the user's log, newest first.
func AllEvents(tb testing.TB, st skillett.Store, userID string) []*skillett.Event {
	tb.Helper()
	events, err := st.Events(tb.Context(), skillett.EventFilter{UserID: userID, Limit: 1_000_000})
	if err != nil {
		tb.Fatalf("Events: %v", err)
	}
	return events
}

func eventTypes(events []*skillett.Event) string {
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = e.Type
	}
	return strings.Join(types, ",")
}

func wantTypes(t *testing.T, what string, events []*skillett.Event, want ...string) {
	t.Helper()
	if got := eventTypes(events); got != strings.Join(want, ",") {
		t.Fatalf("%s: got events %s, want %s", what, got, strings.Join(want, ","))
	}
}

func (s suite) audit(t *testing.T) {
	t.Run("WrittenWithTheirChange", s.auditWrittenWithTheirChange)
	t.Run("UpdateAndRoll", s.auditUpdateAndRoll)
	t.Run("NoChangeNoEvent", s.auditNoChangeNoEvent)
	t.Run("Filter", s.auditFilter)
	t.Run("Paging", s.auditPaging)
	t.Run("PagingWhileWriting", s.auditPagingWhileWriting)
	t.Run("RevokeLeakedKeys", s.auditRevokeLeakedKeys)
	t.Run("DeleteEventsBefore", s.auditDeleteEventsBefore)
}

func (s suite) auditWrittenWithTheirChange(t *testing.T) {
	st := s.open(t)
	u := NewUser("ada@example.com", skillett.PlanFree)
	wantCode(t, "CreateUser", st.CreateUser(actorCtx(t), u, ev(t, skillett.EventUserSignedUp, T0)), "")
	sess := newSession(u.ID, "token-1")
	wantCode(t, "CreateSession", st.CreateSession(t.Context(), sess, ev(t, skillett.EventUserLoggedIn, T0)), "")
	k, _ := NewKey(u.ID, T0)
	wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, skillett.DefaultPlanLimits(), ev(t, skillett.EventKeyCreated, T0)), "")
	wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k.ID, T0.Add(time.Second), ev(t, skillett.EventKeyRevoked, T0.Add(time.Second))), "")
	_, err := st.SetUserPlan(t.Context(), u.Email, skillett.PlanPro, ev(t, skillett.EventUserPlanChange, T0.Add(time.Second)))
	wantCode(t, "SetUserPlan", err, "")
	wantCode(t, "DeleteSession", st.DeleteSession(t.Context(), sess.TokenHash, ev(t, skillett.EventUserLoggedOut, T0.Add(time.Second))), "")
	e := ev(t, skillett.EventUserLoginFail, T0.Add(time.Second))
	e.UserID = u.ID
	wantCode(t, "RecordEvent", st.RecordEvent(t.Context(), e), "")

	events := AllEvents(t, st, u.ID)
	wantTypes(t, "Events", events, skillett.EventUserLoginFail, skillett.EventUserLoggedOut, skillett.EventUserPlanChange,
		skillett.EventKeyRevoked, skillett.EventKeyCreated, skillett.EventUserLoggedIn, skillett.EventUserSignedUp)
	for _, e := range events {
		if e.UserID != u.ID || e.Actor != Actor || !strings.HasPrefix(e.ID, "evt_") || e.CreatedAt.Location() != time.UTC {
			t.Errorf("%s: got user %s, actor %+v, id %s, time %s; want user %s, actor %+v, an evt_ id, UTC",
				e.Type, e.UserID, e.Actor, e.ID, timeString(e.CreatedAt), u.ID, Actor)
		}
		wantKeyID := ""
		if strings.HasPrefix(e.Type, "key.") {
			wantKeyID = k.ID
		}
		if e.KeyID != wantKeyID {
			t.Errorf("%s: got key id %q, want %q", e.Type, e.KeyID, wantKeyID)
		}
	}
	if got := fmt.Sprint(events[2].Data); got != "map[from:free to:pro]" {
		t.Errorf("user.plan_changed data: got %s, want map[from:free to:pro]", got)
	}
	if !events[0].CreatedAt.Equal(T0.Add(time.Second)) || !events[6].CreatedAt.Equal(T0) {
		t.Errorf("created_at: got %s … %s, want %s … %s", timeString(events[0].CreatedAt), timeString(events[6].CreatedAt),
			timeString(T0.Add(time.Second)), timeString(T0))
	}
	keys, err := st.ListKeys(t.Context(), u.ID)
	wantCode(t, "ListKeys", err, "")
	if keys[0].RevocationReason != skillett.ReasonRevoked {
		t.Errorf("revocation reason: got %q, want %q", keys[0].RevocationReason, skillett.ReasonRevoked)
	}
}

func (s suite) auditUpdateAndRoll(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	k := MustCreateKey(t, st, u, T0)
	_, err := st.UpdateKey(t.Context(), u.ID, k.ID, ev(t, skillett.EventKeyUpdated, T0), rename("renamed"))
	wantCode(t, "UpdateKey", err, "")
	// An update that changes nothing writes no event.
	_, err = st.UpdateKey(t.Context(), u.ID, k.ID, ev(t, skillett.EventKeyUpdated, T0), rename("renamed"))
	wantCode(t, "UpdateKey(same name)", err, "")
	// A refused update writes none either.
	_, err = st.UpdateKey(t.Context(), u.ID, k.ID, ev(t, skillett.EventKeyUpdated, T0), func(*skillett.Key) ([]string, error) {
		return []string{"name"}, skillett.Errorf(skillett.ECONFLICT, "no")
	})
	wantCode(t, "UpdateKey(refused)", err, skillett.ECONFLICT)
	nk, _ := NewKey(u.ID, T0)
	e := ev(t, skillett.EventKeyRolled, T0)
	e.Data = map[string]any{"grace_period_seconds": 3600}
	_, err = st.RollKey(t.Context(), u.ID, k.ID, nk, e, roll(time.Hour, T0))
	wantCode(t, "RollKey", err, "")
	events := AllEvents(t, st, u.ID)
	wantTypes(t, "events", events, skillett.EventKeyRolled, skillett.EventKeyUpdated)
	if got := fmt.Sprint(events[0].KeyID, events[0].Data); got != fmt.Sprint(k.ID, map[string]any{"grace_period_seconds": 3600, "new_key_id": nk.ID}) {
		t.Errorf("key.rolled: got %s", got)
	}
	if got := fmt.Sprint(events[1].KeyID, events[1].Data); got != fmt.Sprint(k.ID, map[string]any{"fields": []any{"name"}}) {
		t.Errorf("key.updated: got %s", got)
	}
}

func (s suite) auditNoChangeNoEvent(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanFree)
	dup := NewUser("ada@example.com", skillett.PlanFree)
	wantCode(t, "CreateUser(duplicate)", st.CreateUser(t.Context(), dup, ev(t, skillett.EventUserSignedUp, T0)), skillett.ECONFLICT)
	wantTypes(t, "events of the refused duplicate", AllEvents(t, st, dup.ID))

	k := MustCreateKey(t, st, u, T0)
	over, _ := NewKey(u.ID, T0)
	wantCode(t, "CreateKey(over the limit)", st.CreateKey(t.Context(), over, skillett.DefaultPlanLimits(), ev(t, skillett.EventKeyCreated, T0)), skillett.EPLANLIMIT)
	wantCode(t, "RevokeKey(unknown)", st.RevokeKey(t.Context(), u.ID, "key_missing", T0, ev(t, skillett.EventKeyRevoked, T0)), skillett.ENOTFOUND)
	wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, k.ID, T0, ev(t, skillett.EventKeyRevoked, T0)), "")
	wantCode(t, "RevokeKey(again)", st.RevokeKey(t.Context(), u.ID, k.ID, T0, ev(t, skillett.EventKeyRevoked, T0)), "")
	_, err := st.SetUserPlan(t.Context(), u.Email, skillett.PlanFree, ev(t, skillett.EventUserPlanChange, T0))
	wantCode(t, "SetUserPlan(same plan)", err, "")
	wantCode(t, "DeleteSession(missing)", st.DeleteSession(t.Context(), apikey.Hash("nope"), ev(t, skillett.EventUserLoggedOut, T0)), "")
	wantTypes(t, "events", AllEvents(t, st, u.ID), skillett.EventKeyRevoked)
}

func (s suite) auditFilter(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	other := MustCreateUser(t, st, "bob@example.com", skillett.PlanPro)
	var keys []*skillett.Key
	for _, owner := range []*skillett.User{u, u, other} {
		k, _ := NewKey(owner.ID, T0)
		wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, nil, ev(t, skillett.EventKeyCreated, T0)), "")
		keys = append(keys, k)
	}
	wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, keys[0].ID, T0, ev(t, skillett.EventKeyRevoked, T0)), "")
	got, err := st.Events(t.Context(), skillett.EventFilter{UserID: u.ID, KeyID: keys[0].ID, Limit: 10})
	wantCode(t, "Events(key)", err, "")
	wantTypes(t, "Events(key)", got, skillett.EventKeyRevoked, skillett.EventKeyCreated)
	got, err = st.Events(t.Context(), skillett.EventFilter{UserID: u.ID, Type: skillett.EventKeyCreated, Limit: 10})
	wantCode(t, "Events(type)", err, "")
	if len(got) != 2 || got[0].KeyID != keys[1].ID || got[1].KeyID != keys[0].ID {
		t.Fatalf("Events(type): got %d events, want the two keys' key.created, the later first", len(got))
	}
	got, err = st.Events(t.Context(), skillett.EventFilter{UserID: other.ID, KeyID: keys[0].ID, Limit: 10})
	wantCode(t, "Events(someone else's key)", err, "")
	wantTypes(t, "Events(someone else's key)", got)
}

func (s suite) auditPaging(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	// Seven events in three seconds: ties on created_at go by seq.
	var want []string
	for i := range 7 {
		e := ev(t, skillett.EventUserLoginFail, T0.Add(time.Duration(i/3)*time.Second))
		e.UserID = u.ID
		wantCode(t, "RecordEvent", st.RecordEvent(t.Context(), e), "")
		want = append([]string{e.ID}, want...)
	}
	got := walkEvents(t, st, skillett.EventFilter{UserID: u.ID, Limit: 2})
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged by 2:\ngot  %v\nwant %v", got, want)
	}
}

// auditPagingWhileWriting: a walk that starts after some events sees each
// of them exactly once, in order, while another writer keeps adding events
// in the same seconds (with an injected clock, also in seconds the walk has
// passed).
func (s suite) auditPagingWhileWriting(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	now := func(i int) time.Time { return T0.Add(time.Duration(i%7) * time.Second) }
	record := func(i int) string {
		e := ev(t, skillett.EventUserLoginFail, now(i))
		e.UserID = u.ID
		if err := st.RecordEvent(t.Context(), e); err != nil {
			t.Errorf("RecordEvent: %v", err)
		}
		return e.ID
	}
	before := map[string]bool{}
	for i := range 60 {
		before[record(i)] = true
	}
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		written atomic.Int64
	)
	wg.Go(func() {
		for i := 60; !stop.Load() && i < 5000; i++ {
			record(i)
			written.Add(1)
		}
	})
	seen := map[string]bool{}
	for _, id := range walkEvents(t, st, skillett.EventFilter{UserID: u.ID, Limit: 3}) {
		seen[id] = true
	}
	stop.Store(true)
	wg.Wait()
	for id := range before {
		if !seen[id] {
			t.Fatalf("event %s, written before the walk began, was skipped", id)
		}
	}
	if written.Load() == 0 {
		t.Log("the writer wrote nothing during the walk")
	}
}

// walkEvents pages through f's events (at most 1000 pages) and returns their
// ids in the order returned; it fails t on an event returned twice or out of
// order (newest first, ties by seq).
func walkEvents(t *testing.T, st skillett.Store, f skillett.EventFilter) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	var last *skillett.Event
	for pages := 0; pages < 1000; pages++ {
		page, err := st.Events(t.Context(), f)
		wantCode(t, "Events", err, "")
		for _, e := range page {
			if seen[e.ID] {
				t.Fatalf("event %s returned twice", e.ID)
			}
			if last != nil && (e.CreatedAt.After(last.CreatedAt) || e.CreatedAt.Equal(last.CreatedAt) && e.Seq >= last.Seq) {
				t.Fatalf("event %s (seq %d) after %s (seq %d): not newest first", e.ID, e.Seq, last.ID, last.Seq)
			}
			seen[e.ID], last = true, e
			ids = append(ids, e.ID)
		}
		if len(page) < f.Limit {
			break
		}
		c := page[len(page)-1].Cursor()
		f.Before = &c
	}
	return ids
}

func (s suite) auditRevokeLeakedKeys(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	leaked, leakedFull := NewKey(u.ID, T0)
	revoked, revokedFull := NewKey(u.ID, T0)
	kept, _ := NewKey(u.ID, T0)
	for _, k := range []*skillett.Key{leaked, revoked, kept} {
		wantCode(t, "CreateKey", st.CreateKey(t.Context(), k, nil, nil), "")
	}
	wantCode(t, "RevokeKey", st.RevokeKey(t.Context(), u.ID, revoked.ID, T0, nil), "")
	ctx := skillett.WithActor(t.Context(), skillett.Actor{Type: skillett.ActorSecretScanning})
	report := []skillett.Leak{
		{Hash: apikey.Hash(leakedFull), Source: "content", URL: "https://github.com/acme/app/blob/main/.env"},
		{Hash: apikey.Hash(apikey.Generate()), Source: "commit"},
		{Hash: apikey.Hash(revokedFull), Source: "commit"},
		{Hash: apikey.Hash(leakedFull), Source: "issue"}, // twice in one report
	}
	seq, err := st.LastChange(t.Context())
	wantCode(t, "LastChange", err, "")
	ours, err := st.RevokeLeakedKeys(ctx, report, T0.Add(time.Minute))
	wantCode(t, "RevokeLeakedKeys", err, "")
	if fmt.Sprint(ours) != "[true false true true]" {
		t.Fatalf("ours: got %v, want [true false true true]", ours)
	}
	keys, err := st.ListKeys(t.Context(), u.ID)
	wantCode(t, "ListKeys", err, "")
	for _, k := range keys {
		want, wantAt := "", "null"
		switch k.ID {
		case leaked.ID:
			want, wantAt = skillett.ReasonLeaked, timeString(T0.Add(time.Minute))
		case revoked.ID:
			want, wantAt = skillett.ReasonRevoked, timeString(T0)
		}
		if k.RevocationReason != want || timePtrString(k.RevokedAt) != wantAt {
			t.Errorf("key %s: got reason %q revoked at %s, want %q at %s", k.ID, k.RevocationReason, timePtrString(k.RevokedAt), want, wantAt)
		}
	}
	events := AllEvents(t, st, u.ID)
	wantTypes(t, "events", events, skillett.EventKeyLeaked)
	e := events[0]
	if e.KeyID != leaked.ID || e.Actor.Type != skillett.ActorSecretScanning || fmt.Sprint(e.Data) != "map[source:content url:https://github.com/acme/app/blob/main/.env]" {
		t.Fatalf("key.leaked: got key %s actor %+v data %v", e.KeyID, e.Actor, e.Data)
	}
	changes, err := st.Changes(t.Context(), seq, 10)
	wantCode(t, "Changes", err, "")
	if len(changes) != 1 || changes[0].KeyID != leaked.ID {
		t.Fatalf("changes: got %+v, want one for the leaked key", changes)
	}
	// A second report changes nothing.
	ours, err = st.RevokeLeakedKeys(ctx, report[:1], T0.Add(time.Hour))
	wantCode(t, "RevokeLeakedKeys(again)", err, "")
	if !ours[0] {
		t.Fatalf("second report: got ours false, want true")
	}
	wantTypes(t, "events after a second report", AllEvents(t, st, u.ID), skillett.EventKeyLeaked)
}

func (s suite) auditDeleteEventsBefore(t *testing.T) {
	st := s.open(t)
	u := MustCreateUser(t, st, "ada@example.com", skillett.PlanPro)
	for i := range 25 {
		e := ev(t, skillett.EventUserLoginFail, T0.Add(time.Duration(i)*time.Hour))
		e.UserID = u.ID
		wantCode(t, "RecordEvent", st.RecordEvent(t.Context(), e), "")
	}
	cutoff := T0.Add(20 * time.Hour) // events 0–19 are older
	var deleted []int
	for {
		n, err := st.DeleteEventsBefore(t.Context(), cutoff, 8)
		wantCode(t, "DeleteEventsBefore", err, "")
		deleted = append(deleted, n)
		if n < 8 {
			break
		}
	}
	if fmt.Sprint(deleted) != "[8 8 4]" {
		t.Fatalf("batches deleted: got %v, want [8 8 4]", deleted)
	}
	events := AllEvents(t, st, u.ID)
	if len(events) != 5 || !events[4].CreatedAt.Equal(cutoff) {
		t.Fatalf("after retention: got %d events, the oldest at %s; want 5, the oldest at %s", len(events), timeString(events[len(events)-1].CreatedAt), timeString(cutoff))
	}
}
