package train_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestPrecomputedRunMatchesScikitLearn trains from specs whose tables are
// precomputed matrices (testdata/gen_precomputed.py, scikit-learn 1.2.1):
// an SVC on a linear kernel and a KNeighborsRegressor on distances, each
// with data.train the square training matrix and data.test the kernel
// between the test rows and the training rows. The test score is
// scikit-learn's (accuracy exactly, r2 within 1e-12), and the model file,
// loaded back, predicts scikit-learn's predictions from the test matrix
// (exactly for the SVC, within 1e-9 of their scale for the regressor), its
// features the training rows' columns.
func TestPrecomputedRunMatchesScikitLearn(t *testing.T) {
	var fx struct {
		SVC struct {
			Predict  []float64
			Accuracy float64
		}
		KNR struct {
			Predict []float64
			R2      float64
		}
	}
	testutil.ReadJSON(t, "testdata/precomputed.json", &fx)
	for _, c := range []struct {
		name, model, metric string
		want                float64
		predict             []float64
		tol                 float64
	}{
		{"iris_kernel", `{"class": "SVC", "params": {"kernel": "precomputed", "C": 0.5}}`, "accuracy", fx.SVC.Accuracy, fx.SVC.Predict, 0},
		{"diabetes_dist", `{"class": "KNeighborsRegressor", "params": {"metric": "precomputed", "n_neighbors": 4, "weights": "distance"}}`, "r2", fx.KNR.R2, fx.KNR.Predict, 1e-9},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "m")
			res, err := runSpec(t, fmt.Sprintf(`{"name": "pre", "data": {"train": "%s_train.csv", "test": "%s_test.csv", "target": "target"}, "model": %s, "metrics": [%q], "output": %q}`,
				c.name, c.name, c.model, c.metric, out), train.Options{Root: "testdata"})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Metrics["test"][c.metric]; math.Abs(got-c.want) > 1e-12 {
				t.Errorf("test %s %.17g, scikit-learn %.17g", c.metric, got, c.want)
			}
			m, err := model.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if fn := m.FeatureNames(); len(fn) != res.NTrain || fn[0] != "r0" || fn[1] != "r2" {
				t.Errorf("model features %v, want the %d training rows' columns r0, r2, ...", fn[:min(3, len(fn))], res.NTrain)
			}
			f, err := data.ReadCSVFile(filepath.Join("testdata", c.name+"_test.csv"), data.CSVOptions{Name: c.name + "_test.csv", Target: "target"})
			if err != nil {
				t.Fatal(err)
			}
			p, err := m.Predict(f.X, false)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Values
			scale := 1.0
			for _, v := range c.predict {
				scale = math.Max(scale, math.Abs(v))
			}
			for i, v := range c.predict {
				if math.Abs(got[i]-v) > c.tol*scale {
					t.Fatalf("model file predicts %v for test row %d, scikit-learn %v", got[i], i, v)
				}
			}
		})
	}
}

