package preprocessing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/mltest"
)

// TestRobustScalerParity compares center_, scale_, transform and
// inverse_transform with scikit-learn 1.2.1 on NumPy 1.24
// (testdata/gen_robust.py), on gen.py's inputs: bit for bit (the median
// and NumPy's linear-interpolation percentile are computed operation for
// operation), except with unit_variance, where the normal quantiles come
// from gonum's mathext.NormalQuantile rather than scipy's ndtri: there
// scale_ and what depends on it agree to 1e-15 relative.
func TestRobustScalerParity(t *testing.T) {
	var fx struct {
		Cases []parityCase `json:"cases"`
	}
	testutil.ReadJSON(t, "testdata/robust.json", &fx)
	if len(fx.Cases) < 14 {
		t.Fatalf("only %d RobustScaler cases", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		t.Run(fmt.Sprintf("%s/%s/%s", c.Params, c.X, c.Transform), func(t *testing.T) {
			rtol := 0.0
			if strings.Contains(string(c.Params), "unit_variance") {
				rtol = 1e-15
			}
			e, err := ml.New("RobustScaler", c.Params)
			if err != nil {
				t.Fatal(err)
			}
			s := e.(*RobustScaler)
			X := inputX(t, c.X)
			before := mat.DenseCopyOf(X)
			if err := s.Fit(context.Background(), X, nil); err != nil {
				t.Fatal(err)
			}
			if !equalNaN(X, before) {
				t.Fatal("Fit changed X")
			}
			for name, got := range map[string][]float64{"center_": s.Center(), "scale_": s.Scale()} {
				want := c.Attrs[name]
				if want == nil {
					if got != nil {
						t.Errorf("%s = %v, sklearn None", name, got)
					}
					continue
				}
				testutil.AllClose(t, name, got, want, rtol, 0)
			}
			Z, err := s.Transform(transformInput(X, c.Transform))
			if err != nil {
				t.Fatal(err)
			}
			if r, k := Z.Dims(); r != c.OutShape[0] || k != c.OutShape[1] {
				t.Fatalf("Transform shape %dx%d, sklearn %v", r, k, c.OutShape)
			}
			testutil.AllClose(t, "transform", Z.RawMatrix().Data, c.Out, rtol, 0)
			inv, err := s.InverseTransform(Z)
			if err != nil {
				t.Fatal(err)
			}
			testutil.AllClose(t, "inverse_transform", inv.RawMatrix().Data, c.Inverse, 4*rtol, 0)
		})
	}
}

// TestRobustScalerChecks runs the common estimator suite with default and
// non-default hyperparameters.
func TestRobustScalerChecks(t *testing.T) {
	for _, params := range []string{``, `{"with_centering": false}`, `{"with_scaling": false}`,
		`{"quantile_range": [10, 90], "unit_variance": true}`} {
		t.Run(params, func(t *testing.T) {
			opts := mltest.OptionsFor("RobustScaler")
			if params != "" {
				opts.Params = json.RawMessage(params)
			}
			mltest.CheckWith(t, "RobustScaler", opts)
		})
	}
}

// TestRobustScalerParams checks scikit-learn's defaults and the errors.
func TestRobustScalerParams(t *testing.T) {
	d := NewRobustScaler()
	if !d.WithCentering || !d.WithScaling || d.QuantileRange != [2]float64{25, 75} || d.UnitVariance {
		t.Errorf("defaults %+v", d)
	}
	for raw, want := range map[string]string{
		`{"quantile_range": [75, 25]}`:     `quantile_range: expected a list [q_min, q_max] with 0 ≤ q_min ≤ q_max ≤ 100, got [75,25]`,
		`{"quantile_range": [-1, 50]}`:     `quantile_range: expected a list of numbers each ≥ 0 and ≤ 100, got -1`,
		`{"quantile_range": [25, 50, 75]}`: `quantile_range: expected a list of numbers each ≥ 0 and ≤ 100, got [25, 50, 75]`,
		`{"with_centring": false}`:         `did you mean "with_centering"?`,
	} {
		_, err := ml.New("RobustScaler", json.RawMessage(raw))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, expected an error containing %q", raw, err, want)
		}
	}
	s := &RobustScaler{WithScaling: true, QuantileRange: [2]float64{90, 10}}
	if err := s.Fit(context.Background(), mat.NewDense(2, 1, []float64{1, 2}), nil); err == nil || !ml.IsBadInput(err) {
		t.Errorf("Fit with quantile_range [90, 10]: %v", err)
	}
	if _, err := NewRobustScaler().Transform(mat.NewDense(1, 1, []float64{1})); err == nil {
		t.Error("Transform before Fit: no error")
	}
}

// TestPercentile checks the NumPy interpolation on small cases worked by
// hand: n = 4, q = 0.25 is index 0.75 between 1 and 2.
func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 4, 8}
	for _, c := range []struct{ q, want float64 }{{0, 1}, {0.25, 1.75}, {0.5, 3}, {0.75, 5}, {1, 8}} {
		if got := percentile(v, c.q); got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", v, c.q, got, c.want)
		}
	}
	if got := percentile(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("percentile of nothing = %v, want NaN", got)
	}
	if got := median([]float64{1, 2, 4, 8}); got != 3 {
		t.Errorf("median = %v, want 3", got)
	}
}
