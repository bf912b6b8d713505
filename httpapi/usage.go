package httpapi

import (
	"net/http"
	"strconv"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/service"
)

// usageDayJSON is one day of GET /api-keys/{id}/usage (SPEC §9).
type usageDayJSON struct {
	Date              string `json:"date"`
	Valid             int64  `json:"valid"`
	RateLimited       int64  `json:"rate_limited"`
	InsufficientScope int64  `json:"insufficient_scope"`
	IPNotAllowed      int64  `json:"ip_not_allowed"`
	Revoked           int64  `json:"revoked"`
	Expired           int64  `json:"expired"`
}

type usageJSON struct {
	KeyID string         `json:"key_id"`
	Days  []usageDayJSON `json:"days"`
}

// UsageDays is a key's usage as GET /api-keys/{id}/usage shows it.
func UsageDays(keyID string, days []skillett.UsageDay) any {
	out := usageJSON{KeyID: keyID, Days: make([]usageDayJSON, len(days))}
	for i, d := range days {
		c := d.Counts
		out.Days[i] = usageDayJSON{Date: d.Day.Format("2006-01-02"),
			Valid: c[0], RateLimited: c[1], InsufficientScope: c[2], IPNotAllowed: c[3], Revoked: c[4], Expired: c[5]}
	}
	return out
}

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
		encode(w, http.StatusOK, UsageDays(id, usage))
	})
}
