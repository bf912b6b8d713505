package dashboard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// contrastJS computes the contrast ratio of an element's border against
// white, as WCAG defines it.
const contrastJS = `(sel => {
  const lum = c => { const [r, g, b] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const l = lum(getComputedStyle(document.querySelector(sel)).borderTopColor);
  return 1.05 / (l + 0.05);
})`

// TestBrowserFirstHour walks what a newcomer meets first: a mistyped
// address, the header, the key list's id, filter and exact times, a form
// error, confirmations for screen readers, a taken email at sign-up.
// axe-core checks every state on the way (open and shot).
func TestBrowserFirstHour(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)

	b.open("/nope", "#error-heading")
	b.expectText("#error-heading", "Page not found")
	if title := run(b, "title", chromedp.Title()); title != "Error: Page not found · Skillett" {
		t.Errorf("404 title: got %q", title)
	}

	b.signup("ada@example.com")
	b.expectText(".account-email", "Signed in as ada@example.com")
	// The welcome in the page at load is repeated in the live region.
	run(b, "welcome announced", chromedp.Poll[bool](`document.getElementById("announcer").textContent.startsWith("Welcome to Skillett!")`,
		chromedp.WithPollingTimeout(5*time.Second)))

	// Contrast: borders of fields at least 3:1, integrations not dimmed.
	for _, sel := range []string{"#key-name", "#expiry"} {
		if r := run(b, "contrast of "+sel, chromedp.Evaluate[float64](contrastJS+`("`+sel+`")`)); r < 3 {
			t.Errorf("%s: border contrast %.2f:1, want at least 3:1", sel, r)
		}
	}
	if op := run(b, "integrations opacity", chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".integrations")).opacity`)); op != "1" {
		t.Errorf("integrations: opacity %s, want 1 (not dimmed)", op)
	}

	// A failed submit: the title says so and the field at fault has the focus.
	b.do("submit without an integration",
		chromedp.SendKeys(chromedp.CSS("#key-name"), "bot"),
		chromedp.Click(chromedp.CSS("#access-chosen")),
		chromedp.Click(chromedp.CSS(`#create-key button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#access-error")),
	)
	if title := run(b, "title", chromedp.Title()); !strings.HasPrefix(title, "Error: ") {
		t.Errorf("title after a failed submit: %q, want it to start with Error:", title)
	}
	if id := focusedID(b, "access-chosen"); id != "access-chosen" {
		t.Errorf("focus after a failed submit: #%s, want #access-chosen", id)
	}
	b.shot("field-error")

	b.do("create a key",
		chromedp.Click(chromedp.CSS(`input[name="scope"][value="github"]`)),
		chromedp.Click(chromedp.CSS(`#create-key button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#full-key")),
		chromedp.Click(chromedp.CSS(`a.button[href="/"]`)),
		chromedp.WaitVisible(chromedp.CSS("tr.key-active")),
	)
	id := e.keys("ada@example.com")[0].ID
	b.expectText("tr.key-active .key-id", id)

	// Exact times: hidden until asked for, with a checkbox (keyboard, touch).
	if run(b, "exact hidden", chromedp.Evaluate[bool](`document.querySelector(".keys .exact").offsetWidth > 1`)) {
		t.Error("exact times are shown before they are asked for")
	}
	b.do("show exact times", chromedp.Click(chromedp.CSS("#show-exact")))
	if !run(b, "exact shown", chromedp.Evaluate[bool](`document.querySelector(".keys .exact").offsetWidth > 1`)) {
		t.Error("exact times are not shown after ticking the box")
	}
	b.shot("exact-times")

	// Revoke, then hide revoked keys.
	b.do("revoke",
		chromedp.Click(chromedp.CSS("tr.key-active .key-actions a")),
		chromedp.WaitVisible(chromedp.CSS("#revoke-heading")),
		chromedp.Click(chromedp.CSS("button.button-danger")),
		chromedp.WaitVisible(chromedp.CSS("tr.key-revoked")),
	)
	run(b, "revocation announced", chromedp.Poll[bool](`document.getElementById("announcer").textContent.startsWith("Revoked")`,
		chromedp.WithPollingTimeout(5*time.Second)))
	b.do("hide revoked", chromedp.Click(chromedp.CSS("#hide-inactive")), chromedp.WaitVisible(chromedp.CSS("#show-all")))
	b.expectText(".empty", "No active keys.")
	b.shot("filtered")

	// Log out (announced), then sign up again with the same email.
	b.do("log out", chromedp.Click(chromedp.CSS(".account button")), chromedp.WaitVisible(chromedp.CSS("#login-heading")))
	run(b, "logout announced", chromedp.Poll[bool](`document.getElementById("announcer").textContent === "You have logged out."`,
		chromedp.WithPollingTimeout(5*time.Second)))
	b.open("/signup", "#signup-heading")
	b.do("sign up again",
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-instead")),
	)
	if id := focusedID(b, "email"); id != "email" {
		t.Errorf("focus after a taken email: #%s, want #email", id)
	}
	b.shot("email-taken")
	b.do("log in instead", chromedp.Click(chromedp.CSS("#login-instead")), chromedp.WaitVisible(chromedp.CSS("#login-heading")))
	if b.axeRuns < 7 {
		t.Errorf("axe-core checked %d page states, want every one (at least 7)", b.axeRuns)
	}
}

// On a phone the revoked card labels its time, and column labels are not
// read twice (CSS content with alternative text "").
func TestBrowserPhoneLabels(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 390, 844)
	b.signup("ada@example.com")
	b.createKey("old")
	b.do("back", chromedp.WaitVisible(chromedp.CSS("#full-key")), chromedp.Click(chromedp.CSS(`a.button[href="/"]`)), chromedp.WaitVisible(chromedp.CSS("tr.key")))
	b.do("revoke",
		chromedp.Click(chromedp.CSS("tr.key-active .key-actions a")),
		chromedp.WaitVisible(chromedp.CSS("#revoke-heading")),
		chromedp.Click(chromedp.CSS("button.button-danger")),
		chromedp.WaitVisible(chromedp.CSS("tr.key-revoked")),
	)
	b.expectText("tr.key-revoked .status-when", "since just now")
	content := run(b, "label content", chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".keys td[data-label]"), "::before").content`))
	if !strings.Contains(content, `/ ""`) {
		t.Errorf("column label content %s, want alternative text / \"\"", content)
	}
	b.shot("phone-revoked")
}

