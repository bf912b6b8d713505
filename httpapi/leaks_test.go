package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/httpapi"
	"github.com/skillett/skillett/secretscan"
	"github.com/skillett/skillett/service"
)

// githubSigner is a key pair made for a test, as an operator makes one to
// try the endpoint locally, with its keys document loaded.
type githubSigner struct {
	id   string
	priv *ecdsa.PrivateKey
	keys *secretscan.Keys
}

func newGitHubSigner(t *testing.T) *githubSigner {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	doc, _ := json.Marshal(map[string]any{"public_keys": []map[string]any{
		{"key_identifier": "kid-1", "key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "is_current": true},
	}})
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := secretscan.NewKeys(path, nil, nil)
	if err == nil {
		err = keys.Load(t.Context())
	}
	if err != nil {
		t.Fatal(err)
	}
	return &githubSigner{id: "kid-1", priv: priv, keys: keys}
}

func (g *githubSigner) headers(body string) hdr {
	sum := sha256.Sum256([]byte(body))
	sig, _ := ecdsa.SignASN1(rand.Reader, g.priv, sum[:])
	return hdr{"Github-Public-Key-Identifier": g.id, "Github-Public-Key-Signature": base64.StdEncoding.EncodeToString(sig)}
}

func withGitHubKeys(k *secretscan.Keys) option {
	return func(o *httpapi.Options, _ *service.Config) { o.GitHubKeys = k }
}

func TestGitHubSecretScanning(t *testing.T) {
	g := newGitHubSigner(t)
	e := newEnv(t, withGitHubKeys(g.keys))
	token := e.user("ada@example.com", skillett.PlanPro)
	leakedID, leaked := e.createKey(session(token), map[string]any{"name": "leaked"})
	_, kept := e.createKey(session(token), map[string]any{"name": "kept"})
	body := `[{"token":"` + leaked + `","type":"skillett_api_key","url":"https://github.com/acme/app/blob/main/.env","source":"content"},` +
		`{"token":"` + apikey.Generate() + `","type":"skillett_api_key","url":"","source":"commit"},{"token":"not ours","type":"x"}]`

	t.Run("Unauthorized", func(t *testing.T) {
		good := g.headers(body)
		for name, h := range map[string]hdr{
			"Unsigned":      {},
			"UnknownKey":    {"Github-Public-Key-Identifier": "kid-2", "Github-Public-Key-Signature": good["Github-Public-Key-Signature"]},
			"OtherBody":     g.headers(body + " "),
			"NotBase64":     {"Github-Public-Key-Identifier": "kid-1", "Github-Public-Key-Signature": "???"},
			"SignatureOnly": {"Github-Public-Key-Signature": good["Github-Public-Key-Signature"]},
		} {
			r := e.do("POST", "/secret-scanning/github", body, h)
			r.desc += " (" + name + ")"
			r.expectError(t, http.StatusUnauthorized, skillett.EUNAUTHORIZED)
		}
		e.do("GET", "/me", nil, bearer(leaked)).expectStatus(t, http.StatusOK)
	})
	t.Run("BadReport", func(t *testing.T) {
		for _, b := range []string{`[]`, `{}`, `[{"type":"x"}]`, `nope`} {
			e.do("POST", "/secret-scanning/github", b, g.headers(b)).expectError(t, http.StatusBadRequest, skillett.EINVALID)
		}
	})
	t.Run("BadBody", func(t *testing.T) {
		e.do("POST", "/secret-scanning/github", body, g.headers(body), hdr{"Content-Type": "text/plain"}).
			expectError(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
		big := `[{"token":"` + strings.Repeat("x", 1<<20) + `"}]`
		r := e.do("POST", "/secret-scanning/github", big, g.headers(big))
		r.expectError(t, http.StatusRequestEntityTooLarge, "payload_too_large")
		if !strings.Contains(string(r.body), "A report must be at most 1 MiB.") {
			t.Errorf("413 body: got %s, want the report's own bound", r.body)
		}
	})
	t.Run("OK", func(t *testing.T) {
		for range 2 { // a second report changes nothing and answers the same
			r := e.do("POST", "/secret-scanning/github", body, g.headers(body))
			r.expectStatus(t, http.StatusOK)
			var labels []string
			for _, l := range decodeAs[[]secretscan.Label](t, r) {
				labels = append(labels, l.Label)
			}
			if strings.Join(labels, ",") != "true_positive,false_positive,false_positive" {
				t.Fatalf("labels: got %v", labels)
			}
		}
		e.do("GET", "/me", nil, bearer(leaked)).expectError(t, http.StatusUnauthorized, skillett.EUNAUTHORIZED)
		e.do("GET", "/me", nil, bearer(kept)).expectStatus(t, http.StatusOK)
		u, _ := e.Service.UserByEmail(t.Context(), "ada@example.com")
		if k, err := e.Service.KeyByID(t.Context(), u.ID, leakedID); err != nil || k.Reason() != skillett.ReasonLeaked {
			t.Errorf("revocation reason: got %v, %v; want leaked", k, err)
		}
		events := e.auditLog(session(token), 50)
		if events[0].Type != skillett.EventKeyLeaked || events[1].Type == skillett.EventKeyLeaked {
			t.Fatalf("events: want exactly one key.leaked on top, got %v then %v", events[0].Type, events[1].Type)
		}
		ev := events[0]
		if ev.Actor.Type != "secret_scanning" || val(ev.KeyID) != leakedID ||
			ev.Data["url"] != "https://github.com/acme/app/blob/main/.env" || ev.Data["source"] != "content" {
			t.Errorf("key.leaked: got %+v", ev)
		}
	})
	t.Run("NotEnabled", func(t *testing.T) {
		off := newEnv(t)
		off.do("POST", "/secret-scanning/github", body, g.headers(body)).expectError(t, http.StatusNotFound, skillett.ENOTFOUND)
	})
}

func TestPublicRevoke(t *testing.T) {
	e := newEnv(t)
	token := e.user("ada@example.com", skillett.PlanPro)
	id, full := e.createKey(session(token), map[string]any{"name": "pasted in a chat"})

	hit := e.do("POST", "/credentials/revoke", map[string]any{"credentials": []string{full, "not a key"}})
	hit.expectStatus(t, http.StatusAccepted)
	miss := e.do("POST", "/credentials/revoke", map[string]any{"credentials": []string{apikey.Generate()}})
	miss.expectStatus(t, http.StatusAccepted)
	if string(hit.body) != string(miss.body) || string(hit.body) != "{}\n" && string(hit.body) != "{}" {
		t.Errorf("answers: hit %q, miss %q; want the same {}", hit.body, miss.body)
	}
	e.do("GET", "/me", nil, bearer(full)).expectError(t, http.StatusUnauthorized, skillett.EUNAUTHORIZED)
	ev := e.auditLog(session(token), 1)[0]
	if ev.Type != skillett.EventKeyLeaked || val(ev.KeyID) != id || ev.Actor.Type != "public_report" || val(ev.IP) != "127.0.0.1" {
		t.Errorf("event: got %+v", ev)
	}
	tooMany := make([]string, httpapi.MaxPublicCredentials+1)
	for i := range tooMany {
		tooMany[i] = "x"
	}
	for _, bad := range []any{map[string]any{}, map[string]any{"credentials": []string{}}, map[string]any{"credentials": "sk_x"},
		[]string{full}, map[string]any{"credentials": []int{1}}, map[string]any{"credentials": tooMany}, map[string]any{"credentials": []string{full}, "x": 1}} {
		e.do("POST", "/credentials/revoke", bad).expectError(t, http.StatusBadRequest, skillett.EINVALID)
	}
}

func TestPublicRevokeRateLimit(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"credentials": []string{apikey.Generate()}}
	for i := range httpapi.PublicRevokeRate - 1 { // the test above's limiter is its own
		if r := e.do("POST", "/credentials/revoke", body); r.status != http.StatusAccepted {
			t.Fatalf("request %d: got %d", i+1, r.status)
		}
	}
	e.do("POST", "/credentials/revoke", body).expectStatus(t, http.StatusAccepted)
	r := e.do("POST", "/credentials/revoke", body)
	r.expectError(t, http.StatusTooManyRequests, skillett.ERATELIMITED)
	if ra := r.header.Get("Retry-After"); ra != "3600" {
		t.Errorf("Retry-After: got %q, want 3600", ra)
	}
	e.Clock.Advance(time.Hour)
	e.do("POST", "/credentials/revoke", body).expectStatus(t, http.StatusAccepted)
}
