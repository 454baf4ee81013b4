package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebEvaluate tests a run's image model on random stored images from
// its run page: the result per label (a label the model lacks named as
// such), recorded on the run and listed.
func TestWebEvaluate(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers in this build")
	}
	cornerDataset(t, ts.URL, 16, 3)
	spec := `{"name": "corners", "seed": 1, "data": {"train": "dataset:corners:br,tl"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 20}`
	var created struct{ ID string }
	json.Unmarshal([]byte(scenario{name: "train", method: "POST", path: "/api/runs", body: spec, status: 202}.run(t, ts.URL)), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	var result, unknown string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs/"+created.ID),
		waitJS(`!!document.querySelector('#evaluate-start') && !document.querySelector('#evaluate').hidden`),
		// The run trained on dataset:corners:br,tl: offered first.
		waitJS(`document.querySelector('#evaluate-dataset').value === 'corners' && document.querySelector('#evaluate-labels-input').value === 'br,tl'`),
		setField(`#evaluate-labels-input`, ""),
		setField(`#evaluate-limit`, "5"),
		setField(`#evaluate-seed`, "3"),
		click(`#evaluate-start`),
		waitJS(`document.querySelectorAll('#evaluate-labels tbody tr').length === 3 && document.querySelectorAll('#evaluations tbody tr').length === 1`),
		chromedp.Text(`#evaluate-result`, &result),
		chromedp.Text(`#evaluate-unknown`, &unknown),
		axeCheck(t),
	)
	if err != nil {
		var html string
		chromedp.Run(ctx, chromedp.Evaluate(`(document.querySelector('#evaluate') || document.querySelector('#app')).outerHTML`, &html))
		t.Fatalf("%v\n%s", err, html)
	}
	if !strings.Contains(result, "10 images scored from dataset:corners, at most 5 per label, seed 3") || !strings.Contains(result, "accuracy 1") {
		t.Errorf("result: %s", result)
	}
	if !strings.Contains(unknown, "do not include zz") {
		t.Errorf("unknown labels: %s", unknown)
	}
	// At 800 px the panel fits: no sideways scroll.
	var scroll, inner int
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(800, 900), chromedp.Sleep(100*1e6),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll), chromedp.Evaluate(`innerWidth`, &inner)); err != nil {
		t.Fatal(err)
	}
	if scroll > inner {
		t.Errorf("the run page with an evaluation scrolls sideways at 800 px (scrollWidth %d > innerWidth %d)", scroll, inner)
	}
	var list struct{ Evaluations []struct{ Rows int } }
	_, b := getBody(t, ts.URL+"/api/runs/"+created.ID+"/evaluations")
	if json.Unmarshal(b, &list) != nil || len(list.Evaluations) != 1 || list.Evaluations[0].Rows != 10 {
		t.Fatalf("evaluations recorded: %s", b)
	}
}
