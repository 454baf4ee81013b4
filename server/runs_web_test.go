package server

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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
		waitJS(`document.querySelectorAll('#plots figure img').length === 5 &&
			[...document.querySelectorAll('#plots figure img')].every((i) => i.complete && i.naturalWidth === 560 && i.alt)`),
		chromedp.Evaluate(`[...document.querySelectorAll('#plots figure')].map((f) => f.dataset.kind).join(',')`, &kinds),
	)
	if err != nil {
		t.Fatal(err)
	}
	if kinds != "confusion,roc,pr,importances,boundary" {
		t.Errorf("plots %q, want confusion,roc,pr,importances,boundary", kinds)
	}
}

// TestWebRunsTableServerSort picks a metric and a param column, sorts by
// the metric and filters by the param on the server, reloads (sort,
// filter and columns kept), sees the page hold still when a run is added,
// and deletes two runs at once.
func TestWebRunsTableServerSort(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	ids := seedRunsTable(t, s, "r0", "r1", "r2", "r3", "r4") // lr i/100, accuracy 0.5 + i/20
	names := `[...document.querySelectorAll('#runs-table tbody tr[data-id] td:nth-child(3) a')].map((e) => e.textContent).join(',')`
	var sorted, filtered, reloaded, cells, afterNew, hash string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs"),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 5`),
		chromedp.Evaluate(`localStorage.removeItem('mlforge.runs.columns')`, nil),
		click(`#col-picker summary`),
		waitJS(`!!document.querySelector('#col-picker input[data-col="metric.accuracy"]') && !!document.querySelector('#col-picker input[data-col="param.lr"]')`),
		click(`#col-picker input[data-col="metric.accuracy"]`),
		click(`#col-picker input[data-col="param.lr"]`),
		waitJS(`!!document.querySelector('th[data-col="metric.accuracy"]') && !!document.querySelector('th[data-col="param.lr"]')`),
		click(`th[data-col="metric.accuracy"] button`),
		waitJS(`location.hash.includes('sort=metric.accuracy') && document.querySelector('th[data-col="metric.accuracy"]').getAttribute('aria-sort') === 'descending'`),
		chromedp.Evaluate(names, &sorted),
		setField(`#runs-filter`, "param.lr > 0.01 AND param.lr < 0.04"),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 2`),
		chromedp.Evaluate(names, &filtered),
		chromedp.Evaluate(`location.hash`, &hash),
		chromedp.Reload(),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 2 && !!document.querySelector('th[data-col="param.lr"]')`),
		chromedp.Evaluate(names, &reloaded),
		chromedp.Evaluate(`[...document.querySelector('#runs-table tbody tr[data-id]').children].map((td) => td.textContent).join('|')`, &cells),
	)
	if err != nil {
		t.Fatal(err)
	}
	if sorted != "r4,r3,r2,r1,r0" {
		t.Errorf("sorted by accuracy, descending: %q", sorted)
	}
	if filtered != "r3,r2" || reloaded != filtered {
		t.Errorf("filtered %q, after a reload of %s %q; want r3,r2", filtered, hash, reloaded)
	}
	if !strings.Contains(cells, "|0.65|0.03|") {
		t.Errorf("r3's cells %q lack its accuracy 0.65 and lr 0.03", cells)
	}

	// A new run that matches does not move the page; the button brings it.
	r := &store.Run{ID: store.NewID(), Name: "r9", Class: "LogisticRegression", Spec: []byte(`{"model": {"params": {"lr": 0.02}}}`)}
	if err := s.store.CreateRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(ctx,
		setField(`#runs-status`, ""), // a change of the listing takes a new snapshot
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 3`),
		click(`#older`), // nothing further: the button is disabled
		chromedp.Evaluate(names, &afterNew),
	)
	if err != nil {
		t.Fatal(err)
	}
	if afterNew != "r3,r2,r9" {
		t.Errorf("after a new listing: %q", afterNew)
	}

	// Bulk delete, confirmed.
	var left string
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`window.confirm = () => true`, nil),
		click(`tr[data-id="`+ids[2]+`"] input.pick`),
		click(`tr[data-id="`+ids[3]+`"] input.pick`),
		waitJS(`document.querySelector('#delete-selected').textContent === 'Delete selected (2)'`),
		click(`#delete-selected`),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 1`),
		chromedp.Evaluate(names, &left),
	)
	if err != nil {
		t.Fatal(err)
	}
	if left != "r9" {
		t.Errorf("after deleting r2 and r3: %q", left)
	}
	if n, _ := s.store.CountRuns(context.Background(), ""); n != 4 {
		t.Errorf("%d runs left in the store, want 4", n)
	}
}

// TestWebRunsTableSnapshot checks that a refresh keeps the page as it was
// while new runs arrive, and offers them.
func TestWebRunsTableSnapshot(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	seedRunsTable(t, s, "s0", "s1")
	var first, later, button string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs"),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 2`),
		chromedp.Evaluate(`document.querySelector('#runs-table tbody tr').dataset.id`, &first),
	)
	if err != nil {
		t.Fatal(err)
	}
	r := &store.Run{ID: store.NewID(), Name: "s-new", Class: "Ridge", Spec: []byte(`{}`)}
	if err := s.store.CreateRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(ctx,
		waitJS(`!document.querySelector('#show-newer').classList.contains('hidden')`), // the 10 s refresh
		chromedp.Evaluate(`document.querySelector('#runs-table tbody tr').dataset.id`, &later),
		chromedp.Text(`#show-newer`, &button),
		click(`#show-newer`),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 3 && document.querySelector('#show-newer').classList.contains('hidden')`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if later != first || button != "1 new run — show" {
		t.Errorf("while a run arrived: first row %s then %s, button %q", first, later, button)
	}
}

// TestWebRunEditMeta renames a run, writes its note and adds and removes
// a tag on its page; the runs table filters by the tag.
func TestWebRunEditMeta(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	ids := seedRunsTable(t, s, "m0")
	var tags, rows string
	acts := []chromedp.Action{
		chromedp.Navigate(ts.URL + "/#/runs/" + ids[0]),
		waitJS(`!!document.querySelector('#run-note') && !!document.querySelector('#rename')`),
		click(`#rename`),
		setField(`#run-name`, "m0-better"),
		click(`#rename-form button[type=submit]`),
		waitJS(`document.querySelector('h1')?.textContent.startsWith('m0-better')`),
		setField(`#run-note`, "tried a higher lr"),
		click(`#save-note`),
		waitJS(`document.querySelector('#note-saved')?.textContent === 'saved'`),
		setField(`#tag-key`, "team"),
		setField(`#tag-value`, "vision"),
		click(`#add-tag`),
		waitJS(`!!document.querySelector('#run-tags .chip[data-key="team"]')`),
		setField(`#tag-key`, "tmp"),
		setField(`#tag-value`, "x"),
		click(`#add-tag`),
		waitJS(`!!document.querySelector('#run-tags .chip[data-key="tmp"]')`),
		click(`#run-tags .chip[data-key="tmp"] button`),
		waitJS(`!document.querySelector('#run-tags .chip[data-key="tmp"]')`),
		chromedp.Evaluate(`[...document.querySelectorAll('#run-tags .chip')].map((c) => c.dataset.key).join(',')`, &tags),
		chromedp.Navigate(ts.URL + "/#/runs?q=" + url.QueryEscape("tag.team = vision")),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 1`),
		chromedp.Evaluate(`document.querySelector('#runs-table tbody tr[data-id] td:nth-child(3) a').textContent`, &rows),
	}
	var err error
	for i, a := range acts {
		if err = chromedp.Run(ctx, a); err != nil {
			var h, note, saved string
			chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('h1')?.textContent`, &h), chromedp.Evaluate(`document.querySelector('#run-note')?.value || ''`, &note), chromedp.Evaluate(`document.querySelector('#note-saved')?.textContent || ''`, &saved))
			t.Fatalf("step %d: %v (h1 %q, note %q, saved %q)", i, err, h, note, saved)
		}
	}
	r, err := s.store.GetRun(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "m0-better" || r.Note != "tried a higher lr" || len(r.Tags) != 1 || r.Tags["team"] != "vision" || tags != "team" {
		t.Errorf("after the edits: name %q, note %q, tags %v (page %q)", r.Name, r.Note, r.Tags, tags)
	}
	if rows != "m0-better" {
		t.Errorf("filter by the tag: %q", rows)
	}
}

