package nprand

import "math"

// Gauss draws RandomState.standard_normal as numpy's legacy generator
// does (legacy_gauss): the polar Box-Muller method on pairs of
// random_sample draws, the second value of each pair kept for the next
// call. Draw every standard normal of one numpy RandomState through one
// Gauss so that the kept value carries over as it does in numpy.
type Gauss struct {
	R    *RandomState
	has  bool
	kept float64
}

// Next returns the next standard normal draw.
func (g *Gauss) Next() float64 {
	if g.has {
		g.has = false
		return g.kept
	}
	var x1, x2, r2 float64
	for {
		x1 = 2*g.R.Float64() - 1
		x2 = 2*g.R.Float64() - 1
		r2 = x1*x1 + x2*x2
		if r2 < 1 && r2 != 0 {
			break
		}
	}
	f := math.Sqrt(-2 * math.Log(r2) / r2)
	g.kept, g.has = f*x1, true
	return f * x2
}
