package service

import (
	"context"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

// CreateKey creates a key for the user and returns it with the full key,
// which is never available again. EINVALID, EPLANLIMIT, ENOTFOUND.
func (s *Service) CreateKey(ctx context.Context, userID string, req skillett.KeyRequest) (*skillett.Key, string, error) {
	now := s.now()
	req.Parent = parentKey(ctx)
	req, err := req.Normalize(now)
	if err != nil {
		return nil, "", err
	}
	full := apikey.Generate()
	k := &skillett.Key{
		ID:        newKeyID(),
		UserID:    userID,
		Name:      req.Name,
		Prefix:    apikey.DisplayPrefix(full),
		Hash:      apikey.Hash(full),
		Scopes:    req.Scopes,
		CreatedAt: now.UTC().Truncate(time.Second),
		ExpiresAt: req.ExpiresAt,

		IPAllowlist: req.IPAllowlist,
		RateLimit:   req.RateLimit,
	}
	if err := s.store.CreateKey(ctx, k, s.limits, skillett.NewEvent(ctx, skillett.EventKeyCreated, now)); err != nil {
		return nil, "", err
	}
	return k, full, nil
}

// ListKeys returns the user's keys, newest first, revoked and expired
// ones included.
func (s *Service) ListKeys(ctx context.Context, userID string) ([]*skillett.Key, error) {
	return s.store.ListKeys(ctx, userID)
}

// RevokeKey revokes the user's key; revoking it again changes nothing. The
// key is refused from the next request on in this process, and within the
// change poll interval in every other. ENOTFOUND.
func (s *Service) RevokeKey(ctx context.Context, userID, keyID string) error {
	now := s.now()
	if err := s.store.RevokeKey(ctx, userID, keyID, now, skillett.NewEvent(ctx, skillett.EventKeyRevoked, now)); err != nil {
		return notFoundAsNoSuchKey(err)
	}
	s.verifier.forgetKey(keyID)
	return nil
}
