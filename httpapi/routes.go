package httpapi

import "net/http"

// addRoutes lists the whole API surface. Authentication is applied per
// route, after routing: an unknown path is 404 and a wrong method 405
// whatever the credentials.
func addRoutes(mux *http.ServeMux, o Options) {
	svc := o.Service
	authn := authenticator{svc: svc}

	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(svc))
	if !o.NoMetrics {
		mux.Handle("GET /metrics", o.Metrics.Handler())
	}
	mux.Handle("GET /openapi.json", handleOpenAPI())

	mux.Handle("POST /auth/signup", handleSignup(svc, o.SecureCookies))
	mux.Handle("POST /auth/login", handleLogin(svc, o.SecureCookies))
	mux.Handle("POST /auth/logout", handleLogout(svc, o.SecureCookies))
	mux.Handle("GET /me", authn.any(handleMe()))

	mux.Handle("GET /api-keys", authn.fullAccess(handleListKeys(svc)))
	mux.Handle("POST /api-keys", authn.fullAccess(handleCreateKey(svc)))
	mux.Handle("DELETE /api-keys/{id}", authn.fullAccess(handleRevokeKey(svc)))
	mux.Handle("GET /api-keys/{id}/usage", authn.fullAccess(handleKeyUsage(svc)))
	mux.Handle("GET /api-keys/{id}", authn.fullAccess(handleKeyDetail(svc)))
	mux.Handle("PATCH /api-keys/{id}", authn.fullAccess(handleUpdateKey(svc)))
	mux.Handle("POST /api-keys/{id}/roll", authn.fullAccess(handleRollKey(svc)))

	mux.Handle("POST /verify", handleVerify(svc, o.ServiceTokens))

	mux.Handle("GET /audit-log", authn.fullAccess(handleAuditLog(svc)))
	mux.Handle("POST /secret-scanning/github", handleGitHubSecretScanning(svc, o.GitHubKeys, o.Logger))
	mux.Handle("POST /credentials/revoke", handlePublicRevoke(svc, o.PublicRevokeLimiter))
}
