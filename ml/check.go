package ml

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// CheckX returns a *DataError if X is nil or empty, holds a NaN or infinite
// value, or (when nFeatures > 0) does not have nFeatures columns. The error
// names the first bad row and column (0-based, as in the matrix).
func CheckX(X *mat.Dense, nFeatures int) error {
	if X == nil || X.IsEmpty() {
		return DataErrorf("X is empty: expected at least one row")
	}
	r, c := X.Dims()
	if nFeatures > 0 && c != nFeatures {
		return DataErrorf("X has %d features, but the estimator was fitted with %d", c, nFeatures)
	}
	raw := X.RawMatrix()
	for i := 0; i < r; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		// v-v is 0 for a finite v and NaN for NaN or ±Inf: one cheap pass
		// per row, and a second only for a row that has a bad value.
		acc := 0.0
		for _, v := range row {
			acc += v - v
		}
		if acc == 0 {
			continue
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return DataErrorf("X[%d, %d] is %v: input must not contain NaN or infinity (add a SimpleImputer for missing values)", i, j, v)
			}
		}
	}
	return nil
}

// CheckXy checks X as CheckX does (for fitting, nFeatures 0) and y for length
// and finiteness.
func CheckXy(X *mat.Dense, y []float64) error {
	if err := CheckX(X, 0); err != nil {
		return err
	}
	r, _ := X.Dims()
	if len(y) != r {
		return DataErrorf("X has %d rows but y has %d values", r, len(y))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return DataErrorf("y[%d] is %v: targets must be finite", i, v)
		}
	}
	return nil
}

// EncodeClasses returns the sorted distinct values of y and, for each sample,
// the index of its class. It fails if there are fewer than two classes.
func EncodeClasses(y []float64) (classes []float64, idx []int, err error) {
	seen := map[float64]struct{}{}
	for _, v := range y {
		seen[v] = struct{}{}
	}
	classes = make([]float64, 0, len(seen))
	for v := range seen {
		classes = append(classes, v)
	}
	sort.Float64s(classes)
	if len(classes) < 2 {
		return nil, nil, DataErrorf("y has %d distinct class(es): a classifier needs at least 2", len(classes))
	}
	pos := make(map[float64]int, len(classes))
	for i, c := range classes {
		pos[c] = i
	}
	idx = make([]int, len(y))
	for i, v := range y {
		idx[i] = pos[v]
	}
	return classes, idx, nil
}
