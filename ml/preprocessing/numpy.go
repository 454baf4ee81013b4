package preprocessing

import "github.com/mlforge/mlforge/internal/f64"

// npVar is np.var of a 1-D array (ddof 0): the mean of the squared
// deviations from the mean, both sums pairwise; tmp (len(a) values) is
// scratch space.
func npVar(a, tmp []float64) float64 {
	n := float64(len(a))
	mean := f64.PairwiseSum(a) / n
	for i, v := range a {
		d := v - mean
		tmp[i] = float64(d * d)
	}
	return f64.PairwiseSum(tmp[:len(a)]) / n
}
