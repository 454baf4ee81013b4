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

func standardise(X *mat.Dense) {
	n, p := X.Dims()
	for j := 0; j < p; j++ {
		var m, s float64
		for i := 0; i < n; i++ {
			m += X.At(i, j)
		}
		m /= float64(n)
		for i := 0; i < n; i++ {
			s += (X.At(i, j) - m) * (X.At(i, j) - m)
		}
		s = math.Sqrt(s / float64(n))
		for i := 0; i < n; i++ {
			X.Set(i, j, (X.At(i, j)-m)/s)
		}
	}
}

// TestSGDParity compares SGDClassifier, SGDRegressor, Perceptron and the
// passive-aggressive classes against scikit-learn 1.2.1
// (testdata/gen_sgd.py), with shuffle=false and with scikit-learn's
// shuffle (the seeds drawn from RandomState(random_state) as it draws
// them): coef_ and intercept_ within 1e-6 relative to the largest
// magnitude (the same update sequence; only the summation order of the dot
// products differs), the same n_iter_.
func TestSGDParity(t *testing.T) {
	var fx struct {
		Cases []struct {
			Class, Data string
			Params      json.RawMessage
			Coef        [][]float64
			Intercept   []float64
			NIter       int `json:"n_iter"`
		}
	}
	testutil.ReadJSON(t, "testdata/sklearn_sgd.json", &fx)
	for _, c := range fx.Cases {
		t.Run(c.Class+"_"+c.Data+string(c.Params), func(t *testing.T) {
			X, y := testutil.LoadCSV(t, "data/datasets/"+c.Data+".csv")
			standardise(X)
			est, err := ml.New(c.Class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			var coef [][]float64
			var b []float64
			var nIter int
			switch m := est.(type) {
			case interface{ Coef() *mat.Dense }: // the classifiers
				for r := range c.Coef {
					coef = append(coef, m.Coef().RawRowView(r))
				}
				b = est.(interface{ Intercept() []float64 }).Intercept()
			case interface{ Coef() []float64 }: // the regressors
				coef, b = [][]float64{m.Coef()}, []float64{est.(interface{ Intercept() float64 }).Intercept()}
			}
			nIter = est.(interface{ NIter() int }).NIter()
			if nIter != c.NIter {
				t.Errorf("n_iter %d, scikit-learn %d", nIter, c.NIter)
			}
			scale := 1.0
			for r, row := range c.Coef {
				for _, v := range row {
					scale = math.Max(scale, math.Abs(v))
				}
				scale = math.Max(scale, math.Abs(c.Intercept[r]))
			}
			for r, row := range c.Coef {
				for j, v := range row {
					if math.Abs(coef[r][j]-v) > 1e-6*scale {
						t.Errorf("coef[%d][%d] = %.12g, scikit-learn %.12g", r, j, coef[r][j], v)
					}
				}
				if math.Abs(b[r]-c.Intercept[r]) > 1e-6*scale {
					t.Errorf("intercept[%d] = %.12g, scikit-learn %.12g", r, b[r], c.Intercept[r])
				}
			}
		})
	}
}

// TestSGDBadInput checks errors that name the parameter.
func TestSGDBadInput(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 9})
	y := []float64{0, 1, 0, 1}
	for params, want := range map[string]string{
		`{"alpha": -1}`:                                      "alpha",
		`{"alpha": 0}`:                                       "alpha",
		`{"l1_ratio": 1.5}`:                                  "l1_ratio",
		`{"learning_rate": "constant"}`:                      "eta0",
		`{"learning_rate": "constant", "eta0": -1}`:          "eta0",
		`{"loss": "hinje"}`:                                  `did you mean "hinge"`,
		`{"penalty": "l3"}`:                                  "penalty",
		`{"early_stopping": true, "validation_fraction": 0}`: "validation_fraction",
	} {
		est, err := ml.New("SGDClassifier", json.RawMessage(params))
		if err == nil {
			err = est.Fit(context.Background(), X, y)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %s", params, err, want)
		}
	}
	if _, err := ml.New("SGDRegressor", json.RawMessage(`{"loss": "hinge"}`)); err == nil {
		t.Error("SGDRegressor loss hinge: no error")
	}
}
