package decomposition

import (
	"context"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkPCARandomized fits PCA(n_components=10) on 20,000 x 50 data of
// rank about 20, as bench/classic does (the randomized solver).
func BenchmarkPCARandomized(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	A := mat.NewDense(20000, 20, nil)
	A.Apply(func(_, _ int, _ float64) float64 { return rng.NormFloat64() }, A)
	B := mat.NewDense(20, 50, nil)
	B.Apply(func(_, _ int, _ float64) float64 { return rng.NormFloat64() }, B)
	var X mat.Dense
	X.Mul(A, B)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pc := NewPCA()
		pc.NComponents = NComponents{Count: 10}
		if err := pc.Fit(context.Background(), &X, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNMF fits NMF(n_components=10) (cd, nndsvda) on 2,000 x 64
// non-negative data.
func BenchmarkNMF(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	X := mat.NewDense(2000, 64, nil)
	X.Apply(func(_, _ int, _ float64) float64 { return rng.ExpFloat64() }, X)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := NewNMF()
		m.NComponents = 10
		if err := m.Fit(context.Background(), X, nil); err != nil {
			b.Fatal(err)
		}
	}
}
