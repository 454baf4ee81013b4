package preprocessing

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// checkX is ml.CheckX for transformers that take NaN as a missing value, as
// scikit-learn's scalers and imputers do (force_all_finite="allow-nan"): it
// rejects a nil or empty X, infinite values, NaN when allowNaN is false, and
// (when nFeatures > 0) another number of columns. It returns whether X holds
// any NaN.
func checkX(class string, X *mat.Dense, nFeatures int, allowNaN bool) (hasNaN bool, err error) {
	if X == nil || X.IsEmpty() {
		return false, ml.DataErrorf("X is empty: expected at least one row")
	}
	r, c := X.Dims()
	if nFeatures > 0 && c != nFeatures {
		return false, ml.DataErrorf("X has %d features, but %s was fitted with %d", c, class, nFeatures)
	}
	raw := X.RawMatrix()
	for i := 0; i < r; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			// NaN and ±Inf are the values whose exponent bits are all set;
			// one mask and compare keeps the common case cheap.
			if math.Float64bits(v)&expMask != expMask {
				continue
			}
			if math.IsInf(v, 0) {
				return false, ml.DataErrorf("X[%d, %d] is %v: input must not contain infinity", i, j, v)
			}
			if !allowNaN {
				return false, ml.DataErrorf("X[%d, %d] is NaN: with missing_values set to a number, X must not contain NaN", i, j)
			}
			hasNaN = true
		}
	}
	return hasNaN, nil
}

const expMask = 0x7ff0000000000000

// rows returns the rows of X as one contiguous row-major slice, copying only
// when X is a view with a stride wider than its columns.
func rows(X *mat.Dense) (data []float64, r, c int) {
	raw := X.RawMatrix()
	r, c = raw.Rows, raw.Cols
	if raw.Stride == c {
		return raw.Data[:r*c], r, c
	}
	data = make([]float64, r*c)
	for i := 0; i < r; i++ {
		copy(data[i*c:(i+1)*c], raw.Data[i*raw.Stride:i*raw.Stride+c])
	}
	return data, r, c
}

// vector reads a float64 array of length n called name from s.
func vector(s *ml.State, name string, n int) ([]float64, error) {
	v, _, err := s.Floats(name, n)
	if err != nil {
		return nil, err
	}
	return append([]float64(nil), v...), nil
}

// nFeatures reads the n_features_in_ attribute, which must be ≥ 1.
func nFeatures(s *ml.State) (int, error) {
	if s == nil {
		return 0, ml.DataErrorf("state: nil state")
	}
	var n int
	if err := s.Attr("n_features_in_", &n); err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, ml.DataErrorf("state: n_features_in_ is %d, expected ≥ 1", n)
	}
	return n, nil
}

// parallelMin is the number of values below which forRows runs on one
// goroutine: smaller jobs cost less than starting goroutines.
const parallelMin = 1 << 16

// forRows calls body on consecutive row ranges [lo, hi) covering [0, r),
// splitting large element-wise jobs across GOMAXPROCS goroutines. Each output
// element depends on its input element only, so the result does not depend
// on the split.
func forRows(r, c int, body func(lo, hi int)) {
	n := min(runtime.GOMAXPROCS(0), r*c/(parallelMin/2), r)
	if n <= 1 || r*c < parallelMin {
		body(0, r)
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < n; k++ {
		lo, hi := k*r/n, (k+1)*r/n
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}
