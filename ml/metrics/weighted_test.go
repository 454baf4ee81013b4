package metrics

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
)

// TestWeightedParity scores testdata/weighted.json's cases (scikit-learn
// 1.2.1, gen_weighted.py, weights with zeros) through Score with
// Input.SampleWeight: within 1e-12 relative to each value (numpy sums
// pairwise as these do; the reference run agrees to rounding). A metric
// without a weighted form refuses weights by name.
func TestWeightedParity(t *testing.T) {
	var fx struct {
		Cases []struct {
			Classes            []float64
			YTrue              []float64   `json:"y_true"`
			YPred              []float64   `json:"y_pred"`
			Proba              [][]float64 `json:"proba"`
			RTrue              []float64   `json:"r_true"`
			RPred              []float64   `json:"r_pred"`
			W                  []float64
			Accuracy           float64
			LogLoss            float64 `json:"log_loss"`
			MSE, RMSE, MAE, R2 float64
		}
	}
	testutil.ReadJSON(t, "testdata/weighted.json", &fx)
	for ci, c := range fx.Cases {
		P := mat.NewDense(len(c.Proba), len(c.Proba[0]), nil)
		for i, r := range c.Proba {
			P.SetRow(i, r)
		}
		cls := Input{YTrue: c.YTrue, YPred: c.YPred, Proba: P, Classes: c.Classes, SampleWeight: c.W}
		reg := Input{YTrue: c.RTrue, YPred: c.RPred, SampleWeight: c.W}
		for _, m := range []struct {
			name string
			in   Input
			want float64
		}{
			{"accuracy", cls, c.Accuracy}, {"log_loss", cls, c.LogLoss},
			{"mse", reg, c.MSE}, {"rmse", reg, c.RMSE}, {"mae", reg, c.MAE}, {"r2", reg, c.R2},
		} {
			got, err := Score(m.name, m.in)
			if err != nil {
				t.Fatalf("case %d %s: %v", ci, m.name, err)
			}
			if math.Abs(got-m.want) > 1e-12*math.Max(1, math.Abs(m.want)) {
				t.Errorf("case %d %s = %.17g, scikit-learn %.17g", ci, m.name, got, m.want)
			}
		}
		if _, err := Score("f1_macro", cls); err == nil || !strings.Contains(err.Error(), "f1_macro does not take sample weights") {
			t.Errorf("f1_macro with weights: %v", err)
		}
	}
	if _, err := Score("accuracy", Input{YTrue: []float64{1, 0}, YPred: []float64{1, 1}, SampleWeight: []float64{0, 0}}); err == nil {
		t.Error("weights summing to 0 accepted")
	}
}
