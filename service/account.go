package service

import (
	"context"
	"crypto/sha256"

	"github.com/skillett/skillett"
)

// ListUsers returns every user, oldest first.
func (s *Service) ListUsers(ctx context.Context) ([]*skillett.User, error) {
	return s.store.ListUsers(ctx)
}

// SetPassword gives the user with this email a new password (an operator's
// act: the CLI) and ends all of the user's sessions. EINVALID, ENOTFOUND.
func (s *Service) SetPassword(ctx context.Context, email, password string) (*skillett.User, error) {
	if err := skillett.ValidatePassword(password); err != nil {
		return nil, err
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	e := skillett.NewEvent(ctx, skillett.EventUserPasswordChange, s.now())
	e.Data = map[string]any{"all_sessions": true}
	if err := s.store.SetUserPassword(ctx, u.ID, hashPassword(password, s.cfg.Password), nil, e); err != nil {
		return nil, err
	}
	return u, nil
}

var errWrongPassword = skillett.Errorf(skillett.EINVALID, "Your current password is not right.")

// ChangePassword changes the password of the user of the session token,
// who must give the current one, and ends the user's other sessions: the
// one in hand stays. Checking the current password is a login attempt on
// the account: the per-address login rate, the account's failure
// throttle and the hashing gate apply as they do to Login (SPEC §12), so
// a stolen session cannot try passwords faster than the login form.
// EINVALID (a wrong current password or a bad new one), EUNAUTHORIZED (no
// session), ERATELIMITED, EUNAVAILABLE (hashing busy).
func (s *Service) ChangePassword(ctx context.Context, token, current, newPassword string) error {
	p, err := s.SessionPrincipal(ctx, token)
	if err != nil {
		return err
	}
	if err := s.reserveLoginAttempt(ctx, p.User.Email); err != nil {
		return err
	}
	ok, err := s.passwordMatches(ctx, current, p.User.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return errWrongPassword
	}
	if err := s.store.ClearLoginFailures(ctx, p.User.Email); err != nil {
		return err
	}
	if err := skillett.ValidatePassword(newPassword); err != nil {
		return err
	}
	var hash string
	if err := s.hashes.run(ctx, func() { hash = hashPassword(newPassword, s.cfg.Password) }); err != nil {
		return err
	}
	keep := sha256.Sum256([]byte(token))
	e := skillett.NewEvent(sessionActor(ctx), skillett.EventUserPasswordChange, s.now())
	e.Data = map[string]any{"all_sessions": false}
	return s.store.SetUserPassword(ctx, p.User.ID, hash, &keep, e)
}

// LogoutEverywhere ends every session of the user of the session token,
// this one included. EUNAUTHORIZED (no session).
func (s *Service) LogoutEverywhere(ctx context.Context, token string) error {
	p, err := s.SessionPrincipal(ctx, token)
	if err != nil {
		return err
	}
	e := skillett.NewEvent(sessionActor(ctx), skillett.EventUserLoggedOut, s.now())
	e.Data = map[string]any{"all_sessions": true}
	return s.store.DeleteUserSessions(ctx, p.User.ID, nil, e)
}

// sessionActor returns ctx with its actor made the session: whoever holds
// a session's token acts as the session, wherever the request came from.
func sessionActor(ctx context.Context) context.Context {
	a := skillett.ActorFrom(ctx)
	a.Type, a.ID = skillett.ActorSession, ""
	return skillett.WithActor(ctx, a)
}
