package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/skillett/skillett"
)

var (
	//go:embed templates
	templateFS embed.FS
	//go:embed static
	staticFS embed.FS
)

// contentSecurityPolicy allows nothing inline: scripts and styles come
// from /static only.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every dashboard response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// view is what every page template gets: the layout reads the common
// fields, the page its own data in Page.
type view struct {
	Title      string
	User       *skillett.User // nil when logged out
	Notice     string         // a confirmation, shown once
	Error      string         // what went wrong with the form
	ErrorTitle string         // heads Error when a sentence is not enough
	Signup     bool           // the sign-up page is on
	Page       any
}

// PlanName is the display name of the user's plan.
func (v *view) PlanName() string {
	if v.User == nil {
		return ""
	}
	return planName(v.User.Plan)
}

func planName(p skillett.Plan) string {
	s := string(p)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parsePages parses each page of templates/ together with the layout.
func parsePages() map[string]*template.Template {
	layout := template.Must(template.ParseFS(templateFS, "templates/layout.html"))
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := make(map[string]*template.Template)
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, file))
	}
	return pages
}

// render writes page with status. Pages are personal, so no cache keeps
// them (the one with a new key above all).
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	v.Signup = d.signup
	var buf bytes.Buffer
	if err := d.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		d.log.ErrorContext(r.Context(), "dashboard: rendering failed", "page", page, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(internalMessage + "\n"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

const internalMessage = "Something went wrong on our side. Please try again in a moment."

// errorPage is the data of the error page.
type errorPage struct{ Heading string }

// showError renders a page that says what went wrong; internal errors are
// logged and shown with a fixed message.
func (d *Dashboard) showError(w http.ResponseWriter, r *http.Request, u *skillett.User, err error) {
	status, heading := http.StatusBadRequest, "That did not work"
	switch skillett.ErrorCode(err) {
	case skillett.ENOTFOUND:
		status, heading = http.StatusNotFound, "Not found"
	case skillett.EINTERNAL:
		d.logInternal(r, err)
		status, heading = http.StatusInternalServerError, "Something went wrong"
	}
	d.render(w, r, status, "error", &view{Title: heading, User: u, Error: d.message(err), Page: errorPage{Heading: heading}})
}

// errorTitle heads the message of err when a sentence is not enough.
func errorTitle(err error) string {
	switch skillett.ErrorCode(err) {
	case skillett.EPLANLIMIT:
		return "Plan limit reached"
	case skillett.ERATELIMITED:
		return "Too many attempts"
	}
	return ""
}

// message is what a user is told about err: the service's message, or a
// fixed one for internal errors.
func (d *Dashboard) message(err error) string {
	if skillett.ErrorCode(err) == skillett.EINTERNAL {
		return internalMessage
	}
	return skillett.ErrorMessage(err)
}

func (d *Dashboard) logInternal(r *http.Request, err error) {
	d.log.ErrorContext(r.Context(), "dashboard: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
}

// formStatus is the status of a page that shows a form again with err:
// 422 when the input was refused, 429 (with Retry-After) when throttled,
// 403 at the plan limit, 500 (logged) for internal errors.
func (d *Dashboard) formStatus(w http.ResponseWriter, r *http.Request, err error) int {
	switch skillett.ErrorCode(err) {
	case skillett.ERATELIMITED:
		w.Header().Set("Retry-After", strconv.Itoa(int(skillett.RetryAfter(err)/time.Second)))
		return http.StatusTooManyRequests
	case skillett.EPLANLIMIT:
		return http.StatusForbidden
	case skillett.ENOTFOUND:
		return http.StatusNotFound
	case skillett.EINTERNAL:
		d.logInternal(r, err)
		return http.StatusInternalServerError
	}
	return http.StatusUnprocessableEntity
}

// staticFile is an embedded asset with its content type and ETag.
type staticFile struct {
	name  string
	data  []byte
	ctype string
	etag  string
}

func loadStatic() map[string]*staticFile {
	files := make(map[string]*staticFile)
	err := fs.WalkDir(staticFS, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := strings.TrimPrefix(p, "static/")
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		files[name] = &staticFile{name: name, data: data, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return files
}

// handleStatic serves the embedded assets. Browsers revalidate them with
// their ETag on each use, so a new release is picked up at once.
func (d *Dashboard) handleStatic(w http.ResponseWriter, r *http.Request) {
	f := d.static[r.PathValue("file")]
	if f == nil {
		d.showError(w, r, nil, errNoPage)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.data))
}

var errNoPage = skillett.Errorf(skillett.ENOTFOUND, "There is no such page.")