// TestPrecomputedSplit: a split of a square kernel table takes, for both
// parts, the columns of the training rows (and leaves data.sample_weight's
// column aside), so the run is the fit on K[train][:, train] scored on
// K[test][:, train] with the split's rows; a table that is not square and
// a preprocessing step are refused by name.
func TestPrecomputedSplit(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	n, _ := X.Dims()
	var K mat.Dense
	K.Mul(X, X.T())
	w := make([]float64, n)
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "r%d,", i)
	}
	b.WriteString("w,target\n")
	for i := range n {
		w[i] = 0.5 + float64(i%4)/2
		for j := range n {
			fmt.Fprintf(&b, "%v,", K.At(i, j))
		}
		fmt.Fprintf(&b, "%v,%v\n", w[i], y[i])
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "k.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := func(extra string) string {
		return fmt.Sprintf(`{"name": "pre", "data": {"train": "k.csv", "target": "target", "sample_weight": "w", "split": {"test_size": 0.25, "seed": 3, "stratify": false}},
			"model": {"class": "SVC", "params": {"kernel": "precomputed", "C": 0.5}}, "metrics": ["accuracy"], "output": %q%s}`, filepath.Join(dir, "m"), extra)
	}
	res, err := runSpec(t, spec(""), train.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	tr, te, err := modelselection.TrainTestSplit(n, modelselection.Split{TestSize: 0.25, RandomState: 3})
	if err != nil {
		t.Fatal(err)
	}
	sub := func(rows, cols []int) *mat.Dense {
		out := mat.NewDense(len(rows), len(cols), nil)
		for a, i := range rows {
			for c, j := range cols {
				out.Set(a, c, K.At(i, j))
			}
		}
		return out
	}
	take := func(v []float64, idx []int) []float64 {
		out := make([]float64, len(idx))
		for i, j := range idx {
			out[i] = v[j]
		}
		return out
	}
	svc, err := ml.New("SVC", json.RawMessage(`{"kernel": "precomputed", "C": 0.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.(ml.WeightedFitter).FitWeighted(context.Background(), sub(tr, tr), take(y, tr), take(w, tr)); err != nil {
		t.Fatal(err)
	}
	pred, err := svc.(ml.Predictor).Predict(sub(te, tr))
	if err != nil {
		t.Fatal(err)
	}
	yte, right := take(y, te), 0.0
	for i, v := range pred {
		if v == yte[i] {
			right++
		}
	}
	if got, want := res.Metrics["test"]["accuracy"], right/float64(len(te)); res.NTrain != len(tr) || got != want {
		t.Errorf("%d training rows, test accuracy %v; the direct fit on the split: %d rows, %v", res.NTrain, got, len(tr), want)
	}
	wantCols := make([]string, len(tr))
	for i, r := range tr {
		wantCols[i] = fmt.Sprintf("r%d", r)
	}
	if !slices.Equal(res.Features, wantCols) {
		t.Errorf("features %v..., want the training rows' columns %v...", res.Features[:3], wantCols[:3])
	}

	// Refusals.
	var nb strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		_, rest, _ := strings.Cut(line, ",") // drop the first column
		nb.WriteString(rest + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "k.csv"), []byte(nb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runSpec(t, spec(""), train.Options{Root: dir}); err == nil || !strings.Contains(err.Error(), "150 rows and 149 matrix columns (150 × 149)") {
		t.Errorf("a 150 × 149 kernel: %v", err)
	}
	for extra, want := range map[string]string{
		`, "preprocess": [{"type": "StandardScaler"}]`: `preprocess: model.params.kernel is "precomputed"`,
	} {
		if _, err := runSpec(t, spec(extra), train.Options{Root: dir}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", extra, err, want)
		}
	}
}

// TestPrecomputedDBSCANRun: DBSCAN with metric "precomputed" trains from a
// table of distances (no target), and a table that is not square is
// refused with both shapes.
func TestPrecomputedDBSCANRun(t *testing.T) {
	X, _ := testutil.LoadCSV(t, "data/datasets/iris.csv")
	n, d := X.Dims()
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "r%d", i)
	}
	b.WriteString("\n")
	for i := range n {
		for j := range n {
			s := 0.0
			for k := range d {
				s += (X.At(i, k) - X.At(j, k)) * (X.At(i, k) - X.At(j, k))
			}
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%v", math.Sqrt(s))
		}
		b.WriteString("\n")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := fmt.Sprintf(`{"name": "db", "data": {"train": "d.csv"}, "model": {"class": "DBSCAN", "params": {"metric": "precomputed", "eps": 0.5}}, "output": %q}`, filepath.Join(dir, "m"))
	if _, err := runSpec(t, spec, train.Options{Root: dir}); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(b.String()), "\n")
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte(strings.Join(rows[:len(rows)-1], "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runSpec(t, spec, train.Options{Root: dir}); err == nil || !strings.Contains(err.Error(), "(149 × 150)") {
		t.Errorf("a 149 × 150 matrix: %v", err)
	}
}

// TestPrecomputedModelSelectionMatchesScikitLearn: cross-validation, a
// learning curve and a grid search on a precomputed training matrix fit
// and score each fold on its rows with its training rows' columns, as
// scikit-learn's _safe_split: the fold scores are
// testdata/precomputed.json's (gen_precomputed.py) exactly.
func TestPrecomputedModelSelectionMatchesScikitLearn(t *testing.T) {
	var fx struct {
		CV    []float64 `json:"svc_cv"`
		Curve struct {
			Sizes []int       `json:"train_sizes_abs"`
			Test  [][]float64 `json:"test_scores"`
		} `json:"svc_learning_curve"`
		Grid []float64 `json:"svc_grid"`
	}
	testutil.ReadJSON(t, "testdata/precomputed.json", &fx)
	const cv = `{"type": "StratifiedKFold", "n_splits": 3, "shuffle": true, "random_state": 0}`
	run := func(model, extra string) *train.Result {
		t.Helper()
		res, err := runSpec(t, fmt.Sprintf(`{"name": "pre", "data": {"train": "iris_kernel_train.csv", "test": "iris_kernel_test.csv", "target": "target"}, "model": {"class": "SVC", "params": %s}, "metrics": ["accuracy"], %s, "output": %q}`,
			model, extra, filepath.Join(t.TempDir(), "m")), train.Options{Root: "testdata"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run(`{"kernel": "precomputed", "C": 0.5}`, `"cv": `+cv)
	for i, want := range fx.CV {
		if got := res.CV.Folds[i].Test["accuracy"]; got != want {
			t.Errorf("cv fold %d: accuracy %v, scikit-learn %v", i, got, want)
		}
	}
	res = run(`{"kernel": "precomputed", "C": 0.5}`, `"learning_curve": {"train_sizes": [0.5, 1.0], "scoring": "accuracy", "cv": `+cv+`}`)
	for i, pt := range res.Curve.Points {
		if pt.NTrain != fx.Curve.Sizes[i] || !slices.Equal(pt.TestScores, fx.Curve.Test[i]) {
			t.Errorf("learning curve point %d: %d rows, %v; scikit-learn %d, %v", i, pt.NTrain, pt.TestScores, fx.Curve.Sizes[i], fx.Curve.Test[i])
		}
	}
	res = run(`{"kernel": "precomputed"}`, `"search": {"type": "GridSearchCV", "param_grid": {"C": [0.01, 0.5]}, "cv": `+cv+`}`)
	for i, want := range fx.Grid {
		if got := res.Search.Results[i].MeanTestScore; math.Abs(got-want) > 1e-15 {
			t.Errorf("candidate %d: mean test score %v, scikit-learn %v", i, got, want)
		}
	}
}

// TestPrecomputedBudget: with a precomputed matrix Check counts the fit of
// an n × n matrix from the CSV header's n columns, before any row is read,
// and refuses what the budget does not hold.
func TestPrecomputedBudget(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "r%d,", i)
	}
	b.WriteString("target\n")
	if err := os.WriteFile(filepath.Join(dir, "k.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{`{"class": "SVC", "params": {"kernel": "precomputed"}}`, `{"class": "KNeighborsClassifier", "params": {"metric": "precomputed"}}`} {
		s, err := spec.Parse([]byte(`{"name": "big", "data": {"train": "k.csv", "target": "target"}, "model": ` + model + `}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = train.Check(s, train.Options{Root: dir, Limits: budget.Limits{MaxRunMemory: 50e6}})
		if err == nil || !strings.Contains(err.Error(), "3,000 samples of 3,000 features") {
			t.Errorf("%s: %v, want the budget error for a 3,000 × 3,000 matrix", model, err)
		}
	}
}

// TestPrecomputedFromGrid: a search whose grid alone says "precomputed"
// (the params leave the kernel or metric out) is precomputed as a whole,
// as scikit-learn's _fit_and_score sets a candidate's parameters before
// _safe_split asks whether it is pairwise: its fold scores are
// testdata/precomputed.json's (scikit-learn's) exactly, and with a split
// of a square table the run is the one whose params say "precomputed" (the
// training rows' columns for both parts, the same scores and features).
// A grid that mixes "precomputed" with other kernels (or metrics) is
// refused by name, as is preprocessing.
func TestPrecomputedFromGrid(t *testing.T) {
	var fx struct {
		Grid []float64 `json:"svc_grid"`
	}
	testutil.ReadJSON(t, "testdata/precomputed.json", &fx)
	const cv = `{"type": "StratifiedKFold", "n_splits": 3, "shuffle": true, "random_state": 0}`
	res, err := runSpec(t, fmt.Sprintf(`{"name": "pre", "data": {"train": "iris_kernel_train.csv", "test": "iris_kernel_test.csv", "target": "target"}, "model": {"class": "SVC"}, "metrics": ["accuracy"],
		"search": {"type": "GridSearchCV", "param_grid": {"C": [0.01, 0.5], "kernel": ["precomputed"]}, "cv": %s}, "output": %q}`, cv, filepath.Join(t.TempDir(), "m")), train.Options{Root: "testdata"})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range fx.Grid {
		if got := res.Search.Results[i].MeanTestScore; math.Abs(got-want) > 1e-15 {
			t.Errorf("candidate %d: mean test score %v, scikit-learn %v", i, got, want)
		}
	}

	// A split of a square table: the grid's "precomputed" is the params'.
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	n, _ := X.Dims()
	var K mat.Dense
	K.Mul(X, X.T())
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "r%d,", i)
	}
	b.WriteString("target\n")
	for i := range n {
		for j := range n {
			fmt.Fprintf(&b, "%v,", K.At(i, j))
		}
		fmt.Fprintf(&b, "%v\n", y[i])
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "k.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(model, search, extra string) (*train.Result, error) {
		return runSpec(t, fmt.Sprintf(`{"name": "pre", "data": {"train": "k.csv", "target": "target", "split": {"test_size": 0.25, "seed": 3}},
			"model": %s, "metrics": ["accuracy"], "search": %s%s, "output": %q}`, model, search, extra, filepath.Join(dir, "m")), train.Options{Root: dir})
	}
	for _, c := range []struct{ class, key, grid string }{
		{"SVC", "kernel", `"C": [0.01, 1]`},
		{"KNeighborsClassifier", "metric", `"n_neighbors": [1, 5]`},
	} {
		base := fmt.Sprintf(`{"type": "GridSearchCV", "param_grid": {%s}, "cv": %s}`, c.grid, cv)
		grid := fmt.Sprintf(`{"type": "GridSearchCV", "param_grid": {%s, %q: ["precomputed"]}, "cv": %s}`, c.grid, c.key, cv)
		want, err := run(fmt.Sprintf(`{"class": %q, "params": {%q: "precomputed"}}`, c.class, c.key), base, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(fmt.Sprintf(`{"class": %q}`, c.class), grid, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Metrics, want.Metrics) || !slices.Equal(got.Features, want.Features) || got.NTrain != want.NTrain || len(got.Features) != got.NTrain {
			t.Errorf("%s: grid's precomputed: %d rows, features %v..., metrics %v; the params': %d rows, %v..., %v",
				c.class, got.NTrain, got.Features[:3], got.Metrics, want.NTrain, want.Features[:3], want.Metrics)
		}
		for i, r := range got.Search.Results {
			if !slices.Equal(r.SplitTestScore, want.Search.Results[i].SplitTestScore) {
				t.Errorf("%s candidate %d: %v, the params' %v", c.class, i, r.SplitTestScore, want.Search.Results[i].SplitTestScore)
			}
		}
	}

	// Refusals, each at the grid key that says it.
	for _, c := range []struct{ model, search, extra, want string }{
		{`{"class": "SVC"}`, `{"type": "GridSearchCV", "param_grid": {"kernel": ["precomputed", "rbf"]}, "cv": 3}`, "",
			`search.param_grid.kernel: mixes "precomputed" with other values of kernel: with kernel "precomputed" the feature columns are the kernel (or distance) matrix`},
		{`{"class": "SVC", "params": {"kernel": "precomputed"}}`, `{"type": "GridSearchCV", "param_grid": [{"model__kernel": ["linear"]}, {"C": [1]}], "cv": 3}`, "",
			`search.param_grid[0].model__kernel: sets another kernel than model.params.kernel "precomputed" for some candidates`},
		{`{"class": "SVC"}`, `{"type": "GridSearchCV", "param_grid": [{"kernel": ["precomputed"]}, {"C": [1, 2]}], "cv": 3}`, "",
			`search.param_grid[0].kernel: holds "precomputed", but other candidates take another kernel from model.params.kernel`},
		{`{"class": "KNeighborsClassifier"}`, `{"type": "RandomizedSearchCV", "param_distributions": {"metric": ["precomputed", "euclidean"]}, "n_iter": 2, "cv": 3}`, "",
			`search.param_distributions.metric: mixes "precomputed" with other values of metric`},
		{`{"class": "SVC"}`, `{"type": "GridSearchCV", "param_grid": {"kernel": ["precomputed"]}, "cv": 3}`, `, "preprocess": [{"type": "StandardScaler"}]`,
			`preprocess: search.param_grid.kernel is "precomputed"`},
	} {
		_, err := run(c.model, c.search, c.extra)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v\nwant %s", c.model, c.search, err, c.want)
		} else if !ml.IsBadInput(err) {
			t.Errorf("%s: not bad input", c.want)
		}
	}
	_, err = runSpec(t, fmt.Sprintf(`{"name": "pre", "data": {"train": "k.csv", "target": "target"}, "model": {"class": "SVC"},
		"validation_curve": {"param_name": "kernel", "param_range": ["linear", "precomputed"], "cv": 3}, "output": %q}`, filepath.Join(dir, "m")), train.Options{Root: dir})
	if want := `validation_curve.param_range: mixes "precomputed" with other values of kernel`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("validation curve: %v, want %s", err, want)
	}
}

