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

// TestEnetCVParity compares LassoCV and ElasticNetCV with scikit-learn
// 1.2.1 (testdata/gen_enetcv.py): alphas_ to 1e-12 relative (np.logspace
// and math.Pow may differ in the last bit), the chosen alpha_ exactly,
// mse_path_ to 1e-7 relative (each path fit stops by the duality gap at
// tol 1e-4, so the coefficients agree only as far as the same iterates in
// a different summation order do), and the refit's coef_, intercept_ to
// 1e-8 relative to the largest coefficient and n_iter_ exactly.
func TestEnetCVParity(t *testing.T) {
	var fx struct {
		Cases []struct {
			Name, Class, Data string
			Params            json.RawMessage
			Alpha             float64
			Alphas            []float64
			MSEPath           [][]float64 `json:"mse_path"`
			Coef              []float64
			Intercept         float64
			NIter             int `json:"n_iter"`
		}
	}
	testutil.ReadJSON(t, "testdata/sklearn_enetcv.json", &fx)
	Xd, yd := testutil.LoadCSV(t, "data/datasets/diabetes.csv")
	Xs, ys := synthEnet(20000, 20, 42)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			X, y := Xd, yd
			if c.Data == "synth" {
				X, y = Xs, ys
			}
			est, err := ml.New(c.Class, c.Params)
			if err != nil {
				t.Fatal(err)
			}
			if err := est.Fit(context.Background(), X, y); err != nil {
				t.Fatal(err)
			}
			m := est.(interface {
				Alpha() float64
				AlphaGrid() []float64
				MSEPath() *mat.Dense
				Coef() []float64
				Intercept() float64
				NIter() int
			})
			for i, a := range m.AlphaGrid() {
				if math.Abs(a-c.Alphas[i]) > 1e-12*c.Alphas[i] {
					t.Errorf("alphas_[%d] = %.17g, scikit-learn %.17g", i, a, c.Alphas[i])
				}
			}
			if m.Alpha() != c.Alpha && math.Abs(m.Alpha()-c.Alpha) > 1e-12*c.Alpha {
				t.Errorf("alpha_ %.17g, scikit-learn %.17g", m.Alpha(), c.Alpha)
			}
			mse := m.MSEPath()
			for i, row := range c.MSEPath {
				for f, want := range row {
					if got := mse.At(i, f); math.Abs(got-want) > 1e-7*want {
						t.Errorf("mse_path_[%d, %d] = %.15g, scikit-learn %.15g", i, f, got, want)
					}
				}
			}
			scale := 1.0
			for _, v := range c.Coef {
				scale = math.Max(scale, math.Abs(v))
			}
			for j, v := range m.Coef() {
				if math.Abs(v-c.Coef[j]) > 1e-8*scale {
					t.Errorf("coef[%d] = %.15g, scikit-learn %.15g", j, v, c.Coef[j])
				}
			}
			if math.Abs(m.Intercept()-c.Intercept) > 1e-8*math.Max(1, math.Abs(c.Intercept)) {
				t.Errorf("intercept %.15g, scikit-learn %.15g", m.Intercept(), c.Intercept)
			}
			if m.NIter() != c.NIter {
				t.Errorf("n_iter_ %d, scikit-learn %d", m.NIter(), c.NIter)
			}
		})
	}
}

// TestEnetCVBadInput checks errors that name the parameter.
func TestEnetCVBadInput(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 9})
	y := []float64{1, 2, 3, 4}
	for _, tc := range []struct{ class, params, want string }{
		{"LassoCV", `{"cv": 1}`, "cv"},
		{"LassoCV", `{"cv": 5}`, "cv"},
		{"LassoCV", `{"alphas": []}`, "alphas"},
		{"LassoCV", `{"alphas": [1, -2]}`, "alphas[1]"},
		{"LassoCV", `{"eps": 0}`, "eps"},
		{"ElasticNetCV", `{"l1_ratio": 0, "cv": 2}`, "l1_ratio"},
		{"ElasticNetCV", `{"n_alphas": 0}`, "n_alphas"},
	} {
		est, err := ml.New(tc.class, json.RawMessage(tc.params))
		if err == nil {
			err = est.Fit(context.Background(), X, y)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: error %v, want one naming %s", tc.class, tc.params, err, tc.want)
		}
	}
}
