package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mlforge/mlforge/store"
)

// TestWebRunsTableSortFilter sorts and filters the runs table, reloads the
// page and finds the same table (the state is kept in the address).
func TestWebRunsTableSortFilter(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	for i, name := range []string{"bravo", "alpha", "charlie", "delta-arc"} {
		r := &store.Run{ID: store.NewID(), Name: name, Class: "LogisticRegression", Spec: []byte(`{}`)}
		if err := s.store.CreateRun(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		st := store.Failed
		if i%2 == 1 {
			st = store.Cancelled
		}
		if _, err := s.store.FinishRun(context.Background(), r.ID, r.Attempt, st, nil, "stopped by the test"); err != nil {
			t.Fatal(err)
		}
	}
	names := `[...document.querySelectorAll('#runs-table tbody tr[data-id] td:nth-child(3)')].map((e) => e.textContent).join(',')`
	var asc, desc, filtered, reloaded, hash, filterValue string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs"),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 4`),
		click(`th[data-col="name"] button`),
		waitJS(`location.hash.includes('sort=name') && document.querySelector('th[data-col="name"]').getAttribute('aria-sort') === 'ascending'`),
		chromedp.Evaluate(names, &asc),
		click(`th[data-col="name"] button`),
		waitJS(`location.hash.includes('dir=desc') && document.querySelector('th[data-col="name"]').getAttribute('aria-sort') === 'descending'`),
		chromedp.Evaluate(names, &desc),
		setField(`#runs-filter`, "AR"),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 2`),
		chromedp.Evaluate(names, &filtered),
		chromedp.Evaluate(`location.hash`, &hash),
		chromedp.Reload(),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 2`),
		chromedp.Evaluate(names, &reloaded),
		chromedp.Value(`#runs-filter`, &filterValue),
	)
	if err != nil {
		t.Fatal(err)
	}
	if asc != "alpha,bravo,charlie,delta-arc" || desc != "delta-arc,charlie,bravo,alpha" {
		t.Errorf("sorted by name: %q then %q", asc, desc)
	}
	if filtered != "delta-arc,charlie" {
		t.Errorf("filtered by \"AR\": %q, want delta-arc,charlie", filtered)
	}
	if reloaded != filtered || filterValue != "AR" {
		t.Errorf("after a reload of %s: rows %q, filter %q", hash, reloaded, filterValue)
	}
	var statusRows string
	err = chromedp.Run(ctx,
		setField(`#runs-filter`, ""),
		setField(`#runs-status`, "cancelled"),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-status="cancelled"]').length === 2 && document.querySelectorAll('#runs-table tbody tr[data-id]').length === 2`),
		chromedp.Evaluate(names, &statusRows),
	)
	if err != nil {
		t.Fatal(err)
	}
	if statusRows != "delta-arc,alpha" {
		t.Errorf("cancelled runs sorted by name descending: %q", statusRows)
	}
	// Select both and compare.
	err = chromedp.Run(ctx, click(`#pick-all`), waitJS(`!document.querySelector('#compare-selected').disabled`),
		click(`#compare-selected`), waitJS(`location.hash.startsWith('#/compare?ids=')`))
	if err != nil {
		t.Fatal(err)
	}
}

