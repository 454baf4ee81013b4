package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeCheck runs axe-core (testdata/axe, vendored) on the page and returns
// its serious and critical violations, one line each.
func axeCheck(t *testing.T) chromedp.Action {
	src, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var loaded bool
		if err := chromedp.Evaluate(string(src)+";\ntypeof axe === 'object'", &loaded).Do(ctx); err != nil {
			return err
		}
		var found []string
		err := chromedp.Evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
			.filter((v) => v.impact === 'serious' || v.impact === 'critical')
			.map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')))`,
			&found, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }).Do(ctx)
		if err != nil {
			return err
		}
		if len(found) > 0 {
			return fmt.Errorf("axe-core: %s", strings.Join(found, "\n"))
		}
		return nil
	})
}

// TestWebAccessibility runs axe-core on every page and fails on serious
// or critical violations.
func TestWebAccessibility(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	id := startIris(t, ts.URL, "a11y", 1)
	for _, p := range []struct{ hash, ready string }{
		{"#/runs", `document.querySelectorAll('#runs-table tbody tr[data-id]').length === 1`},
		{"#/new", `document.querySelector('#validity')?.textContent === '✓ valid'`},
		{"#/runs/" + id, `!!document.querySelector('#predict-row')`},
		{"#/compare?ids=" + id, `document.readyState === 'complete'`},
		{"#/models", `document.querySelectorAll('.model-card').length === 1`},
	} {
		if err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/"+p.hash), waitJS(p.ready), axeCheck(t)); err != nil {
			t.Errorf("%s: %v", p.hash, err)
		}
	}
	if hasNetworks(t, ts.URL) {
		err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/new"), chromedp.WaitVisible(`#spec-form[data-ready]`),
			setField(`select[name="model.mode"]`, "network"), waitJS(`!!document.querySelector('select[name="add-layer"]')`),
			waitJS(`document.querySelector('#validity')?.textContent === '✓ valid'`), axeCheck(t))
		if err != nil {
			t.Errorf("#/new with a network: %v", err)
		}
	}
}

// TestWebKeyboardStart goes from New run to the new run's page by keyboard
// alone: Tab to Start (from the page's first control) and Enter.
func TestWebKeyboardStart(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	var hash string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		waitJS(`document.querySelector('#validity')?.textContent === '✓ valid'`),
		chromedp.ActionFunc(func(ctx context.Context) error {
			// Tab through the page until Start has the focus.
			for range 200 {
				var on bool
				if err := chromedp.Evaluate(`document.activeElement && document.activeElement.id === 'start'`, &on).Do(ctx); err != nil {
					return err
				}
				if on {
					return nil
				}
				if err := chromedp.KeyEvent("\t").Do(ctx); err != nil {
					return err
				}
			}
			return fmt.Errorf("Tab never reached Start")
		}),
		chromedp.KeyEvent("\r"),
		waitJS(`/^#\/runs\/[0-9a-f]{21}$/.test(location.hash) && !!document.querySelector('#app h1')`),
		chromedp.Evaluate(`location.hash`, &hash),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, ts.URL, strings.TrimPrefix(hash, "#/runs/"), "succeeded")
}
