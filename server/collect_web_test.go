package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebDatasetCollect types three labels into the Datasets page's
// Collect panel, collects them from a fake SerpApi on loopback, follows
// the per-label progress (found, downloaded, stored, skipped and the skip
// reasons) from the run's events, and sees the thumbnails of the
// collected images; the panel passes axe-core and fits 800 px.
func TestWebDatasetCollect(t *testing.T) {
	ctx := browser(t)
	fakeThreeLabels(t, [3]string{"tl", "tr", "bl"}, 6, map[string][]map[string]any{
		"tr": {{"position": 7, "original": "http://2130706433/x.png"}},
	}, nil)
	t.Setenv("SERPAPI_KEY", serverSerpKey)
	_, ts := newTestServer(t, "sqlite", "")
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "quads"}`, status: 201}.run(t, ts.URL)
	cell := func(label, col string) string {
		return fmt.Sprintf(`document.querySelector('#collect-progress tr[data-label=%s] td.%s')?.textContent`, label, col)
	}
	var skips, status string
	var scroll, inner int
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(800, 900),
		chromedp.Navigate(ts.URL+"/#/datasets/quads"),
		waitJS(`/0 images in 0 labels/.test(document.querySelector('#dataset-summary')?.textContent || '')`),
		setField(`#collect-labels`, "tl\ntop right:tr\nbl"),
		setField(`#collect-limit`, "4"),
		setField(`#collect-min-width`, "4"),
		axeCheck(t),
		click(`#collect-start`),
		waitJS(`document.querySelector('#collect-status')?.dataset.status === 'succeeded'`),
		waitJS(cell("tl", "stored")+` === '4' && `+cell("bl", "stored")+` === '4'`),
		waitJS(`document.querySelector('#collect-progress tr[data-label="top right"] td.stored')?.textContent === '4'`),
		chromedp.Text(`#collect-progress`, &skips, chromedp.ByQuery),
		chromedp.Text(`#collect-status`, &status),
		// The grid refreshed: three labels, four thumbnails of the first.
		waitJS(`document.querySelectorAll('#labels button.label-tab').length === 3 && /12 images in 3 labels/.test(document.querySelector('#dataset-summary').textContent)`),
		waitJS(`(() => { const imgs = [...document.querySelectorAll('#grid li.thumb img')]; return imgs.length === 4 && imgs.every((i) => i.complete && i.naturalWidth > 0); })()`),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
		chromedp.Evaluate(`innerWidth`, &inner),
		axeCheck(t),
		screenshot(t, "datasets-collect.png"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(skips, "non-standard numeric form") || !strings.Contains(skips, "2130706433") {
		t.Errorf("the progress lacks the refused URL and its reason:\n%s", skips)
	}
	if !strings.Contains(status, "collection succeeded") {
		t.Errorf("status: %q", status)
	}
	if scroll > inner {
		t.Errorf("the collect panel scrolls sideways at 800 px (scrollWidth %d > innerWidth %d)", scroll, inner)
	}
}

// TestWebDatasetCollectCancel: the Collect panel of a page opened during
// a collection follows it, and its Cancel cancels the collection run; the
// panel says so and the grid shows what was stored.
func TestWebDatasetCollectCancel(t *testing.T) {
	ctx := browser(t)
	hold := make(chan struct{})
	defer close(hold)
	fakeThreeLabels(t, [3]string{"tl", "tr", "bl"}, 6, nil, hold)
	t.Setenv("SERPAPI_KEY", serverSerpKey)
	_, ts := newTestServer(t, "sqlite", "")
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "quads"}`, status: 201}.run(t, ts.URL)
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/datasets/quads"),
		waitJS(`/0 images in 0 labels/.test(document.querySelector('#dataset-summary')?.textContent || '')`),
		setField(`#collect-labels`, "tl\ntr"),
		setField(`#collect-limit`, "3"),
		click(`#collect-start`),
		// tl's first two images are stored; its third is held.
		waitJS(`document.querySelector('#collect-progress tr[data-label=tl] td.stored')?.textContent === '2'`),
		// The page opened again follows the collection under way.
		chromedp.Navigate(ts.URL+"/#/datasets"),
		waitJS(`!!document.querySelector('#datasets-list tr[data-name=quads]')`),
		chromedp.Navigate(ts.URL+"/#/datasets/quads"),
		waitJS(`document.querySelector('#collect-progress tr[data-label=tl] td.stored')?.textContent === '2' && document.querySelector('#collect-start').disabled`),
		waitJS(`!document.querySelector('#collect-cancel').classList.contains('hidden')`),
		click(`#collect-cancel`),
		waitJS(`document.querySelector('#collect-status')?.dataset.status === 'cancelled'`),
		waitJS(`document.querySelector('#collect-cancel').classList.contains('hidden') && !document.querySelector('#collect-start').disabled`),
		waitJS(`document.querySelectorAll('#grid li.thumb img').length === 2 && /2 images in 1 label/.test(document.querySelector('#dataset-summary').textContent)`),
	)
	if err != nil {
		t.Fatal(err)
	}
}

