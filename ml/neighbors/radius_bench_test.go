package neighbors

import (
	"context"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkRadiusRegressor30 predicts 5,000 rows of 30 features from
// 15,000 training rows (the Euclidean brute force that auto picks above
// 15 features), as bench/classic/neighbors30.json does.
func BenchmarkRadiusRegressor30(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int) *mat.Dense {
		X := mat.NewDense(n, 30, nil)
		for i := range n {
			for j := range 30 {
				X.Set(i, j, rng.NormFloat64())
			}
		}
		return X
	}
	X, Q := gen(15000), gen(5000)
	y := make([]float64, 15000)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	r := NewRadiusNeighborsRegressor()
	r.Radius = 7
	if err := r.Fit(context.Background(), X, y); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := r.Predict(Q); err != nil {
			b.Fatal(err)
		}
	}
}
