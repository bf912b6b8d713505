package dashboard_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skillett/skillett/service"
)

// A key leaks: the list shows the banner and the marker with a link to
// where it was found, the key page says so too, and Dismiss hides the
// banner. axe-core checks every state.
func TestBrowserLeakMarker(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)

	b.signup("ada@example.com")
	b.createKey("CI deploy")
	b.do("wait for the new key", chromedp.WaitVisible(chromedp.CSS("#full-key")))
	full := run(b, "read the key", chromedp.Value(chromedp.CSS("#full-key")))
	k := e.keys("ada@example.com")[0]
	const where = "https://github.com/acme/app/blob/main/.env"
	if _, err := e.Service.ReportLeaks(t.Context(), []service.LeakReport{{Token: full, Source: "content", URL: where}}); err != nil {
		t.Fatal(err)
	}

	b.open("/", "#leak-banner")
	b.expectText("#leak-banner", "A key of yours was found in public and revoked automatically")
	b.expectText("#leak-banner", "“CI deploy”")
	b.expectText(chromedp.CSS("#"+k.ID), "Leaked — revoked automatically")
	b.expectText(chromedp.CSS("#"+k.ID), "found in content: "+where)
	if href := run(b, "read the link", chromedp.Evaluate[string](`document.querySelector("#`+k.ID+` a.leak-url").href`)); href != where {
		t.Errorf("leak link: got %q, want %q", href, where)
	}
	b.shot("41-leak-banner")

	b.do("open the key page",
		chromedp.Click(chromedp.CSS(`#`+k.ID+` .key-name a`)),
		chromedp.WaitVisible(chromedp.CSS("#key-leak")),
	)
	b.expectText("#key-leak", "Leaked — revoked automatically")
	b.expectText("#key-leak", where)
	b.expectText("#key-status", "revoked")
	b.shot("42-leaked-key-page")

	b.open("/", "#leak-banner")
	b.do("dismiss the banner",
		chromedp.Click(chromedp.CSS("#dismiss-leaks")),
		chromedp.WaitVisible(chromedp.CSS("#plan-usage")),
		chromedp.WaitNotPresent(chromedp.CSS("#leak-banner")),
	)
	b.expectPath("/")
	b.expectText(chromedp.CSS("#"+k.ID), "Leaked — revoked automatically")
	b.shot("43-leak-dismissed")

	// It stays dismissed on the next visit.
	b.open("/", "#plan-usage")
	if n := run(b, "count banners", chromedp.Evaluate[int](`document.querySelectorAll("#leak-banner").length`)); n != 0 {
		t.Errorf("after dismissing: %d banners, want none", n)
	}
}
