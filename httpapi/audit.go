package httpapi

import (
	"net/http"
	"strconv"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/service"
)

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
		encode(w, http.StatusOK, NewAuditLog(events, next))
	})
}
