package dashboard

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/sessioncookie"
)

// flashCookie carries a one-time confirmation across a redirect. It holds
// a kind (and a key id), never text: the message is chosen here, so a
// forged cookie can at most show one of these messages.
const flashCookie = "skillett_flash"

// Kinds of flash.
const (
	flashWelcome      = "welcome"
	flashLoggedOut    = "logged_out"
	flashSessionEnded = "session_ended"
	flashRevoked      = "revoked"
	flashSaved        = "saved"

	flashPasswordChanged     = "password_changed"
	flashLoggedOutEverywhere = "logged_out_everywhere"
)

type flash struct {
	kind  string
	keyID string // for flashRevoked and flashSaved
}

func (d *Dashboard) setFlash(w http.ResponseWriter, r *http.Request, f flash) {
	value := f.kind
	if f.keyID != "" {
		value += "." + f.keyID
	}
	sessioncookie.SetCookie(w, r, &http.Cookie{Name: flashCookie, Value: value, Path: "/", MaxAge: 60}, d.secure)
}

// takeFlash returns the request's flash and removes it from the browser.
func (d *Dashboard) takeFlash(w http.ResponseWriter, r *http.Request) flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return flash{}
	}
	sessioncookie.SetCookie(w, r, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1}, d.secure)
	kind, keyID, _ := strings.Cut(c.Value, ".")
	return flash{kind: kind, keyID: keyID}
}

// message is the text of f; keys are the user's, to name a revoked key.
func (f flash) message(keys []*skillett.Key) string {
	switch f.kind {
	case flashWelcome:
		return "Welcome to Skillett! Create your first API key below."
	case flashLoggedOut:
		return "You have logged out."
	case flashPasswordChanged:
		return "Your password is changed. Your other sessions have ended."
	case flashLoggedOutEverywhere:
		return "You have signed out of all sessions."
	case flashSessionEnded:
		return "Your session has ended; please log in again."
	case flashRevoked:
		for _, k := range keys {
			if k.ID == f.keyID {
				return fmt.Sprintf("Revoked “%s” (%s…). It is refused from now on.", k.Name, k.Prefix)
			}
		}
	case flashSaved:
		for _, k := range keys {
			if k.ID == f.keyID {
				return fmt.Sprintf("Saved your changes to “%s”. They apply from the next request on.", k.Name)
			}
		}
	}
	return ""
}