// TestWebCollectE2E is the loop from the page: the Collect panel collects
// two labels (12 images each) from the fake SerpApi; a spec typed in the
// run form's JSON view names the third label too, and its collect step
// collects that one alone as the first step of the run (the run page's
// log shows it); a small CNN trains from dataset:quads and the run page's
// evaluate panel tests it on 5 random stored images per label. The images
// are separable by construction (quadrantPNG); TestCollectE2E's reference
// runs score accuracy 1 on this spec and data, and 1 is what this page
// shows.
func TestWebCollectE2E(t *testing.T) {
	ctx := browser(t)
	fakeThreeLabels(t, [3]string{"tl", "tr", "bl"}, 20, nil, nil)
	t.Setenv("SERPAPI_KEY", serverSerpKey)
	_, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers in this build")
	}
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "quads"}`, status: 201}.run(t, ts.URL)
	var hash, log, result string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/datasets/quads"),
		waitJS(`/0 images in 0 labels/.test(document.querySelector('#dataset-summary')?.textContent || '')`),
		setField(`#collect-labels`, "tl\ntop-right:tr"),
		setField(`#collect-limit`, "12"),
		click(`#collect-start`),
		waitJS(`document.querySelector('#collect-status')?.dataset.status === 'succeeded'`),
		waitJS(`/24 images in 2 labels/.test(document.querySelector('#dataset-summary').textContent)`),
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`#spec-json`, e2eSpec),
		// The dataset lacks bl, which the collect step will fill.
		waitJS(`document.querySelector('#validity').textContent === '✓ valid (the data is checked after the collect step)'`),
		click(`#start`),
		waitJS(`/^#\/runs\/[0-9a-f]{21}$/.test(location.hash)`),
		chromedp.Evaluate(`location.hash`, &hash),
	)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(hash, "#/runs/")
	waitStatus(t, ts.URL, id, "succeeded")
	err = chromedp.Run(ctx,
		waitJS(`/collect step: 36 images|collect step: 12 images stored in 1 labels/.test(document.querySelector('#event-log')?.textContent || '')`),
		chromedp.Text(`#event-log`, &log),
		waitJS(`!!document.querySelector('#evaluate-start') && !document.querySelector('#evaluate').hidden`),
		waitJS(`document.querySelector('#evaluate-dataset').value === 'quads'`),
		setField(`#evaluate-limit`, "5"),
		setField(`#evaluate-seed`, "7"),
		click(`#evaluate-start`),
		waitJS(`document.querySelectorAll('#evaluate-labels tbody tr').length === 3`),
		chromedp.Text(`#evaluate-result`, &result),
		axeCheck(t),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, `collect step: 1 of 3 labels of "quads" hold fewer than 12 images (min_per_label): "bl" (0)`) {
		t.Errorf("the run's log lacks the collect step:\n%s", log)
	}
	if !strings.Contains(result, "15 images scored from dataset:quads") || !strings.Contains(result, "accuracy 1") {
		t.Errorf("evaluation: %s", result)
	}
}
