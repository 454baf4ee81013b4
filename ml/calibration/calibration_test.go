package calibration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	_ "github.com/mlforge/mlforge/ml/all"
	"github.com/mlforge/mlforge/ml/mltest"
)

// Tolerances of the parity test, from the reference runs: sigmoid's a and
// b come from scipy's fmin_bfgs, which stops at a gradient of 1e-5, while
// mlforge's Newton iterations reach the minimum itself; the largest
// probability difference measured is 3.4e-7 (logged). Isotonic fits are
// exact up to the rounding of the estimators' outputs (RidgeClassifier's
// decision function): 8.2e-13 measured.
const (
	sigmoidTol  = 2e-6
	isotonicTol = 5e-12
)

// TestCalibrationParity compares predict and predict_proba on the test rows
// with scikit-learn 1.2.1 (testdata/gen_calibration.py).
func TestCalibrationParity(t *testing.T) {
	worst := map[string]float64{}
	for _, name := range []string{"breast_cancer", "iris"} {
		var fx struct {
			Cases []struct {
				Params      json.RawMessage
				TestPredict []float64 `json:"test_predict"`
				TestProba   []float64 `json:"test_proba"`
			}
		}
		testutil.ReadJSON(t, "testdata/calibration_"+name+".json", &fx)
		X, y := testutil.LoadCSV(t, "data/datasets/"+name+".csv")
		var tr, te []int
		for i := range y {
			if i%4 == 0 {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		Xtr, ytr, Xte := testutil.Rows(X, tr), testutil.Take(y, tr), testutil.Rows(X, te)
		for ci, c := range fx.Cases {
			t.Run(fmt.Sprintf("%s/%d", name, ci), func(t *testing.T) {
				e, err := ml.New("CalibratedClassifierCV", c.Params)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.Fit(context.Background(), Xtr, ytr); err != nil {
					t.Fatal(err)
				}
				m := e.(interface {
					ml.Classifier
					ml.ProbaPredictor
				})
				var method struct{ Method string }
				json.Unmarshal(c.Params, &method)
				tol := sigmoidTol
				if method.Method == "isotonic" {
					tol = isotonicTol
				}
				p, err := m.PredictProba(Xte)
				if err != nil {
					t.Fatal(err)
				}
				raw := p.RawMatrix().Data
				if len(raw) != len(c.TestProba) {
					t.Fatalf("%d probabilities, want %d", len(raw), len(c.TestProba))
				}
				for i, want := range c.TestProba {
					d := math.Abs(raw[i] - want)
					worst[method.Method] = math.Max(worst[method.Method], d)
					if d > tol {
						t.Errorf("proba[%d] = %.17g, want %.17g (tolerance %g)", i, raw[i], want, tol)
					}
				}
				pred, err := m.Predict(Xte)
				if err != nil {
					t.Fatal(err)
				}
				for i, want := range c.TestPredict {
					if pred[i] != want {
						t.Errorf("predict[%d] = %v, want %v", i, pred[i], want)
					}
				}
			})
		}
	}
	t.Logf("largest probability differences from scikit-learn: %v", worst)
}

// TestCommonChecks runs the suite every registered estimator passes.
func TestCommonChecks(t *testing.T) {
	mltest.Check(t, "CalibratedClassifierCV")
	for _, p := range []string{
		`{"method": "isotonic", "estimator": {"class": "GaussianNB"}}`,
		`{"ensemble": false, "cv": 3, "estimator": {"class": "DecisionTreeClassifier", "params": {"max_depth": 3, "random_state": 0}}}`,
	} {
		t.Run(p, func(t *testing.T) {
			o := mltest.OptionsFor("CalibratedClassifierCV")
			o.Params = json.RawMessage(p)
			mltest.CheckWith(t, "CalibratedClassifierCV", o)
		})
	}
}

func TestBadParams(t *testing.T) {
	for _, c := range []struct{ params, want string }{
		{`{"estimator": {"class": "Ridge"}}`, "estimator: Ridge is not a classifier"},
		{`{"method": "beta"}`, "method"},
		{`{"cv": 1}`, "cv"},
		{`{"estimator": {"class": "Nope"}}`, "unknown class"},
	} {
		_, err := ml.New("CalibratedClassifierCV", json.RawMessage(c.params))
		if err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.params, err, c.want)
		}
	}
	e, _ := ml.New("CalibratedClassifierCV", json.RawMessage(`{"estimator": {"class": "GaussianNB"}}`))
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	Xs, ys := testutil.Rows(X, []int{0, 1, 2, 50, 51, 52, 100, 101, 102}), testutil.Take(y, []int{0, 1, 2, 50, 51, 52, 100, 101, 102})
	if err := e.Fit(context.Background(), Xs, ys); err == nil || !ml.IsBadInput(err) || !contains(err.Error(), "5-fold") {
		t.Errorf("3 rows per class with cv 5: %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
