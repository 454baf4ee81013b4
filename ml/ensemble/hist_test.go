package ensemble

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mlforge/mlforge/internal/budget"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

// histFixture is one file written by testdata/gen_hist.py.
type histFixture struct {
	Dataset  string
	NaN      bool
	Grow     bool
	Cat      bool
	Weighted bool
	Cases    []struct {
		Estimator       string
		Params          json.RawMessage
		Baseline        []float64
		NIter           int       `json:"n_iter"`
		NodeCounts      []int     `json:"node_counts"`
		TrainScore      []float64 `json:"train_score"`
		ValidationScore []float64 `json:"validation_score"`
		TestPredict     []float64 `json:"test_predict"`
		TestDecision    []float64 `json:"test_decision"`
		TestProba       []float64 `json:"test_proba"`
		TestScore       float64   `json:"test_score"`
	}
}

// injectNaN is gen_hist.py's inject_nan: 15% of the values of the even
// features replaced by NaN, by RandomState(0).uniform over X row by row.
func injectNaN(X *mat.Dense) *mat.Dense {
	r, c := X.Dims()
	out := mat.DenseCopyOf(X)
	rng := tree.NewRandomState(0)
	for i := range r {
		for j := range c {
			if u := rng.RandomSample(); u < 0.15 && j%2 == 0 {
				out.Set(i, j, math.NaN())
			}
		}
	}
	return out
}

// growRows is gen_hist.py's grow: X and its first 4,000 rows shifted by
// 0.25, 14,000 rows, so that 10,500 training rows turn early stopping
// "auto" on.
func growRows(X *mat.Dense, y []float64) (*mat.Dense, []float64) {
	r, c := X.Dims()
	out := mat.NewDense(r+4000, c, nil)
	out.Slice(0, r, 0, c).(*mat.Dense).Copy(X)
	for i := range 4000 {
		for j := range c {
			out.Set(r+i, j, X.At(i, j)+0.25)
		}
	}
	return out, append(slices.Clone(y), y[:4000]...)
}

var histFixtureNames = []string{"iris", "breast_cancer", "diabetes", "breast_cancer_nan", "diabetes_nan", "diabetes_cat", "iris_cat", "diabetes_w", "breast_cancer_w", "iris_w", "classification_14k", "regression_14k"}

// TestHistParity compares HistGradientBoosting* with scikit-learn 1.2.1's
// on the same rows (testdata/gen_hist.py): numerical, NaN-injected,
// categorical and weighted sets, and 14,000 rows with early stopping
// "auto". The binning, the float32 gradients and hessians and the float64
// histogram sums follow scikit-learn's operations in its order, so the
// trees are the same: every tree's node count and n_iter_ are equal, as
// are the classifiers' test predictions. With the tolerances set to 0 the
// only differences seen were a few units in the last place: the binomial
// and multinomial baselines (Go's log against scipy's logit, 1e-14
// relative) and the probabilities and predictions that carry them
// (1e-16). The tolerances, 1e-12 for the baseline and 1e-9 relative for
// the scores and predictions, leave room for those to add up over the
// iterations, not for another tree.
func TestHistParity(t *testing.T) {
	for _, name := range histFixtureNames {
		var fx histFixture
		testutil.ReadJSON(t, "testdata/hist_"+name+".json", &fx)
		X, y := testutil.LoadCSV(t, fx.Dataset)
		if fx.Cat {
			if name == "iris_cat" {
				X = mat.DenseCopyOf(X)
				r, _ := X.Dims()
				for i := range r {
					X.Set(i, 0, math.RoundToEven(X.At(i, 0)*10)-40)
					X.Set(i, 2, math.RoundToEven(X.At(i, 2)*10))
				}
			}
			X = injectNaN(X)
		}
		if fx.NaN || fx.Weighted {
			X = injectNaN(X)
		}
		var wtr []float64
		if fx.Weighted {
			// gen_hist.py's weights: 1 + (i % 3) / 2 for row i.
			w := make([]float64, len(y))
			for i := range w {
				w[i] = 1 + float64(i%3)/2
			}
			_, wtr, _, _ = split(X, w)
		}
		if fx.Grow {
			if testing.Short() {
				continue
			}
			X, y = growRows(X, y)
		}
		for ci, c := range fx.Cases {
			t.Run(fmt.Sprintf("%s/%d/%s%s", name, ci, c.Estimator, c.Params), func(t *testing.T) {
				Xtr, ytr, Xte, yte := split(X, y)
				e, err := ml.New(c.Estimator, c.Params)
				if err != nil {
					t.Fatal(err)
				}
				if wtr != nil {
					err = e.(interface {
						FitWeighted(context.Context, *mat.Dense, []float64, []float64) error
					}).FitWeighted(context.Background(), Xtr, ytr, wtr)
				} else {
					err = e.Fit(context.Background(), Xtr, ytr)
				}
				if err != nil {
					t.Fatal(err)
				}
				var b *histBoosted
				switch m := e.(type) {
				case *HistGradientBoostingClassifier:
					b = &m.histBoosted
				case *HistGradientBoostingRegressor:
					b = &m.histBoosted
				}
				testutil.AllClose(t, "baseline", b.baseline, c.Baseline, 1e-12, 1e-12)
				if b.NIter() != c.NIter {
					t.Errorf("n_iter_ %d, sklearn %d", b.NIter(), c.NIter)
				}
				if got := b.NodeCounts(); !slices.Equal(got, c.NodeCounts) {
					t.Fatalf("node counts %v, sklearn %v", got, c.NodeCounts)
				}
				testutil.AllClose(t, "train_score", b.trainScore, c.TrainScore, 1e-9, 1e-12)
				testutil.AllClose(t, "validation_score", b.validationScore, c.ValidationScore, 1e-9, 1e-12)
				var score float64
				if m, ok := e.(*HistGradientBoostingClassifier); ok {
					pred, err := m.Predict(Xte)
					if err != nil {
						t.Fatal(err)
					}
					score = accuracy(pred, yte)
				} else {
					pred, err := e.(ml.Predictor).Predict(Xte)
					if err != nil {
						t.Fatal(err)
					}
					score = r2(yte, pred)
				}
				if math.Abs(score-c.TestScore) > 1e-9 {
					t.Errorf("test score %v, sklearn %v", score, c.TestScore)
				}
				// The fixture's predictions are of its first rows (all but
				// in the *_14k sets).
				Xte = Xte.Slice(0, len(c.TestPredict), 0, Xte.RawMatrix().Cols).(*mat.Dense)
				pred, err := e.(ml.Predictor).Predict(Xte)
				if err != nil {
					t.Fatal(err)
				}
				if m, ok := e.(*HistGradientBoostingClassifier); ok {
					testutil.AllClose(t, "predict", pred, c.TestPredict, 0, 0)
					d, err := m.DecisionFunction(Xte)
					if err != nil {
						t.Fatal(err)
					}
					testutil.AllClose(t, "decision_function", d.RawMatrix().Data, c.TestDecision, 1e-9, 1e-9)
					p, err := m.PredictProba(Xte)
					if err != nil {
						t.Fatal(err)
					}
					testutil.AllClose(t, "predict_proba", p.RawMatrix().Data, c.TestProba, 1e-9, 1e-12)
				} else {
					testutil.AllClose(t, "predict", pred, c.TestPredict, 1e-9, 1e-9)
				}
			})
		}
	}
}

