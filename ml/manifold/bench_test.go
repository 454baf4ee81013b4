package manifold

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkTSNEDigits fits TSNE with scikit-learn's defaults (Barnes-Hut,
// perplexity 30, 1000 iterations, init pca) on digits (1,797 × 64), as
// bench/classic does.
func BenchmarkTSNEDigits(b *testing.B) {
	X := digitsData(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts := NewTSNE()
		if err := ts.Fit(context.Background(), X, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTSNEExact fits the exact method on the first 300 digits.
func BenchmarkTSNEExact(b *testing.B) {
	X := digitsData(b)
	Xs := X.Slice(0, 300, 0, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts := NewTSNE()
		ts.Method = "exact"
		if _, err := ts.FitTransform(context.Background(), mustDense(Xs)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTSNE20000 fits Barnes-Hut TSNE (250 iterations, the early
// exaggeration phase) on 20,000 points of 10 features, reporting the
// bytes allocated per point: Barnes-Hut's memory is O(n).
func BenchmarkTSNE20000(b *testing.B) {
	const n, p = 20000, 10
	rng := rand.New(rand.NewPCG(5, 6))
	X := mat.NewDense(n, p, nil)
	X.Apply(func(i, _ int, _ float64) float64 { return rng.NormFloat64() + float64(i%7) }, X)
	b.ReportAllocs()
	b.ResetTimer()
	var ms runtime.MemStats
	var before uint64
	for i := 0; i < b.N; i++ {
		runtime.ReadMemStats(&ms)
		before = ms.TotalAlloc
		ts := NewTSNE()
		ts.NIter = 250
		if err := ts.Fit(context.Background(), X, nil); err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.TotalAlloc-before)/n, "B/point")
		b.ReportMetric(float64(ts.EstimateMemory(n, p, 2))/n, "est-B/point")
	}
}
