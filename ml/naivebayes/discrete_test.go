package naivebayes

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// TestDiscreteParity compares MultinomialNB, ComplementNB, BernoulliNB and
// CategoricalNB with scikit-learn 1.2.1 (testdata/gen_discrete.py): fitted
// on the first 75% of the rows, predict exactly, predict_proba to 1e-10
// absolute, predict_log_proba and the fitted log probabilities to 1e-10
// relative (they reach -700 and beyond), counts exactly.
func TestDiscreteParity(t *testing.T) {
	var fx struct {
		Cases []struct {
			Name, Class, Data string
			TrainRows         int   `json:"train_rows"`
			TestRows          []int `json:"test_rows"`
			Params            json.RawMessage
			Classes           []float64
			ClassCount        []float64       `json:"class_count"`
			ClassLogPrior     []float64       `json:"class_log_prior"`
			FeatureLogProb    json.RawMessage `json:"feature_log_prob"`
			FeatureCount      [][]float64     `json:"feature_count"`
			NCategories       []int           `json:"n_categories"`
			Predict           []float64
			PredictProba      [][]float64 `json:"predict_proba"`
			PredictLogProba   [][]float64 `json:"predict_log_proba"`
		}
	}
	testutil.ReadJSON(t, "testdata/sklearn_discrete.json", &fx)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			X, y := testutil.LoadCSV(t, "data/datasets/"+c.Data+".csv")
			_, p := X.Dims()
			Xtr := X.Slice(0, c.TrainRows, 0, p).(*mat.Dense)
			Xte := mat.NewDense(len(c.TestRows), p, nil)
			for i, r := range c.TestRows {
				Xte.SetRow(i, X.RawRowView(r))
			}
			est, err := ml.New(c.Class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), Xtr, y[:c.TrainRows]); err != nil {
				t.Fatal(err)
			}
			rel := func(what string, got, want []float64) {
				t.Helper()
				for i := range want {
					if d := math.Abs(got[i] - want[i]); d > 1e-10*math.Max(1, math.Abs(want[i])) && !(math.IsInf(want[i], -1) && got[i] == want[i]) {
						t.Errorf("%s[%d] = %.17g, scikit-learn %.17g", what, i, got[i], want[i])
						return
					}
				}
			}
			type fitted interface {
				ClassCount() []float64
				ClassLogPrior() []float64
			}
			f := est.(fitted)
			rel("class_count", f.ClassCount(), c.ClassCount)
			rel("class_log_prior", f.ClassLogPrior(), c.ClassLogPrior)
			switch m := est.(type) {
			case interface {
				FeatureLogProb() *mat.Dense
				FeatureCount() *mat.Dense
			}:
				var flp [][]float64
				if err := json.Unmarshal(c.FeatureLogProb, &flp); err != nil {
					t.Fatal(err)
				}
				for r := range flp {
					rel("feature_log_prob row", m.FeatureLogProb().RawRowView(r), flp[r])
					rel("feature_count row", m.FeatureCount().RawRowView(r), c.FeatureCount[r])
				}
			case *CategoricalNB:
				var flp [][][]float64
				if err := json.Unmarshal(c.FeatureLogProb, &flp); err != nil {
					t.Fatal(err)
				}
				got := m.FeatureLogProb()
				for j := range flp {
					if m.NCategories()[j] != c.NCategories[j] {
						t.Errorf("n_categories_[%d] = %d, scikit-learn %d", j, m.NCategories()[j], c.NCategories[j])
					}
					for r := range flp[j] {
						rel("feature_log_prob", got[j].RawRowView(r), flp[j][r])
					}
				}
			}
			pred, err := est.(ml.Predictor).Predict(Xte)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range pred {
				if v != c.Predict[i] {
					t.Errorf("predict[%d] = %v, scikit-learn %v", i, v, c.Predict[i])
				}
			}
			P, err := est.(ml.ProbaPredictor).PredictProba(Xte)
			if err != nil {
				t.Fatal(err)
			}
			L, err := est.(interface {
				PredictLogProba(*mat.Dense) (*mat.Dense, error)
			}).PredictLogProba(Xte)
			if err != nil {
				t.Fatal(err)
			}
			for i := range c.PredictProba {
				for k, want := range c.PredictProba[i] {
					if got := P.At(i, k); math.Abs(got-want) > 1e-10 {
						t.Errorf("predict_proba[%d, %d] = %.17g, scikit-learn %.17g", i, k, got, want)
					}
				}
				rel("predict_log_proba row", L.RawRowView(i), c.PredictLogProba[i])
			}
		})
	}
}

// TestDiscreteBadInput checks errors that name the parameter or the bad
// value, never a panic.
func TestDiscreteBadInput(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 9})
	neg := mat.NewDense(4, 2, []float64{1, 2, 3, -4, 5, 6, 7, 9})
	y := []float64{0, 1, 0, 1}
	for _, tc := range []struct {
		class, params string
		X             *mat.Dense
		want          string
	}{
		{"MultinomialNB", `{"alpha": -1}`, X, "alpha"},
		{"MultinomialNB", `{"class_prior": [0.5, 0.2, 0.3]}`, X, "class_prior"},
		{"MultinomialNB", `{}`, neg, "non-negative"},
		{"ComplementNB", `{}`, neg, "non-negative"},
		{"ComplementNB", `{"norm": 1}`, X, "norm"},
		{"BernoulliNB", `{"binarize": "x"}`, X, "binarize"},
		{"BernoulliNB", `{"fit_prior": null}`, X, "fit_prior"},
		{"CategoricalNB", `{}`, neg, "non-negative"},
		{"CategoricalNB", `{"min_categories": -1}`, X, "min_categories"},
		{"CategoricalNB", `{"alpha": -0.5}`, X, "alpha"},
	} {
		est, err := ml.New(tc.class, json.RawMessage(tc.params))
		if err == nil {
			err = est.Fit(context.Background(), tc.X, y)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: error %v, want one naming %s", tc.class, tc.params, err, tc.want)
		}
	}
}
