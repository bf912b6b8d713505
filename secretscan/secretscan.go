// Package secretscan speaks GitHub's secret scanning partner format: the
// public keys document GitHub signs its reports with, the verification of
// a report's signature (ECDSA P-256 with SHA-256 over the raw body, base64
// DER), and the report itself.
//
// It is pure apart from reading the keys document, and imports only the
// standard library.
package secretscan

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Errors of Verify. Both mean: the report is not GitHub's, act on nothing.
var (
	ErrUnknownKey   = errors.New("secretscan: no public key with this identifier")
	ErrBadSignature = errors.New("secretscan: the signature does not match the body")
)

// KeySet maps GitHub's key identifiers to their P-256 public keys.
type KeySet map[string]*ecdsa.PublicKey

// keysDocument is the shape of https://api.github.com/meta/public_keys/secret_scanning.
type keysDocument struct {
	PublicKeys []struct {
		KeyIdentifier string `json:"key_identifier"`
		Key           string `json:"key"`
		IsCurrent     bool   `json:"is_current"`
	} `json:"public_keys"`
}

// ParseKeys reads a keys document. Every key must be a PEM P-256 public
// key; a document with none is an error. Keys that are no longer current
// are kept: GitHub may still sign reports sent before a rotation with them.
func ParseKeys(doc []byte) (KeySet, error) {
	var d keysDocument
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("secretscan: keys document: %w", err)
	}
	ks := KeySet{}
	for _, k := range d.PublicKeys {
		if k.KeyIdentifier == "" {
			return nil, errors.New("secretscan: keys document: a key has no key_identifier")
		}
		block, _ := pem.Decode([]byte(k.Key))
		if block == nil {
			return nil, fmt.Errorf("secretscan: key %s: not PEM", k.KeyIdentifier)
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("secretscan: key %s: %w", k.KeyIdentifier, err)
		}
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("secretscan: key %s: not an ECDSA P-256 key", k.KeyIdentifier)
		}
		ks[k.KeyIdentifier] = ec
	}
	if len(ks) == 0 {
		return nil, errors.New("secretscan: keys document: no public_keys")
	}
	return ks, nil
}

// Verify checks that signature (base64 of an ASN.1 DER ECDSA signature) is
// the key keyID's signature of the SHA-256 of body, the raw request body.
func (ks KeySet) Verify(body []byte, keyID, signature string) error {
	pub, ok := ks[keyID]
	if !ok || keyID == "" {
		return ErrUnknownKey
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return ErrBadSignature
	}
	sum := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(pub, sum[:], der) {
		return ErrBadSignature
	}
	return nil
}

// Match is one token GitHub found in public.
type Match struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// MaxMatches is the most matches a report may carry.
const MaxMatches = 1000

// ParseReport reads a report's body: a JSON array of 1–MaxMatches matches,
// each with a token. Fields GitHub may add later are ignored.
func ParseReport(body []byte) ([]Match, error) {
	var ms []Match
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ms); err != nil {
		return nil, errors.New("the body must be a JSON array of {token, type, url, source} objects")
	}
	if dec.More() {
		return nil, errors.New("the body must hold a single JSON array")
	}
	if len(ms) == 0 || len(ms) > MaxMatches {
		return nil, fmt.Errorf("the array must hold 1 to %d matches, not %d", MaxMatches, len(ms))
	}
	for i, m := range ms {
		if m.Token == "" {
			return nil, fmt.Errorf("match %d has no token", i)
		}
	}
	return ms, nil
}

// Labels GitHub accepts as feedback on a match.
const (
	TruePositive  = "true_positive"
	FalsePositive = "false_positive"
)

// Label is the answer for one match, in GitHub's feedback format.
type Label struct {
	TokenRaw  string `json:"token_raw"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
}

// RefreshInterval is how often the keys document is read again.
const RefreshInterval = time.Hour

// maxDocument bounds the keys document.
const maxDocument = 1 << 20

// Keys is the keys document from a file or an https:// URL, read at Load
// and again at most once per RefreshInterval after; when a refresh fails it
// keeps the last good copy. It is safe for concurrent use.
type Keys struct {
	source string
	client *http.Client
	now    func() time.Time

	readMu sync.Mutex // held by the one goroutine reading the document

	mu      sync.Mutex // guards what follows; never held over a read
	set     KeySet
	tried   time.Time // the last read, good or not, begun
	reading bool
}

// NewKeys returns the keys of source, a file path or an https:// URL;
// client (default http.DefaultClient) fetches URLs, now (default time.Now)
// times refreshes. Call Load before use.
func NewKeys(source string, client *http.Client, now func() time.Time) (*Keys, error) {
	if strings.HasPrefix(source, "http://") {
		return nil, errors.New("secretscan: the keys document must come from a file or an https:// URL")
	}
	if client == nil {
		client = http.DefaultClient
	}
	if now == nil {
		now = time.Now
	}
	return &Keys{source: source, client: client, now: now}, nil
}

// Load reads the document now; it fails if it cannot be read or parsed,
// keeping the copy it had.
func (k *Keys) Load(ctx context.Context) error {
	_, err := k.refresh(ctx, true)
	return err
}

// Current returns the key set, reading the document again first when the
// last read is RefreshInterval old. refreshErr is the error of that read, if
// it failed: the set returned is then the last good copy.
//
// One caller reads; the others meanwhile get the copy there is without
// waiting (only a caller that finds no copy at all waits for the read).
// The read is not cancelled with ctx: a client that hangs up must not fail
// the refresh of every other, who would then wait an hour for the next.
func (k *Keys) Current(ctx context.Context) (set KeySet, refreshErr error) {
	return k.refresh(context.WithoutCancel(ctx), false)
}

func (k *Keys) refresh(ctx context.Context, force bool) (KeySet, error) {
	if set, ok := k.fresh(force, false); ok {
		return set, nil
	}
	k.readMu.Lock()
	defer k.readMu.Unlock()
	set, ok := k.fresh(force, true)
	if ok {
		return set, nil // read by the goroutine this one waited for
	}
	doc, err := k.read(ctx)
	if err == nil {
		set, err = ParseKeys(doc)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reading = false
	if err != nil {
		return k.set, fmt.Errorf("secretscan: reading %s: %w", k.source, err)
	}
	k.set = set
	return set, nil
}

// fresh returns the set when it needs no read: it exists, and is younger
// than RefreshInterval or being read by another goroutine. Otherwise, if
// claim (the caller holds readMu), the caller is to read it now.
func (k *Keys) fresh(force, claim bool) (KeySet, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !force && k.set != nil && (k.reading || k.now().Sub(k.tried) < RefreshInterval) {
		return k.set, true
	}
	if claim {
		k.reading, k.tried = true, k.now()
	}
	return nil, false
}

func (k *Keys) read(ctx context.Context) ([]byte, error) {
	if !strings.HasPrefix(k.source, "https://") {
		return os.ReadFile(k.source)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.source, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", res.Status)
	}
	return io.ReadAll(io.LimitReader(res.Body, maxDocument))
}