// TestHistBinning compares the thresholds of _BinMapper with a subsample
// (rows drawn by RandomState.choice without replacement) with scikit-learn
// 1.2.1's (testdata/gen_hist.py): equal, as they are values of X or means
// of two.
func TestHistBinning(t *testing.T) {
	var fx struct {
		Dataset string
		Cases   []struct {
			Subsample   int
			RandomState uint32 `json:"random_state"`
			NBins       int    `json:"n_bins"`
			Thresholds  [][]float64
		}
	}
	testutil.ReadJSON(t, "testdata/hist_binning.json", &fx)
	X, _ := testutil.LoadCSV(t, fx.Dataset)
	for _, c := range fx.Cases {
		bm := fitBinMapperSub(X, c.NBins-1, c.Subsample, c.RandomState)
		for j, want := range c.Thresholds {
			testutil.AllClose(t, fmt.Sprintf("subsample %d: thresholds of feature %d", c.Subsample, j), bm.thresholds[j], want, 0, 0)
		}
	}
}

// TestHistBadInput checks HistGradientBoosting's bad inputs: each is an
// error marked as bad input, naming the parameter where one is at fault,
// and none panics. NaN in X is a missing value, not an error.
func TestHistBadInput(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/diabetes.csv")
	yNaN, yNeg := slices.Clone(y), slices.Clone(y)
	yNaN[7], yNeg[3] = math.NaN(), -1
	XInf := mat.DenseCopyOf(X)
	XInf.Set(4, 2, math.Inf(1))
	XNaN := mat.DenseCopyOf(X)
	XNaN.Set(4, 2, math.NaN())
	for _, c := range []struct {
		class, params string
		X             *mat.Dense
		y             []float64
		want          string // in the error; "" for no error
		param         string // the *ml.ParamError's parameter, if any
	}{
		{"HistGradientBoostingRegressor", `{"monotonic_cst": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]}`, X, y, "monotonic", "monotonic_cst"},
		{"HistGradientBoostingRegressor", `{"categorical_features": [10]}`, X, y, "index 10", "categorical_features"},
		{"HistGradientBoostingRegressor", `{"categorical_features": [1, 1]}`, X, y, "twice", "categorical_features"},
		{"HistGradientBoostingRegressor", `{"categorical_features": [2]}`, X, y, "categorical feature 2", ""},
		{"HistGradientBoostingRegressor", `{"categorical_features": [0], "max_bins": 50}`, X, y, "[0, 50)", ""},
		{"HistGradientBoostingRegressor", `{"categorical_features": [1], "max_iter": 3}`, XNaN, y, "", ""},
		{"HistGradientBoostingRegressor", `{"max_bins": 256}`, X, y, "max_bins", "max_bins"},
		{"HistGradientBoostingRegressor", `{"early_stopping": "yes"}`, X, y, "early_stopping", ""},
		{"HistGradientBoostingRegressor", `{"learning_rate": 0}`, X, y, "learning_rate", "learning_rate"},
		{"HistGradientBoostingRegressor", `{"max_leaf_nodes": 1}`, X, y, "max_leaf_nodes", "max_leaf_nodes"},
		{"HistGradientBoostingRegressor", `{}`, X, yNaN, "y[7]", ""},
		{"HistGradientBoostingRegressor", `{"loss": "poisson"}`, X, yNeg, "y[3]", ""},
		{"HistGradientBoostingRegressor", `{}`, XInf, y, "X[4, 2]", ""},
		{"HistGradientBoostingClassifier", `{}`, X, make([]float64, len(y)), "class", ""},
		{"HistGradientBoostingRegressor", `{"max_iter": 3}`, XNaN, y, "", ""},
	} {
		t.Run(c.class+c.params, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				var e ml.Estimator
				if e, err = ml.New(c.class, json.RawMessage(c.params)); err == nil {
					err = e.Fit(context.Background(), c.X, c.y)
				}
			}()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !ml.IsBadInput(err) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q: want a bad-input error mentioning %q", err, c.want)
			}
			var pe *ml.ParamError
			if c.param != "" && (!errors.As(err, &pe) || pe.Param != c.param) {
				t.Errorf("error %q: want a ParamError naming %s", err, c.param)
			}
		})
	}
}

