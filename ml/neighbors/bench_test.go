package neighbors

import (
	"context"
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// benchData returns the 20,000 × 20 benchmark set that testdata/bench.py
// builds the same way, so both sides time the same numbers: three classes
// (row i has class i mod 3) centred on points drawn in the first 10
// features, plus noise of unit variance in all 20 (the centred sum of four
// uniforms). The uniforms come from splitmix64; the regression target is
// the sum of the first five features.
func benchData(n, d int) (*mat.Dense, []float64, []float64) {
	u := func(s uint64) float64 {
		z := s + 0x9E3779B97F4A7C15
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		z ^= z >> 31
		return float64(z>>11) * 0x1p-53
	}
	X := mat.NewDense(n, d, nil)
	yc := make([]float64, n)
	yr := make([]float64, n)
	for i := 0; i < n; i++ {
		c := i % 3
		yc[i] = float64(c)
		for j := 0; j < d; j++ {
			s := uint64(i*d + j)
			v := (u(4*s) + u(4*s+1) + u(4*s+2) + u(4*s+3) - 2) * math.Sqrt(3)
			if j < 10 {
				v += 4*u(1_000_000_000+uint64(c*d+j)) - 2
			}
			X.Set(i, j, v)
			if j < 5 {
				yr[i] += v
			}
		}
	}
	return X, yc, yr
}

// cpuTime returns the process's user plus system CPU time: on a shared
// machine it is steadier than wall time, and testdata/bench.py reports the
// same measure (time.process_time) for scikit-learn.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFitPredict times fit on 15,000 rows and predict on 5,000 of the
// 20,000 × 20 set, as testdata/bench.py does for scikit-learn. Besides
// wall time per op it reports CPU time per op (cpu-ms/op).
func BenchmarkFitPredict(b *testing.B) {
	X, yc, yr := benchData(20000, 20)
	Xtr := mat.DenseCopyOf(X.Slice(0, 15000, 0, 20))
	Xte := mat.DenseCopyOf(X.Slice(15000, 20000, 0, 20))
	for _, algo := range []string{"brute", "kd_tree"} {
		for _, p := range []float64{2, 1} {
			b.Run(fmt.Sprintf("KNeighborsClassifier/%s/p%g", algo, p), func(b *testing.B) {
				c0 := cpuTime()
				defer func() { reportCPU(b, c0) }()
				for i := 0; i < b.N; i++ {
					m := NewKNeighborsClassifier()
					m.Algorithm, m.P = algo, p
					if err := m.Fit(context.Background(), Xtr, yc[:15000]); err != nil {
						b.Fatal(err)
					}
					if _, err := m.Predict(Xte); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("KNeighborsRegressor/%s/p2", algo), func(b *testing.B) {
			c0 := cpuTime()
			defer func() { reportCPU(b, c0) }()
			for i := 0; i < b.N; i++ {
				m := NewKNeighborsRegressor()
				m.Algorithm = algo
				if err := m.Fit(context.Background(), Xtr, yr[:15000]); err != nil {
					b.Fatal(err)
				}
				if _, err := m.Predict(Xte); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFitPredictLowDim is BenchmarkFitPredict on 4 features, where
// algorithm "auto" picks the k-d tree.
func BenchmarkFitPredictLowDim(b *testing.B) {
	X, yc, _ := benchData(20000, 4)
	Xtr := mat.DenseCopyOf(X.Slice(0, 15000, 0, 4))
	Xte := mat.DenseCopyOf(X.Slice(15000, 20000, 0, 4))
	b.Run("KNeighborsClassifier/auto/d4", func(b *testing.B) {
		c0 := cpuTime()
		defer func() { reportCPU(b, c0) }()
		for i := 0; i < b.N; i++ {
			m := NewKNeighborsClassifier()
			if err := m.Fit(context.Background(), Xtr, yc[:15000]); err != nil {
				b.Fatal(err)
			}
			if _, err := m.Predict(Xte); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func reportCPU(b *testing.B, c0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkKernels times the screening kernels on one cache-sized chunk:
// 6 queries (distMask) or 1 query (lanes) against 256 panels of 8 rows with
// 20 features; ns/pair is per query-row pair.
func BenchmarkKernels(b *testing.B) {
	const k, np = 20, 256
	X, _, _ := benchData(np*nr+mr, k)
	raw := X.RawMatrix().Data
	panels := make([]float64, np*k*nr)
	packPanels(panels, raw, np*nr, k)
	yy := make([]float64, np*nr)
	a := make([]float64, k*mr)
	for r := 0; r < mr; r++ {
		for j := 0; j < k; j++ {
			a[j*mr+r] = raw[(np*nr+r)*k+j]
		}
	}
	thr := make([]float64, mr)
	mask := make([]byte, np*mr)
	out := make([]float64, np*nr)
	b.Run("distMask", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			distMask(k, a, panels, yy, thr, np, mask)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*mr*np*nr), "ns/pair")
	})
	for _, p := range []float64{1, 2, 3} {
		m := newMetric(p)
		b.Run(fmt.Sprintf("lanes/p%g", p), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				lanes(m, raw[np*nr*k:(np*nr+1)*k], panels, np, 0, out, mask)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*np*nr), "ns/pair")
		})
	}
}
