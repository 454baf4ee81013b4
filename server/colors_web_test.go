package server

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebCompareColors: in Compare, a run's colour follows from its id: the
// same in the line chart's legend, the sweep chart and the tables'
// headers, after a reload, and with the runs in another order in the
// address (the first column then has another colour); three runs, three
// colours.
func TestWebCompareColors(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	var ids []string
	for i, c := range []float64{0.01, 1, 100} {
		ids = append(ids, startIris(t, ts.URL, fmt.Sprintf("colors-%d", i), c))
	}
	ready := `document.querySelector('#compare-sweep-parallel svg')?.dataset.lines === '3' && !!document.querySelector('#compare-metrics') &&
		document.querySelectorAll('#chart-compare .u-legend .u-series').length === 4`
	// Every place's colour of each run id, as the browser computes it.
	colorsJS := `(() => {
		const out = { head: {}, params: {}, legend: {}, sweep: {}, first: '' };
		for (const th of document.querySelectorAll('#compare-metrics thead th[data-id]')) out.head[th.dataset.id] = getComputedStyle(th).borderTopColor;
		for (const th of document.querySelectorAll('#compare-params thead th[data-id]')) out.params[th.dataset.id] = getComputedStyle(th).borderTopColor;
		out.first = document.querySelector('#compare-metrics thead th[data-id]').dataset.id;
		const ids = Object.keys(out.head);
		for (const s of [...document.querySelectorAll('#chart-compare .u-legend .u-series')].slice(1)) {
			const id = ids.find((i) => s.textContent.includes(i.slice(-6)));
			if (id) out.legend[id] = getComputedStyle(s.querySelector('.u-marker')).borderTopColor;
		}
		for (const g of document.querySelectorAll('#compare-sweep-parallel .pc-line')) out.sweep[g.dataset.id] = getComputedStyle(g.querySelector('polyline')).stroke;
		return out; })()`
	type colors struct {
		Head, Params, Legend, Sweep map[string]string
		First                       string
	}
	look := func(order []string, reload bool) colors {
		t.Helper()
		var c colors
		acts := []chromedp.Action{chromedp.Navigate(ts.URL + "/#/compare?ids=" + order[0] + "," + order[1] + "," + order[2]), waitJS(ready)}
		if reload {
			acts = append(acts, chromedp.Reload(), waitJS(ready))
		}
		if err := chromedp.Run(ctx, append(acts, chromedp.Evaluate(colorsJS, &c))...); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := look(ids, false)
	seen := map[string]bool{}
	for _, id := range ids {
		h := a.Head[id]
		if h == "" || seen[h] {
			t.Errorf("run %s: colour %q (colours %v): want one of its own", id, h, a.Head)
		}
		seen[h] = true
		if a.Params[id] != h || a.Legend[id] != h || a.Sweep[id] != h {
			t.Errorf("run %s: metrics table %s, params table %s, chart legend %s, sweep line %s: want one colour", id, h, a.Params[id], a.Legend[id], a.Sweep[id])
		}
	}
	b := look(ids, true)
	c := look([]string{ids[2], ids[0], ids[1]}, false)
	if c.First != ids[2] {
		t.Fatalf("the first column is %s, want %s", c.First, ids[2])
	}
	for _, id := range ids {
		for what, got := range map[string]colors{"after a reload": b, "in another order": c} {
			if got.Head[id] != a.Head[id] || got.Legend[id] != a.Legend[id] || got.Sweep[id] != a.Sweep[id] {
				t.Errorf("run %s %s: table %s, legend %s, sweep %s; was %s", id, what, got.Head[id], got.Legend[id], got.Sweep[id], a.Head[id])
			}
		}
	}
}
