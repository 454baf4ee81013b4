package ml

import "math"

// CheckSampleWeight checks w as scikit-learn's _check_sample_weight and
// the weighted estimators do: nil is unit weights; otherwise one value per
// row of X, each finite and ≥ 0, with a positive sum.
func CheckSampleWeight(w []float64, n int) error {
	if w == nil {
		return nil
	}
	if len(w) != n {
		return DataErrorf("sample_weight has %d values but X has %d rows", len(w), n)
	}
	sum := 0.0
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return DataErrorf("sample_weight[%d] is %v: weights must be finite and ≥ 0", i, v)
		}
		sum += v
	}
	if !(sum > 0) {
		return DataErrorf("sample_weight sums to %v: at least one weight must be > 0", sum)
	}
	return nil
}

// ScaleWeights returns w times sw element-wise (a class_weight's
// per-sample weights times the sample weights, as scikit-learn multiplies
// them); either may be nil (unit weights), and both nil gives nil.
func ScaleWeights(sw, w []float64) []float64 {
	switch {
	case w == nil:
		return sw
	case sw == nil:
		return w
	}
	out := make([]float64, len(w))
	for i := range out {
		out[i] = sw[i] * w[i]
	}
	return out
}
