// Package dashboard is Skillett's web dashboard (SPEC §7 "GET /"): sign up,
// log in and out, list API keys, create a key (the full key shown once),
// revoke one after a confirmation step, and on a key's own page rename it,
// change its access and expiry, and roll it (SPEC §8). Pages are rendered on the
// server with html/template; templates and static assets are embedded.
// Everything but the copy button works without JavaScript.
//
// Every rule lives in the service package; this package only turns forms
// into service calls and results into pages. Only a session authenticates
// it, through the cookie of package sessioncookie that the JSON API shares.
// It imports the root package, service, apikey and sessioncookie. The
// httpapi server mounts it (httpapi.Options.Pages) and applies cross-origin
// protection, logging and metrics to its routes.
package dashboard

import (
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/service"
)

// DefaultIntegrations are the scopes offered in the create form when
// Options.Integrations is empty.
var DefaultIntegrations = []string{"github", "slack", "linear"}

// Options are the dependencies and settings of the dashboard.
type Options struct {
	Service *service.Service
	Logger  *slog.Logger // default slog.Default()
	// Integrations are the scope names offered in the create form; default
	// DefaultIntegrations. Each must be a valid scope name.
	Integrations []string
	// SecureCookies marks the cookies it sets Secure even without TLS.
	SecureCookies bool
}

// Dashboard serves the pages. Create it with New and mount it with Register.
type Dashboard struct {
	svc          *service.Service
	log          *slog.Logger
	integrations []string
	secure       bool
	pages        map[string]*template.Template
}

// New returns the dashboard for o. It panics if an integration name is not
// a valid scope name: that is a configuration error to catch at startup.
func New(o Options) *Dashboard {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	integrations := o.Integrations
	if len(integrations) == 0 {
		integrations = DefaultIntegrations
	}
	for _, name := range integrations {
		if !skillett.ValidScopeName(name) {
			panic(fmt.Sprintf("dashboard: integration %q is not a valid scope name", name))
		}
	}
	return &Dashboard{
		svc:          o.Service,
		log:          o.Logger,
		integrations: slices.Clone(integrations),
		secure:       o.SecureCookies,
		pages:        parsePages(),
	}
}

// Register adds the dashboard's routes to mux. They do not overlap the
// JSON API's. Every state change is a POST, answered with a 303 redirect
// (POST-redirect-GET) or, when the form has an error, with the form again.
func (d *Dashboard) Register(mux *http.ServeMux) {
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, securityHeaders(h)) }

	handle("GET /{$}", d.authed(d.handleKeys))
	handle("GET /login", d.handleLoginPage)
	handle("POST /login", d.handleLogin)
	handle("GET /signup", d.handleSignupPage)
	handle("POST /signup", d.handleSignup)
	handle("POST /logout", d.handleLogout)

	handle("POST /keys", d.authed(d.handleCreateKey))
	handle("GET /keys/created", d.authed(d.handleKeyCreated))
	handle("GET /keys/{id}/revoke", d.authed(d.handleRevokePage))
	handle("POST /keys/{id}/revoke", d.authed(d.handleRevoke))
	handle("GET /keys/{id}", d.authed(d.handleKeyPage))
	handle("POST /keys/{id}", d.authed(d.handleEditKey))
	handle("GET /keys/{id}/roll", d.authed(d.handleRollPage))
	handle("POST /keys/{id}/roll", d.authed(d.handleRoll))

	handle("GET /activity", d.authed(d.handleActivity))
	handle("POST /leaks/dismiss", d.authed(d.handleDismissLeaks))
	handle("GET /account", d.authed(d.handleAccount))
	handle("POST /account/password", d.authed(d.handleChangePassword))
	handle("POST /account/logout-all", d.authed(d.handleLogoutEverywhere))

	handle("GET /static/{file...}", d.handleStatic)
}
