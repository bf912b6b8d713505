package service

import (
	"context"
	"slices"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

// errNoSuchKey is the ENOTFOUND of every key operation: someone else's key,
// an unknown id and a malformed one all read the same.
var errNoSuchKey = skillett.Errorf(skillett.ENOTFOUND, "No API key with this id belongs to you.")

func notFoundAsNoSuchKey(err error) error {
	if isCode(err, skillett.ENOTFOUND) {
		return errNoSuchKey
	}
	return err
}

// KeyByID returns the user's key with this id. ENOTFOUND.
func (s *Service) KeyByID(ctx context.Context, userID, keyID string) (*skillett.Key, error) {
	k, err := s.store.KeyByID(ctx, userID, keyID)
	return k, notFoundAsNoSuchKey(err)
}

// UpdateKey changes the user's key (SPEC §8). The change applies from the
// next request on in this process, and within the change poll interval in
// every other. EINVALID, ENOTFOUND, ECONFLICT (revoked or expired key).
func (s *Service) UpdateKey(ctx context.Context, userID, keyID string, upd skillett.KeyUpdate) (*skillett.Key, error) {
	now := s.now()
	upd, err := upd.Normalize(now)
	if err != nil {
		return nil, err
	}
	parent := parentKey(ctx)
	if upd.ExpiresAt.Set {
		if upd.ExpiresAt.Value, err = skillett.BoundByParent(parent, upd.ExpiresAt.Value); err != nil {
			return nil, err
		}
	}
	k, err := s.store.UpdateKey(ctx, userID, keyID, skillett.NewEvent(ctx, skillett.EventKeyUpdated, now), func(k *skillett.Key) ([]string, error) {
		if err := k.CheckChangeable(now, false); err != nil {
			return nil, err
		}
		changed := upd.Apply(k)
		if capped := skillett.CapByParent(parent, k.ExpiresAt); capped != k.ExpiresAt {
			k.ExpiresAt = capped
			if !slices.Contains(changed, "expires_at") {
				changed = append(changed, "expires_at")
			}
		}
		return changed, nil
	})
	if err != nil {
		return nil, notFoundAsNoSuchKey(err)
	}
	s.verifier.forgetKey(keyID)
	return k, nil
}

// RollKey replaces the user's key by a new one with a new secret and the
// same attributes; the old key keeps working for grace at most (SPEC §8).
// It returns the old key after the roll, the new key and its full key,
// which is never available again. EINVALID, ENOTFOUND, ECONFLICT (revoked,
// expired or rolled already; of concurrent rolls of one key all but one).
func (s *Service) RollKey(ctx context.Context, userID, keyID string, grace time.Duration) (old, newKey *skillett.Key, full string, err error) {
	now := s.now()
	if err := skillett.ValidateGracePeriod(grace); err != nil {
		return nil, nil, "", err
	}
	full = apikey.Generate()
	newKey = &skillett.Key{
		ID:        newKeyID(),
		UserID:    userID,
		Prefix:    apikey.DisplayPrefix(full),
		Hash:      apikey.Hash(full),
		CreatedAt: now.UTC().Truncate(time.Second),
	}
	e := skillett.NewEvent(ctx, skillett.EventKeyRolled, now)
	e.Data = map[string]any{"grace_period_seconds": int64(grace / time.Second)}
	old, err = s.store.RollKey(ctx, userID, keyID, newKey, e, func(old, nk *skillett.Key) error {
		if err := skillett.Roll(old, nk, grace, now); err != nil {
			return err
		}
		nk.ExpiresAt = skillett.CapByParent(parentKey(ctx), nk.ExpiresAt)
		return nil
	})
	if err != nil {
		return nil, nil, "", notFoundAsNoSuchKey(err)
	}
	s.verifier.forgetKey(keyID)
	return old, newKey, full, nil
}
