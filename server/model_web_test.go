package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/store"
)

// startIris starts an iris run named name with LogisticRegression's C and
// returns its id once it has succeeded.
func startIris(t *testing.T, base, name string, c float64) string {
	t.Helper()
	body := fmt.Sprintf(`{"name": %q, "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"C": %g}}}`, name, c)
	status, out := postJSON(t, base+"/api/runs", body)
	if status != http.StatusAccepted {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	waitStatus(t, base, id, "succeeded")
	return id
}

func getBody(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestModelPerRun trains two runs of the same name and checks that each
// run's model route hands out that run's file (the bytes on disk, named
// after the run), that the two files predict as their runs do, that the
// route is a 404 for a run without a model, and that predict by run uses
// that run's model.
func TestModelPerRun(t *testing.T) {
	s, ts := newTestServer(t, "sqlite", "")
	a := startIris(t, ts.URL, "twin", 0.001)
	b := startIris(t, ts.URL, "twin", 100)
	row := `{"rows": [{"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 4.2, "petal_width": 1.5}], "proba": true}`
	probs := map[string][]float64{}
	for _, id := range []string{a, b} {
		resp, got := getBody(t, ts.URL+"/api/runs/"+id+"/model")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/runs/%s/model = %d %s", id, resp.StatusCode, got)
		}
		if cd, want := resp.Header.Get("Content-Disposition"), `attachment; filename="twin-`+id+`.safetensors"`; cd != want {
			t.Errorf("Content-Disposition = %q, want %q", cd, want)
		}
		disk, err := os.ReadFile(filepath.Join(s.cfg.DataDir, jobs.ModelDir(id), model.FileName))
		if err != nil {
			t.Fatal(err)
		}
		if string(disk) != string(got) {
			t.Errorf("run %s: the download is not the run's model file", id)
		}
		// The downloaded file predicts as the run's predict route does.
		p := filepath.Join(t.TempDir(), "m.safetensors")
		os.WriteFile(p, got, 0o644)
		m, err := model.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.FeatureNames()) != 4 {
			t.Fatalf("features %v", m.FeatureNames())
		}
		pred, err := m.Predict(mat.NewDense(1, 4, []float64{5.9, 3.0, 4.2, 1.5}), true)
		if err != nil {
			t.Fatal(err)
		}
		status, out := postJSON(t, ts.URL+"/api/runs/"+id+"/predict", row)
		if status != http.StatusOK {
			t.Fatalf("predict by run %s = %d %v", id, status, out)
		}
		if out["run_id"] != id {
			t.Errorf("predict by run %s answered for run %v", id, out["run_id"])
		}
		pr := out["probabilities"].([]any)[0].([]any)
		for j := range pr {
			probs[id] = append(probs[id], pr[j].(float64))
			if d := pr[j].(float64) - pred.Proba.At(0, j); d > 1e-12 || d < -1e-12 {
				t.Errorf("run %s: downloaded model's probability %d = %v, the route's %v", id, j, pred.Proba.At(0, j), pr[j])
			}
		}
	}
	if fmt.Sprint(probs[a]) == fmt.Sprint(probs[b]) {
		t.Errorf("runs with C 0.001 and 100 predict the same probabilities %v", probs[a])
	}

	// model/info describes the run's model.
	_, infoBody := getBody(t, ts.URL+"/api/runs/"+a+"/model/info")
	var info api.RunModel
	if err := json.Unmarshal(infoBody, &info); err != nil {
		t.Fatal(err)
	}
	if info.RunID != a || info.Input != "table" || len(info.Features) != 4 || len(info.Classes) != 3 || info.Size == 0 || info.Download != "/api/runs/"+a+"/model" {
		t.Errorf("model/info = %s", infoBody)
	}

	// A failed run has no model.
	failed := &store.Run{ID: store.NewID(), Name: "nomodel", Class: "LogisticRegression", Spec: []byte(`{}`)}
	if err := s.store.CreateRun(context.Background(), failed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.FinishRun(context.Background(), failed.ID, failed.Attempt, store.Failed, nil, "boom"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/model", "/model/info"} {
		if resp, body := getBody(t, ts.URL+"/api/runs/"+failed.ID+path); resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "only a succeeded run") {
			t.Errorf("GET %s of a failed run = %d %s, want 404", path, resp.StatusCode, body)
		}
	}
	if status, body := postJSON(t, ts.URL+"/api/runs/"+failed.ID+"/predict", row); status != http.StatusNotFound {
		t.Errorf("predict by a failed run = %d %v, want 404", status, body)
	}
	for _, path := range []string{"/api/runs/0123456789abcdef01234/model", "/api/runs/0123456789abcdef01234/model/info"} {
		if resp, body := getBody(t, ts.URL+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d %s, want 404", path, resp.StatusCode, body)
		}
	}
	if resp, _ := getBody(t, ts.URL+"/api/runs/nothex/model"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /api/runs/nothex/model = %d, want 400", resp.StatusCode)
	}

	// The page of each run links to that run's model and predicts with it.
	ctx := browser(t)
	for _, id := range []string{a, b} {
		var href, pred string
		var rows int
		err := chromedp.Run(ctx,
			chromedp.Navigate(ts.URL+"/#/runs/"+id),
			chromedp.WaitVisible(`#download-model`),
			chromedp.Evaluate(`document.querySelector('#download-model').getAttribute('href')`, &href),
			chromedp.WaitVisible(`#predict-row`),
			setField(`input[name="predict.sepal_length"]`, "5.9"),
			setField(`input[name="predict.sepal_width"]`, "3.0"),
			setField(`input[name="predict.petal_length"]`, "4.2"),
			setField(`input[name="predict.petal_width"]`, "1.5"),
			click(`#predict-row button[type="submit"]`),
			chromedp.WaitVisible(`#predictions`),
			chromedp.Text(`#predictions tbody tr`, &pred),
			setField(`#predict-csv`, "petal_width,petal_length,sepal_width,sepal_length\n0.2,1.4,3.5,5.1\n2.3,5.4,3.1,6.9\n"),
			click(`#predict-csv-go`),
			waitJS(`document.querySelectorAll('#predictions tbody tr').length === 2`),
			chromedp.Evaluate(`document.querySelectorAll('#predictions tbody tr').length`, &rows),
		)
		if err != nil {
			t.Fatal(err)
		}
		if href != "/api/runs/"+id+"/model" {
			t.Errorf("run %s's page downloads %q", id, href)
		}
		// The row shows the run's own top probability.
		top := 0.0
		for _, v := range probs[id] {
			top = max(top, v)
		}
		if !strings.Contains(pred, fmt.Sprintf("%.4g", top)[:4]) {
			t.Errorf("run %s: the page shows %q, want its top probability %v", id, pred, top)
		}
		if rows != 2 {
			t.Errorf("two CSV rows gave %d predictions", rows)
		}
	}

	// The Models page lists both versions of twin, each downloading its own file.
	var hrefs []string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/models"),
		waitJS(`document.querySelectorAll('.model-card[data-name="twin"] tbody tr').length === 2`),
		chromedp.Evaluate(`[...document.querySelectorAll('.model-card[data-name="twin"] tbody a.button')].map((a) => a.getAttribute('href'))`, &hrefs),
	)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/api/runs/" + b + "/model", "/api/runs/" + a + "/model"}; fmt.Sprint(hrefs) != fmt.Sprint(want) {
		t.Errorf("the Models page downloads %v, want %v (newest first)", hrefs, want)
	}
}

