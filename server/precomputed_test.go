package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrecomputedAndWeightedImportanceAPI: a model trained from a
// precomputed kernel table (train/testdata/gen_precomputed.py) predicts,
// through POST /api/models/{name}/predict, scikit-learn's classes from the
// kernel between new rows and the training rows, and refuses a row without
// one value per training row; a run with data.sample_weight and
// permutation_importance shows its weighted table in GET /api/runs/{id}.
func TestPrecomputedAndWeightedImportanceAPI(t *testing.T) {
	s, base := startLoopback(t, Config{})
	for _, f := range []string{"iris_kernel_train.csv", "iris_kernel_test.csv", "iris_w.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "train", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s.filesDir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	trainModel(t, base, `{"name": "pre", "data": {"train": "iris_kernel_train.csv", "test": "iris_kernel_test.csv", "target": "target"}, "model": {"class": "SVC", "params": {"kernel": "precomputed", "C": 0.5}}}`)
	var fx struct{ SVC struct{ Predict []float64 } }
	b, err := os.ReadFile(filepath.Join("..", "train", "testdata", "precomputed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(s.filesDir, "iris_kernel_test.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]json.Number
	for _, line := range strings.Split(strings.TrimSpace(string(csv)), "\n")[1:] {
		f := strings.Split(line, ",")
		row := make([]json.Number, len(f)-1)
		for i, v := range f[:len(f)-1] {
			row[i] = json.Number(v)
		}
		rows = append(rows, row)
	}
	body, _ := json.Marshal(map[string]any{"instances": rows})
	st, _, out := call(t, "POST", base+"/api/models/pre/predict", "", string(body), map[string]string{"Content-Type": "application/json"})
	if st != 200 {
		t.Fatalf("predict = %d %s", st, out)
	}
	var pr struct{ Predictions []string }
	if err := json.Unmarshal([]byte(out), &pr); err != nil {
		t.Fatal(err)
	}
	labels := []string{"setosa", "versicolor", "virginica"}
	if len(pr.Predictions) != len(fx.SVC.Predict) {
		t.Fatalf("%d predictions, scikit-learn %d", len(pr.Predictions), len(fx.SVC.Predict))
	}
	for i, v := range fx.SVC.Predict {
		if pr.Predictions[i] != labels[int(v)] {
			t.Fatalf("row %d: %s, scikit-learn %s", i, pr.Predictions[i], labels[int(v)])
		}
	}
	short, _ := json.Marshal(map[string]any{"instances": [][]json.Number{rows[0][:10]}})
	if st, _, out := call(t, "POST", base+"/api/models/pre/predict", "", string(short), map[string]string{"Content-Type": "application/json"}); st != 400 {
		t.Errorf("a row of 10 kernel values = %d %s, want 400", st, out)
	}

	st, _, out = call(t, "POST", base+"/api/runs", "", `{"name": "wperm", "data": {"train": "iris_w.csv", "target": "target", "sample_weight": "w"}, "model": {"class": "GaussianNB"}, "permutation_importance": {"n_repeats": 3, "scoring": "accuracy"}}`, nil)
	if st != 202 {
		t.Fatalf("POST /api/runs = %d %s", st, out)
	}
	var c struct{ ID string }
	json.Unmarshal([]byte(out), &c)
	run := waitStatus(t, base, c.ID, "succeeded")
	if !strings.Contains(run, `"permutation_importance"`) || !strings.Contains(run, `"weighted":true`) {
		t.Errorf("the run's summary has no weighted permutation_importance: %.600s", run)
	}
}
