package server

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebDatasets creates a dataset on the Datasets page, imports an
// archive into it (one bad file, reported with its reason), sees the
// thumbnails, relabels one image and deletes another, checks the page at
// 800 px and with axe-core, and picks the dataset and a label as the train
// source of the run form.
func TestWebDatasets(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	archive := filepath.Join(t.TempDir(), "pets.zip")
	files := map[string][]byte{"dog/bad.png": []byte("not a png")}
	for i := 0; i < 3; i++ {
		files[fmt.Sprintf("cat/%d.png", i)] = cornerPNG(t, "tl", i)
	}
	for i := 0; i < 2; i++ {
		files[fmt.Sprintf("dog/%d.png", i)] = cornerPNG(t, "br", i)
	}
	if err := os.WriteFile(archive, datasetZip(t, files), 0o644); err != nil {
		t.Fatal(err)
	}
	labels := func() string {
		_, b := getBody(t, ts.URL+"/api/datasets/pets")
		var d struct {
			Labels []struct {
				Label string
				Items int
			}
		}
		json.Unmarshal(b, &d)
		return fmt.Sprint(d.Labels)
	}
	thumbsLoaded := `(() => { const imgs = [...document.querySelectorAll('#grid li.thumb img')];
		return imgs.length === %d && imgs.every((i) => i.loading === 'lazy' && i.complete && i.naturalWidth > 0 && i.alt); })()`
	var report string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/datasets"),
		waitJS(`!!document.querySelector('#dataset-create') && /No datasets yet/.test(document.querySelector('#datasets-list').textContent)`),
		setField(`#dataset-name`, "pets"),
		setField(`#dataset-description`, "cats and dogs"),
		click(`#dataset-create button[type=submit]`),
		waitJS(`location.hash === '#/datasets/pets' && /0 images in 0 labels/.test(document.querySelector('#dataset-summary')?.textContent)`),
		axeCheck(t),
		chromedp.SetUploadFiles(`#import-file`, []string{archive}),
		click(`#import-start`),
		waitJS(`/5 added/.test(document.querySelector('#import-report .report-counts')?.textContent || '')`),
		chromedp.Text(`#import-report`, &report),
		// The first label (cat) is shown: three thumbnails, lazily loaded.
		waitJS(fmt.Sprintf(thumbsLoaded, 3)),
		waitJS(`document.querySelector('#labels button[aria-pressed=true]')?.dataset.label === 'cat'`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report, "1 skipped") || !strings.Contains(report, "dog/bad.png: unsupported image format") {
		t.Errorf("import report: %s", report)
	}
	err = chromedp.Run(ctx,
		// Relabel the first cat as a dog: it leaves the cat grid.
		setField(`#grid li.thumb:first-child input[name=label]`, "dog"),
		click(`#grid li.thumb:first-child button.relabel-btn`),
		waitJS(`document.querySelectorAll('#grid li.thumb').length === 2 && document.querySelector('#labels button[data-label=dog] .count')?.textContent === '3'`),
		// Delete another: a second click confirms.
		click(`#grid li.thumb:first-child button.delete-btn`),
		waitJS(`document.querySelector('#grid li.thumb:first-child button.delete-btn')?.textContent === 'Delete?'`),
		click(`#grid li.thumb:first-child button.delete-btn`),
		waitJS(`document.querySelectorAll('#grid li.thumb').length === 1 && document.querySelector('#labels button[data-label=cat] .count')?.textContent === '1'`),
		// The dog label: its three images.
		click(`#labels button[data-label=dog]`),
		waitJS(fmt.Sprintf(thumbsLoaded, 3)),
		screenshot(t, "datasets.png"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(); got != "[{cat 1} {dog 3}]" {
		t.Fatalf("labels after relabel and delete: %s", got)
	}
	// A label of 50 images: two pages (48 to a page).
	many := map[string][]byte{}
	for i := 2; i < 52; i++ {
		many[fmt.Sprintf("many/%d.png", i)] = cornerPNG(t, "br", i)
	}
	if code, body := postArchive(t, ts.URL, "pets", datasetZip(t, many)); code != 200 || !strings.Contains(body, `"added":50`) {
		t.Fatalf("import of 50 = %d %s", code, body)
	}
	err = chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/datasets/pets?label=many"),
		waitJS(`document.querySelectorAll('#grid li.thumb').length === 48 && document.querySelector('#page-info').textContent === 'many: page 1' && document.querySelector('#page-prev').disabled`),
		click(`#page-next`),
		waitJS(`document.querySelectorAll('#grid li.thumb').length === 2 && document.querySelector('#page-info').textContent === 'many: page 2' && document.querySelector('#page-next').disabled`),
		click(`#page-prev`),
		waitJS(`document.querySelectorAll('#grid li.thumb').length === 48 && document.querySelector('#page-info').textContent === 'many: page 1'`),
	)
	if err != nil {
		t.Fatalf("paging: %v", err)
	}
	// 800 px wide: no sideways scroll, on the dataset and on the list.
	for _, hash := range []string{"#/datasets/pets", "#/datasets"} {
		var scroll, inner int
		err := chromedp.Run(ctx,
			chromedp.EmulateViewport(800, 900),
			chromedp.Navigate(ts.URL+"/"+hash),
			waitJS(`document.querySelectorAll('#grid li.thumb img').length === 1 || document.querySelectorAll('#datasets-list tr[data-name]').length === 1`),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
			chromedp.Evaluate(`innerWidth`, &inner),
			axeCheck(t),
		)
		if err != nil {
			t.Fatalf("%s at 800 px: %v", hash, err)
		}
		if scroll > inner {
			t.Errorf("%s at 800 px scrolls sideways (scrollWidth %d > innerWidth %d)", hash, scroll, inner)
		}
	}
	var chips string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('#datasets-list tr[data-name=pets] .label-chips').textContent`, &chips)); err != nil || !strings.Contains(chips, "cat 1") || !strings.Contains(chips, "dog 3") || !strings.Contains(chips, "many 50") {
		t.Errorf("label counts in the list: %q (%v)", chips, err)
	}
	if !hasNetworks(t, ts.URL) {
		return
	}
	// The run form: a stored dataset and one of its labels as the source.
	var js string
	err = chromedp.Run(ctx,
		chromedp.EmulateViewport(1366, 768),
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`select[name="model.mode"]`, "network"),
		waitJS(`!!document.querySelector('select[name="add-layer"]')`),
		setField(`select[name="data.kind"]`, "dataset"),
		waitJS(`!!document.querySelector('select[name="data.train"] option[value=pets]')`),
		setField(`select[name="data.train"]`, "pets"),
		waitJS(`document.querySelectorAll('input[name="data.train.label"]').length === 3`),
		click(`input[name="data.train.label"][value=dog]`),
		waitJS(`JSON.parse(document.querySelector('#spec-json').value).data.train === 'dataset:pets:dog'`),
		chromedp.Value(`#spec-json`, &js),
		// Each label's count and a few thumbnails of its images.
		waitJS(`document.querySelectorAll('#class-gallery .class-row').length === 3 &&
			document.querySelector('#class-gallery .class-row[data-class=many] .class-name').textContent === 'many (50)' &&
			document.querySelectorAll('#class-gallery .class-row[data-class=many] img').length === 4 &&
			[...document.querySelectorAll('#class-gallery img')].every((i) => i.complete && i.naturalWidth > 0)`),
		axeCheck(t),
	)
	if err != nil {
		t.Fatalf("run form: %v (%s)", err, js)
	}
	t.Logf("the run form's source: dataset:pets:dog")
}
