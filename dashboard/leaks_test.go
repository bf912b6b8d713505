package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/service"
)

// A leaked key is marked on the list and its page with where it was
// found; the list shows a banner until it is dismissed, without
// JavaScript, and a newer leak raises it again.
func TestLeakMarkerAndBanner(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com").expectNot(`id="leak-banner"`)
	e.setPlan("ada@example.com", skillett.PlanPro)
	_, leaked := c.createKey(url.Values{"name": {"pasted"}})
	_, other := c.createKey(url.Values{"name": {"odd url"}})
	keys := e.keys("ada@example.com") // newest first
	oddID, pastedID := keys[0].ID, keys[1].ID
	if _, err := e.Service.ReportLeaks(t.Context(), []service.LeakReport{
		{Token: leaked, Source: "content", URL: "https://github.com/acme/app/blob/main/.env?a=1&b=<x>"},
	}); err != nil {
		t.Fatal(err)
	}

	list := c.get("/").expectStatus(http.StatusOK)
	list.expect(
		`id="leak-banner"`, "A key of yours was found in public and revoked automatically", "“pasted”",
		"Leaked — revoked automatically",
		`found in content: <a href="https://github.com/acme/app/blob/main/.env?a=1&amp;b=%3cx%3e" rel="noopener noreferrer nofollow" class="leak-url">https://github.com/acme/app/blob/main/.env?a=1&amp;b=&lt;x&gt;</a>`,
	).expectNot("<x>")
	c.get("/keys/"+pastedID).expectStatus(http.StatusOK).expect(`<dt>Leaked</dt><dd id="key-leak">`, "Leaked — revoked automatically", `href="https://github.com/acme/app/blob/main/.env`)
	c.get("/keys/" + oddID).expectStatus(http.StatusOK).expectNot("Leaked")

	// Dismiss without JavaScript: a POST form, then the list without it.
	through := between(list.body, `name="through" value="`, `"`)
	p := c.post("/leaks/dismiss", url.Values{"through": {through}})
	c.follow(p, "/").expectStatus(http.StatusOK).expectNot(`id="leak-banner"`).expect("Leaked — revoked automatically")

	// A bad dismiss form changes nothing; a cross-origin one is refused.
	c.post("/leaks/dismiss", url.Values{"through": {"soon"}}).expectStatus(http.StatusBadRequest)
	c.post("/leaks/dismiss", url.Values{"through": {"1"}}, hdr{"Sec-Fetch-Site": "cross-site"}).expectStatus(http.StatusForbidden)
	c.get("/").expectNot(`id="leak-banner"`)

	// A newer leak raises the banner again, naming only the new one; a
	// URL that is not http(s) is shown as text, not a link.
	e.Clock.Advance(time.Minute)
	if _, err := e.Service.ReportLeaks(t.Context(), []service.LeakReport{{Token: other, Source: "paste", URL: "javascript:alert(1)"}}); err != nil {
		t.Fatal(err)
	}
	list = c.get("/").expect(`id="leak-banner"`, "“odd url”", `found in paste: <span class="leak-url">javascript:alert(1)</span>`).expectNot(`href="javascript`)
	if between(list.body, `id="leak-banner"`, "</form>") == "" || strings.Contains(between(list.body, `id="leak-banner"`, "</form>"), "“pasted”") {
		t.Error("the banner should name only the undismissed leak")
	}

	// A week later (and a new session) the banner is gone by itself; the
	// markers stay.
	e.Clock.Advance(leakWeek)
	c.follow(c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {password}}), "/")
	c.get("/").expectNot(`id="leak-banner"`).expect("Leaked — revoked automatically")
}

const leakWeek = 7*24*time.Hour + time.Second

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
