// Package sessioncookie reads and writes the dashboard session cookie
// (SPEC §4): skillett_session, HttpOnly, SameSite=Lax, Path=/, Secure over
// TLS or when asked. The JSON API and the dashboard share it, and SetCookie
// holds the policy of every cookie either sets. Standard library only.
package sessioncookie

import (
	"net/http"
	"time"
)

// Name is the cookie's name.
const Name = "skillett_session"

// SetCookie sets c with the service's cookie policy: HttpOnly (no script
// reads a cookie of ours), Secure when the request came over TLS or secure
// says the server sits behind TLS, and SameSite=Lax unless c asks for
// stricter.
func SetCookie(w http.ResponseWriter, r *http.Request, c *http.Cookie, secure bool) {
	c.HttpOnly = true
	c.Secure = secure || r.TLS != nil
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	http.SetCookie(w, c)
}

// Set sets the session cookie to token for ttl.
func Set(w http.ResponseWriter, r *http.Request, token string, ttl time.Duration, secure bool) {
	SetCookie(w, r, &http.Cookie{
		Name:    Name,
		Value:   token,
		Path:    "/",
		MaxAge:  int(ttl / time.Second),
		Expires: time.Now().Add(ttl),
	}, secure)
}

// Clear removes the session cookie from the browser.
func Clear(w http.ResponseWriter, r *http.Request, secure bool) {
	SetCookie(w, r, &http.Cookie{Name: Name, Path: "/", MaxAge: -1}, secure)
}

// Token returns the session token the request carries, or "".
func Token(r *http.Request) string {
	c, err := r.Cookie(Name)
	if err != nil {
		return ""
	}
	return c.Value
}
