package dashboard

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/skillett/skillett"
)

// The key page (SPEC §8): one key with everything it has, a form to rename
// it and change its access and expiry, and the roll flow, which asks how
// long the old key should keep working and shows the new key once, as
// create does.

// editForm is what the key page's form holds, as typed.
type editForm struct {
	Name   string
	Access string   // accessAll or accessChosen
	Chosen []string // integrations ticked
	Expiry string   // "keep" or an expiryChoices value
	Date   string   // YYYY-MM-DD, with Expiry "date"
	Limits limitsForm
}

// formOf is the edit form filled in from k.
func formOf(k *skillett.Key) editForm {
	f := editForm{Name: k.Name, Access: accessAll, Expiry: "keep", Limits: limitsFormOfKey(k)}
	if !slices.Contains(k.Scopes, skillett.ScopeAll) {
		f.Access, f.Chosen = accessChosen, k.Scopes
	}
	return f
}

// update turns the form into a key update at time now: name and access
// always (the update keeps what did not change), expiry unless "keep".
func (f editForm) update(now time.Time) (skillett.KeyUpdate, error) {
	c := createForm{Name: f.Name, Access: f.Access, Chosen: f.Chosen, Expiry: f.Expiry, Date: f.Date}
	if f.Expiry == "keep" {
		c.Expiry = "never"
	}
	req, err := c.request(now)
	if err != nil {
		return skillett.KeyUpdate{}, err
	}
	upd := skillett.KeyUpdate{Name: skillett.To(req.Name), Scopes: skillett.To(req.Scopes)}
	if req.Scopes == nil {
		upd.Scopes.Value = []string{skillett.ScopeAll}
	}
	if f.Expiry != "keep" {
		upd.ExpiresAt = skillett.To(req.ExpiresAt)
	}
	allow, rl, err := f.Limits.parse()
	if err != nil {
		return skillett.KeyUpdate{}, err
	}
	upd.IPAllowlist, upd.RateLimit = skillett.To(allow), skillett.To(rl)
	return upd, nil
}

// keyPage is the data of the key page.
type keyPage struct {
	Key           keyRow
	Allowlist     []string // nil: any address
	RateLimit     string   // "" for none
	Reason        string   // why it was revoked
	Changeable    bool     // neither revoked nor expired
	Rollable      bool     // changeable and not rolled
	Form          editForm
	Integrations  []choice
	ExpiryOptions []choice
	MinDate       string
	Usage         usageView
}

// rateLimitText says a rate limit in words: "100 uses per 60 seconds".
func rateLimitText(r *skillett.RateLimit) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%s per %s", plural(r.Limit, "use"), plural(int(r.Window/time.Second), "second"))
}

func (d *Dashboard) handleKeyPage(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	k, err := d.svc.KeyByID(r.Context(), u.ID, r.PathValue("id"))
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	f := d.takeFlash(w, r)
	d.showKeyPage(w, r, u, k, http.StatusOK, formOf(k), nil, f.message([]*skillett.Key{k}))
}

func (d *Dashboard) showKeyPage(w http.ResponseWriter, r *http.Request, u *skillett.User, k *skillett.Key, status int, form editForm, formErr error, notice string) {
	now := d.svc.Now()
	page := keyPage{
		Key:        newKeyRow(k, now),
		Allowlist:  allowlistStrings(k),
		RateLimit:  rateLimitText(k.RateLimit),
		Reason:     k.Reason(),
		Changeable: k.CheckChangeable(now, false) == nil,
		Rollable:   k.CheckChangeable(now, true) == nil,
		Form:       form,
		MinDate:    minExpiryDate(now),
	}
	days, err := d.svc.KeyUsage(r.Context(), u.ID, k.ID, usageChartDays)
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	page.Usage = newUsageView(days)
	if k.RevocationReason == skillett.ReasonLeaked {
		marks, err := d.leakMarks(r.Context(), u.ID)
		if err != nil {
			d.showError(w, r, u, err)
			return
		}
		page.Key.Leak = marks[k.ID]
		if page.Key.Leak == nil { // its event is gone (retention): still say so
			page.Key.Leak = &leakMark{}
		}
	}
	if k.ReplacedBy != "" {
		if nk, err := d.svc.KeyByID(r.Context(), u.ID, k.ReplacedBy); err == nil {
			page.Key.Replaced = &replacement{ID: nk.ID, Prefix: nk.Prefix}
		}
	}
	page.Integrations = d.integrationChoices(form.Chosen)
	// Scopes the key has beyond the configured integrations stay offered.
	for _, name := range form.Chosen {
		if !slices.Contains(d.integrations, name) {
			page.Integrations = append(page.Integrations, choice{Value: name, Label: name, Selected: true})
		}
	}
	keep := "Keep (never)"
	if page.Key.Expires != nil {
		keep = "Keep (" + page.Key.Expires.Exact + ")"
	}
	page.ExpiryOptions = append([]choice{{Value: "keep", Label: keep, Selected: form.Expiry == "keep"}}, expiryOptions(form.Expiry)...)
	v := &view{Title: k.Name, User: u, Notice: notice, Page: page}
	if formErr != nil {
		v.Error, v.ErrorTitle = d.message(formErr), "Your changes were not saved"
	}
	d.render(w, r, status, "key", v)
}

