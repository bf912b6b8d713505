package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/skillett/skillett"
)

// withActor puts in the request's context an anonymous actor with the
// request's address and user agent, for the audit log; authentication
// names the actor later.
func withActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := skillett.Actor{Type: skillett.ActorAnonymous, IP: clientAddr(r), UserAgent: truncateUA(r.UserAgent())}
		next.ServeHTTP(w, r.WithContext(skillett.WithActor(r.Context(), a)))
	})
}

// principalActor is the actor of a request authenticated as p.
func principalActor(ctx context.Context, p *skillett.Principal) skillett.Actor {
	a := skillett.ActorFrom(ctx)
	a.Type, a.ID = skillett.ActorSession, ""
	if p.Method == skillett.MethodAPIKey {
		a.Type, a.ID = skillett.ActorAPIKey, p.Key.ID
	}
	return a
}

// clientAddr is requestAddr as the audit log and the revoke limiter keep
// it: text, "" when the address is unknown.
func clientAddr(r *http.Request) string {
	if a := requestAddr(r); a.IsValid() {
		return a.String()
	}
	return ""
}

// maxUserAgent bounds what an event keeps of a User-Agent header.
const maxUserAgent = 256

func truncateUA(ua string) string {
	if len(ua) <= maxUserAgent {
		return ua
	}
	return strings.ToValidUTF8(ua[:maxUserAgent], "")
}
