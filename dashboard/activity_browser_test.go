package dashboard_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// The activity page, reached from the header, tells what happened to the
// account in sentences, newest first; axe-core checks every state.
func TestBrowserActivity(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)

	b.signup("ada@example.com")
	b.createKey("CI deploy")
	b.do("wait for the new key", chromedp.WaitVisible(chromedp.CSS("#full-key")))

	b.open("/", "#plan-usage")
	b.do("revoke the key",
		chromedp.Click(chromedp.CSS("tr.key-active .key-actions a")),
		chromedp.WaitVisible(chromedp.CSS("#revoke-heading")),
		chromedp.Click(chromedp.CSS("button.button-danger")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)

	b.do("open the activity page",
		chromedp.Click(chromedp.CSS("#activity-link")),
		chromedp.WaitVisible(chromedp.CSS("#activity")),
	)
	b.expectPath("/activity")
	b.expectText("#activity li:nth-child(1)", "Key “CI deploy” revoked from 127.0.0.1")
	b.expectText("#activity li:nth-child(2)", "Key “CI deploy” created from 127.0.0.1")
	b.expectText("#activity", "Account created from 127.0.0.1")
	if n := run(b, "count events", chromedp.Evaluate[int](`document.querySelectorAll("#activity li").length`)); n < 3 {
		t.Errorf("activity page: %d events, want at least 3 (sign-up, create, revoke)", n)
	}
	b.shot("50-activity")
}
