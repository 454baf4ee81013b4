package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebGANSamples opens a finished GAN run's page: the per-epoch chart
// is shown (loss_d, loss_g) and the latest sample grid is drawn, with a
// slider that shows the grid of another epoch.
func TestWebGANSamples(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	for _, f := range []string{"images.idx3.gz", "labels.idx1.gz"} {
		b, err := os.ReadFile(filepath.Join("..", "train", "testdata", "gan", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(s.filesDir, "gan"), 0o755)
		if err := os.WriteFile(filepath.Join(s.filesDir, "gan", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	status, out := postJSON(t, ts.URL+"/api/runs", `{"name": "tiny-gan", "task": "gan", "seed": 1,
		"data": {"train": {"images": "gan/images.idx3.gz", "labels": "gan/labels.idx1.gz"}},
		"transforms": [{"type": "ToTensor"}],
		"model": {"latent_dim": 4,
		  "generator": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "Sigmoid"},
		                {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 4, 4]}],
		  "discriminator": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 1}]},
		"optimizer": {"type": "Adam", "lr": 0.001}, "optimizer_d": {"type": "SGD", "lr": 0.01},
		"batch_size": 8, "epochs": 3}`)
	if status != 202 {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	waitStatus(t, ts.URL, id, "succeeded")
	var src, label string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs/"+id),
		waitJS(`(() => { const i = document.querySelector('#samples #sample-grid'); return i && i.complete && i.naturalWidth === 50; })()`),
		waitJS(`!document.querySelector('#samples').classList.contains('hidden')`),
		chromedp.Evaluate(`(() => { const r = document.querySelector('#sample-epoch'); r.value = '0'; r.dispatchEvent(new Event('input'));
			return document.querySelector('#sample-grid').getAttribute('src'); })()`, &src),
		chromedp.Evaluate(`document.querySelector('#samples .muted').textContent`, &label),
	)
	if err != nil {
		t.Fatal(err)
	}
	if src != "/api/runs/"+id+"/samples/epoch-001.png" || label != "epoch 1 of 3" {
		t.Errorf("after moving the slider to the first epoch: src %q, label %q", src, label)
	}
}
