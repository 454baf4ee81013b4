package manifold

import (
	"context"
	"testing"
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
