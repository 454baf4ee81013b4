package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
)

func runSpec(t *testing.T, dir, js string) (*Result, error) {
	t.Helper()
	s, err := spec.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), s, Options{Root: dir})
}

// TestExamples trains every classic example spec and checks the held-out
// score is what these models reach on these splits (scikit-learn gets the
// same to within 0.01 on its own split; the per-estimator parity tests
// compare on identical splits).
func TestExamples(t *testing.T) {
	for file, want := range map[string]struct {
		metric string
		min    float64
	}{
		"iris-knn.json":       {"accuracy", 0.9},
		"wine-logreg.json":    {"accuracy", 0.95},
		"diabetes-ridge.json": {"r2", 0.4},
		"cancer-tree.json":    {"accuracy", 0.9},
		// Model selection (cv.go, search.go).
		"iris-cv.json":               {"accuracy", 0.9},
		"wine-gridsearch.json":       {"accuracy", 0.95},
		"diabetes-randomsearch.json": {"r2", 0.4},
		"iris-validation-curve.json": {"accuracy", 0.9},
		"digits-learning-curve.json": {"accuracy", 0.9},
	} {
		t.Run(file, func(t *testing.T) {
			s, err := spec.Load(filepath.Join("..", "examples", file))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			s.Output = filepath.Join(dir, "model")
			res, err := Run(context.Background(), s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Metrics["test"][want.metric]; got < want.min {
				t.Errorf("test %s = %v, want ≥ %v", want.metric, got, want.min)
			}
			m, err := model.Load(res.ModelPath)
			if err != nil {
				t.Fatal(err)
			}
			if m.Manifest.Name != s.Name || len(m.Manifest.Features) != len(res.Features) {
				t.Errorf("manifest = %+v", m.Manifest)
			}
		})
	}
}

func TestSeparateTestFileAndLabels(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "train.csv"), []byte("x1,x2,label\n0,0,cold\n0,1,cold\n1,0,cold\n5,5,hot\n5,6,hot\n6,5,hot\n9,9,warm\n9,8,warm\n8,9,warm\n"), 0o644)
	// Columns in another order, and only two of the three classes.
	os.WriteFile(filepath.Join(dir, "test.csv"), []byte("label,x2,x1\nhot,5,5\ncold,0,1\n"), 0o644)
	res, err := runSpec(t, dir, `{"name": "t", "data": {"train": "train.csv", "test": "test.csv", "target": "label"},
		"model": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 1}}, "output": "m"}`)
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics["test"]["accuracy"] != 1 || strings.Join(res.Labels, ",") != "cold,hot,warm" || res.NTest != 2 {
		t.Fatalf("result = %+v", res)
	}
	m, err := model.Load(filepath.Join(dir, "m"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Manifest.Target != "label" || strings.Join(m.FeatureNames(), ",") != "x1,x2" {
		t.Fatalf("manifest = %+v", m.Manifest)
	}
}

func TestBadData(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gaps.csv"), []byte("a,b,y\n1,,0\n2,3,1\n3,4,0\n4,5,1\n5,6,0\n6,7,1\n7,8,0\n8,9,1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "text.csv"), []byte("a,y\n1,x\n2,y\n3,x\n4,y\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "test_new_class.csv"), []byte("a,y\n1,z\n"), 0o644)
	for _, c := range []struct{ name, spec, err string }{
		{"missing values", `{"name": "m", "data": {"train": "gaps.csv"}, "model": {"class": "GaussianNB"}, "output": "o"}`,
			`gaps.csv: column "b": 1 missing value (line 2); add {"type": "SimpleImputer"} to preprocess`},
		{"text target for a regressor", `{"name": "m", "data": {"train": "text.csv"}, "model": {"class": "Ridge"}, "output": "o"}`,
			"Ridge is a regressor"},
		{"unseen class in test", `{"name": "m", "data": {"train": "text.csv", "test": "test_new_class.csv"}, "model": {"class": "GaussianNB"}, "output": "o"}`,
			`"z"`},
	} {
		_, err := runSpec(t, dir, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.err) || !ml.IsBadInput(err) {
			t.Errorf("%s: err = %v, want bad input containing %q", c.name, err, c.err)
		}
	}
	// With an imputer the same data trains.
	if _, err := runSpec(t, dir, `{"name": "m", "data": {"train": "gaps.csv"}, "preprocess": [{"type": "SimpleImputer"}], "model": {"class": "GaussianNB"}, "output": "o"}`); err != nil {
		t.Fatal(err)
	}
}

func TestCancel(t *testing.T) {
	s, err := spec.Parse([]byte(`{"name": "c", "data": {"train": "builtin:digits"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 100000, "tol": 0}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	_, err = Run(ctx, s, Options{Output: t.TempDir(), Reporter: ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "iter" {
			if steps++; steps == 3 {
				cancel()
			}
		}
	})})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("err = %v, want a cancellation", err)
	}
	if steps > 4 {
		t.Errorf("%d iterations ran after the cancel; want it to stop within one", steps-3)
	}
}

// TestNonFiniteMetricSaved: a metric that overflows (+Inf mean squared
// error) is stored as null with a warning; the run does not fail at the save
// step (issue 8).
func TestNonFiniteMetricSaved(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%d,%de300\n", i, (i%7)*(i%2*2-1))
	}
	if err := os.WriteFile(filepath.Join(dir, "big.csv"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse([]byte(`{"name": "big", "data": {"train": "big.csv"}, "model": {"class": "KNeighborsRegressor", "params": {"n_neighbors": 1}}, "metrics": ["mean_squared_error", "r2"], "output": "m"}`))
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	rep := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "log" {
			logs = append(logs, e.Message)
		}
	})
	res, err := Run(context.Background(), s, Options{Root: dir, Reporter: rep})
	if err != nil {
		t.Fatalf("the run failed: %v", err)
	}
	if v := res.Metrics["test"]["mean_squared_error"]; !math.IsInf(v, 1) {
		t.Fatalf("test mse = %v, want +Inf (the case this test is about)", v)
	}
	if !strings.Contains(strings.Join(logs, "\n"), "test mean_squared_error = +Inf is not finite; it is stored as null") {
		t.Errorf("no warning in the logs: %q", logs)
	}
	if b, err := json.Marshal(res); err != nil || !strings.Contains(string(b), `"mean_squared_error":null`) {
		t.Errorf("the result (what the service stores) = %s, %v; want the metric as null", b, err)
	}
	m, err := model.Load(res.ModelPath)
	if err != nil {
		t.Fatal(err)
	}
	if v := m.Manifest.Metrics["test"]["mean_squared_error"]; !math.IsNaN(v) {
		t.Errorf("stored mse reads back as %v, want NaN (null)", v)
	}
}
