package service_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/storetest"
)

// The account changes leave events by the right actor, and refused ones
// leave none.
func TestAccountEvents(t *testing.T) {
	svc, _ := newService(t, "", testclock.New(storetest.T0))
	u := mustUser(t, svc, "ada@example.com", skillett.PlanFree) // user.signed_up
	_, token, err := svc.Login(t.Context(), u.Email, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	web := skillett.WithActor(t.Context(), skillett.Actor{Type: skillett.ActorAnonymous, IP: "203.0.113.5", UserAgent: "test/1"})

	for _, c := range []struct{ current, next, code string }{
		{"not my password", "a new passphrase", skillett.EINVALID},
		{"correct horse battery", "short", skillett.EINVALID},
	} {
		if err := svc.ChangePassword(web, token, c.current, c.next); skillett.ErrorCode(err) != c.code {
			t.Fatalf("ChangePassword(%q, %q): got %v, want code %s", c.current, c.next, err, c.code)
		}
	}
	if err := svc.ChangePassword(web, token, "correct horse battery", "a new passphrase"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	cli := skillett.WithActor(t.Context(), skillett.Actor{Type: skillett.ActorCLI})
	if _, err := svc.SetPassword(cli, u.Email, "an operator's passphrase"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	_, token, err = svc.Login(t.Context(), u.Email, "an operator's passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.LogoutEverywhere(web, token); err != nil {
		t.Fatalf("LogoutEverywhere: %v", err)
	}

	events, _, err := svc.AuditLog(t.Context(), u.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, fmt.Sprint(e.Type, " ", e.Actor.Type, " ", e.Actor.IP, " ", e.Data))
	}
	want := []string{
		"user.logged_out session 203.0.113.5 map[all_sessions:true]",
		"user.logged_in anonymous  map[]",
		"user.password_changed cli  map[all_sessions:true]",
		"user.password_changed session 203.0.113.5 map[all_sessions:false]",
		"user.logged_in anonymous  map[]",
		"user.signed_up anonymous  map[]",
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("events, newest first:\ngot  %q\nwant %q", got, want)
	}
	if _, err := svc.SessionPrincipal(t.Context(), token); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Fatalf("session after signing out everywhere: got %v, want EUNAUTHORIZED", err)
	}
}

// Checking the current password is a login attempt: wrong guesses through
// a session meet the account's failure throttle (even the right password is
// refused then) and share the hashing gate with logins (SPEC §12).
func TestChangePasswordLimited(t *testing.T) {
	clock := testclock.New(storetest.T0)
	svc, _ := newService(t, "", clock)
	u := mustUser(t, svc, "ada@example.com", skillett.PlanFree)
	_, token, err := svc.Login(t.Context(), u.Email, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := svc.ChangePassword(t.Context(), token, "a guess number "+fmt.Sprint(i), "a new passphrase"); skillett.ErrorCode(err) != skillett.EINVALID {
			t.Fatalf("guess %d: got %v, want invalid", i+1, err)
		}
	}
	err = svc.ChangePassword(t.Context(), token, "correct horse battery", "a new passphrase")
	if skillett.ErrorCode(err) != skillett.ERATELIMITED || skillett.RetryAfter(err) <= 0 {
		t.Fatalf("the right password after 10 wrong ones: got %v, want rate_limited with Retry-After", err)
	}
	if _, _, err := svc.Login(t.Context(), u.Email, "correct horse battery"); skillett.ErrorCode(err) != skillett.ERATELIMITED {
		t.Fatalf("login after 10 wrong guesses through the account page: got %v, want rate_limited", err)
	}
	clock.Advance(15 * time.Minute)
	if err := svc.ChangePassword(t.Context(), token, "correct horse battery", "a new passphrase"); err != nil {
		t.Fatalf("once the window has passed: %v", err)
	}
}

func TestChangePasswordHashGate(t *testing.T) {
	svc, _ := newService(t, "", testclock.New(storetest.T0), func(c *service.Config) {
		c.HashConcurrency = 1
		c.HashWait = 50 * time.Millisecond
		c.Password = service.PasswordParams{Memory: 8 * 1024, Time: 3, Threads: 1} // ~ tens of ms
		c.LoginMaxFailures = 1000
	})
	u := mustUser(t, svc, "ada@example.com", skillett.PlanFree)
	_, token, err := svc.Login(t.Context(), u.Email, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = svc.ChangePassword(t.Context(), token, "a wrong guess", "a new passphrase") })
	}
	wg.Wait()
	var wrong, busy int
	for _, err := range errs {
		switch {
		case skillett.ErrorCode(err) == skillett.EINVALID:
			wrong++
		case skillett.ErrorCode(err) == skillett.EUNAVAILABLE:
			busy++
		default:
			t.Errorf("got %v, want invalid or unavailable", err)
		}
	}
	if wrong == 0 || busy == 0 {
		t.Errorf("%d simultaneous password checks through one hashing slot: %d checked, %d unavailable; want some of each", n, wrong, busy)
	}
}
