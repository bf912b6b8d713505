package dashboard_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/service"
)

func TestActivity(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.signup("ada@example.com")
	e.setPlan("ada@example.com", skillett.PlanPro)
	c.createKey(url.Values{"name": {"CI deploy"}})
	_, leaked := c.createKey(url.Values{"name": {"pasted"}})
	id := e.keys("ada@example.com")[1].ID
	c.post("/keys/"+id+"/revoke", url.Values{})
	if _, err := e.Service.ReportLeaks(t.Context(), []service.LeakReport{{Token: leaked, Source: "content", URL: "https://github.com/acme/app/blob/main/.env"}}); err != nil {
		t.Fatal(err)
	}
	c.get("/activity").expectStatus(http.StatusOK).expect(
		"Key “CI deploy” revoked from 127.0.0.1",
		"Key “pasted” leaked — revoked automatically (found: content, https://github.com/acme/app/blob/main/.env)",
		"Key “CI deploy” created from 127.0.0.1",
		"Plan changed from Free to Pro",
		"Account created from 127.0.0.1",
	)
}
