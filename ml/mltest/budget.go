package mltest

import (
	"context"
	"fmt"
	"runtime"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// memoryFactor is how far below Fit's allocations an estimate may be: the
// bytes Fit allocates in all (runtime.MemStats.TotalAlloc, an upper bound
// of its peak, since it counts garbage too) must not exceed memoryFactor
// times the estimate. Measured when the check was written, every
// registered class allocated 0.03 to 0.9 times its estimate (the trees and
// scalers come closest); the factor leaves room for the garbage of
// iterative estimators (gonum's temporaries, progress events).
const memoryFactor = 2

// memoryRows is the number of rows the check fits on (the suite's data
// repeated, each copy shifted a little): enough that the estimate's terms
// in n, not its fixed overhead, are what is compared.
const memoryRows = 1500

// checkMemoryEstimate checks that the class implements ml.MemoryEstimator,
// that the estimate allocates nothing to speak of, and that Fit on a small
// dataset allocates at most memoryFactor times the estimate.
func checkMemoryEstimate(s *suite) error {
	e, err := s.new()
	if err != nil {
		return err
	}
	me, ok := e.(ml.MemoryEstimator)
	if !ok {
		return fmt.Errorf("%T does not implement ml.MemoryEstimator (EstimateMemory(nSamples, nFeatures, nOutputs int) int64)", e)
	}
	X, y := tiled(s.data, memoryRows)
	n, p := X.Dims()
	k := 1
	switch s.kind {
	case kindClassifier:
		k = len(distinct(y))
	case kindTransformer, kindClusterer:
		k = p
	}
	var est int64
	spent := allocatedBy(func() { est = me.EstimateMemory(n, p, k) })
	if spent > 64<<10 {
		return fmt.Errorf("EstimateMemory allocated %d bytes; it must compute, not build", spent)
	}
	if est <= 0 {
		return fmt.Errorf("EstimateMemory(%d, %d, %d) = %d, want a positive number of bytes", n, p, k, est)
	}
	var fitErr error
	used := allocatedBy(func() { fitErr = e.Fit(context.Background(), X, y) })
	if fitErr != nil {
		return fmt.Errorf("Fit on %dx%d data: %w", n, p, fitErr)
	}
	if t, ok := e.(ml.Transformer); ok {
		// A pipeline transforms after fitting; the estimate covers it.
		used += allocatedBy(func() { _, fitErr = t.Transform(X) })
	}
	if used > memoryFactor*uint64(est) {
		if raceEnabled {
			return &SkipError{Reason: fmt.Sprintf("under the race detector sync.Pool drops items at random, so Fit's %d allocated bytes are not its own; the plain test run checks the estimate", used)}
		}
		return fmt.Errorf("Fit on %dx%d data allocated %d bytes, more than %d times EstimateMemory's %d", n, p, used, memoryFactor, est)
	}
	return nil
}

// tiled repeats the rows of d to n rows, shifting each copy's features by
// a small multiple of 1e-3 so that no two rows are equal; y (which may be
// nil) repeats as it is.
func tiled(d dataset, n int) (*mat.Dense, []float64) {
	r, c := d.X.Dims()
	X := mat.NewDense(n, c, nil)
	var y []float64
	for i := range n {
		for j := range c {
			X.Set(i, j, d.X.At(i%r, j)+1e-3*float64(i/r))
		}
		if d.y != nil {
			y = append(y, d.y[i%r])
		}
	}
	return X, y
}

// distinct returns the distinct values of y.
func distinct(y []float64) map[float64]bool {
	m := map[float64]bool{}
	for _, v := range y {
		m[v] = true
	}
	return m
}

// allocatedBy returns the bytes allocated while f runs.
func allocatedBy(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}
