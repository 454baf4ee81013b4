package nprand

import (
	"math"
	"slices"
)

// ApproximateMode is scikit-learn's sklearn.utils._approximate_mode: how
// many of nDraws draws each class of the given sizes gets, the floors of
// the proportional shares topped up by largest remainder, ties broken at
// random. choose(n, k) returns k distinct indices below n from the
// caller's generator; scikit-learn's is RandomState.Choice, called once per
// distinct remainder (largest first) until the draws are given out.
func ApproximateMode(counts []int, nDraws int, choose func(n, k int) []int) []int {
	total := 0
	for _, c := range counts {
		total += c
	}
	cont := make([]float64, len(counts))
	out := make([]int, len(counts))
	need := nDraws
	for i, c := range counts {
		cont[i] = float64(c) / float64(total) * float64(nDraws)
		out[i] = int(math.Floor(cont[i]))
		need -= out[i]
	}
	if need <= 0 {
		return out
	}
	rem := make([]float64, len(counts))
	for i := range rem {
		rem[i] = cont[i] - math.Floor(cont[i])
	}
	values := slices.Clone(rem)
	slices.Sort(values)
	values = slices.Compact(values)
	slices.Reverse(values)
	for _, v := range values {
		var inds []int
		for i, r := range rem {
			if r == v {
				inds = append(inds, i)
			}
		}
		add := min(len(inds), need)
		for _, k := range choose(len(inds), add) {
			out[inds[k]]++
		}
		if need -= add; need == 0 {
			break
		}
	}
	return out
}
