package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// fitsAt checks at 800, 1280 and 1920 px that the page at hash (ready
// when the expression ready holds) does not scroll sideways, and runs
// axe-core on it once.
func fitsAt(t *testing.T, ctx context.Context, base, hash, ready string) {
	t.Helper()
	for i, w := range []int64{800, 1280, 1920} {
		var scroll, inner int
		acts := []chromedp.Action{chromedp.EmulateViewport(w, 900), chromedp.Navigate(base + "/" + hash), waitJS(ready),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll), chromedp.Evaluate(`innerWidth`, &inner)}
		if i == 0 {
			acts = append(acts, axeCheck(t))
		}
		if err := chromedp.Run(ctx, acts...); err != nil {
			t.Fatalf("%d px %s: %v", w, hash, err)
		}
		if scroll > inner {
			t.Errorf("%d px, %s: the page scrolls sideways (scrollWidth %d > innerWidth %d)", w, hash, scroll, inner)
		}
	}
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatal(err)
	}
}

// TestWebCompareSweep compares three runs that differ in C: the parallel
// coordinates draw one line per run through C to the metric, the scatter
// puts C (log scale: it spans 10,000x) on x in order, each in the run's
// colour of the tables; the x axis switches to wall time; hovering the
// chart shows every run's value; and a search run's page draws its trials.
func TestWebCompareSweep(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	cs := []float64{0.001, 0.1, 10}
	var ids []string
	for i, c := range cs {
		ids = append(ids, startIris(t, ts.URL, fmt.Sprintf("sweep-%d", i), c))
	}
	hash := fmt.Sprintf("#/compare?ids=%s,%s,%s", ids[0], ids[1], ids[2])
	ready := `document.querySelector('#compare-sweep-parallel svg')?.dataset.lines === '3' && !!document.querySelector('#compare-metrics')`
	var got struct {
		Axes   []string
		Lines  map[string]float64 // run id → y of the line's end on the metric axis
		Xs     map[string]float64 // run id → scatter x
		Ys     map[string]float64
		Colors map[string]string
		Heads  []string
		Metric string
	}
	err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/"+hash), waitJS(ready),
		chromedp.Evaluate(`(() => {
			const pc = document.querySelector('#compare-sweep-parallel svg');
			const out = { axes: [...pc.querySelectorAll('.pc-axis')].map((a) => a.dataset.axis), lines: {}, xs: {}, ys: {}, colors: {},
				heads: [...document.querySelectorAll('#compare-metrics thead th')].slice(1).map((th) => getComputedStyle(th).borderTopColor),
				metric: document.querySelector('#compare-sweep-metric').value };
			for (const g of pc.querySelectorAll('.pc-line')) {
				const pts = g.querySelector('polyline').getAttribute('points').trim().split(' ');
				out.lines[g.dataset.id] = +pts[pts.length - 1].split(',')[1];
				out.colors[g.dataset.id] = getComputedStyle(g.querySelector('polyline')).stroke;
			}
			for (const c of document.querySelectorAll('#compare-sweep-scatter circle.pt')) { out.xs[c.dataset.id] = +c.getAttribute('cx'); out.ys[c.dataset.id] = +c.getAttribute('cy'); }
			return out; })()`, &got))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Axes) != 2 || got.Axes[0] != "model.params.C" || got.Axes[1] != "accuracy" || got.Metric != "accuracy" {
		t.Fatalf("axes %v, metric %q: want [model.params.C accuracy]", got.Axes, got.Metric)
	}
	acc := map[string]float64{}
	for _, id := range ids {
		_, b := getBody(t, ts.URL+"/api/runs/"+id)
		var r struct{ Metrics map[string]float64 }
		json.Unmarshal(b, &r)
		acc[id] = r.Metrics["accuracy"]
	}
	for i, a := range ids {
		if _, ok := got.Xs[a]; !ok {
			t.Fatalf("no scatter point for run %s: %v", a, got.Xs)
		}
		if got.Colors[a] != got.Heads[i] {
			t.Errorf("run %d's line is %s, its column %s", i, got.Colors[a], got.Heads[i])
		}
		for _, b := range ids[i+1:] {
			if got.Xs[a] >= got.Xs[b] {
				t.Errorf("scatter x: C=%v at %v, not left of a larger C at %v", cs[i], got.Xs[a], got.Xs[b])
			}
			// Higher accuracy, higher on screen (smaller y), on both charts.
			if (acc[a] > acc[b]) != (got.Lines[a] < got.Lines[b]) && acc[a] != acc[b] {
				t.Errorf("parallel coordinates: accuracy %v at y %v, %v at y %v", acc[a], got.Lines[a], acc[b], got.Lines[b])
			}
			if (acc[a] > acc[b]) != (got.Ys[a] < got.Ys[b]) && acc[a] != acc[b] {
				t.Errorf("scatter: accuracy %v at y %v, %v at y %v", acc[a], got.Ys[a], acc[b], got.Ys[b])
			}
		}
	}
	// The log scale spaces C = 0.001, 0.1, 10 evenly.
	if d1, d2 := got.Xs[ids[1]]-got.Xs[ids[0]], got.Xs[ids[2]]-got.Xs[ids[1]]; d1 < 0.95*d2 || d1 > 1.05*d2 {
		t.Errorf("scatter x gaps %v and %v: not a log scale", d1, d2)
	}

	// The x axis by wall time, and the hover over the line chart.
	var legend []string
	var mode string
	err = chromedp.Run(ctx, setField(`#compare-x`, "time"),
		waitJS(`document.querySelector('#chart-compare').dataset.xMode === 'time' && !!document.querySelector('#chart-compare .u-over')`),
		chromedp.Evaluate(`document.querySelector('#chart-compare').dataset.xMode`, &mode),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var box []float64
			if err := chromedp.Evaluate(`(() => { const r = document.querySelector('#chart-compare .u-over').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`, &box).Do(ctx); err != nil {
				return err
			}
			// Near the right end: every run has a point at or before it.
			return input.DispatchMouseEvent(input.MouseMoved, box[0]+box[2]*0.97, box[1]+box[3]/2).Do(ctx)
		}),
		chromedp.Sleep(200*1e6),
		chromedp.Evaluate(`[...document.querySelectorAll('#chart-compare .u-legend .u-series')].slice(1).map((s) => s.querySelector('.u-value')?.textContent || '')`, &legend))
	if err != nil {
		t.Fatal(err)
	}
	if len(legend) != 3 {
		t.Fatalf("legend %q: want 3 runs", legend)
	}
	for i, v := range legend {
		if v == "" || v == "–" {
			t.Errorf("hover: run %d shows %q, want its value", i, v)
		}
	}
	fitsAt(t, ctx, ts.URL, hash, ready)
	if err := chromedp.Run(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(ts.URL+"/"+hash), waitJS(ready),
		chromedp.Evaluate(`document.querySelector('#compare-sweep').scrollIntoView({block: 'center'})`, nil), chromedp.Sleep(100*1e6),
		screenshot(t, "sweep.png")); err != nil {
		t.Fatal(err)
	}

	// The runs table with columns picked (a param, metrics), sorted by
	// the accuracy, for the README.
	if err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs"),
		chromedp.Evaluate(`localStorage.setItem('mlforge.runs.columns', JSON.stringify(['param.C', 'metric.accuracy', 'metric.f1_macro', 'duration', 'dataset']))`, nil),
		chromedp.Navigate(ts.URL+"/#/runs?sort=metric.accuracy&dir=desc"), chromedp.Reload(),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 3 && !!document.querySelector('#runs-table th[data-col="param.C"]')`),
		screenshot(t, "runs.png")); err != nil {
		t.Fatal(err)
	}

	// A grid search's trials.
	status, out := postJSON(t, ts.URL+"/api/runs", `{"name": "grid", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
		"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [1, 5, 9], "weights": ["uniform", "distance"]}, "cv": 3}}`)
	if status != http.StatusAccepted {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	grid := out["id"].(string)
	waitStatus(t, ts.URL, grid, "succeeded")
	var axes []string
	gridReady := `document.querySelector('#search-sweep-charts-parallel svg')?.dataset.lines === '6'`
	if err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs/"+grid), waitJS(gridReady),
		chromedp.Evaluate(`[...document.querySelectorAll('#search-sweep-charts-parallel .pc-axis')].map((a) => a.dataset.axis)`, &axes)); err != nil {
		t.Fatal(err)
	}
	if len(axes) != 3 || axes[0] != "n_neighbors" || axes[1] != "weights" {
		t.Errorf("search axes = %v", axes)
	}
	fitsAt(t, ctx, ts.URL, "#/runs/"+grid, gridReady)
}
