package dashboard_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett/internal/loudskip"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/apikey"
)

// The browser tests drive a headless Chromium (Debian's chromium package)
// against the real server on loopback. Without a browser they skip, unless
// CI=true: then they fail. SKILLETT_CHROMIUM names the browser binary.
// Screenshots go to t.ArtifactDir(); keep them with go test -artifacts.

var updateDocs = flag.Bool("update-docs", false, "write docs/dashboard-keys.png from TestBrowserKeyListScreenshot")

// stepTimeout bounds each browser step, so that a missing element fails
// the test quickly instead of at the test's deadline.
const stepTimeout = 15 * time.Second

// browserProblems is run in every page before its own scripts: it records
// Content-Security-Policy violations and uncaught errors, which the tests
// then require to be none.
const browserProblems = `
window.__problems = [];
document.addEventListener("securitypolicyviolation", e =>
  window.__problems.push("CSP blocked " + e.blockedURI + " (" + e.violatedDirective + ")"));
window.addEventListener("error", e => window.__problems.push("error: " + e.message));
window.addEventListener("unhandledrejection", e => window.__problems.push("unhandled rejection: " + e.reason));
`

// tab is a browser tab of a test.
type tab struct {
	t   *testing.T
	ctx context.Context
	e   *env

	axeRuns  int  // page states checked by axe-core
	noScript bool // JavaScript is turned off
}

// newTab starts a headless Chromium with a fresh profile and returns a tab
// in it, at the given window size.
func newTab(t *testing.T, e *env, width, height int) *tab {
	t.Helper()
	path := os.Getenv("SKILLETT_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		noBrowser(t, "no chromium in PATH (install Debian's chromium package, or set SKILLETT_CHROMIUM)")
	}
	parent, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)

	// The first run starts the browser and binds it to ctx, so it gets no
	// shorter deadline; the allocator bounds the start to 20 seconds.
	if err := chromedp.Do(ctx); err != nil {
		noBrowser(t, "starting %s: %v", path, err)
	}
	tb := &tab{t: t, ctx: ctx, e: e}
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: browserProblems}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(width), Height: int64(height), DeviceScaleFactor: 1,
	}); err != nil {
		t.Fatal(err)
	}
	return tb
}

// noBrowser skips the test, or fails it when CI says browser tests must run.
func noBrowser(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatalf("browser test cannot run: %s (CI=true: browser tests must not skip)", msg)
	}
	loudskip.Skip(t, "browser", msg)
}

// do runs steps, each bounded by stepTimeout.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	for _, s := range steps {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		err := chromedp.Do(ctx, s)
		cancel()
		if err != nil {
			b.t.Fatalf("%s: %v (at %s)", what, err, b.location())
		}
	}
}

func run[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (b *tab) open(path string, waitFor chromedp.CSS) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.e.URL+path), chromedp.WaitVisible(waitFor))
	b.checkAccessibility("open " + path)
}

func (b *tab) text(sel chromedp.CSS) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "text of "+string(sel), chromedp.Text(sel)))
}

func (b *tab) expectText(sel chromedp.CSS, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Errorf("%s: got %q, want it to contain %q", sel, got, want)
	}
}

func (b *tab) expectPath(want string) {
	b.t.Helper()
	if got := strings.TrimPrefix(b.location(), b.e.URL); got != want {
		b.t.Errorf("got location %q, want %q", got, want)
	}
}

// shot saves a screenshot of the whole page as an artifact, after checking
// that the page had no CSP violation and no script error.
func (b *tab) shot(name string) []byte {
	b.t.Helper()
	problems := run(b, "read problems", chromedp.Evaluate[[]string](`window.__problems || []`))
	for _, p := range problems {
		b.t.Errorf("%s: %s", b.location(), p)
	}
	b.checkAccessibility(name)
	png := run(b, "screenshot", chromedp.FullScreenshot(100))
	path := filepath.Join(b.t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
	return png
}

// grantClipboard lets the server's pages read and write the clipboard, as
// a user would by accepting the browser's prompt.
func (b *tab) grantClipboard() {
	b.t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(b.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name},
			Setting:    browser.PermissionSettingGranted,
			Origin:     b.e.URL,
		}); err != nil {
			b.t.Fatalf("grant %s: %v", name, err)
		}
	}
}

