package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mlforge/mlforge/jobs"
)

// TestValidateUsesServerBudgets: /api/validate and /api/runs check a spec
// with train.Check under the budgets the server was started with
// (--max-model-bytes, --max-run-memory): a spec over them is a 400 naming
// the parameter or layer, the estimate and the budget; and they agree with
// the run on paths (issue 8: "iris.csv/" is refused when validating).
func TestValidateUsesServerBudgets(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Workers: 1, RunLimits: jobs.Limits{MaxModelBytes: 1 << 20, MaxRunMemory: 64 << 20}}
	s, ts := startTestServer(t, cfg)
	if err := os.WriteFile(filepath.Join(s.filesDir, "iris.csv"), []byte("a,b,target\n1,2,x\n3,4,y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// 784 x 4096 float32 weights = 12.8 MB, over a 1 MiB model budget
	// (under the machine's default one).
	wide := `{"name": "w", "data": {"train": "builtin:digits"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 4096}, {"type": "ReLU"}, {"type": "Linear", "in_features": 4096, "out_features": "n_labels"}]}}`
	mlp := `{"name": "m", "data": {"train": "builtin:iris"}, "model": {"class": "MLPClassifier", "params": {"hidden_layer_sizes": [200000]}}}`
	for _, sc := range []scenario{
		{name: "network over the model budget", method: "POST", path: "/api/validate", body: wide, status: 400,
			contain: []string{`"field":"model.layers[0].out_features"`, "over the budget of", "--max-model-bytes"}},
		{name: "network over the model budget, run", method: "POST", path: "/api/runs", body: wide, status: 400,
			contain: []string{`"field":"model.layers[0].out_features"`}},
		{name: "estimator over the run budget", method: "POST", path: "/api/validate", body: mlp, status: 400,
			contain: []string{`"field":"model.params.hidden_layer_sizes"`, "needs about", "over the budget of"}},
		{name: "small network fits", method: "POST", path: "/api/validate", body: `{"name": "s", "data": {"train": "builtin:digits"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`, status: 200,
			contain: []string{`"valid":true`, `"n_labels":10`}},
		{name: "a file named as a folder", method: "POST", path: "/api/validate", body: `{"name": "f", "data": {"train": "iris.csv/"}, "model": {"class": "GaussianNB"}}`, status: 400,
			contain: []string{`"field":"data.train"`, "not a directory"}},
	} {
		sc.run(t, ts.URL)
	}
}
