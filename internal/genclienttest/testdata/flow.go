// This program is copied next to a client freshly generated from
// httpapi/openapi.json by oapi-codegen, and run against a real server by
// TestGeneratedClient: signup → create → list → verify → revoke, through
// the generated types only. It is not built with the module (testdata).
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
)

func main() {
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("OK")
}

func bearer(token string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

func run(server, serviceToken string) error {
	ctx := context.Background()
	jar, _ := cookiejar.New(nil)
	c, err := NewClientWithResponses(server, WithHTTPClient(&http.Client{Jar: jar}))
	if err != nil {
		return err
	}

	signup, err := c.SignupWithResponse(ctx, SignupJSONRequestBody{Email: "gen@example.com", Password: "correct horse battery"})
	if err != nil || signup.JSON201 == nil {
		return fmt.Errorf("signup: %v %s", err, body(signup))
	}

	created, err := c.CreateAPIKeyWithResponse(ctx, CreateAPIKeyJSONRequestBody{Name: "generated"})
	if err != nil || created.JSON201 == nil {
		return fmt.Errorf("create: %v %s", err, body(created))
	}
	key, id := created.JSON201.FullKey, created.JSON201.ApiKey.Id

	// A Free user holds one key: the typed error code comes through.
	again, err := c.CreateAPIKeyWithResponse(ctx, CreateAPIKeyJSONRequestBody{Name: "second"})
	if err != nil || again.JSON403 == nil || again.JSON403.Error != CreateAPIKey403JSONResponseBodyError("plan_limit_reached") {
		return fmt.Errorf("create over the limit: %v %s", err, body(again))
	}

	list, err := c.ListAPIKeysWithResponse(ctx, bearer(key))
	if err != nil || list.JSON200 == nil || len(*list.JSON200) != 1 || (*list.JSON200)[0].Id != id {
		return fmt.Errorf("list: %v %s", err, body(list))
	}

	if err := me(ctx, c, key, id); err != nil {
		return err
	}
	if err := verify(ctx, c, serviceToken, key, id, "valid"); err != nil {
		return err
	}

	revoked, err := c.RevokeAPIKeyWithResponse(ctx, id)
	if err != nil || revoked.StatusCode() != http.StatusNoContent {
		return fmt.Errorf("revoke: %v %s", err, body(revoked))
	}
	if err := verify(ctx, c, serviceToken, key, id, "revoked"); err != nil {
		return err
	}
	missing, err := c.RevokeAPIKeyWithResponse(ctx, "key_nosuchkey")
	if err != nil || missing.JSON404 == nil || missing.JSON404.Error != NotFoundErrorError("not_found") {
		return fmt.Errorf("revoke unknown: %v %s", err, body(missing))
	}
	return nil
}

// me checks that GET /me with key decodes as the APIKeyAuth of key id.
func me(ctx context.Context, c *ClientWithResponses, key, id string) error {
	res, err := c.GetMeWithResponse(ctx, bearer(key))
	if err != nil || res.JSON200 == nil {
		return fmt.Errorf("me: %v %s", err, body(res))
	}
	auth, err := res.JSON200.Auth.ValueByDiscriminator()
	if a, ok := auth.(APIKeyAuth); err != nil || !ok || a.KeyId != id {
		return fmt.Errorf("me: auth decoded as %#v (%v), want APIKeyAuth of %s", auth, err, id)
	}
	return nil
}

// verify checks that POST /verify of key (whose id is id) decodes as want:
// "valid", or the code of a VerifyInvalid.
func verify(ctx context.Context, c *ClientWithResponses, serviceToken, key, id, want string) error {
	res, err := c.VerifyAPIKeyWithResponse(ctx, VerifyAPIKeyJSONRequestBody{Key: key}, bearer(serviceToken))
	if err != nil || res.JSON200 == nil {
		return fmt.Errorf("verify: %v %s", err, body(res))
	}
	v, err := res.JSON200.ValueByDiscriminator()
	switch v := v.(type) {
	case VerifyValid:
		if want == "valid" && v.KeyId == id {
			return nil
		}
	case VerifyInvalid:
		if string(v.Code) == want {
			return nil
		}
	}
	return fmt.Errorf("verify: decoded %#v (%v), want %s", v, err, want)
}

// body shows a response for an error message.
func body(r interface {
	StatusCode() int
}) string {
	if r == nil {
		return "(no response)"
	}
	return fmt.Sprintf("status %d", r.StatusCode())
}
