package neighbors

import "math"

// Metric kinds. Every kind computes a "reduced distance" (the sum of
// |x_j - y_j|^p without the final root) in dimension order with one rounding
// per operation, so the brute-force and k-d tree searches, which share these
// functions, agree bit for bit.
const (
	kindL1   = iota // p = 1: sum of |d|
	kindL2          // p = 2: sum of d²
	kindIPow        // integer p in [3, 16]: |d|^p by repeated multiplication
	kindPow         // any other p > 0: math.Pow(|d|, p)
)

// metric is a Minkowski metric with exponent p.
type metric struct {
	p    float64
	kind int
	ip   int // the integer exponent for kindIPow
}

func newMetric(p float64) metric {
	m := metric{p: p}
	switch {
	case p == 1:
		m.kind = kindL1
	case p == 2:
		m.kind = kindL2
	case p == math.Trunc(p) && p >= 3 && p <= 16:
		m.kind, m.ip = kindIPow, int(p)
	default:
		m.kind = kindPow
	}
	return m
}

// name returns scikit-learn's effective_metric_ for m.
func (m metric) name() string {
	switch m.kind {
	case kindL1:
		return "manhattan"
	case kindL2:
		return "euclidean"
	}
	return "minkowski"
}

// term returns the contribution |g|^p of one coordinate difference g ≥ 0.
func (m metric) term(g float64) float64 {
	switch m.kind {
	case kindL1:
		return g
	case kindL2:
		return float64(g * g)
	case kindIPow:
		return ipow(g, m.ip)
	}
	return math.Pow(g, m.p)
}

// rdist returns the reduced distance between x and y. Once the partial sum
// exceeds bound it stops and returns that partial sum, which is then also
// larger than bound: the terms are non-negative and rounded addition is
// monotone, so the full sum could not have come back under it.
func (m metric) rdist(x, y []float64, bound float64) float64 {
	switch m.kind {
	case kindL1:
		return rdistL1(x, y, bound)
	case kindL2:
		return rdistL2(x, y, bound)
	}
	y = y[:len(x)]
	var s float64
	for j, xj := range x {
		s += m.term(math.Abs(xj - y[j]))
		if s > bound {
			return s
		}
	}
	return s
}

// dist turns a reduced distance into the distance: the p-th root.
func (m metric) dist(r float64) float64 {
	switch m.kind {
	case kindL1:
		return r
	case kindL2:
		return math.Sqrt(r)
	}
	return math.Pow(r, 1/m.p)
}

// rdistL2 is rdist for p = 2, checking the bound every four coordinates.
func rdistL2(x, y []float64, bound float64) float64 {
	y = y[:len(x)]
	var s float64
	j := 0
	for ; j+4 <= len(x); j += 4 {
		d0 := x[j] - y[j]
		d1 := x[j+1] - y[j+1]
		d2 := x[j+2] - y[j+2]
		d3 := x[j+3] - y[j+3]
		// The explicit conversions forbid fused multiply-adds, so every
		// platform rounds the same way.
		s += float64(d0 * d0)
		s += float64(d1 * d1)
		s += float64(d2 * d2)
		s += float64(d3 * d3)
		if s > bound {
			return s
		}
	}
	for ; j < len(x); j++ {
		d := x[j] - y[j]
		s += float64(d * d)
	}
	return s
}

// rdistL1 is rdist for p = 1, checking the bound every four coordinates.
func rdistL1(x, y []float64, bound float64) float64 {
	y = y[:len(x)]
	var s float64
	j := 0
	for ; j+4 <= len(x); j += 4 {
		s += math.Abs(x[j] - y[j])
		s += math.Abs(x[j+1] - y[j+1])
		s += math.Abs(x[j+2] - y[j+2])
		s += math.Abs(x[j+3] - y[j+3])
		if s > bound {
			return s
		}
	}
	for ; j < len(x); j++ {
		s += math.Abs(x[j] - y[j])
	}
	return s
}

// ipow returns g^n for n ≥ 1 by left-to-right multiplication, which is
// monotone in g ≥ 0 (each rounded product is).
func ipow(g float64, n int) float64 {
	r := g
	for i := 1; i < n; i++ {
		r = float64(r * g)
	}
	return r
}
