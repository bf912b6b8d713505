package dashboard_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skillett/skillett/apikey"
)

// The key page, rename, and a roll with a grace period, in a browser.
func TestBrowserKeyPageRenameRoll(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)

	b.signup("ada@example.com")
	b.createKey("CI deploy")
	b.do("wait for the new key", chromedp.WaitVisible(chromedp.CSS("#full-key")))
	oldFull := run(b, "read the key", chromedp.Value(chromedp.CSS("#full-key")))
	k := e.keys("ada@example.com")[0]

	// The key page, from the list.
	b.open("/", "#plan-usage")
	b.do("open the key page",
		chromedp.Click(chromedp.CSS(`tr.key-active .key-name a`)),
		chromedp.WaitVisible(chromedp.CSS("#key-facts")),
	)
	b.expectPath("/keys/" + k.ID)
	b.expectText("#key-heading", "CI deploy")
	b.expectText("#key-id", k.ID)
	b.expectText("#key-status", "active")
	b.expectText("#key-scopes", "all")
	b.expectText("#key-allowlist", "any address")
	b.expectText("#key-rate-limit", "none")
	b.shot("11-key-page")
	b.checkAccessibility("key page")

	// Rename.
	b.do("rename",
		chromedp.Clear(chromedp.CSS("#key-name")),
		chromedp.SendKeys(chromedp.CSS("#key-name"), "Production deploy"),
		chromedp.Click(chromedp.CSS("#save-key")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	b.expectPath("/keys/" + k.ID)
	b.expectText(".notice", "Saved your changes to “Production deploy”")
	b.expectText("#key-heading", "Production deploy")
	if got := e.keys("ada@example.com")[0]; got.Name != "Production deploy" || got.ExpiresAt != nil {
		t.Errorf("after renaming in the browser: got name %q, expires %v", got.Name, got.ExpiresAt)
	}
	b.shot("12-key-renamed")
	b.checkAccessibility("key renamed")

	// Roll, keeping the old key for 1 hour.
	b.do("ask to roll",
		chromedp.Click(chromedp.CSS("#roll-link")),
		chromedp.WaitVisible(chromedp.CSS("#roll-heading")),
	)
	b.expectText("#roll-heading", "Roll “Production deploy”?")
	b.shot("13-roll-choose-grace")
	b.checkAccessibility("roll choose grace")
	b.do("roll with 1 hour of grace",
		chromedp.Click(chromedp.CSS(`input[name="grace"][value="3600"]`)),
		chromedp.Click(chromedp.CSS("#roll-key")),
		chromedp.WaitVisible(chromedp.CSS("#full-key")),
	)
	b.expectPath("/keys/created")
	newFull := run(b, "read the new key", chromedp.Value(chromedp.CSS("#full-key")))
	if !apikey.Valid(newFull) || newFull == oldFull {
		t.Fatalf("got new key %q, want a valid key other than the old one", newFull)
	}
	b.expectText("#once-warning", "It will not be shown again")
	b.expectText("#rolled-old", "stops working in 1 hour")
	b.expectText("#rolled-new", "active")
	b.shot("14-rolled")
	b.checkAccessibility("rolled")
	if e.me(oldFull) != 200 || e.me(newFull) != 200 {
		t.Error("both keys should work during the grace period")
	}

	// The list says which key replaced the old one and when it stops.
	b.open("/", "#plan-usage")
	b.expectText(chromedp.CSS("#"+k.ID), "replaced by")
	b.expectText(chromedp.CSS("#"+k.ID), "stops working in 1 hour")
	b.expectText("#plan-usage", "1 of 1 active keys on Free")
	b.shot("15-list-after-roll")
	b.checkAccessibility("list after roll")
}
