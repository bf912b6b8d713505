package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skillett/skillett"
)

// A whole session of use leaves no full key, session token, password or
// key hash in the logs, and one line per request with a request id.
func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t, withServiceTokens(serviceToken))
	token := e.user("a@example.com", skillett.PlanPro)
	id, full := e.createKey(session(token), map[string]any{"name": "k"})
	e.do("GET", "/me", nil, bearer(full))
	e.do("PATCH", "/api-keys/"+full, map[string]string{"name": "x"}, bearer(full)) // a key pasted into a URL
	e.do("GET", "/me?api_key="+full, nil)
	e.do("POST", "/verify", map[string]any{"key": full}, bearer(serviceToken))
	e.do("POST", "/auth/login", map[string]string{"email": "a@example.com", "password": "wrong " + password})
	e.do("DELETE", "/api-keys/"+id, nil, bearer(full))
	e.do("GET", "/me", nil, bearer(full))
	e.do("POST", "/auth/logout", nil, session(token))

	logs := e.Logs.String()
	sum := sha256.Sum256([]byte(full))
	for name, secret := range map[string]string{
		"full key": full, "random part of the key": full[11:35], "session token": token, "password": password,
		"service token": serviceToken, "key hash": hex.EncodeToString(sum[:]),
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain the %s", name)
		}
	}
	requests := 0
	for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		var rec struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec.Msg == "request" {
			requests++
			if len(rec.RequestID) != 16 {
				t.Errorf("request line without a request id: %s", line)
			}
		}
	}
	if requests < 10 {
		t.Errorf("request log lines: got %d, want one per request (≥ 10)", requests)
	}
}
