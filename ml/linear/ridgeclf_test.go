package linear

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

// TestRidgeClassifierParity compares RidgeClassifier with scikit-learn
// 1.2.1 (testdata/gen_ridgeclf.py) on raw iris, wine and breast cancer:
// coefficients, intercepts and decision values agree to 1e-8 relative to
// the largest magnitude (the normal equations of the unscaled data are
// the limit: both solve the same system in a different summation order),
// predictions exactly.
func TestRidgeClassifierParity(t *testing.T) {
	var fx struct {
		Cases []struct {
			Name, Data       string
			Params           json.RawMessage
			Classes          []float64
			Coef             [][]float64
			Intercept        []float64
			DecisionFunction [][]float64 `json:"decision_function"`
			Predict          []float64
		}
	}
	testutil.ReadJSON(t, "testdata/sklearn_ridgeclf.json", &fx)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			X, y := testutil.LoadCSV(t, "data/datasets/"+c.Data+".csv")
			est, err := ml.New("RidgeClassifier", c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			m := est.(*RidgeClassifier)
			near := func(what string, got, want []float64) {
				t.Helper()
				scale := 1.0
				for _, v := range want {
					scale = math.Max(scale, math.Abs(v))
				}
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-8*scale {
						t.Errorf("%s[%d] = %.15g, scikit-learn %.15g", what, i, got[i], want[i])
						return
					}
				}
			}
			coef := m.Coef()
			for r, row := range c.Coef {
				near("coef row", coef.RawRowView(r), row)
			}
			near("intercept", m.Intercept(), c.Intercept)
			d, err := m.DecisionFunction(X)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range c.DecisionFunction {
				near("decision_function row", d.RawRowView(i), row)
			}
			pred, err := m.Predict(X)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range pred {
				if v != c.Predict[i] {
					t.Errorf("predict[%d] = %v, scikit-learn %v", i, v, c.Predict[i])
				}
			}
		})
	}
}

// TestRidgeClassifierBadInput checks errors that name the parameter.
func TestRidgeClassifierBadInput(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 9})
	y := []float64{0, 1, 0, 1}
	for params, want := range map[string]string{
		`{"alpha": -1}`:               "alpha",
		`{"solver": "lsqr"}`:          "solver",
		`{"class_weight": "balance"}`: "class_weight",
		`{"class_weight": {"7": 2}}`:  "class_weight",
		`{"class_weight": {"0": -1}}`: "class_weight",
		`{"class_weight": {"x": 1}}`:  "class_weight",
		`{"class_weight": [1, 2]}`:    "class_weight",
		`{"fit_intercept": "yes"}`:    "fit_intercept",
	} {
		est, err := ml.New("RidgeClassifier", json.RawMessage(params))
		if err == nil {
			err = est.Fit(context.Background(), X, y)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %s", params, err, want)
		}
	}
	if err := NewRidgeClassifier().Fit(context.Background(), X, []float64{1, 1, 1, 1}); err == nil {
		t.Error("one class: no error")
	}
}
