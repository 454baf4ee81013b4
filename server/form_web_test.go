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

// TestWebWhatRunsIsOnScreen checks that the spec editor's text is what
// runs: a syntax error is reported with its line and column and disables
// Start, every problem the server reports is listed at once (each a button
// that focuses its field), and Start sends the editor's text and goes to
// the new run.
func TestWebWhatRunsIsOnScreen(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	var validity, jsonStatus string
	var disabled bool
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		waitJS(`document.querySelector('#validity').textContent === '✓ valid'`),
		setField(`#spec-json`, "{\"name\": \"x\",\n  \"model\": }"),
		waitJS(`document.querySelector('#start').disabled`),
		chromedp.Text(`#validity`, &validity),
		chromedp.Text(`#json-status`, &jsonStatus),
		chromedp.Evaluate(`document.querySelector('#start').disabled`, &disabled),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(validity, "invalid JSON") || !strings.Contains(validity, "line 2, column 12") {
		t.Errorf("validity with a syntax error = %q, want invalid JSON at line 2, column 12", validity)
	}
	if !strings.HasPrefix(jsonStatus, "line 2, column 12:") {
		t.Errorf("JSON status = %q, want it to start with the line and column", jsonStatus)
	}
	if !disabled {
		t.Errorf("Start is enabled with a syntax error in the spec")
	}
	// The validity must not come back to "valid" by itself (a late answer
	// about the previous spec).
	if err := chromedp.Run(ctx, chromedp.Sleep(600*1e6), chromedp.Text(`#validity`, &validity)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(validity, "✓") {
		t.Errorf("validity = %q after a syntax error", validity)
	}

	// Two problems: both listed at the top and next to their fields.
	bad := `{"name": "two problems!", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"C": -1}}}`
	var items int
	var focused string
	err = chromedp.Run(ctx,
		setField(`#spec-json`, bad),
		waitJS(`document.querySelectorAll('#form-errors li').length >= 2`),
		chromedp.Evaluate(`document.querySelectorAll('#form-errors li').length`, &items),
		chromedp.WaitVisible(`[data-field="model.params.C"] > .field-error`),
		chromedp.WaitVisible(`[data-field="name"] > .field-error`),
		click(`#form-errors li[data-field="model.params.C"] button`),
		chromedp.Evaluate(`document.activeElement && document.activeElement.name`, &focused),
		chromedp.Evaluate(`document.querySelector('#start').disabled`, &disabled),
	)
	if err != nil {
		t.Fatal(err)
	}
	if items != 2 {
		t.Errorf("the problem list has %d items, want 2 (name and C)", items)
	}
	if focused != "model.params.C" {
		t.Errorf("clicking the C problem focused %q, want model.params.C", focused)
	}
	if disabled {
		t.Errorf("Start is disabled once the JSON parses again")
	}

	// A spec typed in the JSON view, with a key order and a parameter the
	// form would not write itself, is the one that runs.
	good := "{\"name\": \"typed-in-json\", \"data\": {\"train\": \"builtin:iris\"},\n \"model\": {\"class\": \"LogisticRegression\", \"params\": {\"C\": 0.5, \"max_iter\": 321}}}"
	var hash string
	err = chromedp.Run(ctx,
		setField(`#spec-json`, good),
		waitJS(`document.querySelector('#validity').textContent === '✓ valid'`),
		click(`#start`),
		waitJS(`/^#\/runs\/[0-9a-f]{21}$/.test(location.hash)`),
		chromedp.Evaluate(`location.hash`, &hash),
	)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(hash, "#/runs/")
	resp, err := http.Get(ts.URL + "/api/runs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var run struct {
		Name string `json:"name"`
		Spec struct {
			Model struct {
				Params map[string]any `json:"params"`
			} `json:"model"`
		} `json:"spec"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&run); err != nil {
		t.Fatal(err)
	}
	if run.Name != "typed-in-json" || run.Spec.Model.Params["max_iter"] != 321.0 || run.Spec.Model.Params["C"] != 0.5 {
		t.Errorf("the run started is %q with params %v, want typed-in-json with C 0.5 and max_iter 321", run.Name, run.Spec.Model.Params)
	}
}

// TestWebLayerShapesFollowSpec checks that the layer shapes shown are those
// of the spec on screen: a valid network shows each layer's output shape,
// and an edit that makes the spec invalid takes them away rather than
// leaving the previous spec's shapes.
func TestWebLayerShapesFollowSpec(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers in this build")
	}
	net := func(out string) string {
		return `{"name": "shapes", "data": {"train": "builtin:digits"}, "model": {"layers": [
			{"type": "Linear", "in_features": "auto", "out_features": ` + out + `}, {"type": "ReLU"},
			{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
			"criterion": {"type": "CrossEntropyLoss"}, "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 1}`
	}
	var first, after string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`#spec-json`, net("32")),
		waitJS(`document.querySelector('#validity').textContent === '✓ valid'`),
		chromedp.Text(`.step[data-index="0"] .shape`, &first),
		setField(`#spec-json`, net("24")),
		waitJS(`document.querySelector('#validity').textContent === '✓ valid'`),
		chromedp.Text(`.step[data-index="0"] .shape`, &after),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first, "32") || !strings.Contains(after, "24") {
		t.Errorf("first layer's shape = %q then %q, want 32 then 24", first, after)
	}
	var shapes string
	err = chromedp.Run(ctx,
		setField(`#spec-json`, net(`"many"`)),
		waitJS(`document.querySelector('#validity').className === 'error'`),
		chromedp.Evaluate(`[...document.querySelectorAll('.step .shape')].map((e) => e.textContent).join('')`, &shapes),
	)
	if err != nil {
		t.Fatal(err)
	}
	if shapes != "" {
		t.Errorf("an invalid spec still shows layer shapes %q", shapes)
	}
}

// TestWebDataKindPanels checks that the transforms are offered only for
// image data and that the IDX lists keep images and labels apart by their
// MNIST names.
func TestWebDataKindPanels(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers in this build")
	}
	for _, f := range []string{"mnist/train-images-idx3-ubyte", "mnist/train-labels-idx1-ubyte", "mnist/other.idx"} {
		p := filepath.Join(s.filesDir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte{0, 0, 8, 1, 0, 0, 0, 0}, 0o644)
	}
	var tableTransforms, idxTransforms bool
	var images, labels []string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`select[name="model.mode"]`, "network"),
		waitJS(`!!document.querySelector('select[name="add-layer"]')`),
		setField(`select[name="data.kind"]`, "csv"),
		chromedp.Evaluate(`!!document.querySelector('select[name="add-transforms"]')`, &tableTransforms),
		setField(`select[name="data.kind"]`, "idx"),
		waitJS(`!!document.querySelector('select[name="data.train.images"]')`),
		chromedp.Evaluate(`!!document.querySelector('select[name="add-transforms"]')`, &idxTransforms),
		chromedp.Evaluate(`[...document.querySelectorAll('select[name="data.train.images"] option')].map((o) => o.value).filter((v) => v)`, &images),
		chromedp.Evaluate(`[...document.querySelectorAll('select[name="data.train.labels"] option')].map((o) => o.value).filter((v) => v)`, &labels),
	)
	if err != nil {
		t.Fatal(err)
	}
	if tableTransforms || !idxTransforms {
		t.Errorf("transforms offered for CSV data: %v, for IDX data: %v; want only for IDX", tableTransforms, idxTransforms)
	}
	if fmt.Sprint(images) != "[mnist/other.idx mnist/train-images-idx3-ubyte]" || fmt.Sprint(labels) != "[mnist/other.idx mnist/train-labels-idx1-ubyte]" {
		t.Errorf("IDX images list %v, labels list %v", images, labels)
	}
}
