package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

// The allowlist and the rate limit are set on create, shown and changed on
// the key page, and the key page charts the key's uses (SPEC §9).
func TestKeyLimitsAndUsage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	e.setPlan("ada@example.com", skillett.PlanPro)
	c.createKey(url.Values{"name": {"Edge"}, "access": {"all"}, "expiry": {"never"},
		"ip_allowlist": {"203.0.113.7\n10.1.2.3/8, 2001:db8::/32"}, "rate_limit": {"100"}, "rate_window": {"60"}})
	k := e.keys("ada@example.com")[0]
	if got := fmtPrefixes(k); got != "203.0.113.7/32 10.0.0.0/8 2001:db8::/32" || k.RateLimit == nil || *k.RateLimit != (skillett.RateLimit{Limit: 100, Window: time.Minute}) {
		t.Fatalf("created key: allowlist %s, rate limit %+v", got, k.RateLimit)
	}
	for _, bad := range []url.Values{
		{"ip_allowlist": {"example.com"}},
		{"rate_limit": {"0"}, "rate_window": {"60"}},
		{"rate_limit": {"5"}, "rate_window": {"86401"}},
		{"rate_limit": {"many"}, "rate_window": {"60"}},
	} {
		bad.Set("name", "bad")
		bad.Set("access", "all")
		bad.Set("expiry", "never")
		if r := c.post("/keys", bad); r.status == http.StatusSeeOther {
			t.Errorf("POST /keys with %v: created a key", bad)
		}
	}
	if n := len(e.keys("ada@example.com")); n != 1 {
		t.Fatalf("keys after refused forms: %d, want 1", n)
	}

	// Uses of the key show in the list's total and on its page's chart.
	_, full, err := e.Service.CreateKey(t.Context(), k.UserID, skillett.KeyRequest{Name: "used"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.Service.VerifyKey(t.Context(), full, "")
	}
	e.Service.VerifyKey(t.Context(), full, "github") // valid: full access
	if err := e.Service.FlushUsage(t.Context()); err != nil {
		t.Fatal(err)
	}
	used := e.keys("ada@example.com")[0]
	c.get("/").expect(`<td data-label="Uses (30 days)" class="num uses">4</td>`)
	page := c.get("/keys/"+used.ID).expectStatus(http.StatusOK).expect(`<svg class="usage-chart"`, "4 valid, 0 refused", "4 valid, 0 refused</title>")
	_ = page

	// The key page edits the limits; emptied fields remove them.
	c.get("/keys/"+k.ID).expect("203.0.113.7/32\n10.0.0.0/8\n2001:db8::/32</textarea>", `name="rate_limit" type="number" min="1" max="1000000" inputmode="numeric" value="100"`)
	c.post("/keys/"+k.ID, url.Values{"name": {"Edge"}, "access": {"all"}, "expiry": {"keep"}, "ip_allowlist": {"192.0.2.0/24"}, "rate_limit": {"5"}, "rate_window": {"1"}}).expectRedirect("/keys/" + k.ID)
	got := e.keys("ada@example.com")[1]
	if fmtPrefixes(got) != "192.0.2.0/24" || got.RateLimit == nil || *got.RateLimit != (skillett.RateLimit{Limit: 5, Window: time.Second}) {
		t.Fatalf("after editing: allowlist %s, rate limit %+v", fmtPrefixes(got), got.RateLimit)
	}
	c.post("/keys/"+k.ID, url.Values{"name": {"Edge"}, "access": {"all"}, "expiry": {"keep"}, "ip_allowlist": {""}, "rate_limit": {""}, "rate_window": {"60"}}).expectRedirect("/keys/" + k.ID)
	got = e.keys("ada@example.com")[1]
	if got.IPAllowlist != nil || got.RateLimit != nil {
		t.Fatalf("after emptying the fields: allowlist %s, rate limit %+v", fmtPrefixes(got), got.RateLimit)
	}
}

func fmtPrefixes(k *skillett.Key) string {
	var s []string
	for _, p := range k.IPAllowlist {
		s = append(s, p.String())
	}
	return strings.Join(s, " ")
}
