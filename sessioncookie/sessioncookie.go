// Package sessioncookie reads and writes the dashboard session cookie
// (SPEC §4): skillett_session, HttpOnly, SameSite=Lax, Path=/, Secure over
// TLS or when asked. The JSON API and the dashboard share it. Standard
// library only.
package sessioncookie

import (
	"net/http"
	"time"
)

// Name is the cookie's name.
const Name = "skillett_session"

// Set sets the session cookie to token for ttl.
func Set(w http.ResponseWriter, r *http.Request, token string, ttl time.Duration, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     Name,
		Value:    token,
		Path:     "/",
		MaxAge:   int(ttl / time.Second),
		Expires:  time.Now().Add(ttl),
		HttpOnly: true,
		Secure:   secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// Clear removes the session cookie from the browser.
func Clear(w http.ResponseWriter, r *http.Request, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     Name,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// Token returns the session token the request carries, or "".
func Token(r *http.Request) string {
	c, err := r.Cookie(Name)
	if err != nil {
		return ""
	}
	return c.Value
}
