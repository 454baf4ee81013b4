package naivebayes

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// benchData is ml/linear's benchmark set (see its bench_test.go): splitmix64
// draws (seed 42) make X uniform on [-√3, √3]; y is the argmax over three
// classes of X·B_k + noise with B_kj = ((7j+3k)%11-5)/5. testdata/bench.py
// rebuilds it with numpy.
func benchData(n, p int) (*mat.Dense, []float64) {
	var state uint64 = 42
	next := func() float64 {
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		return float64(z>>11) * 0x1p-53
	}
	X := mat.NewDense(n, p, nil)
	d := X.RawMatrix().Data
	for i := range d {
		d[i] = (2*next() - 1) * math.Sqrt(3)
	}
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		e := 2*next() - 1
		var z [3]float64
		for j, v := range d[i*p : i*p+p] {
			for k := range z {
				z[k] += float64((7*j+3*k)%11-5) / 5 * v
			}
		}
		best := 0
		for k := range z {
			z[k] += e
			if z[k] > z[best] {
				best = k
			}
		}
		y[i] = float64(best)
	}
	return X, y
}

// BenchmarkGaussianNB20k fits and predicts on 20,000 × 20 rows, the shape
// testdata/bench.py times scikit-learn on.
func BenchmarkGaussianNB20k(b *testing.B) {
	X, y := benchData(20000, 20)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := NewGaussianNB()
		if err := m.Fit(ctx, X, y); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Predict(X); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGaussianNBProba20k is fit + predict_proba.
func BenchmarkGaussianNBProba20k(b *testing.B) {
	X, y := benchData(20000, 20)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := NewGaussianNB()
		if err := m.Fit(ctx, X, y); err != nil {
			b.Fatal(err)
		}
		if _, err := m.PredictProba(X); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchData pins the first labels printed by bench.py.
func TestBenchData(t *testing.T) {
	X, y := benchData(20000, 20)
	if X.At(0, 0) != 0.83680528671402898 {
		t.Errorf("X[0,0] = %.17g, want 0.83680528671402898", X.At(0, 0))
	}
	want := []float64{2, 2, 0, 2, 0, 2, 1, 2, 0, 2}
	for i, w := range want {
		if y[i] != w {
			t.Fatalf("y[:10] = %v, want %v", y[:10], want)
		}
	}
}
