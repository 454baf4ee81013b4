package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebDataAtAGlance: a CSV's first rows and column kinds in the form,
// with the target picked from its real columns; an image folder's classes
// with counts and thumbnails; and, after a run on images, the gallery of
// misclassified test images with their true and predicted labels.
func TestWebDataAtAGlance(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	csv := "age,city,score,label\n"
	for i := 0; i < 30; i++ {
		city := []string{"Oslo", "Lima", "Pune"}[i%3]
		age := fmt.Sprint(20 + i)
		if i == 4 {
			age = "" // a missing cell: still a number column
		}
		csv += fmt.Sprintf("%s,%s,%d.5,%s\n", age, city, i, []string{"yes", "no"}[i%2])
	}
	if err := os.WriteFile(filepath.Join(s.filesDir, "people.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	var heads, options, cells []string
	var target string
	err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/new"), chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`select[name="data.kind"]`, "csv"),
		waitJS(`!!document.querySelector('select[name="data.train"] option[value="people.csv"]')`),
		setField(`select[name="data.train"]`, "people.csv"),
		waitJS(`document.querySelectorAll('#csv-preview tbody tr').length === 5 && !!document.querySelector('select[name="data.target"]')`),
		chromedp.Evaluate(`[...document.querySelectorAll('#csv-preview thead th')].map((th) => th.dataset.type + ':' + th.firstChild.textContent)`, &heads),
		chromedp.Evaluate(`[...document.querySelectorAll('#csv-preview tbody tr:first-child td')].map((td) => td.textContent)`, &cells),
		chromedp.Evaluate(`[...document.querySelectorAll('select[name="data.target"] option')].map((o) => o.value)`, &options),
		setField(`select[name="data.target"]`, "city"),
		waitJS(`JSON.parse(document.querySelector('#spec-json').value).data.target === 'city'`),
		chromedp.Evaluate(`JSON.parse(document.querySelector('#spec-json').value).data.target`, &target),
		chromedp.Evaluate(`document.querySelector('#csv-preview').scrollIntoView({block: 'center'})`, nil),
		screenshot(t, "data.png"),
		axeCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := "number:age text:city number:score text:label"; strings.Join(heads, " ") != want {
		t.Errorf("preview columns %q, want %q", heads, want)
	}
	if strings.Join(cells, ",") != "20,Oslo,0.5,yes" {
		t.Errorf("first row %q", cells)
	}
	if strings.Join(options, ",") != ",age,city,score,label" {
		t.Errorf("target choices %q: want the default and the file's columns", options)
	}
	// The API refuses a path out of the files folder, and a missing file.
	for _, sc := range []scenario{
		{name: "escape", method: "GET", path: "/api/files/preview?path=../mlforge.db", status: 400, contain: []string{`"field":"path"`}},
		{name: "missing", method: "GET", path: "/api/files/preview?path=nope.csv", status: 404},
		{name: "rows", method: "GET", path: "/api/files/preview?path=people.csv&rows=99", status: 400, contain: []string{`"field":"rows"`}},
		{name: "thumb of a csv", method: "GET", path: "/api/files/thumbnail?path=people.csv", status: 400},
	} {
		sc.run(t, ts.URL)
	}

	if !hasNetworks(t, ts.URL) {
		return
	}
	// An image folder: 12 images a class; a test folder whose "br" class
	// holds 3 top-left images (misclassified by any model that learned).
	for _, class := range []string{"br", "tl"} {
		for _, set := range []string{"corners", "corners-test"} {
			os.MkdirAll(filepath.Join(s.filesDir, set, class), 0o755)
		}
		for i := 0; i < 12; i++ {
			os.WriteFile(filepath.Join(s.filesDir, "corners", class, fmt.Sprintf("%02d.png", i)), cornerPNG(t, class, i), 0o644)
		}
		for i := 0; i < 4; i++ {
			os.WriteFile(filepath.Join(s.filesDir, "corners-test", class, fmt.Sprintf("%02d.png", i)), cornerPNG(t, class, 50+i), 0o644)
		}
	}
	for i := 0; i < 3; i++ {
		os.WriteFile(filepath.Join(s.filesDir, "corners-test", "br", fmt.Sprintf("wrong-%d.png", i)), cornerPNG(t, "tl", 70+i), 0o644)
	}
	var rows []string
	err = chromedp.Run(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(ts.URL+"/#/new"), chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`select[name="model.mode"]`, "network"), waitJS(`!!document.querySelector('select[name="add-layer"]')`),
		setField(`select[name="data.kind"]`, "images"),
		waitJS(`!!document.querySelector('select[name="data.train"] option[value="corners"]')`),
		setField(`select[name="data.train"]`, "corners"),
		waitJS(`document.querySelectorAll('#class-gallery .class-row').length === 2 &&
			[...document.querySelectorAll('#class-gallery img')].every((i) => i.complete && i.naturalWidth === 8)`),
		chromedp.Evaluate(`[...document.querySelectorAll('#class-gallery .class-row')].map((r) => r.querySelector('.class-name').textContent + ' ' + r.querySelectorAll('img').length)`, &rows),
		axeCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows, ", ") != "br (12) 4, tl (12) 4" {
		t.Errorf("classes in the form: %q, want br (12) and tl (12) with 4 thumbnails each", rows)
	}

	spec := `{"name": "corners", "seed": 1, "data": {"train": "corners", "test": "corners-test"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 20}`
	status, out := postJSON(t, ts.URL+"/api/runs", spec)
	if status != http.StatusAccepted {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	var run struct {
		Result struct {
			Misclassified struct {
				Total int
				NTest int `json:"n_test"`
				Items []struct{ File, True, Pred string }
			} `json:"misclassified"`
		}
	}
	json.Unmarshal([]byte(waitStatus(t, ts.URL, id, "succeeded")), &run)
	m := run.Result.Misclassified
	wrong := 0
	for _, it := range m.Items {
		if strings.Contains(it.File, "wrong-") && it.True == "br" && it.Pred == "tl" {
			wrong++
		}
	}
	if wrong != 3 || m.Total != len(m.Items) {
		t.Fatalf("misclassified = %+v: want the 3 mislabeled images as true br, predicted tl", m)
	}
	var gallery []string
	ready := fmt.Sprintf(`document.querySelectorAll('#misclassified li').length === %d &&
		[...document.querySelectorAll('#misclassified img')].every((i) => i.complete && i.naturalWidth === 8)`, m.Total)
	err = chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs/"+id), waitJS(ready),
		chromedp.Evaluate(`[...document.querySelectorAll('#misclassified li')].map((li) => li.dataset.true + '>' + li.dataset.pred + ' ' + li.querySelector('.muted').textContent)`, &gallery))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if !strings.Contains(strings.Join(gallery, "|"), fmt.Sprintf("br>tl wrong-%d.png", i)) {
			t.Errorf("gallery %q lacks wrong-%d.png as br>tl", gallery, i)
		}
	}
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('#misclassified').scrollIntoView({block: 'center'})`, nil), chromedp.Sleep(100*1e6), screenshot(t, "misclassified.png")); err != nil {
		t.Fatal(err)
	}
	fitsAt(t, ctx, ts.URL, "#/runs/"+id, ready)
	fitsAt(t, ctx, ts.URL, "#/new", `document.querySelector('#spec-form[data-ready]')`)
}
