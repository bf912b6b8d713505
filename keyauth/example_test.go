package keyauth_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/sqlite"
)

// A Go service puts keyauth in front of its handlers. Here it verifies keys
// in-process against Skillett's database; a service without database
// access passes a *client.Verifier, which asks POST /verify instead.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "keyauth-example")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(ctx, filepath.Join(dir, "skillett.db"))
	if err != nil {
		panic(err)
	}
	defer store.Close()
	svc := service.New(service.Config{Store: store})
	svc.Start(ctx)
	defer svc.Close(ctx)

	// A user with a key restricted to the GitHub integration.
	user, _ := svc.CreateUser(ctx, "dev@example.com", "", skillett.PlanPro)
	_, githubKey, _ := svc.CreateKey(ctx, user.ID, skillett.KeyRequest{Name: "ci", Scopes: []string{"github"}})

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "hello %s on %s", p.User.Email, p.User.Plan)
	})
	mux := http.NewServeMux()
	mux.Handle("/github/", keyauth.RequireScope(svc, "github")(hello))
	mux.Handle("/slack/", keyauth.RequireScope(svc, "slack")(hello))
	mux.Handle("/any/", keyauth.Middleware(svc)(hello))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path, key string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Printf("%s %d %s\n", path, res.StatusCode, bytes.TrimSpace(body))
	}
	get("/github/", githubKey)
	get("/slack/", githubKey)
	get("/any/", githubKey)
	get("/any/", "")
	// Output:
	// /github/ 200 hello dev@example.com on pro
	// /slack/ 403 {"error":"insufficient_scope","message":"This API key does not grant the slack integration."}
	// /any/ 200 hello dev@example.com on pro
	// /any/ 401 {"error":"unauthorized","message":"Send an API key as Authorization: Bearer sk_…."}
}
