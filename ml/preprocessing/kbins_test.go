package preprocessing

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// TestKBinsParity compares KBinsDiscretizer with scikit-learn 1.2.1
// (testdata/gen_kbins.py): bin_edges_, n_bins_, the transform and its
// inverse. The tolerance is 1e-12 relative and absolute: uniform and
// quantile edges follow numpy's linspace and percentile operation for
// operation (bit for bit), while the k-means centres are sums in another
// order than scikit-learn's chunked, threaded Cython loops; the bin indices
// themselves must be equal.
func TestKBinsParity(t *testing.T) {
	var cases []parityCase
	testutil.ReadJSON(t, "testdata/kbins.json", &cases)
	if len(cases) < 18 {
		t.Fatalf("only %d parity cases", len(cases))
	}
	runParity(t, cases, 1e-12, 1e-12)
}

// TestKBinsErrors checks that bad parameters and inputs are errors naming
// what is wrong.
func TestKBinsErrors(t *testing.T) {
	if _, err := ml.New("KBinsDiscretizer", json.RawMessage(`{"strategy": "uniform", "subsample": 10}`)); err == nil || !strings.Contains(err.Error(), "subsample") {
		t.Errorf("subsample with uniform: %v", err)
	}
	for _, p := range []string{`{"n_bins": 1}`, `{"n_bins": [3, 1]}`, `{"n_bins": []}`, `{"n_bins": 2.5}`, `{"n_bins": "5"}`} {
		if _, err := ml.New("KBinsDiscretizer", json.RawMessage(p)); err == nil || !strings.Contains(err.Error(), "n_bins") {
			t.Errorf("%s: %v", p, err)
		}
	}
	e, err := ml.New("KBinsDiscretizer", json.RawMessage(`{"n_bins": [3, 4, 5]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Fit(context.Background(), testutil.Dense([][]float64{{1, 2}, {3, 4}}), nil); err == nil || !strings.Contains(err.Error(), "n_bins") {
		t.Errorf("3 counts for 2 features: %v", err)
	}
	X := testutil.Dense([][]float64{{1, 2}, {2, math.NaN()}, {3, 4}})
	s := NewKBinsDiscretizer()
	if err := s.Fit(context.Background(), X, nil); err == nil || !strings.Contains(err.Error(), "X[1, 1] is NaN") || !ml.IsBadInput(err) {
		t.Errorf("NaN: %v", err)
	}
	s = NewKBinsDiscretizer()
	s.Strategy = "kmeans"
	if err := s.Fit(context.Background(), testutil.Dense([][]float64{{1}, {2}, {3}}), nil); err == nil || !strings.Contains(err.Error(), "n_bins") {
		t.Errorf("kmeans with 3 samples and 5 bins: %v", err)
	}
	s = NewKBinsDiscretizer()
	s.Encode, s.NBins = "ordinal", BinCounts{N: 2}
	if err := s.Fit(context.Background(), testutil.Dense([][]float64{{1}, {2}, {3}, {4}}), nil); err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{-1, 2, 7} {
		if _, err := s.InverseTransform(testutil.Dense([][]float64{{v}})); err == nil || !ml.IsBadInput(err) {
			t.Errorf("inverse of bin %v: %v", v, err)
		}
	}
	s.Encode = "onehot"
	if err := s.Fit(context.Background(), testutil.Dense([][]float64{{1}, {2}, {3}, {4}}), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InverseTransform(testutil.Dense([][]float64{{0, 0}})); err == nil || !strings.Contains(err.Error(), "all zero") {
		t.Errorf("inverse of a zero one-hot row: %v", err)
	}
}
