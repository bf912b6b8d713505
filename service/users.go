package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func newUserID() string { return "usr_" + apikey.RandomString(idAlphabet, 16) }
func newKeyID() string  { return "key_" + apikey.RandomString(idAlphabet, 20) }

// CreateUser creates a user on plan. An empty password creates a user who
// cannot log in (keys are then made with the CLI). EINVALID, ECONFLICT.
func (s *Service) CreateUser(ctx context.Context, email, password string, plan skillett.Plan) (*skillett.User, error) {
	email, err := skillett.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if _, err := skillett.ParsePlan(string(plan)); err != nil {
		return nil, err
	}
	u := &skillett.User{ID: newUserID(), Email: email, Plan: plan, CreatedAt: s.now().UTC().Truncate(time.Second)}
	if password != "" {
		if err := skillett.ValidatePassword(password); err != nil {
			return nil, err
		}
		if err := s.hashes.run(ctx, func() { u.PasswordHash = hashPassword(password, s.cfg.Password) }); err != nil {
			return nil, err
		}
	}
	if err := s.store.CreateUser(ctx, u, skillett.NewEvent(ctx, skillett.EventUserSignedUp, u.CreatedAt)); err != nil {
		return nil, err
	}
	return u, nil
}

// Signup creates a user on the free plan and logs them in, returning the
// new session token. EINVALID, ECONFLICT.
func (s *Service) Signup(ctx context.Context, email, password string) (*skillett.User, string, error) {
	if !s.SignupOpen() {
		return nil, "", ErrSignupClosed
	}
	if _, err := skillett.NormalizeEmail(email); err != nil {
		return nil, "", err
	}
	if err := skillett.ValidatePassword(password); err != nil {
		return nil, "", err
	}
	if err := s.AllowClient(ctx, skillett.BucketSignup); err != nil {
		return nil, "", err
	}
	u, err := s.CreateUser(ctx, email, password, skillett.PlanFree)
	if err != nil {
		return nil, "", err
	}
	token, err := s.newSession(ctx, u, nil) // signed up: no separate login event
	return u, token, err
}

// ErrSignupClosed is Signup's answer when Config.NoSignup is set.
var ErrSignupClosed = skillett.Errorf(skillett.ENOTFOUND, "Sign-up is turned off on this server. Ask an administrator for an account.")

// SignupOpen reports whether Signup creates accounts: the front ends ask
// it to refuse before reading a form or body.
func (s *Service) SignupOpen() bool { return !s.cfg.NoSignup }

var errBadLogin = skillett.Errorf(skillett.EUNAUTHORIZED, "Wrong email or password.")

