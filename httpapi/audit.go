package httpapi

import (
	"net/http"
	"strconv"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/service"
)

type actorJSON struct {
	Type string  `json:"type"`
	ID   *string `json:"id"`
}

type eventJSON struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	CreatedAt string         `json:"created_at"`
	Actor     actorJSON      `json:"actor"`
	IP        *string        `json:"ip"`
	UserAgent *string        `json:"user_agent"`
	KeyID     *string        `json:"key_id"`
	Data      map[string]any `json:"data"`
}

type auditLogJSON struct {
	Events     []eventJSON `json:"events"`
	NextCursor *string     `json:"next_cursor"`
}

// EventJSON is an audit event as GET /audit-log and `skillett audit` show it.
func EventJSON(e *skillett.Event) any { return newEventJSON(e) }

func newEventJSON(e *skillett.Event) eventJSON {
	data := e.Data
	if data == nil {
		data = map[string]any{}
	}
	return eventJSON{
		ID: e.ID, Type: e.Type, CreatedAt: timestamp(e.CreatedAt),
		Actor: actorJSON{Type: e.Actor.Type, ID: optString(e.Actor.ID)},
		IP:    optString(e.Actor.IP), UserAgent: optString(e.Actor.UserAgent),
		KeyID: optString(e.KeyID), Data: data,
	}
}

func handleAuditLog(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		q := r.URL.Query()
		limit := service.DefaultAuditLimit
		if s := q.Get("limit"); q.Has("limit") {
			n, err := strconv.Atoi(s)
			if err != nil {
				fail(w, r, skillett.Errorf(skillett.EINVALID, "limit must be a whole number between 1 and %d.", service.MaxAuditLimit))
				return
			}
			limit = n
		}
		cursor := q.Get("cursor")
		if q.Has("cursor") && cursor == "" {
			fail(w, r, skillett.Errorf(skillett.EINVALID, "cursor must not be empty; omit it for the newest events."))
			return
		}
		events, next, err := svc.AuditLog(r.Context(), p.User.ID, limit, cursor)
		if err != nil {
			fail(w, r, err)
			return
		}
		out := auditLogJSON{Events: make([]eventJSON, len(events)), NextCursor: optString(next)}
		for i, e := range events {
			out.Events[i] = newEventJSON(e)
		}
		encode(w, http.StatusOK, out)
	})
}