func (d *Dashboard) handleEditKey(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	k, err := d.svc.KeyByID(r.Context(), u.ID, r.PathValue("id"))
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	if err := parseForm(w, r); err != nil {
		d.showKeyPage(w, r, u, k, http.StatusBadRequest, formOf(k), err, "")
		return
	}
	form := editForm(keyFormOf(r))
	upd, err := form.update(d.svc.Now())
	if err == nil {
		if _, err = d.svc.UpdateKey(r.Context(), u.ID, k.ID, upd); err == nil {
			d.setFlash(w, r, flash{kind: flashSaved, keyID: k.ID})
			seeOther(w, r, "/keys/"+k.ID)
			return
		}
	}
	d.showKeyPage(w, r, u, k, d.changeStatus(w, r, err), form, err, "")
}

// changeStatus is formStatus for a change to a key, where a conflict (the
// key is revoked, expired or rolled) is 409.
func (d *Dashboard) changeStatus(w http.ResponseWriter, r *http.Request, err error) int {
	if skillett.ErrorCode(err) == skillett.ECONFLICT {
		return http.StatusConflict
	}
	return d.formStatus(w, r, err)
}

// graceChoice is an option of the roll form: how long the old key keeps
// working.
type graceChoice struct {
	seconds int
	label   string
}

// graceChoices are the roll form's options.
var graceChoices = []graceChoice{
	{0, "Stop it now"},
	{3600, "For 1 hour"},
	{86400, "For 24 hours"},
	{604800, "For 7 days"},
}

const defaultGrace = 86400

// rollPage is the data of the roll page.
type rollPage struct {
	Key     keyRow
	Choices []choice
}

func (d *Dashboard) handleRollPage(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	d.showRollPage(w, r, u, http.StatusOK, defaultGrace, nil)
}

func (d *Dashboard) showRollPage(w http.ResponseWriter, r *http.Request, u *skillett.User, status, grace int, formErr error) {
	k, err := d.svc.KeyByID(r.Context(), u.ID, r.PathValue("id"))
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	page := rollPage{Key: newKeyRow(k, d.svc.Now())}
	for _, c := range graceChoices {
		page.Choices = append(page.Choices, choice{Value: strconv.Itoa(c.seconds), Label: c.label, Selected: c.seconds == grace})
	}
	v := &view{Title: "Roll " + k.Name, User: u, Page: page}
	if formErr == nil {
		formErr = k.CheckChangeable(d.svc.Now(), true)
		if formErr != nil {
			status = http.StatusConflict
		}
	}
	if formErr != nil {
		v.Error, v.ErrorTitle = d.message(formErr), "This key cannot be rolled"
	}
	d.render(w, r, status, "roll", v)
}

func (d *Dashboard) handleRoll(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	if err := parseForm(w, r); err != nil {
		d.showRollPage(w, r, u, http.StatusBadRequest, defaultGrace, err)
		return
	}
	grace, err := strconv.Atoi(r.PostFormValue("grace"))
	if err != nil || !slices.ContainsFunc(graceChoices, func(c graceChoice) bool { return c.seconds == grace }) {
		d.showRollPage(w, r, u, http.StatusUnprocessableEntity, defaultGrace,
			skillett.Errorf(skillett.EINVALID, "Choose how long the old key should keep working."))
		return
	}
	_, _, full, err := d.svc.RollKey(r.Context(), u.ID, r.PathValue("id"), time.Duration(grace)*time.Second)
	if err != nil {
		d.showRollPage(w, r, u, d.changeStatus(w, r, err), grace, err)
		return
	}
	d.setNewKey(w, r, full)
	seeOther(w, r, newKeyPath)
}
