// Package genclienttest checks that the OpenAPI document generates a
// working Go client: oapi-codegen (a tool of go.mod) generates one from
// httpapi/openapi.json, and a small program drives a real server through
// it. A document that stops generating a working client fails the build.
package genclienttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	// The generated client's runtime: imported here so that go.mod keeps it.
	_ "github.com/oapi-codegen/runtime"

	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/internal/testserver"
)

func TestGeneratedClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a generated client (-short)")
	}
	const serviceToken = "svc-token-for-the-generated-client"
	srv := testserver.New(t, nil, func(o *httpapi.Options) { o.ServiceTokens = []string{serviceToken} })

	// Inside the module (testdata is left out of ./...), so that the
	// program builds with go.mod's versions.
	dir, err := os.MkdirTemp("testdata", "gen")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	gen := exec.Command("go", "tool", "oapi-codegen", "-generate", "types,client", "-package", "main",
		"-o", filepath.Join(dir, "client.gen.go"), "../../httpapi/openapi.json")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, out)
	}
	flow, err := os.ReadFile("testdata/flow.go")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flow.go"), flow, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "run", "./"+filepath.ToSlash(dir), srv.URL, serviceToken).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("the generated client's flow failed: %v\n%s", err, out)
	}
}