// TestWebLayoutWidths opens every page at 800, 1280 and 1920 px and checks
// that none scrolls sideways; the run page has a 10-class confusion matrix.
func TestWebLayoutWidths(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	status, out := postJSON(t, ts.URL+"/api/runs", `{"name": "digits-nb", "data": {"train": "builtin:digits"}, "model": {"class": "GaussianNB"}}`)
	if status != 202 {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	waitStatus(t, ts.URL, id, "succeeded")
	pages := []struct{ hash, ready string }{
		{"#/runs", `document.querySelectorAll('#runs-table tbody tr[data-id]').length === 1`},
		{"#/new", `!!document.querySelector('#spec-form[data-ready]')`},
		{"#/runs/" + id, `document.querySelectorAll('#confusion tbody tr').length === 10 && !!document.querySelector('#predict-row')`},
		{"#/compare?ids=" + id, `document.readyState === 'complete'`},
		{"#/models", `document.querySelectorAll('.model-card').length === 1`},
	}
	for _, w := range []int64{800, 1280, 1920} {
		for _, p := range pages {
			var scroll, inner int
			var cmOut bool
			err := chromedp.Run(ctx,
				chromedp.EmulateViewport(w, 900),
				chromedp.Navigate(ts.URL+"/"+p.hash),
				waitJS(p.ready),
				chromedp.Sleep(100*1e6),
				chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
				chromedp.Evaluate(`innerWidth`, &inner),
				chromedp.Evaluate(`(() => { const c = document.querySelector('#confusion'); if (!c) return false;
					const box = c.parentElement.getBoundingClientRect(); return box.right > innerWidth + 0.5; })()`, &cmOut),
			)
			if err != nil {
				t.Fatal(fmt.Errorf("%d px %s: %w", w, p.hash, err))
			}
			if scroll > inner {
				t.Errorf("%d px, %s: the page scrolls sideways (scrollWidth %d > innerWidth %d)", w, p.hash, scroll, inner)
			}
			if cmOut {
				t.Errorf("%d px, %s: the confusion matrix's panel goes past the window", w, p.hash)
			}
		}
	}
}

// TestWebChartSmoothing checks that the smoothing slider changes the drawn
// line and that the log scale redraws it.
func TestWebChartSmoothing(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers in this build")
	}
	status, out := postJSON(t, ts.URL+"/api/runs", `{"name": "smooth", "seed": 0, "data": {"train": "builtin:iris"},
		"model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 8}, {"type": "ReLU"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"criterion": {"type": "CrossEntropyLoss"}, "optimizer": {"type": "SGD", "lr": 0.05}, "batch_size": 8, "epochs": 3}`)
	if status != 202 {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	waitStatus(t, ts.URL, id, "succeeded")
	var raw, smoothed, logged string
	var pts string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs/"+id),
		waitJS(`Number(document.querySelector('#chart-step')?.dataset.points || 0) > 3 && !!document.querySelector('#chart-step')?.dataset.ySum`),
		chromedp.Evaluate(`document.querySelector('#chart-step').dataset.points`, &pts),
		chromedp.Evaluate(`document.querySelector('#chart-step').dataset.ySum`, &raw),
		setField(`#chart-step input.smooth`, "0.9"),
		waitJS(fmt.Sprintf(`document.querySelector('#chart-step').dataset.ySum !== %q`, raw)),
		chromedp.Evaluate(`document.querySelector('#chart-step').dataset.ySum`, &smoothed),
		click(`#chart-step input.log-scale`),
		waitJS(`!!document.querySelector('#chart-step .uplot')`),
		chromedp.Evaluate(`document.querySelector('#chart-step').dataset.ySum`, &logged),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s points; sum of drawn y: raw %s, smoothed %s, log scale %s", pts, raw, smoothed, logged)
	if raw == smoothed {
		t.Errorf("smoothing 0.9 left the line as it was (%s)", raw)
	}
}

// TestWebRunPlots opens the page of a trained classifier and finds its
// plots: one loaded image per kind the API lists, but the loss.
func TestWebRunPlots(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	status, out := postJSON(t, ts.URL+"/api/runs", `{"name": "iris-rf", "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}},
		"model": {"class": "RandomForestClassifier", "params": {"n_estimators": 10, "random_state": 0}}}`)
	if status != 202 {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	waitStatus(t, ts.URL, id, "succeeded")
	var kinds string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs/"+id),
		waitJS(`document.querySelectorAll('#plots figure img').length === 4 &&
			[...document.querySelectorAll('#plots figure img')].every((i) => i.complete && i.naturalWidth === 560 && i.alt)`),
		chromedp.Evaluate(`[...document.querySelectorAll('#plots figure')].map((f) => f.dataset.kind).join(',')`, &kinds),
	)
	if err != nil {
		t.Fatal(err)
	}
	if kinds != "confusion,roc,pr,importances" {
		t.Errorf("plots %q, want confusion,roc,pr,importances", kinds)
	}
}
