package neural

import (
	"context"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

// BenchmarkMLPClassifierDigits fits scikit-learn's default MLPClassifier
// (100 relu units, Adam) on the digits for 50 epochs. Compare with
// scikit-learn by running, back to back,
//
//	go test ./ml/neural -run X -bench Digits -benchtime 5x
//	/usr/bin/python3 -c "import time; from sklearn.datasets import load_digits; from sklearn.neural_network import MLPClassifier; X, y = load_digits(return_X_y=True); t = time.time(); [MLPClassifier(max_iter=50, random_state=0).fit(X, y) for _ in range(5)]; print((time.time() - t) / 5)"
func BenchmarkMLPClassifierDigits(b *testing.B) {
	X, y := testutil.LoadCSV(b, "data/datasets/digits.csv")
	b.ReportAllocs()
	for b.Loop() {
		m := NewMLPClassifier()
		m.MaxIter = 50
		if err := m.Fit(context.Background(), X, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMLPRegressorLBFGS fits an MLPRegressor with L-BFGS on the
// diabetes data (100 iterations).
func BenchmarkMLPRegressorLBFGS(b *testing.B) {
	X, y := testutil.LoadCSV(b, "data/datasets/diabetes.csv")
	b.ReportAllocs()
	for b.Loop() {
		m := NewMLPRegressor()
		m.Solver, m.MaxIter = "lbfgs", 100
		if err := m.Fit(context.Background(), X, y); err != nil {
			b.Fatal(err)
		}
	}
}
