package naivebayes

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

func TestParamErrors(t *testing.T) {
	cases := []struct{ params, want string }{
		{`{"var_smoothing":-1}`, "var_smoothing: expected a number ≥ 0"},
		{`{"priors":[0.5,0.6]}`, "priors: the priors sum to 1.1, expected 1"},
		{`{"priors":[-0.5,1.5]}`, "priors: expected a list of numbers each ≥ 0 and ≤ 1"},
	}
	for _, c := range cases {
		_, err := ml.New("GaussianNB", json.RawMessage(c.params))
		if err == nil || !strings.Contains(err.Error(), c.want) || !ml.IsBadInput(err) {
			t.Errorf("%s: error %v, want one containing %q", c.params, err, c.want)
		}
	}
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	m := &GaussianNB{Priors: []float64{0.5, 0.5}, VarSmoothing: 1e-9}
	if err := m.Fit(context.Background(), X, y); err == nil || !strings.Contains(err.Error(), "2 priors given, but y has 3 classes") {
		t.Errorf("priors of the wrong length: %v", err)
	}
	if e, err := ml.New("GaussianNB", json.RawMessage(`{"priors":null}`)); err != nil || e.(*GaussianNB).Priors != nil {
		t.Errorf("priors null: %v", err)
	}
}

func TestNotFittedAndShapes(t *testing.T) {
	m := NewGaussianNB()
	X := mat.NewDense(1, 4, nil)
	if _, err := m.Predict(X); !errors.Is(err, ml.ErrNotFitted) {
		t.Errorf("Predict before Fit: %v", err)
	}
	if _, err := m.PredictProba(X); !errors.Is(err, ml.ErrNotFitted) {
		t.Errorf("PredictProba before Fit: %v", err)
	}
	if _, err := m.MarshalState(); !errors.Is(err, ml.ErrNotFitted) {
		t.Errorf("MarshalState before Fit: %v", err)
	}
	Xi, yi := testutil.LoadCSV(t, "data/datasets/iris.csv")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Fit(ctx, Xi, yi); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Fit: %v", err)
	}
	X0 := mat.DenseCopyOf(Xi)
	if err := m.Fit(context.Background(), Xi, yi); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(Xi, X0) {
		t.Error("Fit changed X")
	}
	if _, err := m.Predict(mat.NewDense(1, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 features") {
		t.Errorf("feature mismatch: %v", err)
	}
	P, _ := m.PredictProba(Xi)
	for i := 0; i < 150; i++ {
		s := 0.0
		for _, v := range P.RawRowView(i) {
			s += v
		}
		// Rows of probabilities sum to one up to rounding.
		if math.Abs(s-1) > 1e-12 {
			t.Fatalf("row %d sums to %v", i, s)
		}
	}
	if r, c := m.Theta().Dims(); r != 3 || c != 4 {
		t.Errorf("theta is %d×%d", r, c)
	}
}

func TestConstantFeatures(t *testing.T) {
	// Every feature constant: the smoothing is zero and so are the variances.
	X := mat.NewDense(4, 2, []float64{1, 2, 1, 2, 1, 2, 1, 2})
	y := []float64{0, 0, 1, 1}
	err := NewGaussianNB().Fit(context.Background(), X, y)
	if err == nil || !ml.IsBadInput(err) || !strings.Contains(err.Error(), "zero variance") {
		t.Errorf("constant features: %v", err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/wine.csv")
	m := NewGaussianNB()
	if err := m.Fit(context.Background(), X, y); err != nil {
		t.Fatal(err)
	}
	s, err := m.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	r := &GaussianNB{}
	if err := r.UnmarshalState(s); err != nil {
		t.Fatal(err)
	}
	a, _ := m.PredictProba(X)
	b, _ := r.PredictProba(X)
	if !mat.Equal(a, b) {
		t.Error("probabilities differ after a state round trip")
	}
	s.SetFloats("var", make([]float64, 3*13), 3, 13)
	if err := (&GaussianNB{}).UnmarshalState(s); err == nil || !strings.Contains(err.Error(), "positive") {
		t.Errorf("zero variances accepted: %v", err)
	}
}