// signup signs up through the form, starting from the login page.
func (b *tab) signup(email string) {
	b.t.Helper()
	b.open("/", "#login-heading")
	b.expectPath("/login")
	b.do("sign up",
		chromedp.Click(chromedp.CSS(`a[href="/signup"]`)),
		chromedp.WaitVisible(chromedp.CSS("#signup-heading")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#plan-usage")),
	)
}

// createKey fills in the create form with name and submits it; it does
// not wait for the result.
func (b *tab) createKey(name string) {
	b.t.Helper()
	b.do("create key "+name,
		chromedp.SendKeys(chromedp.CSS("#key-name"), name),
		chromedp.Click(chromedp.CSS(`#create-key button[type="submit"]`)),
	)
}

func TestBrowserKeyLifecycle(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)
	b.grantClipboard()

	b.signup("ada@example.com")
	b.expectPath("/")
	b.expectText("#plan-usage", "0 of 1 active keys on Free")
	b.expectText(".notice", "Welcome to Skillett!")
	b.shot("01-keys-empty")

	b.createKey("CI deploy")
	b.do("wait for the new key", chromedp.WaitVisible(chromedp.CSS("#full-key")))
	b.expectPath("/keys/created")
	full := run(b, "read the key", chromedp.Value(chromedp.CSS("#full-key")))
	if !apikey.Valid(full) {
		t.Fatalf("got key %q, want a valid key", full)
	}
	b.expectText("#once-warning", "It will not be shown again")

	// Copy: the button, hidden without JavaScript, is shown and works.
	b.do("copy", chromedp.WaitVisible(chromedp.CSS("#copy-key")), chromedp.Click(chromedp.CSS("#copy-key")))
	copied := run(b, "wait for the copy", chromedp.Poll[string](`document.getElementById("copy-key").dataset.copied`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if copied != "true" {
		t.Errorf("copy button: got data-copied %q, want true", copied)
	}
	b.expectText("#copy-status", "Copied to the clipboard.")
	clip := run(b, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if clip != full {
		t.Errorf("clipboard: got %q, want the new key %q", clip, full)
	}
	// The copy status clears, so that copying again is announced again.
	run(b, "copy status clears", chromedp.Poll[bool](`document.getElementById("copy-status").textContent === ""`,
		chromedp.WithPollingTimeout(8*time.Second)))

	b.shot("02-key-created")

	// A reload shows it no more.
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#gone-heading")))
	b.expectText("#gone-heading", "This key can no longer be shown")
	if html := run(b, "page source", chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, full) {
		t.Error("the key is still on the page after a reload")
	}
	b.shot("03-key-gone")

	// The key works on the API.
	if got := e.me(full); got != 200 {
		t.Errorf("GET /me with the new key: got %d, want 200", got)
	}

	// Revoke, with a confirmation.
	b.open("/", "#plan-usage")
	b.expectText("#plan-usage", "1 of 1 active keys on Free")
	b.expectText("tr.key-active .key-name", "CI deploy")
	b.expectText("tr.key-active .prefix", full[:11]+"…")
	b.do("ask to revoke",
		chromedp.Click(chromedp.CSS("tr.key-active .key-actions a")),
		chromedp.WaitVisible(chromedp.CSS("#revoke-heading")),
	)
	b.expectText("#revoke-heading", "Revoke “CI deploy”?")
	b.shot("04-revoke-confirm")
	if got := e.me(full); got != 200 {
		t.Errorf("GET /me before confirming: got %d, want 200", got)
	}
	b.do("confirm", chromedp.Click(chromedp.CSS("button.button-danger")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.expectPath("/")
	b.expectText(".notice", "Revoked “CI deploy”")
	b.expectText("tr.key-revoked .badge", "revoked")
	b.expectText("#plan-usage", "0 of 1 active keys on Free")
	b.shot("05-key-revoked")
	if got := e.me(full); got != 401 {
		t.Errorf("GET /me with the revoked key: got %d, want 401", got)
	}
}

func TestBrowserPlanLimit(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)
	b.signup("ada@example.com")
	b.createKey("first")
	b.do("back to the list",
		chromedp.WaitVisible(chromedp.CSS("#full-key")),
		chromedp.Click(chromedp.CSS(`a.button[href="/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#create-disabled-reason")),
	)
	b.expectText("#plan-usage", "1 of 1 active keys on Free")
	// At the limit the form is disabled, with the reason and where to ask.
	b.expectText("#create-disabled-reason", "Your plan allows 1 active key, and you have 1. Revoke one to create another")
	if !run(b, "form disabled", chromedp.Evaluate[bool](`document.querySelector(".create-fields").disabled && document.querySelector("#create-key button[type=submit]").matches(":disabled")`)) {
		t.Error("the create form is enabled at the plan limit")
	}
	if n := run(b, "count explanations", chromedp.Evaluate[int](`document.body.innerText.split("Revoke one to create another").length - 1`)); n != 1 {
		t.Errorf("the limit is explained %d times, want once", n)
	}
	b.shot("plan-limit")
	if n := len(e.keys("ada@example.com")); n != 1 {
		t.Errorf("got %d keys, want 1", n)
	}
}

func TestBrowserLoginLogout(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)
	b.signup("ada@example.com")
	b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login-heading")))
	b.expectPath("/login")
	b.expectText(".notice", "You have logged out.")
	b.shot("01-logged-out")

	b.open("/", "#login-heading")
	b.expectPath("/login")

	b.do("wrong password",
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "not my password"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#form-error")),
	)
	b.expectText("#form-error", "Wrong email or password.")
	if got := run(b, "email kept", chromedp.Value(chromedp.CSS("#email"))); got != "ada@example.com" {
		t.Errorf("email field: got %q, want it kept", got)
	}
	b.shot("02-wrong-password")

	b.do("log in",
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#plan-usage")),
	)
	b.expectPath("/")
	b.expectText(".account-email", "ada@example.com")
}

// TestBrowserKeyboard creates and copies a key with the keyboard alone,
// and checks that the focused control is visibly marked.
func TestBrowserKeyboard(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)
	b.grantClipboard()
	b.signup("ada@example.com")

	tabTo := func(id string) {
		t.Helper()
		for range 40 {
			b.do("tab", chromedp.KeyEvent("\t"))
			if run(b, "focus", chromedp.Evaluate[string](`document.activeElement.id`)) == id {
				return
			}
		}
		t.Fatalf("could not reach #%s with the Tab key", id)
	}
	tabTo("key-name")
	outline := run(b, "focus style", chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
	if outline == "none" || outline == "" {
		t.Errorf("focused name field: got outline-style %q, want a visible outline", outline)
	}
	b.do("type", chromedp.KeyEvent("Keyboard key\r"), chromedp.WaitVisible(chromedp.CSS("#full-key")))
	full := run(b, "read the key", chromedp.Value(chromedp.CSS("#full-key")))
	if !apikey.Valid(full) {
		t.Fatalf("got key %q, want a valid key", full)
	}
	tabTo("copy-key")
	b.shot("focused-copy-button")
	b.do("press the copy button", chromedp.KeyEvent(" "))
	copied := run(b, "wait for the copy", chromedp.Poll[string](`document.getElementById("copy-key").dataset.copied`,
		chromedp.WithPollingTimeout(5*time.Second)))
	// The copy status clears, so that copying again is announced again.
	run(b, "copy status clears", chromedp.Poll[bool](`document.getElementById("copy-status").textContent === ""`,
		chromedp.WithPollingTimeout(8*time.Second)))
	if copied != "true" {
		t.Errorf("copy button pressed with the keyboard: got data-copied %q, want true", copied)
	}
	if clip := run(b, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)); clip != full {
		t.Errorf("clipboard: got %q, want the new key %q", clip, full)
	}
}

// TestBrowserWithoutJavaScript runs the flows with scripts turned off:
// all but copying works.
func TestBrowserWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 1280, 900)
	b.setScripts(false)
	b.signup("ada@example.com")
	b.do("create a restricted key",
		chromedp.SendKeys(chromedp.CSS("#key-name"), "Slack bot"),
		chromedp.Click(chromedp.CSS("#access-chosen")),
		chromedp.Click(chromedp.CSS(`input[name="scope"][value="slack"]`)),
		chromedp.Click(chromedp.CSS(`#create-key button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#full-key")),
	)
	// No script: the copy button stays hidden, the key is there to select.
	b.do("copy button hidden", chromedp.WaitNotVisible(chromedp.CSS("#copy-key")))
	b.shot("01-key-created-no-js")
	keys := e.keys("ada@example.com")
	if len(keys) != 1 || len(keys[0].Scopes) != 1 || keys[0].Scopes[0] != "slack" {
		t.Fatalf("got keys %+v, want one key with scope slack", keys)
	}
	b.do("revoke",
		chromedp.Click(chromedp.CSS(`a.button[href="/"]`)),
		chromedp.WaitVisible(chromedp.CSS("tr.key-active .key-actions a")),
		chromedp.Click(chromedp.CSS("tr.key-active .key-actions a")),
		chromedp.WaitVisible(chromedp.CSS("#revoke-heading")),
		chromedp.Click(chromedp.CSS("button.button-danger")),
		chromedp.WaitVisible(chromedp.CSS("tr.key-revoked")),
	)
	// The expiry date field shows (by CSS alone) when "On a date…" is chosen.
	b.do("choose an expiry date",
		chromedp.WaitNotVisible(chromedp.CSS("#expires-on")),
		chromedp.SendKeys(chromedp.CSS("#key-name"), "Until Christmas"),
		chromedp.SetValue(chromedp.CSS("#expiry"), "date"),
		chromedp.WaitVisible(chromedp.CSS("#expires-on")),
		chromedp.SetValue(chromedp.CSS("#expires-on"), "2026-12-24"),
		chromedp.Click(chromedp.CSS(`#create-key button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#full-key")),
	)
	b.expectText(".facts time", "in 8 months")
	if k := e.keys("ada@example.com")[0]; k.ExpiresAt == nil || !k.ExpiresAt.Equal(time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("got expiry %v, want 2026-12-24T00:00:00Z", k.ExpiresAt)
	}
	b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login-heading")))
}

// TestBrowserPhone checks that the key list fits a phone-width screen.
func TestBrowserPhone(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e, 390, 844)
	b.signup("ada@example.com")
	e.setPlan("ada@example.com", skillett.PlanPro)
	b.createKey("CI deploy with a rather long name")
	b.do("back", chromedp.WaitVisible(chromedp.CSS("#full-key")), chromedp.Click(chromedp.CSS(`a.button[href="/"]`)), chromedp.WaitVisible(chromedp.CSS("tr.key")))
	b.createKey("Slack bot")
	b.do("back", chromedp.WaitVisible(chromedp.CSS("#full-key")), chromedp.Click(chromedp.CSS(`a.button[href="/"]`)), chromedp.WaitVisible(chromedp.CSS("tr.key")))
	overflow := run(b, "overflow", chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if overflow > 0 {
		t.Errorf("the page is %dpx wider than a 390px screen", overflow)
	}
	b.shot("phone-keys")
}

// TestBrowserKeyListScreenshot renders the key list with a few keys of
// every status, for the docs; with -update-docs it writes
// docs/dashboard-keys.png.
func TestBrowserKeyListScreenshot(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	u, err := e.Service.CreateUser(ctx, "ada@example.com", password, skillett.PlanPro)
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	create := func(name string, scopes []string, expiresIn time.Duration) string {
		t.Helper()
		req := skillett.KeyRequest{Name: name, Scopes: scopes}
		if expiresIn > 0 {
			exp := e.Clock.Now().Add(expiresIn)
			req.ExpiresAt = &exp
		}
		_, full, err := e.Service.CreateKey(ctx, u.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		return full
	}
	use := func(full string) {
		t.Helper()
		if v, err := e.Service.VerifyKey(ctx, full, ""); err != nil || !v.Valid() {
			t.Fatalf("verify: %v, %v", v, err)
		}
	}
	laptop := create("Old laptop", nil, 0)
	e.Clock.Advance(2*day + 3*time.Hour)
	use(laptop)
	deploy := create("Production deploy", nil, 365*day)
	e.Clock.Advance(day + 5*time.Hour)
	create("Staging smoke tests", []string{"github"}, 3*day)
	e.Clock.Advance(2 * day)
	slack := create("Slack bot", []string{"slack", "linear"}, 90*day)
	e.Clock.Advance(7 * time.Hour)
	use(laptop)
	keys := e.keys("ada@example.com")
	if err := e.Service.RevokeKey(ctx, u.ID, keys[len(keys)-1].ID); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(day + 2*time.Hour)
	use(slack)
	e.Clock.Advance(2*time.Hour + 10*time.Minute)
	use(deploy)
	e.Clock.Advance(3 * time.Minute)
	if err := e.Service.FlushUsage(ctx); err != nil {
		t.Fatal(err)
	}

	b := newTab(t, e, 1280, 800)
	b.open("/login", "#login-heading")
	b.do("log in",
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#plan-usage")),
	)
	b.expectText("#plan-usage", "2 active keys on Pro (no limit)")
	b.expectText("tr.key-revoked .key-name", "Old laptop")
	b.expectText("tr.key-expired .key-name", "Staging smoke tests")
	png := b.shot("dashboard-keys")
	if *updateDocs {
		if err := os.MkdirAll(filepath.Join("..", "docs"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "dashboard-keys.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote docs/dashboard-keys.png")
	}
}