// Login checks email and password and returns the user and a new session
// token. Wrong email or password: EUNAUTHORIZED, with one message for both.
// After LoginMaxFailures failures for an email within LoginWindow, every
// attempt is ERATELIMITED until the oldest failure leaves the window.
func (s *Service) Login(ctx context.Context, email, password string) (*skillett.User, string, error) {
	email, err := skillett.NormalizeEmail(email)
	if err != nil {
		return nil, "", err
	}
	if password == "" {
		return nil, "", skillett.Errorf(skillett.EINVALID, "Password is required.")
	}
	if err := s.reserveLoginAttempt(ctx, email); err != nil {
		return nil, "", err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !isCode(err, skillett.ENOTFOUND) {
		return nil, "", err
	}
	// An unknown email and a user without a password are checked against
	// a dummy hash, so that every failed login costs one hash: the time of
	// the answer tells nothing about the account.
	hash := s.dummyHash()
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, err := s.passwordMatches(ctx, password, hash)
	if err != nil {
		return nil, "", err
	}
	if u == nil || u.PasswordHash == "" || !ok {
		if u != nil {
			// The failure itself was counted by ReserveLoginAttempt; the
			// event only tells the owner.
			if err := s.store.RecordEvent(ctx, about(skillett.NewEvent(ctx, skillett.EventUserLoginFail, s.now()), u.ID)); err != nil {
				return nil, "", err
			}
		}
		return nil, "", errBadLogin
	}
	if err := s.store.ClearLoginFailures(ctx, email); err != nil {
		return nil, "", err
	}
	token, err := s.newSession(ctx, u, skillett.NewEvent(ctx, skillett.EventUserLoggedIn, s.now()))
	return u, token, err
}

// reserveLoginAttempt counts an attempt at the password of email against
// the client's login rate and the email's failure throttle (SPEC §12), as
// a failure until ClearLoginFailures says it succeeded. ERATELIMITED.
func (s *Service) reserveLoginAttempt(ctx context.Context, email string) error {
	if err := s.AllowClient(ctx, skillett.BucketLogin); err != nil {
		return err
	}
	return s.store.ReserveLoginAttempt(ctx, email, s.now(), s.cfg.LoginWindow, s.cfg.LoginMaxFailures)
}

// passwordMatches checks password against hash once the hashing gate
// gives it a turn. EUNAVAILABLE (hashing busy).
func (s *Service) passwordMatches(ctx context.Context, password, hash string) (bool, error) {
	var ok bool
	err := s.hashes.run(ctx, func() { ok = checkPassword(password, hash) })
	return ok, err
}

// newSession creates a session for u, writing e with it.
func (s *Service) newSession(ctx context.Context, u *skillett.User, e *skillett.Event) (string, error) {
	token := rand.Text()
	now := s.now().UTC().Truncate(time.Second)
	sess := &skillett.Session{TokenHash: sha256.Sum256([]byte(token)), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.CreateSession(ctx, sess, e); err != nil {
		return "", err
	}
	return token, nil
}

// SessionTTL is how long a new session lives.
func (s *Service) SessionTTL() time.Duration { return s.cfg.SessionTTL }

// Logout ends the session with this token; an unknown token is no error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	e := skillett.NewEvent(sessionActor(ctx), skillett.EventUserLoggedOut, s.now())
	return s.store.DeleteSession(ctx, sha256.Sum256([]byte(token)), e)
}

// SessionPrincipal returns the principal of a session token.
// EUNAUTHORIZED if the session is unknown, ended or expired.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*skillett.Principal, error) {
	if token == "" || len(token) > 256 {
		return nil, errNoSession
	}
	guard := s.missGuard(ctx)
	if err := guard.before(); err != nil {
		return nil, err
	}
	_, u, err := s.store.SessionUser(ctx, sha256.Sum256([]byte(token)), s.now())
	if isCode(err, skillett.ENOTFOUND) {
		guard.missed()
		return nil, errNoSession
	} else if err != nil {
		return nil, err
	}
	return &skillett.Principal{User: u, Method: skillett.MethodSession}, nil
}

var errNoSession = skillett.Errorf(skillett.EUNAUTHORIZED, "Your session has ended; log in again.")

// UserByEmail returns the user with this email. EINVALID, ENOTFOUND.
func (s *Service) UserByEmail(ctx context.Context, email string) (*skillett.User, error) {
	email, err := skillett.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if isCode(err, skillett.ENOTFOUND) {
		return nil, skillett.Errorf(skillett.ENOTFOUND, "No user has the email %s.", email)
	}
	return u, err
}

// SetPlan changes a user's plan; every process sees it from its next
// request on. EINVALID, ENOTFOUND.
func (s *Service) SetPlan(ctx context.Context, email string, plan skillett.Plan) (*skillett.User, error) {
	email, err := skillett.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if _, err := skillett.ParsePlan(string(plan)); err != nil {
		return nil, err
	}
	u, err := s.store.SetUserPlan(ctx, email, plan, skillett.NewEvent(ctx, skillett.EventUserPlanChange, s.now()))
	if isCode(err, skillett.ENOTFOUND) {
		return nil, skillett.Errorf(skillett.ENOTFOUND, "No user has the email %s.", email)
	}
	if err == nil {
		s.verifier.forgetUser(u.ID)
	}
	return u, err
}