// TestWebPredictImage trains a small network on an image folder and
// predicts two uploaded PNG files in its run's page.
func TestWebPredictImage(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers in this build")
	}
	for _, class := range []string{"br", "tl"} {
		dir := filepath.Join(s.filesDir, "corners", class)
		os.MkdirAll(dir, 0o755)
		for i := 0; i < 16; i++ {
			os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".png"), cornerPNG(t, class, i), 0o644)
		}
	}
	spec := `{"name": "corners", "seed": 1, "data": {"train": "corners"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 20}`
	status, out := postJSON(t, ts.URL+"/api/runs", spec)
	if status != http.StatusAccepted {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	waitStatus(t, ts.URL, id, "succeeded")
	up := t.TempDir()
	tl, br := filepath.Join(up, "top-left.png"), filepath.Join(up, "bottom-right.png")
	os.WriteFile(tl, cornerPNG(t, "tl", 99), 0o644)
	os.WriteFile(br, cornerPNG(t, "br", 98), 0o644)
	var got []string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs/"+id),
		chromedp.WaitVisible(`#predict-images`),
		chromedp.SetUploadFiles(`#predict-images`, []string{tl, br}),
		waitJS(`document.querySelectorAll('#predictions tbody tr').length === 2`),
		chromedp.Evaluate(`[...document.querySelectorAll('#predictions tbody tr')].map((r) => r.cells[1].textContent + '=' + r.cells[2].textContent + '|' + r.cells[3].textContent)`, &got),
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "top-left.png=tl|tl ") || !strings.HasPrefix(got[1], "bottom-right.png=br|br ") {
		t.Errorf("predictions in the page = %q, want top-left.png as tl and bottom-right.png as br, with probabilities", got)
	}
}
