package train_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/train"
)

// weightedIris writes iris with a weight column w (1, 2, 3, ... in turn)
// before the target and returns its path and the rows as numbers.
func weightedIris(t *testing.T, bad string) (string, *mat.Dense, []float64, []float64) {
	t.Helper()
	f, err := os.Open("../data/datasets/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, r := range rows[1:] {
		if !slices.Contains(names, r[4]) {
			names = append(names, r[4])
		}
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(strings.Join(append(rows[0][:4:4], "w", rows[0][4]), ",") + "\n")
	n := len(rows) - 1
	X := mat.NewDense(n, 4, nil)
	y, w := make([]float64, n), make([]float64, n)
	for i, r := range rows[1:] {
		w[i] = float64(i%3 + 1)
		ws := strconv.Itoa(i%3 + 1)
		if i == 7 && bad != "" {
			ws = bad
		}
		b.WriteString(strings.Join(append(r[:4:4], ws, r[4]), ",") + "\n")
		for j := range 4 {
			X.Set(i, j, must(strconv.ParseFloat(r[j], 64)))
		}
		y[i] = float64(slices.Index(names, r[4]))
	}
	path := filepath.Join(t.TempDir(), "iris_w.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, X, y, w
}

func must(v float64, err error) float64 {
	if err != nil {
		panic(err)
	}
	return v
}

// TestSampleWeightColumn trains a tree with data.sample_weight and checks
// that the fitted tree is FitWeighted's on the same rows and weights, that
// the weights change it, and that the column is not a feature.
func TestSampleWeightColumn(t *testing.T) {
	path, X, y, w := weightedIris(t, "")
	out := filepath.Join(t.TempDir(), "m")
	res, err := runSpec(t, fmt.Sprintf(`{"name": "w", "data": {"train": %q, "test": %q, "sample_weight": "w"},
		"model": {"class": "DecisionTreeClassifier", "params": {"max_depth": 3, "random_state": 0}}, "output": %q}`, path, path, out), train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(res.Features, "w") || len(res.Features) != 4 {
		t.Errorf("features %v: the weight column must not be one", res.Features)
	}
	m, err := model.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifest.Features) != 4 {
		t.Errorf("the model file's features %v", m.Manifest.Features)
	}
	got, err := m.Pipeline.Final.(ml.Stateful).MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	for _, weights := range [][]float64{w, nil} {
		e, _ := ml.New("DecisionTreeClassifier", []byte(`{"max_depth": 3, "random_state": 0}`))
		if err := e.(ml.WeightedFitter).FitWeighted(context.Background(), X, y, weights); err != nil {
			t.Fatal(err)
		}
		want, _ := e.(ml.Stateful).MarshalState()
		same := reflect.DeepEqual(got.Arrays, want.Arrays)
		if weights != nil && !same {
			t.Errorf("the run's tree is not FitWeighted's with the column's weights")
		}
		if weights == nil && same {
			t.Errorf("the run's tree is the unweighted one: the weights were not used")
		}
	}
}

func TestSampleWeightRefused(t *testing.T) {
	path, _, _, _ := weightedIris(t, "")
	negPath, _, _, _ := weightedIris(t, "-1")
	nanPath, _, _, _ := weightedIris(t, "NaN")
	for _, c := range []struct{ data, model, extra, want string }{
		{fmt.Sprintf(`{"train": %q, "sample_weight": "w"}`, path), `{"class": "KNeighborsClassifier"}`, ``,
			"data.sample_weight: KNeighborsClassifier does not take sample weights: its fit has no sample_weight"},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "w"}`, path), `{"class": "PassiveAggressiveClassifier"}`, `, "cv": 3`,
			"data.sample_weight: PassiveAggressiveClassifier does not take sample weights"},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "wt"}`, path), `{"class": "DecisionTreeClassifier"}`, ``,
			`data.sample_weight: no column "wt" in`},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "target"}`, path), `{"class": "DecisionTreeClassifier"}`, ``,
			`data.sample_weight: "target" is the target`},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "w"}`, negPath), `{"class": "DecisionTreeClassifier"}`, ``,
			`line 9: column "w": sample weight -1; weights must be finite and ≥ 0`},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "w"}`, negPath), `{"class": "GaussianNB"}`, `, "cv": 3`,
			`line 9: column "w": sample weight -1`},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "w"}`, nanPath), `{"class": "GaussianNB"}`, ``,
			`line 9: column "w"`},
	} {
		_, err := runSpec(t, fmt.Sprintf(`{"name": "w", "data": %s, "model": %s%s, "output": %q}`, c.data, c.model, c.extra, filepath.Join(t.TempDir(), "m")), train.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s%s: %v, want %q", c.data, c.model, c.extra, err, c.want)
		}
	}
}

