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

// BenchmarkRadiusClassifier20 predicts 5,000 rows of 20 features from
// 15,000 training rows with a radius that finds a few dozen neighbours
// (bench/classic's RadiusNeighborsClassifier finds 14 on average): the
// GEMM-screened brute force that auto picks above 15 features.
func BenchmarkRadiusClassifier20(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int) *mat.Dense {
		X := mat.NewDense(n, 20, nil)
		for i := range n {
			for j := range 20 {
				X.Set(i, j, rng.NormFloat64())
			}
		}
		return X
	}
	X, Q := gen(15000), gen(5000)
	y := make([]float64, 15000)
	for i := range y {
		y[i] = float64(rng.IntN(3))
	}
	c := NewRadiusNeighborsClassifier()
	c.Radius = 3.5
	c.OutlierLabel.MostFrequent = true
	if err := c.Fit(context.Background(), X, y); err != nil {
		b.Fatal(err)
	}
	ind, _, _ := c.fit.within(Q, c.Radius, false)
	tot := 0
	for _, in := range ind {
		tot += len(in)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := c.Predict(Q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tot)/float64(len(ind)), "neighbours/query")
}
