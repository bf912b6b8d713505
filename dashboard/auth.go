package dashboard

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/service"
	"github.com/skillett/skillett/sessioncookie"
)

// maxFormBytes bounds a form body, like the API's JSON bodies.
const maxFormBytes = 64 << 10

var errBadForm = skillett.Errorf(skillett.EINVALID, "The form could not be read; please try again.")

// parseForm reads a POST form of at most maxFormBytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	return nil
}

// seeOther redirects after a POST, or to where a page lives.
func seeOther(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// userFunc is a handler for a logged-in user.
type userFunc func(w http.ResponseWriter, r *http.Request, u *skillett.User)

// authed runs next for the user of the request's session. Without one it
// redirects to the login page: only a session authenticates the dashboard.
func (d *Dashboard) authed(next userFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := sessioncookie.Token(r)
		if token == "" {
			seeOther(w, r, "/login")
			return
		}
		p, err := d.svc.SessionPrincipal(r.Context(), token)
		switch skillett.ErrorCode(err) {
		case "":
			a := skillett.ActorFrom(r.Context())
			a.Type, a.ID = skillett.ActorSession, ""
			next(w, r.WithContext(skillett.WithActor(r.Context(), a)), p.User)
		case skillett.EUNAUTHORIZED:
			sessioncookie.Clear(w, r, d.secure)
			d.setFlash(w, r, flash{kind: flashSessionEnded})
			seeOther(w, r, "/login")
		default:
			d.showError(w, r, nil, err)
		}
	}
}

// loggedIn reports whether the request carries a live session.
func (d *Dashboard) loggedIn(r *http.Request) bool {
	token := sessioncookie.Token(r)
	if token == "" {
		return false
	}
	_, err := d.svc.SessionPrincipal(r.Context(), token)
	return err == nil
}

// authForm is the data of the login and sign-up pages.
type authForm struct {
	Email string
	Taken bool // sign-up: the email has an account already
}

// Meta descriptions of the pages a visitor may find by search.
const (
	loginDescription  = "Log in to Skillett to create, list and revoke your API keys."
	signupDescription = "Create a Skillett account to get API keys for the Skillett API. New accounts start on the Free plan."
)

func (d *Dashboard) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if d.loggedIn(r) {
		seeOther(w, r, "/")
		return
	}
	v := &view{Title: "Log in", Description: loginDescription, Page: authForm{}}
	v.Notice = d.takeFlash(w, r).message(nil)
	d.render(w, r, http.StatusOK, "login", v)
}

func (d *Dashboard) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		d.render(w, r, http.StatusBadRequest, "login", &view{Title: "Log in", Description: loginDescription, Error: d.message(err), Page: authForm{}})
		return
	}
	email := r.PostFormValue("email")
	_, token, err := d.svc.Login(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		msg := d.message(err)
		if skillett.ErrorCode(err) == skillett.ERATELIMITED {
			msg = fmt.Sprintf("Too many failed attempts to log in with this email. For your security, try again in %s.",
				humanDuration(skillett.RetryAfter(err)))
		}
		status := d.formStatus(w, r, err)
		d.render(w, r, status, "login", &view{Title: "Log in", Description: loginDescription, Error: msg, ErrorTitle: errorTitle(err), Page: authForm{Email: email}})
		return
	}
	sessioncookie.Set(w, r, token, d.svc.SessionTTL(), d.secure)
	seeOther(w, r, "/")
}

func (d *Dashboard) handleSignupPage(w http.ResponseWriter, r *http.Request) {
	if !d.svc.SignupOpen() {
		d.showError(w, r, nil, service.ErrSignupClosed)
		return
	}
	if d.loggedIn(r) {
		seeOther(w, r, "/")
		return
	}
	d.render(w, r, http.StatusOK, "signup", &view{Title: "Sign up", Description: signupDescription, Page: authForm{}})
}

func (d *Dashboard) handleSignup(w http.ResponseWriter, r *http.Request) {
	if !d.svc.SignupOpen() {
		d.showError(w, r, nil, service.ErrSignupClosed)
		return
	}
	if err := parseForm(w, r); err != nil {
		d.render(w, r, http.StatusBadRequest, "signup", &view{Title: "Sign up", Description: signupDescription, Error: d.message(err), Page: authForm{}})
		return
	}
	email := r.PostFormValue("email")
	_, token, err := d.svc.Signup(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		status := d.formStatus(w, r, err)
		v := &view{Title: "Sign up", Description: signupDescription, Error: d.message(err), Page: authForm{Email: email}}
		switch msg := skillett.ErrorMessage(err); {
		case skillett.ErrorCode(err) == skillett.ECONFLICT:
			v.ErrorField, v.Error = "email", "An account with this email already exists."
			v.Page = authForm{Email: email, Taken: true}
		case skillett.ErrorCode(err) != skillett.EINVALID:
		case strings.HasPrefix(msg, "Email"):
			v.ErrorField = "email"
		case strings.HasPrefix(msg, "Password"):
			v.ErrorField = "password"
		}
		d.render(w, r, status, "signup", v)
		return
	}
	sessioncookie.Set(w, r, token, d.svc.SessionTTL(), d.secure)
	d.setFlash(w, r, flash{kind: flashWelcome})
	seeOther(w, r, "/")
}

// handleLogout ends the session server-side, then in the browser.
func (d *Dashboard) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := d.svc.Logout(r.Context(), sessioncookie.Token(r)); err != nil {
		d.showError(w, r, nil, err)
		return
	}
	sessioncookie.Clear(w, r, d.secure)
	d.setFlash(w, r, flash{kind: flashLoggedOut})
	seeOther(w, r, "/login")
}
