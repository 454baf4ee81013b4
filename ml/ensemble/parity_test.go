package ensemble

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// forestFixture is one file written by testdata/gen_reference.py.
type forestFixture struct {
	Dataset string
	Cases   []struct {
		Estimator          string
		Params             json.RawMessage
		TestPredict        []float64 `json:"test_predict"`
		TestProba          []float64 `json:"test_proba"`
		TestScore          float64   `json:"test_score"`
		FeatureImportances []float64 `json:"feature_importances"`
		NodeCounts         []int     `json:"node_counts"`
		OOBScore           *float64  `json:"oob_score"`
		OOB                []float64 `json:"oob"`
	}
	Spread []struct {
		Estimator string
		Seeds     int
		Mean      float64
		Tolerance float64
	}
}

// split returns the training and test rows as gen_reference.py does: row
// i is a test row when i % 4 == 0.
func split(X *mat.Dense, y []float64) (Xtr *mat.Dense, ytr []float64, Xte *mat.Dense, yte []float64) {
	var tr, te []int
	for i := range y {
		if i%4 == 0 {
			te = append(te, i)
		} else {
			tr = append(tr, i)
		}
	}
	return testutil.Rows(X, tr), testutil.Take(y, tr), testutil.Rows(X, te), testutil.Take(y, te)
}

var fixtureNames = []string{"iris", "wine", "breast_cancer", "digits", "diabetes", "classification_10k", "regression_10k"}

// TestForestParity compares forests fitted with a given random_state with
// scikit-learn 1.2.1's. The trees' seeds, bootstrap samples and feature
// draws come from scikit-learn's generators and the trees are
// scikit-learn's node for node (ml/tree's parity test), so the forests are
// the same: every tree has scikit-learn's node count, classifier test
// predictions are equal, probabilities within 1e-12 (the mean of the same
// leaf fractions in the same order), regressor predictions and importances
// within 1e-9 relative (summation order of weighted sums in the last
// bits), the test score within 1e-9 and the out-of-bag score and
// estimates within 1e-9.
func TestForestParity(t *testing.T) {
	for _, name := range fixtureNames {
		var fx forestFixture
		testutil.ReadJSON(t, "testdata/forests_"+name+".json", &fx)
		X, y := testutil.LoadCSV(t, fx.Dataset)
		for ci, c := range fx.Cases {
			t.Run(fmt.Sprintf("%s/%d/%s%s", name, ci, c.Estimator, c.Params), func(t *testing.T) {
				var p struct{ Criterion string }
				if err := json.Unmarshal(c.Params, &p); err != nil {
					t.Fatal(err)
				}
				y := y
				if p.Criterion == "poisson" {
					lo := slices.Min(y)
					y = slices.Clone(y)
					for i := range y {
						y[i] -= lo
					}
				}
				Xtr, ytr, Xte, yte := split(X, y)
				e, err := ml.New(c.Estimator, c.Params)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.Fit(context.Background(), Xtr, ytr); err != nil {
					t.Fatal(err)
				}
				f := forestOf(e)
				counts := make([]int, len(f.trees))
				for i, tr := range f.trees {
					counts[i] = tr.NodeCount()
				}
				if !slices.Equal(counts, c.NodeCounts) {
					t.Fatalf("node counts %v, sklearn %v", counts, c.NodeCounts)
				}
				pred, err := e.(ml.Predictor).Predict(Xte)
				if err != nil {
					t.Fatal(err)
				}
				testutil.AllClose(t, "feature_importances", f.featureImportances(), c.FeatureImportances, 1e-9, 1e-12)
				var score float64
				if pp, ok := e.(ml.ProbaPredictor); ok {
					testutil.AllClose(t, "predict", pred, c.TestPredict, 0, 0)
					proba, err := pp.PredictProba(Xte)
					if err != nil {
						t.Fatal(err)
					}
					testutil.AllClose(t, "predict_proba", proba.RawMatrix().Data, c.TestProba, 0, 1e-12)
					score = accuracy(pred, yte)
				} else {
					testutil.AllClose(t, "predict", pred, c.TestPredict, 1e-9, 1e-9)
					score = r2(yte, pred)
				}
				if math.Abs(score-c.TestScore) > 1e-9 {
					t.Errorf("test score %v, sklearn %v", score, c.TestScore)
				}
				if c.OOBScore != nil {
					got, ok := f.oobScore, f.oob != nil
					if !ok || math.Abs(got-*c.OOBScore) > 1e-9 {
						t.Errorf("oob_score %v (computed %v), sklearn %v", got, ok, *c.OOBScore)
					}
					testutil.AllClose(t, "oob", f.oob, c.OOB, 1e-9, 1e-12)
				}
			})
		}
	}
}

// TestForestScoreSpread fits each forest class with its defaults (100
// trees) for the seeds gen_reference.py used and checks that the mean
// held-out score is within the tolerance the script derived from
// scikit-learn's spread over those seeds (at least the 0.01).
func TestForestScoreSpread(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 100-tree forests for several seeds")
	}
	for _, name := range fixtureNames {
		var fx forestFixture
		testutil.ReadJSON(t, "testdata/forests_"+name+".json", &fx)
		if len(fx.Spread) == 0 {
			continue
		}
		X, y := testutil.LoadCSV(t, fx.Dataset)
		Xtr, ytr, Xte, yte := split(X, y)
		for _, s := range fx.Spread {
			t.Run(name+"/"+s.Estimator, func(t *testing.T) {
				sum := 0.0
				for seed := range s.Seeds {
					e, err := ml.New(s.Estimator, json.RawMessage(fmt.Sprintf(`{"random_state": %d}`, seed)))
					if err != nil {
						t.Fatal(err)
					}
					if err := e.Fit(context.Background(), Xtr, ytr); err != nil {
						t.Fatal(err)
					}
					pred, err := e.(ml.Predictor).Predict(Xte)
					if err != nil {
						t.Fatal(err)
					}
					if _, ok := e.(ml.Classifier); ok {
						sum += accuracy(pred, yte)
					} else {
						sum += r2(yte, pred)
					}
				}
				mean := sum / float64(s.Seeds)
				if math.Abs(mean-s.Mean) > s.Tolerance {
					t.Errorf("mean test score over %d seeds %.4f, sklearn %.4f (tolerance %.4f)", s.Seeds, mean, s.Mean, s.Tolerance)
				}
			})
		}
	}
}

// forestOf returns the fitted forest of any of the four classes.
func forestOf(e ml.Estimator) *forest {
	switch m := e.(type) {
	case *RandomForestClassifier:
		return &m.forest
	case *ExtraTreesClassifier:
		return &m.forest
	case *RandomForestRegressor:
		return &m.forest
	case *ExtraTreesRegressor:
		return &m.forest
	}
	panic(fmt.Sprintf("%T is not a forest", e))
}

func accuracy(pred, y []float64) float64 {
	n := 0
	for i := range y {
		if pred[i] == y[i] {
			n++
		}
	}
	return float64(n) / float64(len(y))
}
