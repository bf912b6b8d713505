package service_test

import (
	"fmt"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/internal/testclock"
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
