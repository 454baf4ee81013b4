package preprocessing

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// benchData is testdata/synthetic/regression_10k.csv.gz (10,000 x 20) and the
// same with NaN where (7i + 13j) % 11 == 0, as testdata/bench.py builds them.
func benchData(b *testing.B) (X, Xnan *mat.Dense) {
	X, _ = testutil.LoadCSV(b, "testdata/synthetic/regression_10k.csv.gz")
	Xnan = mat.DenseCopyOf(X)
	r, c := X.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if (7*i+13*j)%11 == 0 {
				Xnan.Set(i, j, math.NaN())
			}
		}
	}
	return X, Xnan
}

// BenchmarkPreprocessing times Fit and Transform of each class on 10,000 x
// 20; testdata/bench.py runs it beside scikit-learn and prints the ratios.
func BenchmarkPreprocessing(b *testing.B) {
	X, Xnan := benchData(b)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		new  func() ml.Transformer
		nan  bool
	}{
		{"StandardScaler", func() ml.Transformer { return NewStandardScaler() }, false},
		{"StandardScaler_nan", func() ml.Transformer { return NewStandardScaler() }, true},
		{"MinMaxScaler", func() ml.Transformer { return NewMinMaxScaler() }, false},
		{"SimpleImputer_mean", func() ml.Transformer { return NewSimpleImputer() }, true},
		{"SimpleImputer_median", func() ml.Transformer { return &SimpleImputer{Strategy: "median"} }, true},
		{"SimpleImputer_most_frequent", func() ml.Transformer { return &SimpleImputer{Strategy: "most_frequent"} }, true},
	} {
		in := X
		if c.nan {
			in = Xnan
		}
		b.Run(c.name+"/fit", func(b *testing.B) {
			b.ReportAllocs()
			t0 := cpuTime()
			for b.Loop() {
				if err := c.new().Fit(ctx, in, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-t0)/float64(b.N), "cpu-ns/op")
		})
		e := c.new()
		if err := e.Fit(ctx, in, nil); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/transform", func(b *testing.B) {
			b.ReportAllocs()
			t0 := cpuTime()
			for b.Loop() {
				if _, err := e.Transform(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}
