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

// TestRidgeCVParity compares RidgeCV with scikit-learn 1.2.1
// (testdata/gen_ridgecv.py): alpha_ exactly; best_score_, coef_,
// intercept_ and predictions to 1e-8 relative to the largest magnitude
// (both take an SVD of the same matrix; LAPACK's and gonum's differ in the
// last bits).
func TestRidgeCVParity(t *testing.T) {
	var fx struct {
		Cases []struct {
			Name, Data string
			Rows       int
			Params     json.RawMessage
			Alpha      float64
			BestScore  float64 `json:"best_score"`
			Coef       []float64
			Intercept  float64
			Predict    []float64
		}
	}
	testutil.ReadJSON(t, "testdata/sklearn_ridgecv.json", &fx)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			X, y := testutil.LoadCSV(t, c.Data)
			if c.Rows > 0 {
				_, p := X.Dims()
				X, y = X.Slice(0, c.Rows, 0, p).(*mat.Dense), y[:c.Rows]
			}
			est, err := ml.New("RidgeCV", c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			m := est.(*RidgeCV)
			if m.Alpha() != c.Alpha {
				t.Errorf("alpha_ %v, scikit-learn %v", m.Alpha(), c.Alpha)
			}
			if math.Abs(m.BestScore()-c.BestScore) > 1e-8*math.Max(1, math.Abs(c.BestScore)) {
				t.Errorf("best_score_ %.15g, scikit-learn %.15g", m.BestScore(), c.BestScore)
			}
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
			near("coef", m.Coef(), c.Coef)
			near("intercept", []float64{m.Intercept()}, []float64{c.Intercept})
			_, p := X.Dims()
			pred, err := m.Predict(X.Slice(0, len(c.Predict), 0, p).(*mat.Dense))
			if err != nil {
				t.Fatal(err)
			}
			near("predict", pred, c.Predict)
		})
	}
}

// TestRidgeCVBadInput checks errors that name the parameter.
func TestRidgeCVBadInput(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 9})
	y := []float64{0, 1, 0, 1}
	for params, want := range map[string]string{
		`{"alphas": []}`:       "alphas",
		`{"alphas": [1, 0]}`:   "alphas[1]",
		`{"alphas": [-1]}`:     "alphas[0]",
		`{"gcv_mode": "fast"}`: "gcv_mode",
		`{"alphas": "1"}`:      "alphas",
	} {
		est, err := ml.New("RidgeCV", json.RawMessage(params))
		if err == nil {
			err = est.Fit(context.Background(), X, y)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %s", params, err, want)
		}
	}
}
