package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/skillett/skillett"
)

// The account page's changes, and an operator's, show on the activity
// page; a refused password change shows nothing.
func TestActivityAccount(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	c.post("/account/password", url.Values{"current_password": {"not my password"}, "new_password": {"a new passphrase"}}).
		expectStatus(http.StatusUnprocessableEntity)
	c.follow(c.post("/account/password", url.Values{"current_password": {password}, "new_password": {"a new passphrase"}}), "/account").
		expect("Your password is changed.")
	cli := skillett.WithActor(t.Context(), skillett.Actor{Type: skillett.ActorCLI})
	if _, err := e.Service.SetPassword(cli, "ada@example.com", "an operator's passphrase"); err != nil {
		t.Fatal(err)
	}
	c = e.client()
	c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"an operator's passphrase"}}).expectRedirect("/")
	c.follow(c.post("/account/logout-all", nil), "/login")
	c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"an operator's passphrase"}}).expectRedirect("/")

	p := c.get("/activity").expectStatus(http.StatusOK)
	want := []string{
		"Signed in from 127.0.0.1",
		"Signed out of all sessions from 127.0.0.1",
		"Signed in from 127.0.0.1",
		"Password changed by an administrator (CLI); all sessions signed out",
		"Password changed from 127.0.0.1; other sessions signed out",
		"Account created from 127.0.0.1",
	}
	p.expect(want...)
	if got := activitySentences(p.body); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("activity, newest first:\ngot  %q\nwant %q", got, want)
	}
}

// activitySentences returns the sentences of the activity page's events,
// in page order.
func activitySentences(body string) []string {
	_, list, _ := strings.Cut(body, `id="activity"`)
	list, _, _ = strings.Cut(list, "</ol>")
	var out []string
	for _, li := range strings.Split(list, "<li")[1:] {
		_, rest, _ := strings.Cut(li, "</time> ")
		s, _, _ := strings.Cut(rest, "</li>")
		out = append(out, s)
	}
	return out
}