// TestPrecomputedFromGridSweep: the grid-only "precomputed" search fanned
// out as child runs (each child's spec has the candidate's kernel in its
// params) gathers the in-process search's cv_results_ and metrics.
func TestPrecomputedFromGridSweep(t *testing.T) {
	src := fmt.Sprintf(`{"name": "pre", "data": {"train": "testdata/iris_kernel_train.csv", "target": "target", "split": {"test_size": 0.3, "seed": 2}}, "model": {"class": "SVC"}, "metrics": ["accuracy"],
		"search": {"type": "GridSearchCV", "param_grid": {"C": [0.01, 0.5, 3], "kernel": ["precomputed"]}, "cv": 3}, "output": %q}`, filepath.Join(t.TempDir(), "m"))
	want, err := runSpec(t, src, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, sw := runTrials(t, src, nil)
	if len(sw.Trials) != 3 {
		t.Fatalf("%d trials", len(sw.Trials))
	}
	sameSearch(t, got.Search, want.Search)
	if !reflect.DeepEqual(got.Metrics["test"], want.Metrics["test"]) || !slices.Equal(got.Features, want.Features) || len(got.Features) != got.NTrain {
		t.Errorf("from child runs: test %v, %d features for %d rows; in process: %v, %d features", got.Metrics["test"], len(got.Features), got.NTrain, want.Metrics["test"], len(want.Features))
	}
}
