package linear

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// benchData returns the deterministic n × p benchmark set that
// testdata/bench.py rebuilds with numpy: splitmix64 draws (seed 42) in
// row-major order make X uniform on [-√3, √3] (unit variance); the next n
// draws are noise. yReg is X·β + noise/2 with β_j = ±(j%5+1)/5; yCls is the
// argmax over three classes of X·B_k + noise with B_kj = ((7j+3k)%11-5)/5.
func benchData(n, p int) (X *mat.Dense, yReg, yCls []float64) {
	var state uint64 = 42
	next := func() float64 {
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		return float64(z>>11) * 0x1p-53
	}
	X = mat.NewDense(n, p, nil)
	d := X.RawMatrix().Data
	for i := range d {
		d[i] = (2*next() - 1) * math.Sqrt(3)
	}
	yReg = make([]float64, n)
	yCls = make([]float64, n)
	for i := 0; i < n; i++ {
		e := 2*next() - 1
		row := d[i*p : i*p+p]
		r := 0.0
		var z [3]float64
		for j, v := range row {
			b := float64(j%5+1) / 5
			if j%2 == 1 {
				b = -b
			}
			r += b * v
			for k := range z {
				z[k] += float64((7*j+3*k)%11-5) / 5 * v
			}
		}
		yReg[i] = r + e/2
		best := 0
		for k := range z {
			z[k] += e
			if z[k] > z[best] {
				best = k
			}
		}
		yCls[i] = float64(best)
	}
	return X, yReg, yCls
}

type predictor interface {
	Fit(context.Context, *mat.Dense, []float64) error
	Predict(*mat.Dense) ([]float64, error)
}

func benchFitPredict(b *testing.B, newEst func() predictor, classification bool) {
	X, yReg, yCls := benchData(20000, 20)
	y := yReg
	if classification {
		y = yCls
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := newEst()
		if err := m.Fit(ctx, X, y); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Predict(X); err != nil {
			b.Fatal(err)
		}
	}
}

// The benchmarks below fit and predict on 20,000 × 20 rows, the shape of
// testdata/bench.py, which times scikit-learn on the same data.

func BenchmarkLinearRegression20k(b *testing.B) {
	benchFitPredict(b, func() predictor { return NewLinearRegression() }, false)
}

func BenchmarkRidge20k(b *testing.B) {
	benchFitPredict(b, func() predictor { return NewRidge() }, false)
}

func BenchmarkRidgeCV20k(b *testing.B) {
	benchFitPredict(b, func() predictor { return NewRidgeCV() }, false)
}

func BenchmarkLogisticRegression20k(b *testing.B) {
	benchFitPredict(b, func() predictor { return NewLogisticRegression() }, true)
}

func BenchmarkLogisticRegressionSagaL1_20k(b *testing.B) {
	benchFitPredict(b, func() predictor {
		m := NewLogisticRegression()
		m.Solver, m.Penalty = "saga", "l1"
		return m
	}, true)
}

func BenchmarkLogisticRegressionSagaElasticNet20k(b *testing.B) {
	benchFitPredict(b, func() predictor {
		m := NewLogisticRegression()
		m.Solver, m.Penalty = "saga", "elasticnet"
		r := 0.5
		m.L1Ratio = &r
		return m
	}, true)
}

func BenchmarkLogisticRegressionBinary20k(b *testing.B) {
	X, _, yCls := benchData(20000, 20)
	y := make([]float64, len(yCls))
	for i, v := range yCls {
		if v == 2 {
			y[i] = 1
		}
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := NewLogisticRegression()
		if err := m.Fit(ctx, X, y); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Predict(X); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchDataMatchesPython pins values of benchData printed by
// testdata/bench.py's make_data, so the two generators cannot drift apart
// unnoticed. The generator is exact arithmetic on the same bits, so the
// comparison is exact.
func TestBenchDataMatchesPython(t *testing.T) {
	X, yReg, yCls := benchData(20000, 20)
	if X.At(0, 0) != 0.83680528671402898 || X.At(19999, 19) != -1.530668390773418 {
		t.Errorf("X[0,0], X[19999,19] = %.17g, %.17g; bench.py has 0.83680528671402898, -1.530668390773418", X.At(0, 0), X.At(19999, 19))
	}
	// yReg sums in a different order than numpy's X @ beta: 1e-12.
	if math.Abs(yReg[0]+4.7655310221715794) > 1e-12 || math.Abs(yReg[19999]-0.15902499839678674) > 1e-12 {
		t.Errorf("yReg[0], yReg[19999] = %.17g, %.17g", yReg[0], yReg[19999])
	}
	want := []float64{2, 2, 0, 2, 0, 2, 1, 2, 0, 2}
	for i, w := range want {
		if yCls[i] != w {
			t.Fatalf("yCls[:10] = %v, want %v", yCls[:10], want)
		}
	}
}

func BenchmarkSGDClassifier20k(b *testing.B) {
	benchFitPredict(b, func() predictor { return NewSGDClassifier() }, true)
}

func BenchmarkSGDRegressor20k(b *testing.B) {
	benchFitPredict(b, func() predictor { return NewSGDRegressor() }, false)
}

func BenchmarkPassiveAggressiveRegressor20k(b *testing.B) {
	benchFitPredict(b, func() predictor { return NewPassiveAggressiveRegressor() }, false)
}
