package httpapi

import (
	"net/http"
	"strconv"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/service"
)

const defaultUsageDays = 30

var errUsageDays = skillett.Errorf(skillett.EINVALID, "days must be a whole number from 1 to %d.", service.MaxUsageDays)

func handleKeyUsage(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		days := defaultUsageDays
		if q := r.URL.Query(); q.Has("days") {
			n, err := strconv.Atoi(q.Get("days"))
			if err != nil || n < 1 || n > service.MaxUsageDays {
				fail(w, r, errUsageDays)
				return
			}
			days = n
		}
		id := r.PathValue("id")
		usage, err := svc.KeyUsage(r.Context(), p.User.ID, id, days)
		if err != nil {
			fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, NewKeyUsage(id, usage))
	})
}
