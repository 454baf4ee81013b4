package f64

// PairwiseSum is numpy 1.24's pairwise_sum for float64 (np.sum, np.add.reduce
// of a contiguous 1-D array): blocks of at most 128 values summed in eight
// accumulators, longer runs split in halves (rounded down to a multiple of
// eight) summed recursively. Estimators that reproduce numpy's results to
// the last bit sum with it.
func PairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		s := 0.0
		for _, v := range a {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range 8 {
				r[j] += a[i+j]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	}
	n2 := n / 2
	n2 -= n2 % 8
	return PairwiseSum(a[:n2]) + PairwiseSum(a[n2:])
}