// TestHistStateRoundTrip checks that a saved model predicts the same,
// missing values and categorical splits included.
func TestHistStateRoundTrip(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	X = injectNaN(X)
	r, _ := X.Dims()
	for i := range r {
		if v := X.At(i, 1); !math.IsNaN(v) {
			X.Set(i, 1, math.Round(v))
		}
	}
	m := NewHistGradientBoostingClassifier()
	m.MaxIter, m.CategoricalFeatures, m.MinSamplesLeaf = 10, []int{1}, 5
	if err := m.Fit(context.Background(), X, y); err != nil {
		t.Fatal(err)
	}
	s, err := m.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	m2 := NewHistGradientBoostingClassifier()
	if err := m2.UnmarshalState(s); err != nil {
		t.Fatal(err)
	}
	p1, _ := m.PredictProba(X)
	p2, err := m2.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	testutil.AllClose(t, "predict_proba", p2.RawMatrix().Data, p1.RawMatrix().Data, 0, 0)
	nCat := 0
	for _, it := range m.trees {
		for _, tr := range it {
			for _, c := range tr.cats {
				if c != nil {
					nCat++
				}
			}
		}
	}
	if nCat == 0 {
		t.Error("no categorical split: the test does not test their state")
	}
}

// TestHistCancel checks that a cancel stops Fit within one iteration and
// that each iteration reports its progress.
func TestHistCancel(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	iters := 0
	ctx = ml.WithProgress(ctx, ml.ReporterFunc(func(ev ml.Event) {
		if ev.Kind == "iter" {
			iters++
			if ev.Step == 3 {
				cancel()
			}
		}
	}))
	m := NewHistGradientBoostingClassifier()
	m.MinSamplesLeaf = 5
	if err := m.Fit(ctx, X, y); !errors.Is(err, context.Canceled) {
		t.Fatalf("Fit after cancel: %v, want context.Canceled", err)
	}
	if iters != 3 {
		t.Errorf("%d iterations reported after a cancel at the third, want 3", iters)
	}
}

// TestHistBudget checks that the memory estimate counts the binned matrix
// and the histograms, so that a run budget refuses a large fit before it
// allocates.
func TestHistBudget(t *testing.T) {
	m := NewHistGradientBoostingRegressor()
	small, big := m.EstimateMemory(1000, 10, 1), m.EstimateMemory(100_000_000, 1000, 1)
	if big < 100_000_000*1000 {
		t.Errorf("estimate for 1e8 x 1000: %d bytes, less than the binned matrix", big)
	}
	if small >= big {
		t.Errorf("estimate does not grow with the data: %d, %d", small, big)
	}
	err := ml.CheckMemory(budget.Limits{MaxRunMemory: 1 << 30}, "model.params", m, 100_000_000, 1000, 1)
	if err == nil {
		t.Fatal("a 1 GiB budget accepted 1e8 x 1000")
	}
	c := NewHistGradientBoostingClassifier()
	if c.EstimateMemory(10_000, 20, 10) <= c.EstimateMemory(10_000, 20, 2) {
		t.Error("estimate does not grow with the classes")
	}
}
