package mltest

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// dataset is a training set and a test matrix with the same features.
type dataset struct {
	name  string
	X     *mat.Dense
	y     []float64 // nil for transformers and clusterers
	XTest *mat.Dense
}

// Blobs returns n samples with d features drawn around one centre per label
// (samples take the labels in turn), from a generator seeded with seed.
// Every feature value is positive (centres at 5 and above, spread 0.8), so
// estimators that need non-negative input can use it too.
func Blobs(seed uint64, n, d int, labels []float64) (*mat.Dense, []float64) {
	rng := rand.New(rand.NewPCG(seed, 0x6d6c7465))
	k := len(labels)
	X := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		c := i % k
		y[i] = labels[c]
		for j := 0; j < d; j++ {
			centre := 5 + 4*float64((c+j)%k)
			X.Set(i, j, centre+0.8*rng.NormFloat64())
		}
	}
	return X, y
}

// Linear returns n samples with d features uniform in [0, 10) and targets
// 30 + Σ w_j x_j + N(0, 0.1²) with w = 1.5, -2, 0.5, 1, -0.5, ... from a
// generator seeded with seed.
func Linear(seed uint64, n, d int) (*mat.Dense, []float64) {
	rng := rand.New(rand.NewPCG(seed, 0x6c696e))
	w := []float64{1.5, -2, 0.5, 1, -0.5}
	X := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		s := 30.0 // keeps every target positive, as Poisson criteria need
		for j := 0; j < d; j++ {
			v := 10 * rng.Float64()
			X.Set(i, j, v)
			s += w[j%len(w)] * v
		}
		y[i] = s + 0.1*rng.NormFloat64()
	}
	return X, y
}

// mainData is the dataset most checks fit on; otherData differs in rows,
// features and (for classifiers) classes, for the refit check.
func mainData(t taskKind) dataset {
	switch t {
	case kindClassifier:
		X, y := Blobs(1, 60, 4, []float64{0, 1, 2})
		Xt, _ := Blobs(2, 20, 4, []float64{0, 1, 2})
		return dataset{"3-class blobs 60x4", X, y, Xt}
	case kindRegressor:
		X, y := Linear(1, 50, 3)
		Xt, _ := Linear(2, 20, 3)
		return dataset{"linear 50x3", X, y, Xt}
	}
	X, _ := Blobs(1, 60, 4, []float64{0, 1, 2})
	Xt, _ := Blobs(2, 20, 4, []float64{0, 1, 2})
	return dataset{"blobs 60x4", X, nil, Xt}
}

func binaryData() dataset {
	X, y := Blobs(3, 40, 3, []float64{-1, 1})
	Xt, _ := Blobs(4, 15, 3, []float64{-1, 1})
	return dataset{"binary {-1, 1} blobs 40x3", X, y, Xt}
}

func otherData(t taskKind) dataset {
	switch t {
	case kindClassifier:
		X, y := Blobs(5, 45, 5, []float64{-1, 1})
		Xt, _ := Blobs(6, 12, 5, []float64{-1, 1})
		return dataset{"binary {-1, 1} blobs 45x5", X, y, Xt}
	case kindRegressor:
		X, y := Linear(5, 40, 5)
		Xt, _ := Linear(6, 12, 5)
		return dataset{"linear 40x5", X, y, Xt}
	}
	X, _ := Blobs(5, 45, 5, []float64{0, 1})
	Xt, _ := Blobs(6, 12, 5, []float64{0, 1})
	return dataset{"blobs 45x5", X, nil, Xt}
}

// categorize replaces every feature value v of d by floor(v) mod 3, one of
// the categories 0, 1 and 2, for the classes that take categorical X. On
// the suite's data sets every category occurs in every training column.
func categorize(d dataset) dataset {
	cat := func(X *mat.Dense) *mat.Dense {
		C := mat.DenseCopyOf(X)
		C.Apply(func(_, _ int, v float64) float64 { return math.Mod(math.Floor(v), 3) }, C)
		return C
	}
	d.name += " as categories"
	d.X, d.XTest = cat(d.X), cat(d.XTest)
	return d
}
