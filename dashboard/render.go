package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
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
	Title       string
	Description string         // the page's meta description, for pages found by search
	User        *skillett.User // nil when logged out
	Notice      string         // a confirmation, shown once (and announced)
	Error       string         // what went wrong with the form
	ErrorTitle  string         // heads Error when a sentence is not enough
	ErrorField  string         // the id of the field at fault: the error is shown beside it, and it gets the focus
	Signup      bool           // the sign-up page is on
	Page        any
}

// FieldError is Error when it belongs beside the field with this id.
func (v *view) FieldError(id string) string {
	if v.ErrorField == id {
		return v.Error
	}
	return ""
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
	layout := template.Must(template.New("layout.html").Funcs(template.FuncMap{"asset": assetURL}).ParseFS(templateFS, "templates/layout.html"))
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
	v.Signup = d.svc.SignupOpen()
	if v.Error != "" {
		// Screen readers announce the title first: say that it failed.
		v.Title = "Error: " + v.Title
	}
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
	h.Set("Cache-Control", "no-store")
	body := buf.Bytes()
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		body = gzipped(body)
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// acceptsGzip reports whether the client takes gzip-encoded responses.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			if strings.TrimSpace(coding) == "gzip" && strings.ReplaceAll(params, " ", "") != "q=0" {
				return true
			}
		}
	}
	return false
}

// gzipped compresses data; pages are small, so the default level is cheap.
func gzipped(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
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

// staticFile is an embedded asset with its content type, its version (a
// hash of its content) and its gzip-encoded form.
type staticFile struct {
	name    string
	data    []byte
	gz      []byte
	ctype   string
	version string
}

// assets are the embedded static files, by name.
var assets = loadStatic()

// assetURL is the versioned URL of a static file: it changes with the
// file's content, so browsers may keep it for a year.
func assetURL(name string) (string, error) {
	f := assets[name]
	if f == nil {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + f.version, nil
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
		files[name] = &staticFile{name: name, data: data, gz: gzipped(data), ctype: ctype, version: hex.EncodeToString(sum[:8])}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return files
}

// handleStatic serves the embedded assets, gzip-encoded when the client
// takes it. Under their versioned URL (assetURL) they are cached for a
// year, since a new release links new URLs; under any other URL browsers
// revalidate them with their ETag on each use.
func (d *Dashboard) handleStatic(w http.ResponseWriter, r *http.Request) {
	f := assets[r.PathValue("file")]
	if f == nil {
		d.showError(w, r, nil, errNoPage)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	if r.URL.Query().Get("v") == f.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Add("Vary", "Accept-Encoding")
	data, etag := f.data, `"`+f.version+`"`
	if acceptsGzip(r) && len(f.gz) < len(f.data) {
		data, etag = f.gz, `"`+f.version+`-gzip"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(data))
}

// NotFound answers a browser's request for an unknown path with a page
// (httpapi.NotFoundPage); API clients get the JSON error.
func (d *Dashboard) NotFound(w http.ResponseWriter, r *http.Request) {
	securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.render(w, r, http.StatusNotFound, "error", &view{
			Title: "Page not found", Error: "There is no page at this address. It may have moved, or the link may be mistyped.",
			Page: errorPage{Heading: "Page not found"},
		})
	})).ServeHTTP(w, r)
}

var errNoPage = skillett.Errorf(skillett.ENOTFOUND, "There is no such page.")
