package cluster

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func blobs(n, d, k int) *mat.Dense {
	rng := rand.New(rand.NewPCG(1, 2))
	X := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		c := float64(i % k)
		for j := 0; j < d; j++ {
			X.Set(i, j, 10*c*float64(j%2)+rng.NormFloat64())
		}
	}
	return X
}

// BenchmarkAgglomerativeWard: ward on 3,000 x 10, as bench/classic.
func BenchmarkAgglomerativeWard(b *testing.B) {
	X := blobs(3000, 10, 5)
	for i := 0; i < b.N; i++ {
		a := NewAgglomerativeClustering()
		a.NClusters = 5
		if err := a.Fit(context.Background(), X, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKMeans: 6 clusters, n_init 10 on 30,000 x 10, as bench/classic.
func BenchmarkKMeans(b *testing.B) {
	X := blobs(30000, 10, 6)
	for i := 0; i < b.N; i++ {
		km := NewKMeans()
		km.NClusters = 6
		if err := km.Fit(context.Background(), X, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDBSCANMoons: 3,000 two-moon points, eps 0.1, as bench/classic.
func BenchmarkDBSCANMoons(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	X := mat.NewDense(3000, 2, nil)
	for i := 0; i < 3000; i++ {
		t := math.Pi * rng.Float64()
		x, y := math.Cos(t), math.Sin(t)
		if i%2 == 1 {
			x, y = 1-x, 0.5-y
		}
		X.Set(i, 0, x+0.05*rng.NormFloat64())
		X.Set(i, 1, y+0.05*rng.NormFloat64())
	}
	for i := 0; i < b.N; i++ {
		db := NewDBSCAN()
		db.Eps = 0.1
		if err := db.Fit(context.Background(), X, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpectralMoons: SpectralClustering(n_clusters=2,
// affinity="nearest_neighbors") on 3,000 two-moon points, as bench/classic.
func BenchmarkSpectralMoons(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	X := mat.NewDense(3000, 2, nil)
	for i := 0; i < 3000; i++ {
		t := math.Pi * rng.Float64()
		x, y := math.Cos(t), math.Sin(t)
		if i%2 == 1 {
			x, y = 1-x, 0.5-y
		}
		X.Set(i, 0, x+0.05*rng.NormFloat64())
		X.Set(i, 1, y+0.05*rng.NormFloat64())
	}
	for i := 0; i < b.N; i++ {
		sc := NewSpectralClustering()
		sc.NClusters, sc.Affinity = 2, "nearest_neighbors"
		if err := sc.Fit(context.Background(), X, nil); err != nil {
			b.Fatal(err)
		}
	}
}
