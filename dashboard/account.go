package dashboard

import (
	"net/http"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/sessioncookie"
)

// accountPage is the data of the account page.
type accountPage struct {
	Email string
	Plan  string
	Limit string // the plan's key limit, in words
}

// accountView is the account page for u, before any notice or error.
func (d *Dashboard) accountView(u *skillett.User) *view {
	page := accountPage{Email: u.Email, Plan: planName(u.Plan), Limit: "no limit on active keys"}
	if max, limited := d.svc.Limits().Max(u.Plan); limited {
		page.Limit = plural(max, "active key") + " at most"
	}
	return &view{Title: "Your account", User: u, Page: page}
}

func (d *Dashboard) handleAccount(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	v := d.accountView(u)
	v.Notice = d.takeFlash(w, r).message(nil)
	d.render(w, r, http.StatusOK, "account", v)
}

// handleChangePassword takes the current password and a new one; the
// user's other sessions end, this one stays.
func (d *Dashboard) handleChangePassword(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	if err := parseForm(w, r); err != nil {
		d.showError(w, r, u, err)
		return
	}
	err := d.svc.ChangePassword(r.Context(), sessioncookie.Token(r), r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if err != nil {
		v := d.accountView(u)
		v.Error = d.message(err)
		if skillett.ErrorCode(err) == skillett.EINVALID {
			v.ErrorField = "new-password"
			if currentPasswordWrong(err) {
				v.ErrorField = "current-password"
			}
		}
		d.render(w, r, d.formStatus(w, r, err), "account", v)
		return
	}
	d.setFlash(w, r, flash{kind: flashPasswordChanged})
	seeOther(w, r, "/account")
}

// currentPasswordWrong reports whether err is about the current password
// (the service's one EINVALID that is not about the new one).
func currentPasswordWrong(err error) bool {
	return skillett.ErrorMessage(err) == "Your current password is not right."
}

// handleLogoutEverywhere ends every session of the user, this one too.
func (d *Dashboard) handleLogoutEverywhere(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	if err := d.svc.LogoutEverywhere(r.Context(), sessioncookie.Token(r)); err != nil {
		d.showError(w, r, u, err)
		return
	}
	sessioncookie.Clear(w, r, d.secure)
	d.setFlash(w, r, flash{kind: flashLoggedOutEverywhere})
	seeOther(w, r, "/login")
}
