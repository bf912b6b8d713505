package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/skillett/skillett"
)

// activityPageSize is how many events the activity page shows at once.
const activityPageSize = 50

// activityPage is the data of the activity page: the audit log, newest
// first, in sentences.
type activityPage struct {
	Events []activityItem
	Older  string // the URL of the next page, "" on the last
}

type activityItem struct {
	When     string // RFC 3339, for <time datetime>
	Sentence string
	Leak     bool
}

func (d *Dashboard) handleActivity(w http.ResponseWriter, r *http.Request, u *skillett.User) {
	events, next, err := d.svc.AuditLog(r.Context(), u.ID, activityPageSize, r.URL.Query().Get("cursor"))
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	keys, err := d.svc.ListKeys(r.Context(), u.ID)
	if err != nil {
		d.showError(w, r, u, err)
		return
	}
	names := make(map[string]string, len(keys))
	for _, k := range keys {
		names[k.ID] = k.Name
	}
	page := activityPage{Events: make([]activityItem, len(events))}
	for i, e := range events {
		page.Events[i] = activityItem{When: e.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Sentence: sentence(e, names), Leak: e.Type == skillett.EventKeyLeaked}
	}
	if next != "" {
		page.Older = "/activity?" + url.Values{"cursor": {next}}.Encode()
	}
	d.render(w, r, http.StatusOK, "activity", &view{Title: "Activity", User: u, Page: page})
}

// sentence says what e recorded, naming keys by their names, and by whom
// and from where, then any note: Key “CI deploy” revoked from 203.0.113.5;
// Password changed from 203.0.113.5; other sessions signed out.
func sentence(e *skillett.Event, names map[string]string) string {
	s, note := userSentence(e)
	if s == "" {
		s = keySentence(e, names)
	}
	switch a := e.Actor; {
	case a.Type == skillett.ActorCLI:
		s += " by an administrator (CLI)"
	case a.Type == skillett.ActorSecretScanning:
		s += " on GitHub's report"
	case a.Type == skillett.ActorAPIKey:
		s += " with " + keyName("key", a.ID, names)
	}
	if e.Actor.IP != "" {
		s += " from " + e.Actor.IP
	}
	if note != "" {
		s += "; " + note
	}
	return s
}

// userSentence says what an event about the account recorded, and a note
// on what came with it; "" for other events.
func userSentence(e *skillett.Event) (s, note string) {
	allSessions, _ := e.Data["all_sessions"].(bool)
	switch e.Type {
	case skillett.EventUserSignedUp:
		return "Account created", ""
	case skillett.EventUserLoggedIn:
		return "Signed in", ""
	case skillett.EventUserLoginFail:
		return "Failed sign-in (wrong password)", ""
	case skillett.EventUserLoggedOut:
		if allSessions {
			return "Signed out of all sessions", ""
		}
		return "Signed out", ""
	case skillett.EventUserPlanChange:
		return fmt.Sprintf("Plan changed from %s to %s", planName(skillett.Plan(dataString(e, "from"))), planName(skillett.Plan(dataString(e, "to")))), ""
	case skillett.EventUserPasswordChange:
		if allSessions {
			return "Password changed", "all sessions signed out"
		}
		return "Password changed", "other sessions signed out"
	}
	return "", ""
}

// keySentence says what an event about a key recorded: Key “CI deploy”
// revoked.
func keySentence(e *skillett.Event, names map[string]string) string {
	key := keyName("Key", e.KeyID, names)
	switch e.Type {
	case skillett.EventKeyCreated:
		return key + " created"
	case skillett.EventKeyUpdated:
		var fields []string
		if fs, ok := e.Data["fields"].([]any); ok {
			for _, f := range fs {
				fields = append(fields, fmt.Sprint(f))
			}
		}
		return key + " updated (" + strings.Join(fields, ", ") + ")"
	case skillett.EventKeyRolled:
		return key + " rolled; a new key replaces it"
	case skillett.EventKeyRevoked:
		return key + " revoked"
	case skillett.EventKeyLeaked:
		s := key + " leaked — revoked automatically"
		if src := dataString(e, "source"); src != "" {
			s += " (found: " + src
			if u := dataString(e, "url"); u != "" {
				s += ", " + u
			}
			s += ")"
		}
		return s
	}
	return e.Type
}

// keyName names the key with id after word ("Key", "key"): by its name
// in quotes, or by its id when names has none.
func keyName(word, id string, names map[string]string) string {
	if n := names[id]; n != "" {
		return word + " “" + n + "”"
	}
	return word + " " + id
}

// dataString is e's data member k when it is a string, else "".
func dataString(e *skillett.Event, k string) string {
	s, _ := e.Data[k].(string)
	return s
}