// TestWebRunsTable10k opens the runs table over 10,000 runs sorted by a
// metric and filtered by a param, and pages on: the server sorts and pages,
// the page draws 50 rows. It logs the time of the API call and of the
// drawing as the page measured them (no bound on them here: timings are
// not a test's business on a shared machine).
func TestWebRunsTable10k(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	const n = 10000
	tx, err := s.store.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-48 * time.Hour)
	for i := range n {
		created := base.Add(time.Duration(i) * time.Second).UnixMilli()
		spec := fmt.Sprintf(`{"name": "run-%d", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"lr": %g, "C": %d}}}`, i, float64(i%100)/1000, i%7)
		result := fmt.Sprintf(`{"metrics": {"test": {"accuracy": %g}}}`, float64((i*7919)%n)/n)
		if _, err := tx.Exec(`INSERT INTO mlf_runs (id, name, status, class, spec, result, attempt, created_at, started_at, finished_at) VALUES ($1, $2, 'succeeded', 'LogisticRegression', $3, $4, 0, $5, $6, $7)`,
			fmt.Sprintf("%013x%08x", created, i), fmt.Sprintf("run-%d", i), spec, result, created, created+10, created+10+int64(i%5000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	localCols := `localStorage.setItem('mlforge.runs.columns', JSON.stringify(['metric.accuracy', 'param.lr', 'duration']))`
	var count, first, next string
	var fetch1, render1, fetch2, render2 string
	err = chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs?sort=metric.accuracy&dir=desc&q="+url.QueryEscape("param.lr >= 0.05")),
		chromedp.Evaluate(localCols, nil),
		chromedp.Reload(),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 50`),
		chromedp.Text(`#runs-count`, &count),
		chromedp.Evaluate(`document.querySelector('#runs-table tbody tr[data-id] td:nth-child(5)').textContent`, &first),
		chromedp.Evaluate(`document.querySelector('#app').dataset.fetchMs`, &fetch1),
		chromedp.Evaluate(`document.querySelector('#app').dataset.renderMs`, &render1),
		click(`#older`),
		waitJS(`document.querySelector('#runs-count').textContent.startsWith('51–100 ')`),
		chromedp.Evaluate(`document.querySelector('#runs-table tbody tr[data-id] td:nth-child(5)').textContent`, &next),
		chromedp.Evaluate(`document.querySelector('#app').dataset.fetchMs`, &fetch2),
		chromedp.Evaluate(`document.querySelector('#app').dataset.renderMs`, &render2),
	)
	if err != nil {
		var state string
		chromedp.Run(ctx, chromedp.Evaluate(`location.hash + ' | ' + document.querySelector('#runs-count')?.textContent + ' | ' + document.querySelector('#runs-error')?.textContent + ' | ' + document.querySelectorAll('#runs-table tbody tr[data-id]').length`, &state))
		t.Fatalf("%v (page: %s)", err, state)
	}
	t.Logf("10,000 runs, sorted by metric.accuracy, filtered by param.lr: page 1 API %s ms + drawing %s ms; page 2 API %s ms + drawing %s ms", fetch1, render1, fetch2, render2)
	// Half the runs have lr >= 0.05 (i%100 >= 50); among them accuracy
	// (i*7919 mod n)/n is highest, 0.9997, for i = 6963 (worked out in
	// Python over the same formula).
	if count != "1–50 of 5000 · page 1/100" || first != "0.9997" {
		t.Errorf("first page: %q, first accuracy %q", count, first)
	}
	if a, b := parseF(first), parseF(next); !(b < a) {
		t.Errorf("the second page starts at accuracy %q, after %q", next, first)
	}
}

func parseF(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}
