package storetest

import (
	"context"
	"crypto/sha256"
	"reflect"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

// BulkStore is a store with a bulk import (InsertKeys, for seeding and
// imports): both stores have one.
type BulkStore interface {
	skillett.Store
	InsertKeys(ctx context.Context, keys []*skillett.Key) error
}

// RunInsertKeys checks that InsertKeys stores keys as they are, past the
// plan limit, and atomically, on the empty store s.
func RunInsertKeys(t *testing.T, s BulkStore) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	u := &skillett.User{ID: "usr_bulk", Email: "bulk@example.com", Plan: skillett.PlanFree, CreatedAt: now}
	if err := s.CreateUser(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	key := func(id string, created time.Time) *skillett.Key {
		return &skillett.Key{ID: id, UserID: u.ID, Name: "name " + id, Prefix: "sk_" + id[4:12],
			Hash: sha256.Sum256([]byte(id)), Scopes: []string{"*"}, CreatedAt: created}
	}
	k1 := key("key_aaaaaaaaaaaaaaaaaaaa", now)
	k2 := key("key_bbbbbbbbbbbbbbbbbbbb", now) // same second, inserted later: listed first
	k2.Scopes, k2.ExpiresAt, k2.LastUsedAt = []string{"github", "slack"}, &later, &now
	k3 := key("key_cccccccccccccccccccc", earlier)
	k3.RevokedAt = &now
	// Three active keys for a Free user: no plan limit applies.
	if err := s.InsertKeys(ctx, []*skillett.Key{k1, k2, k3}); err != nil {
		t.Fatalf("InsertKeys: %v", err)
	}
	for _, want := range []*skillett.Key{k1, k2, k3} {
		got, owner, err := s.KeyByHash(ctx, want.Hash)
		if err != nil {
			t.Fatalf("KeyByHash(%s): %v", want.ID, err)
		}
		if !reflect.DeepEqual(got, want) || owner.ID != u.ID {
			t.Errorf("KeyByHash(%s):\n got %+v (owner %s)\nwant %+v", want.ID, got, owner.ID, want)
		}
	}
	list, err := s.ListKeys(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range list {
		ids = append(ids, k.ID)
	}
	if want := []string{k2.ID, k1.ID, k3.ID}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ListKeys: got %v, want %v", ids, want)
	}

	// A bad key fails the whole batch.
	k4, k5 := key("key_dddddddddddddddddddd", now), key("key_eeeeeeeeeeeeeeeeeeee", now)
	k5.Scopes = nil
	if err := s.InsertKeys(ctx, []*skillett.Key{k4, k5}); err == nil {
		t.Fatal("InsertKeys with nil scopes: got nil error")
	}
	if _, _, err := s.KeyByHash(ctx, k4.Hash); skillett.ErrorCode(err) != skillett.ENOTFOUND {
		t.Errorf("KeyByHash of a key from a failed batch: got %v, want ENOTFOUND", err)
	}
}