// weightedFolds fits class (with params) on each fold's training rows
// with their weights w and returns its scores (metric) on the fold's test
// rows, as the run's cross-validation should.
func weightedFolds(t *testing.T, class, params string, X *mat.Dense, y, w []float64, k int, metric string) []float64 {
	t.Helper()
	n, _ := X.Dims()
	folds, err := (&modelselection.StratifiedKFold{Splits: k}).Split(n, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, fo := range folds {
		e, err := ml.New(class, []byte(params))
		if err != nil {
			t.Fatal(err)
		}
		var fw []float64
		if w != nil {
			fw = make([]float64, len(fo.Train))
			for i, r := range fo.Train {
				fw[i] = w[r]
			}
		}
		if err := e.(ml.WeightedFitter).FitWeighted(context.Background(), rowsOf(X, fo.Train), pick(y, fo.Train), fw); err != nil {
			t.Fatal(err)
		}
		sc, _, err := train.Score(&ml.Pipeline{Final: e}, rowsOf(X, fo.Test), pick(y, fo.Test), e.(ml.Classifier).Classes(), []string{metric})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sc[metric])
	}
	return out
}

func rowsOf(X *mat.Dense, idx []int) *mat.Dense {
	_, c := X.Dims()
	out := mat.NewDense(len(idx), c, nil)
	for i, r := range idx {
		out.SetRow(i, X.RawRowView(r))
	}
	return out
}

func pick(y []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, r := range idx {
		out[i] = y[r]
	}
	return out
}

// TestSampleWeightCV checks that cross-validation, a grid search and a
// learning curve fit each fold with its rows' weights, as scikit-learn's
// cross_validate(fit_params={"sample_weight": w}) does, and score it
// unweighted.
func TestSampleWeightCV(t *testing.T) {
	path, X, y, w := weightedIris(t, "")
	const params = `{"var_smoothing": 0.01}`
	want := weightedFolds(t, "GaussianNB", params, X, y, w, 3, "log_loss")
	unweighted := weightedFolds(t, "GaussianNB", params, X, y, nil, 3, "log_loss")
	res, err := runSpec(t, fmt.Sprintf(`{"name": "w", "data": {"train": %q, "test": %q, "sample_weight": "w"}, "metrics": ["log_loss"],
		"model": {"class": "GaussianNB", "params": %s}, "cv": 3, "output": %q}`, path, path, params, filepath.Join(t.TempDir(), "m")), train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, fs := range res.CV.Folds {
		if got := fs.Test["log_loss"]; math.Abs(got-want[i]) > 1e-12 || math.Abs(got-unweighted[i]) < 1e-6 {
			t.Errorf("fold %d: log_loss %v, want the weighted fit's %v (unweighted %v)", i+1, got, want[i], unweighted[i])
		}
	}
	res, err = runSpec(t, fmt.Sprintf(`{"name": "w", "data": {"train": %q, "test": %q, "sample_weight": "w"},
		"model": {"class": "GaussianNB"}, "output": %q,
		"search": {"type": "GridSearchCV", "param_grid": {"var_smoothing": [0.01, 0.1]}, "cv": 3, "scoring": "neg_log_loss"}}`, path, path, filepath.Join(t.TempDir(), "m")), train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range res.Search.Results[0].SplitTestScore {
		if math.Abs(-s-want[i]) > 1e-12 {
			t.Errorf("search candidate 1, split %d: %v, want -%v", i, s, want[i])
		}
	}
	res, err = runSpec(t, fmt.Sprintf(`{"name": "w", "data": {"train": %q, "test": %q, "sample_weight": "w"},
		"model": {"class": "GaussianNB", "params": %s}, "output": %q,
		"validation_curve": {"param_name": "var_smoothing", "param_range": [0.01], "cv": 3, "scoring": "neg_log_loss"}}`, path, path, params, filepath.Join(t.TempDir(), "m")), train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range res.Curve.Points[0].TestScores {
		if math.Abs(-s-want[i]) > 1e-12 {
			t.Errorf("validation curve, split %d: %v, want -%v", i, s, want[i])
		}
	}
}

// TestSampleWeightUnsupervised trains KMeans with data.sample_weight on a
// table without a target: the centres are FitWeighted's.
func TestSampleWeightUnsupervised(t *testing.T) {
	_, X, _, w := weightedIris(t, "")
	var b strings.Builder
	b.WriteString("a,b,c,d,w\n")
	n, _ := X.Dims()
	for i := 0; i < n; i++ {
		r := X.RawRowView(i)
		fmt.Fprintf(&b, "%v,%v,%v,%v,%v\n", r[0], r[1], r[2], r[3], w[i])
	}
	path := filepath.Join(t.TempDir(), "u.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "m")
	const params = `{"n_clusters": 3, "n_init": 1, "random_state": 0}`
	if _, err := runSpec(t, fmt.Sprintf(`{"name": "u", "data": {"train": %q, "sample_weight": "w"}, "model": {"class": "KMeans", "params": %s}, "output": %q}`, path, params, out), train.Options{}); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Pipeline.Final.(interface{ ClusterCenters() *mat.Dense }).ClusterCenters()
	e, _ := ml.New("KMeans", []byte(params))
	if err := e.(ml.WeightedFitter).FitWeighted(context.Background(), X, nil, w); err != nil {
		t.Fatal(err)
	}
	if want := e.(interface{ ClusterCenters() *mat.Dense }).ClusterCenters(); !mat.Equal(got, want) {
		t.Errorf("the run's centres\n%v\nare not FitWeighted's\n%v", mat.Formatted(got), mat.Formatted(want))
	}
}
