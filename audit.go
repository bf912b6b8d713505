package skillett

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Actor types of an audit event (SPEC §10): who made the change.
const (
	ActorSession        = "session"
	ActorAPIKey         = "api_key"
	ActorCLI            = "cli"
	ActorSecretScanning = "secret_scanning"
	ActorPublicReport   = "public_report"
	ActorAnonymous      = "anonymous"
)

// Actor is who made a change, and from where. ID is the key id for
// ActorAPIKey and empty otherwise; IP and UserAgent are empty when unknown
// (the CLI).
type Actor struct {
	Type      string
	ID        string
	IP        string
	UserAgent string
}

type actorKey struct{}

// WithActor returns ctx carrying a: the HTTP API, the dashboard and the CLI
// set it, so that the events a service call writes name who made it without
// every method taking it as an argument.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx; without one, an anonymous actor with
// no address.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Type: ActorAnonymous}
}

// Audit event types (SPEC §10).
const (
	EventUserSignedUp   = "user.signed_up"
	EventUserLoggedIn   = "user.logged_in"
	EventUserLoginFail  = "user.login_failed"
	EventUserLoggedOut  = "user.logged_out"   // data: all_sessions, for "sign out everywhere"
	EventUserPlanChange = "user.plan_changed" // data: from, to
	// data: all_sessions, whether every session ended (the CLI) or all but
	// the one that made the change (the dashboard).
	EventUserPasswordChange = "user.password_changed"
	EventKeyCreated         = "key.created"
	EventKeyUpdated         = "key.updated" // data: fields
	EventKeyRolled          = "key.rolled"  // data: new_key_id, grace_period_seconds
	EventKeyRevoked         = "key.revoked"
	EventKeyLeaked          = "key.leaked" // data: source, url
)

// EventTypes lists every event type.
var EventTypes = []string{EventUserSignedUp, EventUserLoggedIn, EventUserLoginFail, EventUserLoggedOut,
	EventUserPlanChange, EventUserPasswordChange, EventKeyCreated, EventKeyUpdated, EventKeyRolled, EventKeyRevoked, EventKeyLeaked}

// Event is an entry of a user's audit log. Stores write it in the
// transaction of the change it records, so that a committed change has its
// event and a failed one has none. It never holds a secret: Data carries
// names, ids, plans, field names and the like, never a key, a password, a
// session token or a hash.
type Event struct {
	ID        string // "evt_…"
	Seq       int64  // set by the store: orders events within one second
	Type      string
	CreatedAt time.Time // to the second
	UserID    string    // whose log it is in
	KeyID     string    // the key it is about, or ""
	Actor     Actor
	Data      map[string]any // JSON object; nil is {}
}

// DataJSON is Data as the stores keep it: a JSON object, "{}" for nil.
func (e *Event) DataJSON() (string, error) {
	if e.Data == nil {
		return "{}", nil
	}
	b, err := json.Marshal(e.Data)
	return string(b), err
}

// SetDataJSON sets Data from the JSON object s that DataJSON made. Numbers
// stay json.Number, so that they come back exactly as written.
func (e *Event) SetDataJSON(s string) error {
	e.Data = map[string]any{}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(&e.Data)
}

// NewEvent returns an event of type typ at time at, made by the actor of
// ctx, for the store to complete (UserID, KeyID, Data) and write.
func NewEvent(ctx context.Context, typ string, at time.Time) *Event {
	return &Event{
		ID:        "evt_" + strings.ToLower(rand.Text()),
		Type:      typ,
		CreatedAt: at.UTC().Truncate(time.Second),
		Actor:     ActorFrom(ctx),
	}
}

// Cursor returns the position just past e in a newest-first walk.
func (e *Event) Cursor() EventCursor { return EventCursor{CreatedAt: e.CreatedAt, Seq: e.Seq} }

// EventCursor is a position in a user's audit log, which is ordered by
// (CreatedAt, Seq), newest first. A walk asks for the events strictly
// before the last one it saw; events written meanwhile sort before its
// start, so it neither repeats nor skips one.
type EventCursor struct {
	CreatedAt time.Time
	Seq       int64
}

// String encodes c for a URL: opaque to callers, stable across processes.
func (c EventCursor) String() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", c.CreatedAt.Unix(), c.Seq))
}

// ParseEventCursor decodes a cursor made by EventCursor.String, or returns
// an EINVALID error.
func ParseEventCursor(s string) (EventCursor, error) {
	bad := Errorf(EINVALID, "cursor is not one this server returned as next_cursor.")
	if len(s) > 64 {
		return EventCursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return EventCursor{}, bad
	}
	sec, seq, ok := strings.Cut(string(b), ".")
	unix, err1 := strconv.ParseInt(sec, 10, 64)
	n, err2 := strconv.ParseInt(seq, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 0 || unix < 0 {
		return EventCursor{}, bad
	}
	return EventCursor{CreatedAt: time.Unix(unix, 0).UTC(), Seq: n}, nil
}

// EventFilter selects events of one user's log, newest first.
type EventFilter struct {
	UserID string
	KeyID  string       // only events about this key, if set
	Type   string       // only events of this type, if set
	Before *EventCursor // only events older than this position, if set
	Limit  int          // at most this many (required, > 0)
}

// EventData is the data of the key.leaked event of l: where it was found.
func (l Leak) EventData() map[string]any {
	d := map[string]any{"source": l.Source, "url": nil}
	if l.URL != "" {
		d["url"] = l.URL
	}
	return d
}

// Leak is a report that a key was found in public: by GitHub's secret
// scanning (Source and URL as GitHub gives them) or by anyone through the
// public revoke endpoint.
type Leak struct {
	Hash   [32]byte
	Source string
	URL    string
}
