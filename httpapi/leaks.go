package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/ratelimit"
	"github.com/skillett/skillett/secretscan"
	"github.com/skillett/skillett/service"
)

// maxReportBytes bounds a secret scanning report (SPEC §11).
const maxReportBytes = 1 << 20

// MaxPublicCredentials is the most keys one public revoke request names.
const MaxPublicCredentials = 1000

// actAs returns ctx with the request's actor turned into one of typ.
func actAs(ctx context.Context, typ string) context.Context {
	a := skillett.ActorFrom(ctx)
	a.Type, a.ID = typ, ""
	return skillett.WithActor(ctx, a)
}

var errReportTooLarge = &skillett.Error{Code: "payload_too_large", Message: "A report must be at most 1 MiB."}

var errBadSignature = skillett.Errorf(skillett.EUNAUTHORIZED, "The report must be signed by GitHub: Github-Public-Key-Identifier and Github-Public-Key-Signature do not verify.")

// handleGitHubSecretScanning receives GitHub's secret scanning reports:
// each of our keys found in public is revoked as leaked at once.
func handleGitHubSecretScanning(svc *service.Service, keys *secretscan.Keys, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if keys == nil {
			fail(w, r, skillett.Errorf(skillett.ENOTFOUND, "Secret scanning reports are not enabled on this server (no --github-keys)."))
			return
		}
		body, err := readBody(w, r, maxReportBytes, errReportTooLarge)
		if err != nil {
			fail(w, r, err)
			return
		}
		set, refreshErr := keys.Current(r.Context())
		if refreshErr != nil {
			log.Warn("refreshing GitHub's secret scanning keys failed; using the last good copy", "err", refreshErr)
		}
		if set.Verify(body, r.Header.Get("Github-Public-Key-Identifier"), r.Header.Get("Github-Public-Key-Signature")) != nil {
			fail(w, r, errBadSignature)
			return
		}
		matches, err := secretscan.ParseReport(body)
		if err != nil {
			fail(w, r, skillett.Errorf(skillett.EINVALID, "%s.", err.Error()))
			return
		}
		reports := make([]service.LeakReport, len(matches))
		for i, m := range matches {
			reports[i] = service.LeakReport{Token: m.Token, Source: m.Source, URL: m.URL}
		}
		ours, err := svc.ReportLeaks(actAs(r.Context(), skillett.ActorSecretScanning), reports)
		if err != nil {
			fail(w, r, err)
			return
		}
		labels := make([]secretscan.Label, len(matches))
		for i, m := range matches {
			labels[i] = secretscan.Label{TokenRaw: m.Token, TokenType: m.Type, Label: secretscan.FalsePositive}
			if ours[i] {
				labels[i].Label = secretscan.TruePositive
			}
		}
		encode(w, http.StatusOK, labels)
	})
}

type publicRevokeRequest struct {
	Credentials []string `json:"credentials"`
}

// handlePublicRevoke lets anyone who holds a key revoke it, like GitHub's
// endpoint of that name. The answer is the same whether or not a key
// matched, so that it tells nothing about which keys exist.
func handlePublicRevoke(svc *service.Service, limiter AddressLimiter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if retry, ok, err := limiter.Allow(r.Context(), clientAddr(r)); err != nil {
			fail(w, r, err)
			return
		} else if !ok {
			fail(w, r, &skillett.Error{Code: skillett.ERATELIMITED, Message: "Too many revoke requests from this address; try again later.", RetryAfter: retry})
			return
		}
		var req publicRevokeRequest
		if err := decode(w, r, &req); err != nil {
			fail(w, r, err)
			return
		}
		if n := len(req.Credentials); n == 0 || n > MaxPublicCredentials {
			fail(w, r, skillett.Errorf(skillett.EINVALID, "credentials must be an array of 1 to %d keys.", MaxPublicCredentials))
			return
		}
		reports := make([]service.LeakReport, len(req.Credentials))
		for i, c := range req.Credentials {
			reports[i] = service.LeakReport{Token: c, Source: skillett.ActorPublicReport}
		}
		if _, err := svc.ReportLeaks(actAs(r.Context(), skillett.ActorPublicReport), reports); err != nil {
			fail(w, r, err)
			return
		}
		encode(w, http.StatusAccepted, struct{}{})
	})
}

// AddressLimiter admits at most some number of requests per client address
// in a window. Allow counts one request from addr and reports whether it
// may proceed, and if not, after how long it may.
type AddressLimiter interface {
	Allow(ctx context.Context, addr string) (retryAfter time.Duration, ok bool, err error)
}

// PublicRevokeRate is how many POST /credentials/revoke requests one
// address may make per hour (SPEC §11).
const PublicRevokeRate = 60

// hourlyLimiter is the per-process AddressLimiter used when Options names
// none: ratelimit's in-memory fixed windows, one hour per address.
type hourlyLimiter struct {
	windows *ratelimit.Memory
	limit   ratelimit.Limit
	now     func() time.Time
}

func newHourlyLimiter(max int, now func() time.Time) hourlyLimiter {
	return hourlyLimiter{windows: ratelimit.NewMemory(), limit: ratelimit.Limit{Max: max, Window: time.Hour}, now: now}
}

func (l hourlyLimiter) Allow(ctx context.Context, addr string) (time.Duration, bool, error) {
	res, err := l.windows.Allow(ctx, addr, l.limit, l.now())
	if err != nil || res.Allowed {
		return 0, err == nil, err
	}
	return res.Reset, false, nil
}
