package preprocessing

// pairwiseSum is numpy 1.24's pairwise_sum for float64 (np.sum of a 1-D
// array): blocks of 128 summed with eight accumulators, halves summed
// recursively. A copy of ml/ensemble's.
func pairwiseSum(a []float64) float64 {
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
	return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
}

// npVar is np.var of a 1-D array (ddof 0): the mean of the squared
// deviations from the mean, both sums pairwise; tmp (len(a) values) is
// scratch space.
func npVar(a, tmp []float64) float64 {
	n := float64(len(a))
	mean := pairwiseSum(a) / n
	for i, v := range a {
		d := v - mean
		tmp[i] = float64(d * d)
	}
	return pairwiseSum(tmp[:len(a)]) / n
}
