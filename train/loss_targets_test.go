package train_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// lossRuns are the iris networks of TestLossesFromClassLabels: each loss
// takes the targets the run makes from iris's class labels (one-hot,
// multi-hot, or the class indices themselves), as
// testdata/gen_loss_reference.py gives them to PyTorch 1.13.
var lossRuns = []struct{ name, criterion string }{
	{"iris_bce_logits", `"BCEWithLogitsLoss"`},
	{"iris_multilabel_soft_margin", `"MultiLabelSoftMarginLoss"`},
	{"iris_mse_one_hot", `"MSELoss"`},
	{"iris_huber", `{"type": "HuberLoss", "delta": 0.5}`},
	{"iris_multi_margin", `"MultiMarginLoss"`},
}

// lossIrisExtra is the training part of every lossRuns spec (irisNet's
// network: Linear 16, ReLU, Linear n_labels, batch 16).
const lossIrisExtra = `"optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 60, "output": "OUT"`

// TestLossesFromClassLabels trains iris from a spec through Check and Run
// with losses whose targets are not class indices, and compares the test
// accuracy with PyTorch 1.13's over ten seeds (testdata/loss_reference.json).
func TestLossesFromClassLabels(t *testing.T) {
	f, err := datasets.Load("iris")
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, "iris", irisNet(t, lossIrisExtra), f.Y, true)
	for _, r := range lossRuns {
		t.Run(r.name, func(t *testing.T) {
			dir := t.TempDir()
			s := irisNet(t, `"criterion": `+r.criterion+`, `+lossIrisExtra)
			s.Output = filepath.Join(dir, "m")
			p, err := train.Check(s, train.Options{Root: dir})
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			wantAtLeastLossReference(t, r.name, res.Metrics["test"]["accuracy"])
		})
	}
}

// wantAtLeastLossReference checks a score against the run name of
// testdata/loss_reference.json, with referenceTolerance.
func wantAtLeastLossReference(t *testing.T, name string, got float64) {
	t.Helper()
	b, err := os.ReadFile("testdata/loss_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Runs map[string]reference `json:"runs"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("testdata/loss_reference.json: %v", err)
	}
	r, ok := f.Runs[name]
	if !ok || len(r.Scores) < 3 {
		t.Fatalf("testdata/loss_reference.json: run %q missing or with fewer than 3 seeds: run gen_loss_reference.py", name)
	}
	tol := referenceTolerance(r)
	t.Logf("%s %s %.4f; PyTorch 1.13 over %d seeds: mean %.4f, std %.4f, min %.4f; floor %.4f", name, r.Metric, got, len(r.Seeds), r.Mean, r.Std, r.Min, r.Mean-tol)
	if got < r.Mean-tol {
		t.Errorf("%s: test %s %.4f, below PyTorch's mean %.4f minus the tolerance %.4f", name, r.Metric, got, r.Mean, tol)
	}
}

// TestLossTargetsRefused: a loss whose targets the data cannot give is a
// validation error naming the criterion and what to do.
func TestLossTargetsRefused(t *testing.T) {
	dir := t.TempDir()
	csv := "x,y\n1,0.5\n2,1.25\n3,2.5\n4,3.75\n5,4.5\n6,5.5\n7,6.25\n8,7.5\n"
	if err := os.WriteFile(filepath.Join(dir, "r.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, json, want string }{
		{"continuous target", `{"name": "n", "data": {"train": "r.csv"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "criterion": "BCEWithLogitsLoss"}`,
			`criterion: BCEWithLogitsLoss compares the output with classes, but the target column holds continuous values such as 0.5; use a loss of values (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, PoissonNLLLoss) with a last layer of "out_features": 1`},
		{"weight per class", `{"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "out_features": "n_labels"}]}, "criterion": {"type": "MultiMarginLoss", "weight": [1, 2]}}`,
			"criterion: MultiMarginLoss: weight has 2 elements, expected one per class (3) (the network outputs 3 values per sample)"},
		{"regression", `{"name": "n", "data": {"train": "r.csv"}, "model": {"layers": [{"type": "Linear", "out_features": 1}]}, "criterion": "HuberLoss"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			_, err = train.Check(s, train.Options{Root: dir})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
