package neural

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// The benchmarks fit and then predict on the training data, with the
// settings of testdata/bench.py, which times scikit-learn on the same data.
// Compare by running, back to back from the repository root,
//
//	go test ./ml/neural -run X -bench . -benchtime 3x
//	/usr/bin/python3 ml/neural/testdata/bench.py 3
//
// tol 0 with n_iter_no_change = max_iter makes both libraries run every
// epoch.

// synthetic reproduces bench.py's synthetic(): n × p features uniform in
// [-1, 1) from a 64-bit LCG, and a class in [0, classes) from two fixed
// projections, or a smooth regression target when classes is 0.
func synthetic(n, p, classes int) (*mat.Dense, []float64) {
	s := uint64(42)
	X := mat.NewDense(n, p, nil)
	y := make([]float64, n)
	for i := range n {
		var a, b float64
		for j := range p {
			s = s*6364136223846793005 + 1442695040888963407
			v := 2*(float64(s>>11)/9007199254740992.0) - 1
			X.Set(i, j, v)
			a += v * (float64(j%5-2) / 2)
			b += v * float64(j%3-1)
		}
		if classes == 0 {
			y[i] = math.Sin(a) + b*b/4
			continue
		}
		c := 0
		if a > 0 {
			c++
		}
		if b > 0.5 {
			c++
		}
		y[i] = float64(min(c, classes-1))
	}
	return X, y
}

func benchFit(b *testing.B, newEst func() ml.Predictor, X *mat.Dense, y []float64) {
	b.ReportAllocs()
	for b.Loop() {
		m := newEst()
		if err := m.Fit(context.Background(), X, y); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Predict(X); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMLPClassifierDigits fits scikit-learn's default MLPClassifier
// (100 relu units, Adam) on the digits for 50 epochs.
func BenchmarkMLPClassifierDigits(b *testing.B) {
	X, y := testutil.LoadCSV(b, "data/datasets/digits.csv")
	benchFit(b, func() ml.Predictor {
		m := NewMLPClassifier()
		m.MaxIter, m.Tol, m.NIterNoChange = 50, 0, 50
		return m
	}, X, y)
}

// BenchmarkMLPClassifierSynthetic fits the default MLPClassifier on 20,000 ×
// 20 synthetic samples of 3 classes for 20 epochs.
func BenchmarkMLPClassifierSynthetic(b *testing.B) {
	X, y := synthetic(20000, 20, 3)
	benchFit(b, func() ml.Predictor {
		m := NewMLPClassifier()
		m.MaxIter, m.Tol, m.NIterNoChange = 20, 0, 20
		return m
	}, X, y)
}

// BenchmarkMLPRegressorSynthetic fits the default MLPRegressor on 20,000 ×
// 20 synthetic samples for 20 epochs.
func BenchmarkMLPRegressorSynthetic(b *testing.B) {
	X, y := synthetic(20000, 20, 0)
	benchFit(b, func() ml.Predictor {
		m := NewMLPRegressor()
		m.MaxIter, m.Tol, m.NIterNoChange = 20, 0, 20
		return m
	}, X, y)
}

// BenchmarkMLPRegressorLBFGS fits an MLPRegressor with L-BFGS on the
// diabetes data (100 iterations).
func BenchmarkMLPRegressorLBFGS(b *testing.B) {
	X, y := testutil.LoadCSV(b, "data/datasets/diabetes.csv")
	benchFit(b, func() ml.Predictor {
		m := NewMLPRegressor()
		m.Solver, m.MaxIter = "lbfgs", 100
		return m
	}, X, y)
}
