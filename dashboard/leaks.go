package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/sessioncookie"
)

// Leak markers (SPEC §11): a key revoked because it was found in public
// says so on the list and on its page, with where it was found. The list
// shows a banner while there are leaks the user has not dismissed. What
// was dismissed lives in a cookie holding the newest leak time the user
// acknowledged, so the server keeps no state; a forged cookie can at most
// hide the banner from its own browser.
const (
	leaksSeenCookie = "skillett_leaks_seen"
	leakBannerFor   = 7 * 24 * time.Hour // older leaks raise no banner
	leakEventsRead  = 200                // the most recent leak events read per page
)

// leakMark is where a leaked key was found.
type leakMark struct {
	Source string
	URL    string // as reported
	Link   bool   // URL is http(s), so it may be a link
	at     time.Time
}

// leakBanner is the key list's banner about undismissed leaks.
type leakBanner struct {
	Names   []string // the keys, newest leak first
	Through string   // the newest leak time, Unix nanoseconds, for Dismiss
}

// leakMarks returns the user's leaked keys' marks by key id, from their
// key.leaked events (the newest one per key).
func (d *Dashboard) leakMarks(ctx context.Context, userID string) (map[string]*leakMark, error) {
	events, err := d.svc.KeyEvents(ctx, userID, skillett.EventKeyLeaked, leakEventsRead)
	if err != nil {
		return nil, err
	}
	marks := make(map[string]*leakMark)
	for _, e := range events {
		if _, ok := marks[e.KeyID]; ok || e.KeyID == "" {
			continue
		}
		m := &leakMark{Source: dataString(e, "source"), URL: dataString(e, "url"), at: e.CreatedAt}
		if u, err := url.Parse(m.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			m.Link = true
		}
		marks[e.KeyID] = m
	}
	return marks, nil
}

// banner is the banner for keys given their marks, or nil: the leaked
// keys revoked within leakBannerFor of now whose leak is newer than the
// one the request's cookie acknowledges.
func (d *Dashboard) banner(r *http.Request, keys []*skillett.Key, marks map[string]*leakMark, now time.Time) *leakBanner {
	var seen int64
	if c, err := r.Cookie(leaksSeenCookie); err == nil {
		seen, _ = strconv.ParseInt(c.Value, 10, 64)
	}
	var b leakBanner
	var newest time.Time
	for _, k := range keys { // newest key first; good enough an order
		m := marks[k.ID]
		if m == nil || k.RevocationReason != skillett.ReasonLeaked || m.at.UnixNano() <= seen || now.Sub(m.at) > leakBannerFor {
			continue
		}
		b.Names = append(b.Names, k.Name)
		if m.at.After(newest) {
			newest = m.at
		}
	}
	if len(b.Names) == 0 {
		return nil
	}
	b.Through = strconv.FormatInt(newest.UnixNano(), 10)
	return &b
}

// handleDismissLeaks remembers, in the browser, that the user has seen
// the leaks up to the form's time.
func (d *Dashboard) handleDismissLeaks(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	if err := parseForm(w, r); err != nil {
		d.showError(w, r, u, err)
		return
	}
	through, err := strconv.ParseInt(r.PostFormValue("through"), 10, 64)
	if err != nil || through <= 0 {
		d.showError(w, r, u, skillett.Errorf(skillett.EINVALID, "This dismiss form is not one this server made; reload the page and try again."))
		return
	}
	sessioncookie.SetCookie(w, r, &http.Cookie{
		Name: leaksSeenCookie, Value: strconv.FormatInt(through, 10), Path: "/",
		MaxAge: int(leakBannerFor / time.Second), SameSite: http.SameSiteLaxMode,
	}, d.secure)
	seeOther(w, r, "/")
}
