package service

import (
	"context"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
)

// parentKey is the key through which the request of ctx acts, or nil for
// a session, the CLI or a call with no principal. A key it creates, rolls
// or updates can never outlive it (SPEC §12: skillett.BoundByParent and
// skillett.CapByParent), so that expiry contains a leaked key.
func parentKey(ctx context.Context) *skillett.Key {
	if p := keyauth.PrincipalFrom(ctx); p != nil && p.Method == skillett.MethodAPIKey {
		return p.Key
	}
	return nil
}
