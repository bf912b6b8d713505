package dashboard

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
	"github.com/skillett/skillett/sessioncookie"
)

// The full key of a new key travels from POST /keys to the one page that
// shows it in a cookie that only that page receives, for a minute, and
// that the page clears as it reads it. The server never keeps it, so this
// works on any number of processes, and a reload finds nothing to show.
const (
	newKeyCookie = "skillett_new_key"
	newKeyPath   = "/keys/created"
	newKeyMaxAge = 60 // seconds
)

// Values of the create form's access radio buttons.
const (
	accessAll    = "all"
	accessChosen = "chosen"
)

// expiryChoices are the create form's expiry options; "date" uses the
// form's date field.
var expiryChoices = []struct {
	value, label string
	days         int
}{
	{"never", "Never", 0},
	{"7d", "In 7 days", 7},
	{"30d", "In 30 days", 30},
	{"90d", "In 90 days", 90},
	{"1y", "In 1 year", 365},
	{"date", "On a date…", 0},
}

// createForm is what the create form holds, as typed.
type createForm struct {
	Name   string
	Access string   // accessAll or accessChosen
	Chosen []string // integrations ticked
	Expiry string   // an expiryChoices value
	Date   string   // YYYY-MM-DD, used with Expiry "date"
	Limits limitsForm
}

// keyFormOf reads the fields that the create form and the key page's edit
// form share (the edit form is the same struct under another name).
func keyFormOf(r *http.Request) createForm {
	return createForm{
		Name:   r.PostFormValue("name"),
		Access: r.PostFormValue("access"),
		Chosen: r.PostForm["scope"],
		Expiry: r.PostFormValue("expiry"),
		Date:   r.PostFormValue("expires_on"),
		Limits: limitsFormOf(r),
	}
}

var defaultForm = createForm{Access: accessAll, Expiry: "never", Limits: limitsForm{RateWindow: defaultRateWindow}}

// request turns the form into a key request at time now. It only reads
// the form; the service checks the request.
func (f createForm) request(now time.Time) (skillett.KeyRequest, error) {
	req := skillett.KeyRequest{Name: f.Name}
	switch f.Access {
	case accessAll:
	case accessChosen:
		if len(f.Chosen) == 0 {
			return req, skillett.Errorf(skillett.EINVALID, "Choose at least one integration, or give the key access to all of them.")
		}
		req.Scopes = f.Chosen
	default:
		return req, skillett.Errorf(skillett.EINVALID, "Choose what the key may access.")
	}
	switch f.Expiry {
	case "never":
		return req, nil
	case "date":
		day, err := time.Parse(time.DateOnly, f.Date)
		if err != nil {
			return req, skillett.Errorf(skillett.EINVALID, "Enter the date the key should expire on, such as %s.", now.AddDate(0, 0, 30).Format(time.DateOnly))
		}
		req.ExpiresAt = &day
		return req, nil
	}
	for _, c := range expiryChoices {
		if c.value == f.Expiry && c.days > 0 {
			t := now.AddDate(0, 0, c.days)
			req.ExpiresAt = &t
			return req, nil
		}
	}
	return req, skillett.Errorf(skillett.EINVALID, "Choose when the key expires.")
}

// keysPerPage is how many keys the list shows at once.
const keysPerPage = 50

// keysPage is the data of the key list, which holds the create form too.
type keysPage struct {
	Keys          []keyRow // this page's
	Total         int      // all the user's keys
	Shown         int      // the keys the filter lets through
	ActiveOnly    bool     // revoked and expired keys are hidden
	Page, Pages   int      // 1-based
	First, Last   int      // the positions of this page's keys among Shown, 1-based
	PrevURL       string   // newer keys; empty on the first page
	NextURL       string   // older keys; empty on the last page
	Usage         planUsage
	Form          createForm
	Integrations  []choice
	ExpiryOptions []choice
	MinDate       string // the earliest expiry date the form offers
	Leaks         *leakBanner
}

// choice is an option of a select or a checkbox.
type choice struct {
	Value, Label string
	Selected     bool
}

func (d *Dashboard) handleKeys(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	d.showKeys(w, r, u, http.StatusOK, defaultForm, nil, d.takeFlash(w, r))
}

