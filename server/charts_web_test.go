package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebRunChartsEveryStep trains a network whose steps come faster than
// the live stream's sampling: the store keeps every step (loss has one
// point per step), the run page draws them all, the epoch chart has a
// per-epoch value of each metric the spec names (val_f1_macro beside
// val_accuracy), loss keeps its colour across a reload, and the x axis
// switches to wall time and to epochs.
func TestWebRunChartsEveryStep(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers in this build")
	}
	for _, class := range []string{"br", "tl"} {
		dir := filepath.Join(s.filesDir, "corners", class)
		os.MkdirAll(dir, 0o755)
		for i := 0; i < 12; i++ {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.png", i)), cornerPNG(t, class, i), 0o644)
		}
	}
	const epochs = 5
	spec := fmt.Sprintf(`{"name": "steps", "seed": 1, "data": {"train": "corners"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "SGD", "lr": 0.05}, "batch_size": 2, "epochs": %d, "metrics": ["accuracy", "f1_macro"]}`, epochs)
	status, out := postJSON(t, ts.URL+"/api/runs", spec)
	if status != http.StatusAccepted {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	var run struct {
		Result struct {
			NTrain int `json:"n_train"`
		}
	}
	json.Unmarshal([]byte(waitStatus(t, ts.URL, id, "succeeded")), &run)
	steps := epochs * ((run.Result.NTrain + 1) / 2)
	_, b := getBody(t, ts.URL+"/api/runs/"+id+"/metrics")
	var m struct {
		Series map[string][]struct{ Step, Epoch int }
	}
	json.Unmarshal(b, &m)
	if len(m.Series["loss"]) != steps {
		t.Fatalf("loss has %d points, want one per step (%d)", len(m.Series["loss"]), steps)
	}
	if len(m.Series["val_f1_macro"]) != epochs || len(m.Series["val_accuracy"]) != epochs {
		t.Fatalf("per-epoch metrics: %d val_f1_macro, %d val_accuracy points, want %d each", len(m.Series["val_f1_macro"]), len(m.Series["val_accuracy"]), epochs)
	}
	stepsDrawn := fmt.Sprintf(`+document.querySelector('#chart-step')?.dataset.points === %d && !!document.querySelector('#chart-step .u-over')`, steps)
	var labels []string
	var color1, color2 string
	colorJS := `[...document.querySelectorAll('#chart-step .u-legend .u-series')].find((s) => s.textContent.includes('loss'))?.querySelector('.u-marker')?.style.borderColor || ''`
	err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs/"+id), waitJS(stepsDrawn),
		chromedp.Evaluate(`[...document.querySelectorAll('#chart-epoch .u-legend .u-series .u-label')].map((l) => l.textContent).slice(1)`, &labels),
		chromedp.Evaluate(colorJS, &color1),
		chromedp.Reload(), waitJS(stepsDrawn), chromedp.Evaluate(colorJS, &color2))
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, l := range labels {
		has[l] = true
	}
	for _, want := range []string{"epoch_loss", "val_loss", "val_accuracy", "val_f1_macro"} {
		if !has[want] {
			t.Errorf("the epoch chart shows %q, not %s", labels, want)
		}
	}
	if color1 == "" || color1 != color2 {
		t.Errorf("loss is %q, then %q after a reload", color1, color2)
	}
	// Wall time: x runs from 0 to about the run's length in seconds;
	// epochs: the step series spans 0..epochs.
	var xmax float64
	err = chromedp.Run(ctx, setField(`#x-axis`, "time"), waitJS(`document.querySelector('#app').dataset.xMode === 'time'`),
		waitJS(`document.querySelector('#chart-step .u-legend .u-series .u-label')?.textContent === 'seconds'`),
		setField(`#x-axis`, "epoch"), waitJS(`document.querySelector('#chart-step .u-legend .u-series .u-label')?.textContent === 'epoch'`),
		chromedp.Evaluate(`+document.querySelector('#chart-step').dataset.xMax`, &xmax))
	if err != nil {
		t.Fatal(err)
	}
	if xmax < epochs-0.01 || xmax > epochs+0.01 {
		t.Errorf("by epoch the step series ends at x = %v, want %d", xmax, epochs)
	}
	fitsAt(t, ctx, ts.URL, "#/runs/"+id, stepsDrawn)
}
