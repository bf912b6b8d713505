package secretscan_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skillett/skillett/internal/testclock"
	"github.com/skillett/skillett/secretscan"
)

// GitHub's published test vector, from the partner program documentation
// ("Implement signature verification in your secret alert service"): the
// sample message body, its signature, and the public key with identifier
// 90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a.
const (
	githubKeyID = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a"
	githubBody  = `[{"token":"some_token","type":"some_type","url":"some_url"}]`
	githubSig   = "MEUCIQDKZokqnCjrRtw0tni+2Ltvl/uiMJ1EGumEsp1BsNr32AIgQY1YXD2nlj+XNfGK4rBfkMJ1JDOQcYXxa2sY8FNkrKc="
	githubKey   = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUq\nkCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==\n-----END PUBLIC KEY-----\n"
)

func githubDocument(t *testing.T) []byte {
	doc, err := json.Marshal(map[string]any{"public_keys": []map[string]any{
		{"key_identifier": githubKeyID, "key": githubKey, "is_current": true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestGitHubVector(t *testing.T) {
	ks, err := secretscan.ParseKeys(githubDocument(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Verify([]byte(githubBody), githubKeyID, githubSig); err != nil {
		t.Fatalf("GitHub's own sample: got %v, want it verified", err)
	}
	t.Run("OneByteChanged", func(t *testing.T) {
		for i := range len(githubBody) {
			body := []byte(githubBody)
			body[i] ^= 0x01
			if err := ks.Verify(body, githubKeyID, githubSig); !errors.Is(err, secretscan.ErrBadSignature) {
				t.Fatalf("body with byte %d changed: got %v, want ErrBadSignature", i, err)
			}
		}
		sig, _ := base64.StdEncoding.DecodeString(githubSig)
		sig[len(sig)-1] ^= 0x01
		if err := ks.Verify([]byte(githubBody), githubKeyID, base64.StdEncoding.EncodeToString(sig)); !errors.Is(err, secretscan.ErrBadSignature) {
			t.Fatalf("signature with a byte changed: got %v, want ErrBadSignature", err)
		}
	})
	t.Run("UnknownKey", func(t *testing.T) {
		for _, id := range []string{"", "kid-2", strings.ToUpper(githubKeyID)} {
			if err := ks.Verify([]byte(githubBody), id, githubSig); !errors.Is(err, secretscan.ErrUnknownKey) {
				t.Errorf("key id %q: got %v, want ErrUnknownKey", id, err)
			}
		}
	})
	t.Run("NotBase64", func(t *testing.T) {
		for _, sig := range []string{"", "!!!", "bm90IGEgc2lnbmF0dXJl"} {
			if err := ks.Verify([]byte(githubBody), githubKeyID, sig); !errors.Is(err, secretscan.ErrBadSignature) {
				t.Errorf("signature %q: got %v, want ErrBadSignature", sig, err)
			}
		}
	})
}

func TestParseKeys(t *testing.T) {
	ed25519PEM := "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n" // Ed25519
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	p384PEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	for name, doc := range map[string]string{
		"NotJSON":   `nope`,
		"NoKeys":    `{"public_keys": []}`,
		"NoID":      `{"public_keys": [{"key": ` + quote(githubKey) + `}]}`,
		"NotPEM":    `{"public_keys": [{"key_identifier": "a", "key": "MFkw"}]}`,
		"NotECDSA":  `{"public_keys": [{"key_identifier": "a", "key": ` + quote(ed25519PEM) + `}]}`,
		"NotP256":   `{"public_keys": [{"key_identifier": "a", "key": ` + quote(p384PEM) + `}]}`,
		"WrongType": `{"public_keys": {"key_identifier": "a"}}`,
	} {
		if _, err := secretscan.ParseKeys([]byte(doc)); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestParseReport(t *testing.T) {
	ms, err := secretscan.ParseReport([]byte(`[{"token":"a","type":"t","url":"u","source":"content","new_field":1},{"token":"b"}]`))
	if err != nil || len(ms) != 2 || ms[0] != (secretscan.Match{Token: "a", Type: "t", URL: "u", Source: "content"}) || ms[1].Token != "b" {
		t.Fatalf("got %+v, %v", ms, err)
	}
	tooMany := "[" + strings.Repeat(`{"token":"x"},`, secretscan.MaxMatches) + `{"token":"x"}]`
	for _, body := range []string{``, `{}`, `[]`, `[{"type":"t"}]`, `[{"token":1}]`, `[{"token":"a"}] []`, tooMany} {
		if _, err := secretscan.ParseReport([]byte(body)); err == nil {
			t.Errorf("%.40q: got no error", body)
		}
	}
}

// signer is a key pair made for a test, as an operator would make one to
// try the endpoint locally.
type signer struct {
	id   string
	priv *ecdsa.PrivateKey
}

func newSigner(t *testing.T, id string) signer {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{id, priv}
}

func (s signer) document(t *testing.T) []byte {
	der, err := x509.MarshalPKIXPublicKey(&s.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"public_keys": []map[string]any{
		{"key_identifier": s.id, "key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "is_current": true},
	}})
	return doc
}

func (s signer) sign(t *testing.T, body []byte) string {
	sum := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, s.priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// loadedKeys returns Keys of an https:// document served by serve, loaded
// once, and the test clock that times their refreshes.
func loadedKeys(t *testing.T, serve http.HandlerFunc) (*secretscan.Keys, *testclock.Clock) {
	t.Helper()
	srv := httptest.NewTLSServer(serve)
	t.Cleanup(srv.Close)
	clock := testclock.New(time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC))
	keys, err := secretscan.NewKeys(srv.URL, srv.Client(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	return keys, clock
}

func TestKeysFromURL(t *testing.T) {
	first, second := newSigner(t, "kid-1"), newSigner(t, "kid-2")
	var (
		doc     atomic.Pointer[[]byte]
		fetches atomic.Int64
		failing atomic.Bool
	)
	d1 := first.document(t)
	doc.Store(&d1)
	keys, clock := loadedKeys(t, func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if failing.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.Write(*doc.Load())
	})
	body := []byte(`[{"token":"x"}]`)
	verify := func(s signer) error {
		ks, _ := keys.Current(t.Context())
		return ks.Verify(body, s.id, s.sign(t, body))
	}
	if err := verify(first); err != nil {
		t.Fatalf("first key: %v", err)
	}
	// GitHub rotates: the new key is unknown until the hour has passed,
	// and the document is not fetched again before.
	d2 := second.document(t)
	doc.Store(&d2)
	clock.Advance(RefreshMinusOne)
	if err := verify(second); !errors.Is(err, secretscan.ErrUnknownKey) {
		t.Fatalf("new key before the refresh: got %v, want ErrUnknownKey", err)
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("fetches within the hour: got %d, want 1", n)
	}
	clock.Advance(time.Second)
	if err := verify(second); err != nil {
		t.Fatalf("new key after the refresh: %v", err)
	}
	// GitHub is down at the next refresh: the last good copy stays, and
	// the next attempt waits another hour.
	failing.Store(true)
	clock.Advance(secretscan.RefreshInterval)
	if _, err := keys.Current(t.Context()); err == nil {
		t.Fatal("refresh from a failing server: got no error")
	}
	if err := verify(second); err != nil {
		t.Fatalf("after a failed refresh: got %v, want the last good copy to verify", err)
	}
	if n := fetches.Load(); n != 3 {
		t.Fatalf("fetches: got %d, want 3 (start, refresh, failed refresh)", n)
	}
}

const RefreshMinusOne = secretscan.RefreshInterval - time.Second

func TestKeysFromFile(t *testing.T) {
	s := newSigner(t, "kid-1")
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, s.document(t), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := secretscan.NewKeys(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	ks, err := keys.Current(t.Context())
	body := []byte(`[{"token":"x"}]`)
	if err != nil || ks.Verify(body, "kid-1", s.sign(t, body)) != nil {
		t.Fatalf("file keys: %v", err)
	}
	if _, err := secretscan.NewKeys("http://example.com/keys", nil, nil); err == nil {
		t.Error("an http:// source was accepted")
	}
	missing, _ := secretscan.NewKeys(filepath.Join(t.TempDir(), "missing.json"), nil, nil)
	if err := missing.Load(t.Context()); err == nil {
		t.Error("a missing file loaded")
	}
}

// A refresh of a slow document holds up only the caller that reads it:
// the others get the last copy at once. And it is not cancelled with its
// caller's context (a client that hangs up), so it still lands.
func TestKeysRefreshWaitsForNobody(t *testing.T) {
	first, second := newSigner(t, "kid-1"), newSigner(t, "kid-2")
	var doc atomic.Pointer[[]byte]
	d1 := first.document(t)
	doc.Store(&d1)
	var gate atomic.Pointer[chan struct{}] // when set, a fetch waits for it to close
	arrived := make(chan struct{}, 1)
	keys, clock := loadedKeys(t, func(w http.ResponseWriter, r *http.Request) {
		if g := gate.Load(); g != nil {
			arrived <- struct{}{}
			<-*g
		}
		w.Write(*doc.Load())
	})
	body := []byte(`[{"token":"x"}]`)

	d2 := second.document(t)
	doc.Store(&d2)
	release := make(chan struct{})
	gate.Store(&release)
	clock.Advance(secretscan.RefreshInterval)
	ctx, hangUp := context.WithCancel(t.Context())
	type result struct {
		set secretscan.KeySet
		err error
	}
	reader := make(chan result, 1)
	go func() {
		set, err := keys.Current(ctx)
		reader <- result{set, err}
	}()
	<-arrived // the reader is in the fetch
	hangUp()
	set, err := keys.Current(t.Context())
	if err != nil || set.Verify(body, "kid-1", first.sign(t, body)) != nil {
		t.Fatalf("during the refresh: got %v, want the last copy at once", err)
	}
	close(release)
	r := <-reader
	if r.err != nil || r.set.Verify(body, "kid-2", second.sign(t, body)) != nil {
		t.Fatalf("the refresh whose caller hung up: got %v, want the new document", r.err)
	}
	if set, _ := keys.Current(t.Context()); set.Verify(body, "kid-2", second.sign(t, body)) != nil {
		t.Fatal("after the refresh: the new key does not verify")
	}
}
