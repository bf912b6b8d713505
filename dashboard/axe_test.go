package dashboard_test

import (
	_ "embed"
	"strings"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axe-core, vendored unchanged from its npm package with its licence
// (testdata/axe-core), checks every page state the browser tests reach.
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// axeRun lists the violations as "rule (impact): help: targets".
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v =>
	v.id + " (" + v.impact + "): " + v.help + ": " + v.nodes.map(n => n.target.join(" ")).join(", ")))`

// checkAccessibility runs axe-core on the page as it is now; any violation
// fails the test.
func (b *tab) checkAccessibility(state string) {
	b.t.Helper()
	if b.noScript {
		// axe-core is a script: let it run for the check only. The page's
		// own scripts did not run at load and do not now.
		b.setScripts(true)
		defer b.setScripts(false)
	}
	if !run(b, "is axe-core loaded", chromedp.Evaluate[bool](`typeof axe !== "undefined"`)) {
		// DevTools evaluation is not subject to the page's CSP.
		run(b, "load axe-core", chromedp.Evaluate[bool](axeSource+";true"))
	}
	violations := run(b, "run axe-core", chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
	b.axeRuns++
	if len(violations) > 0 {
		b.t.Errorf("axe-core, %s (%s): %d violation(s):\n%s", state, b.location(), len(violations), strings.Join(violations, "\n"))
	}
}

// setScripts turns the page's JavaScript on or off.
func (b *tab) setScripts(on bool) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		b.t.Fatal(err)
	}
	b.noScript = !on
}
