package tree

import (
	"context"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// benchData builds the n x d data of testdata/bench.py: an xorshift64*
// generator, features that are sums of four uniforms, and class and
// regression targets that are polynomials of five features plus noise.
// Only additions and multiplications are used, so Python builds the same
// numbers.
func benchData(n, d int) (X *mat.Dense, yc, yr []float64) {
	state := uint64(12345)
	uniform := func() float64 {
		state ^= state >> 12
		state ^= state << 25
		state ^= state >> 27
		return float64((state*2685821657736338717)>>11) * (1.0 / (1 << 53))
	}
	X = mat.NewDense(n, d, nil)
	yc, yr = make([]float64, n), make([]float64, n)
	for i := range n {
		x := X.RawRowView(i)
		for j := range x {
			x[j] = uniform() + uniform() + uniform() + uniform() - 2.0
		}
		noise := uniform() - 0.5
		s := x[0] + 2.0*x[1] - x[2] + float64(0.5*x[3])*x[4] + 0.5*noise
		switch {
		case s < -0.7:
			yc[i] = 0
		case s < 0.7:
			yc[i] = 1
		default:
			yc[i] = 2
		}
		yr[i] = float64(3.0*x[0]) - float64(2.0*x[1]) + float64(x[2]*x[3]) + float64(float64(0.5*x[4])*x[4]) + float64(0.2*noise)
	}
	return X, yc, yr
}

// cpuTime returns the CPU time used by the process so far (user plus
// system, all threads). On a shared machine it is a steadier measure than
// wall time, and testdata/bench.py reports the same for scikit-learn.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFitPredict times fit followed by predict on the training rows of
// a 20,000 x 20 set, as testdata/bench.py times scikit-learn.
func BenchmarkFitPredict(b *testing.B) {
	X, yc, yr := benchData(20000, 20)
	b.Run("classifier", func(b *testing.B) {
		c0 := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op") }()
		for b.Loop() {
			m := NewDecisionTreeClassifier()
			if err := m.Fit(context.Background(), X, yc); err != nil {
				b.Fatal(err)
			}
			if _, err := m.Predict(X); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(m.NodeCount()), "nodes")
		}
	})
	b.Run("regressor", func(b *testing.B) {
		c0 := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op") }()
		for b.Loop() {
			m := NewDecisionTreeRegressor()
			if err := m.Fit(context.Background(), X, yr); err != nil {
				b.Fatal(err)
			}
			if _, err := m.Predict(X); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(m.NodeCount()), "nodes")
		}
	})
}

// BenchmarkSort times the introsort on one 20,000-value feature.
func BenchmarkSort(b *testing.B) {
	X, _, _ := benchData(20000, 5)
	vals := mat.Col(nil, 0, X)
	ps := make([]pair, len(vals))
	for b.Loop() {
		for i, v := range vals {
			ps[i] = pair{v: float32(v), i: int32(i)}
		}
		sortPairs(ps)
	}
}
