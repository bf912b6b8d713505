package dashboard_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

func TestKeyPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	c.createKey(url.Values{"name": {"CI deploy"}, "access": {"chosen"}, "scope": {"github"}})
	k := e.keys("ada@example.com")[0]
	_, err := e.Service.UpdateKey(t.Context(), k.UserID, k.ID, skillett.KeyUpdate{
		IPAllowlist: skillett.To([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}),
		RateLimit:   skillett.To(&skillett.RateLimit{Limit: 100, Window: time.Minute}),
	})
	if err != nil {
		t.Fatal(err)
	}
	c.get("/").expect(`<a href="/keys/` + k.ID + `">CI deploy</a>`)
	c.get("/keys/"+k.ID).expectStatus(http.StatusOK).
		expect("CI deploy", k.ID, k.Prefix+"…", `<li class="scope">github</li>`, "<code>10.0.0.0/8</code>", "100 uses per 60 seconds", `id="roll-link"`)

	other := e.client()
	other.signup("bob@example.com")
	other.get("/keys/" + k.ID).expectStatus(http.StatusNotFound).expectNot("CI deploy")
	other.post("/keys/"+k.ID, url.Values{"name": {"mine"}, "access": {"all"}, "expiry": {"keep"}}).expectStatus(http.StatusNotFound)
	other.post("/keys/"+k.ID+"/roll", url.Values{"grace": {"0"}}).expectStatus(http.StatusNotFound)
	if got := e.keys("ada@example.com"); len(got) != 1 || got[0].Name != "CI deploy" || got[0].ReplacedBy != "" {
		t.Fatalf("key after another user's attempts: got %+v", got[0])
	}
}

func TestEditKey(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	c.createKey(url.Values{"name": {"Old"}, "expiry": {"30d"}})
	k := e.keys("ada@example.com")[0]

	// Rename only: access and expiry stay.
	p := c.post("/keys/"+k.ID, url.Values{"name": {" New "}, "access": {"all"}, "expiry": {"keep"}})
	c.follow(p, "/keys/"+k.ID).expect("Saved your changes to “New”")
	got := e.keys("ada@example.com")[0]
	if got.Name != "New" || !slices.Equal(got.Scopes, []string{"*"}) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(*k.ExpiresAt) {
		t.Fatalf("after renaming: got %+v", got)
	}
	// Narrow the access and drop the expiry.
	c.post("/keys/"+k.ID, url.Values{"name": {"New"}, "access": {"chosen"}, "scope": {"slack"}, "expiry": {"never"}}).expectRedirect("/keys/" + k.ID)
	got = e.keys("ada@example.com")[0]
	if !slices.Equal(got.Scopes, []string{"slack"}) || got.ExpiresAt != nil {
		t.Fatalf("after narrowing: got %+v", got)
	}

	// Bad input: the form again with the error, and nothing changed.
	before := *got
	for _, form := range []url.Values{
		{"name": {""}, "access": {"all"}, "expiry": {"keep"}},
		{"name": {"x"}, "access": {"chosen"}, "expiry": {"keep"}},
		{"name": {"x"}, "access": {"all"}, "expiry": {"date"}, "expires_on": {"2001-01-01"}},
		{"name": {"x"}, "access": {"all"}, "expiry": {"soon"}},
	} {
		c.post("/keys/"+k.ID, form).expectStatus(http.StatusUnprocessableEntity).expect("Your changes were not saved")
	}
	after := e.keys("ada@example.com")[0]
	if after.Name != before.Name || !slices.Equal(after.Scopes, before.Scopes) || after.ExpiresAt != nil {
		t.Fatalf("after refused edits: got %+v, want %+v", after, before)
	}

	// A revoked key cannot change.
	c.post("/keys/"+k.ID+"/revoke", nil).expectRedirect("/")
	c.get("/keys/"+k.ID).expectNot(`id="edit-key"`, `id="roll-link"`)
	c.post("/keys/"+k.ID, url.Values{"name": {"again"}, "access": {"all"}, "expiry": {"keep"}}).expectStatus(http.StatusConflict)
	if e.keys("ada@example.com")[0].Name != "New" {
		t.Fatal("a revoked key was renamed")
	}
}

func TestRollKeyPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com") // Free: one key
	_, oldFull := c.createKey(url.Values{"name": {"Deploy"}})
	k := e.keys("ada@example.com")[0]

	c.get("/keys/"+k.ID+"/roll").expectStatus(http.StatusOK).expect("Roll “Deploy”?", "For 24 hours", "Stop it now")
	c.post("/keys/"+k.ID+"/roll", url.Values{"grace": {"60"}}).expectStatus(http.StatusUnprocessableEntity)
	if len(e.keys("ada@example.com")) != 1 {
		t.Fatal("a refused roll made a key")
	}
	p := c.follow(c.post("/keys/"+k.ID+"/roll", url.Values{"grace": {"3600"}}), "/keys/created").expectStatus(http.StatusOK)
	newFull := p.fullKey()
	if newFull == "" || newFull == oldFull {
		t.Fatalf("roll: got new key %q", newFull)
	}
	p.expect(`id="rolled"`, k.Prefix+"…</code> (old)", "stops working", `datetime="2026-04-08T11:00:00Z"`)
	if e.me(oldFull) != 200 || e.me(newFull) != 200 {
		t.Fatal("both keys should work during the grace period")
	}
	c.get("/").expect("replaced by", "stops working", "1 of 1 active keys on Free")
	c.get("/keys/" + k.ID + "/roll").expectStatus(http.StatusConflict).expect("rolled already")
	c.post("/keys/"+k.ID+"/roll", url.Values{"grace": {"0"}}).expectStatus(http.StatusConflict)
	if n := len(e.keys("ada@example.com")); n != 2 {
		t.Fatalf("keys after a refused second roll: got %d, want 2", n)
	}
	e.Clock.Advance(time.Hour)
	if e.me(oldFull) != 401 {
		t.Fatal("the old key should be refused after the grace period")
	}
}
