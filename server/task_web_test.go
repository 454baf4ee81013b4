package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebTaskSelector checks the run form's task selector: each task shows
// its model fields (a GAN's latent_dim, generator, discriminator and
// optimizer_d; a sequence's window and horizon; an autoencoder's encoder
// and decoder lists with their layers' shapes), and an autoencoder run
// started from the form trains and is recorded with its task.
func TestWebTaskSelector(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers in this build")
	}
	var gan, seq, ae bool
	var shapes int
	var hash string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		waitJS(`!!document.querySelector('select[name="task"]')`),
		setField(`select[name="task"]`, "gan"),
		waitJS(`!!document.querySelector('select[name="add-generator"]')`),
		chromedp.Evaluate(`!!document.querySelector('input[name="model.latent_dim"]') && !!document.querySelector('select[name="add-discriminator"]')
			&& !!document.querySelector('select[name="optimizer_d.type"]') && !document.querySelector('select[name="model.mode"]')
			&& JSON.parse(document.querySelector('#spec-json').value).task === 'gan'`, &gan),
		setField(`select[name="task"]`, "sequence"),
		waitJS(`!!document.querySelector('input[name="data.sequence.window"]')`),
		chromedp.Evaluate(`!!document.querySelector('input[name="data.sequence.horizon"]') && !!document.querySelector('select[name="add-layer"]')
			&& !document.querySelector('select[name="optimizer_d.type"]') && !!JSON.parse(document.querySelector('#spec-json').value).data.sequence`, &seq),
		setField(`select[name="task"]`, "autoencoder"),
		waitJS(`!!document.querySelector('select[name="add-encoder"]') && !!document.querySelector('select[name="add-decoder"]')`),
		waitJS(`document.querySelector('#validity').textContent === '✓ valid'`),
		chromedp.Evaluate(`(() => { const s = JSON.parse(document.querySelector('#spec-json').value);
			return s.task === 'autoencoder' && !s.data.sequence && s.data.train === 'builtin:digits' && !s.model.layers; })()`, &ae),
		waitJS(`[...document.querySelectorAll('[data-field^="model.decoder["] .shape')].some((e) => e.textContent.includes('64'))`),
		chromedp.Evaluate(`document.querySelectorAll('[data-field^="model.encoder["] .shape, [data-field^="model.decoder["] .shape').length`, &shapes),
		click(`#start`),
		waitJS(`/^#\/runs\/[0-9a-f]{21}$/.test(location.hash)`),
		chromedp.Evaluate(`location.hash`, &hash),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !gan || !seq || !ae {
		t.Errorf("task fields: gan %v, sequence %v, autoencoder %v; want all shown", gan, seq, ae)
	}
	if shapes != 6 {
		t.Errorf("%d layer shapes shown, want the 6 of the encoder and the decoder", shapes)
	}
	id := strings.TrimPrefix(hash, "#/runs/")
	waitStatus(t, ts.URL, id, "succeeded")
	resp, err := http.Get(ts.URL + "/api/runs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var run struct {
		Spec struct {
			Task string `json:"task"`
		} `json:"spec"`
		Result struct {
			Class string `json:"class"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&run); err != nil {
		t.Fatal(err)
	}
	if run.Spec.Task != "autoencoder" || run.Result.Class != "Autoencoder" {
		t.Errorf("the run started from the form: task %q, class %q; want an autoencoder", run.Spec.Task, run.Result.Class)
	}
}