// listURL is the key list's URL for a filter and page.
func listURL(activeOnly bool, page int) string {
	q := url.Values{}
	if activeOnly {
		q.Set("show", "active")
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}

// showKeys renders the key list with the create form holding form, and
// formErr (if any) next to it.
func (d *Dashboard) showKeys(w http.ResponseWriter, r *http.Request, u *skillett.User, status int, form createForm, formErr error, f flash) {
	keys, err := d.svc.ListKeys(r.Context(), u.ID)
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	uses, err := d.svc.UsageTotals(r.Context(), u.ID, usageChartDays)
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	marks, err := d.leakMarks(r.Context(), u.ID)
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	now := d.svc.Now()
	page := keysPage{Form: form, MinDate: minExpiryDate(now), Total: len(keys)}
	page.Usage.Plan = planName(u.Plan)
	page.Usage.Max, page.Usage.Limited = d.svc.Limits().Max(u.Plan)
	page.ActiveOnly = r.URL.Query().Get("show") == "active"
	var shown []*skillett.Key
	for _, k := range keys {
		if k.Counted(now) { // a rolled key lives out its grace outside the limit
			page.Usage.Active++
		}
		if page.ActiveOnly && !k.Active(now) {
			continue
		}
		shown = append(shown, k)
	}
	from, to := page.paginate(len(shown), r.URL.Query().Get("page"))
	page.Keys = keyRows(shown[from:to], keys, uses, marks, now)
	page.Leaks = d.banner(r, keys, marks, now)
	page.Integrations, page.ExpiryOptions = d.integrationChoices(form.Chosen), expiryOptions(form.Expiry)
	v := &view{Title: "API keys", User: u, Notice: f.message(keys), Page: page}
	if formErr != nil && !(skillett.ErrorCode(formErr) == skillett.EPLANLIMIT && page.Usage.AtLimit()) {
		// (At the limit the disabled form says why, once.)
		v.Error, v.ErrorTitle, v.ErrorField = d.message(formErr), errorTitle(formErr), createErrorField(formErr)
		if v.ErrorField == "expires-on" && strings.HasPrefix(v.Error, "expires_at") {
			v.Error = "The expiry date must be in the future."
		}
	}
	d.render(w, r, status, "keys", v)
}

// paginate sets the page's count of shown keys, its number (pageParam,
// kept within the pages) and its links, and returns the range of the shown
// keys that it holds.
func (p *keysPage) paginate(shown int, pageParam string) (from, to int) {
	p.Shown = shown
	p.Pages = max(1, (shown+keysPerPage-1)/keysPerPage)
	p.Page, _ = strconv.Atoi(pageParam)
	p.Page = min(max(p.Page, 1), p.Pages)
	from, to = (p.Page-1)*keysPerPage, min(p.Page*keysPerPage, shown)
	p.First, p.Last = from+1, to
	if p.Page > 1 {
		p.PrevURL = listURL(p.ActiveOnly, p.Page-1)
	}
	if p.Page < p.Pages {
		p.NextURL = listURL(p.ActiveOnly, p.Page+1)
	}
	return from, to
}

// keyRows are the list's rows of keys; all is every key of the user, so
// that a rolled key names the prefix of the key that replaced it.
func keyRows(keys, all []*skillett.Key, uses map[string]skillett.UsageCounts, marks map[string]*leakMark, now time.Time) []keyRow {
	prefixes := make(map[string]string, len(all))
	for _, k := range all {
		prefixes[k.ID] = k.Prefix
	}
	var rows []keyRow
	for _, k := range keys {
		row := newKeyRow(k, now)
		if k.ReplacedBy != "" {
			row.Replaced = &replacement{ID: k.ReplacedBy, Prefix: prefixes[k.ReplacedBy]}
		}
		row.Uses = uses[k.ID][0] // valid uses
		if k.RevocationReason == skillett.ReasonLeaked {
			row.Leak = marks[k.ID]
		}
		rows = append(rows, row)
	}
	return rows
}

// integrationChoices are the configured integrations as the forms offer
// them, those in chosen ticked.
func (d *Dashboard) integrationChoices(chosen []string) []choice {
	var out []choice
	for _, name := range d.integrations {
		out = append(out, choice{Value: name, Label: name, Selected: slices.Contains(chosen, name)})
	}
	return out
}

// expiryOptions are the expiryChoices as the forms offer them, the one
// whose value is selected marked so.
func expiryOptions(selected string) []choice {
	var out []choice
	for _, c := range expiryChoices {
		out = append(out, choice{Value: c.value, Label: c.label, Selected: c.value == selected})
	}
	return out
}

// minExpiryDate is the earliest expiry date the forms offer at now:
// tomorrow, in UTC.
func minExpiryDate(now time.Time) string {
	return now.UTC().AddDate(0, 0, 1).Format(time.DateOnly)
}

func (d *Dashboard) handleCreateKey(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	if err := parseForm(w, r); err != nil {
		d.showKeys(w, r, u, http.StatusBadRequest, defaultForm, err, flash{})
		return
	}
	form := keyFormOf(r)
	req, err := form.request(d.svc.Now())
	if err == nil {
		req.IPAllowlist, req.RateLimit, err = form.Limits.parse()
	}
	if err == nil {
		var full string
		if _, full, err = d.svc.CreateKey(r.Context(), u.ID, req); err == nil {
			d.setNewKey(w, r, full)
			seeOther(w, r, newKeyPath)
			return
		}
	}
	d.showKeys(w, r, u, d.formStatus(w, r, err), form, err, flash{})
}

// createErrorField is the id of the create form's field that err is
// about, or "" when it is about none.
func createErrorField(err error) string {
	if skillett.ErrorCode(err) != skillett.EINVALID || err == errBadForm {
		return ""
	}
	msg := skillett.ErrorMessage(err)
	switch {
	case strings.HasPrefix(msg, "Name"):
		return "key-name"
	case strings.HasPrefix(msg, "Choose at least one integration"), strings.HasPrefix(msg, "Choose what"),
		strings.HasPrefix(msg, "Scope"), strings.HasPrefix(msg, "At most"):
		return "access-chosen"
	case strings.HasPrefix(msg, "Choose when"):
		return "expiry"
	case strings.HasPrefix(msg, "Enter the date"), strings.HasPrefix(msg, "expires_at"):
		return "expires-on"
	}
	return ""
}

// setNewKey hands full to the page that shows it once (newKeyPath).
func (d *Dashboard) setNewKey(w http.ResponseWriter, r *http.Request, full string) {
	sessioncookie.SetCookie(w, r, &http.Cookie{
		Name: newKeyCookie, Value: full, Path: newKeyPath, MaxAge: newKeyMaxAge, SameSite: http.SameSiteStrictMode,
	}, d.secure)
}

// createdPage is the data of the page that shows a new key once; Key is
// nil when there is nothing (any more) to show. Rolled is the key it
// replaced, after the roll, when a roll made it.
type createdPage struct {
	Key     *keyRow
	FullKey string
	Rolled  *keyRow
}

// handleKeyCreated shows the key that POST /keys just made, once: it
// clears the cookie that carries it, and shows it only if it is one of
// the user's keys.
func (d *Dashboard) handleKeyCreated(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	var full string
	if c, err := r.Cookie(newKeyCookie); err == nil {
		full = c.Value
		sessioncookie.SetCookie(w, r, &http.Cookie{
			Name: newKeyCookie, Path: newKeyPath, MaxAge: -1, SameSite: http.SameSiteStrictMode,
		}, d.secure)
	}
	var page createdPage
	if apikey.Valid(full) {
		keys, err := d.svc.ListKeys(r.Context(), u.ID)
		if err != nil {
			d.showError(w, r, u, err)
			return
		}
		hash := apikey.Hash(full)
		for _, k := range keys {
			if k.Hash == hash {
				row := newKeyRow(k, d.svc.Now())
				page.Key, page.FullKey = &row, full
			}
		}
		for _, k := range keys {
			if page.Key != nil && k.ReplacedBy == page.Key.ID {
				row := newKeyRow(k, d.svc.Now())
				row.Replaced = &replacement{ID: page.Key.ID, Prefix: page.Key.Prefix}
				page.Rolled = &row
			}
		}
	}
	if page.Key == nil {
		d.render(w, r, http.StatusGone, "created", &view{Title: "Key no longer shown", User: u, Page: page})
		return
	}
	d.render(w, r, http.StatusOK, "created", &view{Title: "Your new key", User: u, Page: page})
}

var errNoKey = skillett.Errorf(skillett.ENOTFOUND, "You have no API key with this id. It may belong to another account.")

// handleRevokePage asks for confirmation before revoking.
func (d *Dashboard) handleRevokePage(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	k, err := d.svc.KeyByID(r.Context(), u.ID, r.PathValue("id"))
	if skillett.ErrorCode(err) == skillett.ENOTFOUND {
		err = errNoKey
	}
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	row := newKeyRow(k, d.svc.Now())
	title := "Revoke “" + k.Name + "”"
	if row.Status == statusRevoked {
		title = "“" + k.Name + "” is already revoked"
	}
	d.render(w, r, http.StatusOK, "revoke", &view{Title: title, User: u, Page: row})
}

func (d *Dashboard) handleRevoke(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	id := r.PathValue("id")
	if err := d.svc.RevokeKey(r.Context(), u.ID, id); err != nil {
		d.showError(w, r, u, err)
		return
	}
	d.setFlash(w, r, flash{kind: flashRevoked, keyID: id})
	seeOther(w, r, "/")
}