// The plan limit's "ask for a bigger plan" leads to the account page,
// which changes the password and signs out of every session.
func TestBrowserAccount(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)
	b.signup("ada@example.com")
	b.createKey("first")
	b.do("to the limit",
		chromedp.WaitVisible(chromedp.CSS("#full-key")),
		chromedp.Click(chromedp.CSS(`a.button[href="/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#create-disabled-reason")),
		chromedp.Click(chromedp.CSS(`#create-disabled-reason a`)),
		chromedp.WaitVisible(chromedp.CSS("#plan-heading")),
	)
	b.expectPath("/account#plan")
	b.expectText("#account-plan", "Free (1 active key at most)")
	b.shot("account")

	b.do("wrong current password",
		chromedp.SendKeys(chromedp.CSS("#current-password"), "not my password"),
		chromedp.SendKeys(chromedp.CSS("#new-password"), "a new passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/account/password"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#current-password-error")),
	)
	if id := focusedID(b, "current-password"); id != "current-password" {
		t.Errorf("focus after a wrong current password: #%s, want #current-password", id)
	}
	b.shot("account-wrong-password")
	b.do("change password",
		chromedp.SendKeys(chromedp.CSS("#current-password"), password),
		chromedp.SendKeys(chromedp.CSS("#new-password"), "a new passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/account/password"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	run(b, "change announced", chromedp.Poll[bool](`document.getElementById("announcer").textContent.startsWith("Your password is changed.")`,
		chromedp.WithPollingTimeout(5*time.Second)))
	b.do("sign out everywhere", chromedp.Click(chromedp.CSS("#logout-all")), chromedp.WaitVisible(chromedp.CSS("#login-heading")))
	b.expectText(".notice", "You have signed out of all sessions.")
	b.shot("signed-out-everywhere")
}

// focusedID waits up to 2 seconds for the element with id want to have the
// focus (autofocus applies once the page has rendered), and returns the id
// of the focused element.
func focusedID(b *tab, want string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement.id === "`+want+`"`))
	return run(b, "focused element", chromedp.Evaluate[string](`document.activeElement.id`))
}
