package metrics

import (
	"math"

	"github.com/mlforge/mlforge/ml"
)

// MeanSquaredError returns mean((yTrue-yPred)²), like
// sklearn.metrics.mean_squared_error.
func MeanSquaredError(yTrue, yPred []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	return sumSquaredDiff(yTrue, yPred) / float64(len(yTrue)), nil
}

// RootMeanSquaredError returns the square root of MeanSquaredError, like
// sklearn.metrics.mean_squared_error(squared=False).
func RootMeanSquaredError(yTrue, yPred []float64) (float64, error) {
	m, err := MeanSquaredError(yTrue, yPred)
	return math.Sqrt(m), err
}

// MeanAbsoluteError returns mean(|yTrue-yPred|), like
// sklearn.metrics.mean_absolute_error.
func MeanAbsoluteError(yTrue, yPred []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	s := pairwiseBlocks(0, len(yTrue), func(lo int, dst []float64) {
		a, b := yTrue[lo:lo+len(dst)], yPred[lo:lo+len(dst)]
		for i := range dst {
			dst[i] = math.Abs(b[i] - a[i])
		}
	})
	return s / float64(len(yTrue)), nil
}

// R2Score returns the coefficient of determination 1 - SS_res/SS_tot, like
// sklearn.metrics.r2_score. When yTrue is constant (SS_tot = 0) the score is
// 1 for a perfect prediction and 0 otherwise (scikit-learn's
// force_finite=True). Fewer than two samples is an error (scikit-learn warns
// and returns NaN).
func R2Score(yTrue, yPred []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	n := len(yTrue)
	if n < 2 {
		return 0, ml.DataErrorf("R² needs at least two samples, got %d", n)
	}
	num := sumSquaredDiff(yTrue, yPred)
	mean := pairwiseSum(yTrue) / float64(n)
	den := pairwiseBlocks(0, n, func(lo int, dst []float64) {
		a := yTrue[lo : lo+len(dst)]
		for i := range dst {
			d := a[i] - mean
			dst[i] = d * d
		}
	})
	switch {
	case den != 0:
		return 1 - num/den, nil
	case num == 0:
		return 1, nil
	}
	return 0, nil
}

// sumSquaredDiff returns Σ (a_i - b_i)² in numpy's pairwise order.
func sumSquaredDiff(a, b []float64) float64 {
	return pairwiseBlocks(0, len(a), func(lo int, dst []float64) {
		x, y := a[lo:lo+len(dst)], b[lo:lo+len(dst)]
		for i := range dst {
			d := x[i] - y[i]
			dst[i] = d * d
		}
	})
}
