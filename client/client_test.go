package client_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/client"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/internal/testserver"
	"github.com/skillett/skillett/keyauth"
)

// Another Go service protects its handlers with keyauth and a
// client.Verifier that asks Skillett's POST /verify.
func TestVerifierBehindKeyauth(t *testing.T) {
	skillettSrv := testserver.New(t, nil, func(o *httpapi.Options) { o.ServiceTokens = []string{"svc"} })
	c := client.New(skillettSrv.URL)
	if _, err := c.Signup(t.Context(), "a@example.com", "long enough"); err != nil {
		t.Fatal(err)
	}
	if _, err := skillettSrv.Service.SetPlan(t.Context(), "a@example.com", skillett.PlanPro); err != nil {
		t.Fatal(err)
	}
	gh, err := c.CreateKey(t.Context(), client.NewKey{Name: "gh", Scopes: []string{"github"}})
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	v := &client.Verifier{BaseURL: skillettSrv.URL, ServiceToken: "svc"}
	other := httptest.NewServer(keyauth.RequireScope(v, "github")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		io.WriteString(w, p.User.ID+" "+string(p.User.Plan)+" "+p.Key.ID)
	})))
	defer other.Close()

	get := func(key string) (int, string) {
		req, _ := http.NewRequest("GET", other.URL, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := get(gh.FullKey); code != 200 || body != me.ID+" pro "+gh.APIKey.ID {
		t.Errorf("valid key: got %d %q", code, body)
	}
	if code, _ := get("sk_garbage"); code != 401 {
		t.Errorf("malformed key: got %d, want 401", code)
	}
	if err := c.RevokeKey(t.Context(), gh.APIKey.ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(gh.FullKey); code != 401 {
		t.Errorf("revoked key: got %d, want 401", code)
	}

	res, err := v.VerifyKey(t.Context(), gh.FullKey, "")
	if err != nil || res.Outcome != skillett.VerifyRevoked {
		t.Errorf("VerifyKey of a revoked key: got %+v, %v", res, err)
	}
	bad := &client.Verifier{BaseURL: skillettSrv.URL, ServiceToken: "wrong"}
	if _, err := bad.VerifyKey(t.Context(), gh.FullKey, ""); skillett.ErrorCode(err) != skillett.EUNAUTHORIZED {
		t.Errorf("wrong service token: got %v, want unauthorized", err)
	}
}
