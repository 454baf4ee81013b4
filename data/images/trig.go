package images

import "math"

// Correctly rounded sin, cos, tan and atan (to within one part in 1e30
// before the final rounding), for the affine matrices that torchvision
// computes with Python's math module: glibc's functions are correctly
// rounded in practice and Go's math.Sin and math.Cos are not always (one
// ulp off for cos(0.29145679447786710) for example), and one ulp in a
// matrix coefficient changes a truncated bilinear sample now and then.
// The arguments are reduced by pi/2 in double-double arithmetic and the
// Taylor series summed in double-double.

// dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (a dd) add(b dd) dd {
	s := twoSum(a.hi, b.hi)
	s.lo += a.lo + b.lo
	return twoSum(s.hi, s.lo)
}

func (a dd) mul(b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo += a.hi*b.lo + a.lo*b.hi
	return twoSum(p.hi, p.lo)
}

func (a dd) neg() dd { return dd{-a.hi, -a.lo} }

func (a dd) div(b dd) dd {
	q1 := a.hi / b.hi
	r := a.add(b.mul(dd{q1, 0}).neg())
	q2 := r.hi / b.hi
	r = r.add(b.mul(dd{q2, 0}).neg())
	q3 := r.hi / b.hi
	return twoSum(q1, q2).add(dd{q3, 0})
}

// pi/2 in three parts.
const (
	pio2a = 1.5707963267948966
	pio2b = 6.123233995736766e-17
	pio2c = -1.4973849048591698e-33
)

// sincosDD returns sin x and cos x in double-double, for |x| < 2^40.
func sincosDD(x float64) (s, c dd) {
	k := math.Round(x / pio2a)
	r := dd{x, 0}.add(twoProd(-k, pio2a)).add(twoProd(-k, pio2b)).add(dd{-k * pio2c, 0})
	r2 := r.mul(r)
	// sin r = r - r^3/3! + ..., cos r = 1 - r^2/2! + ...
	st, ct := r, dd{1, 0}
	s, c = st, ct
	for n := 1; n < 30; n++ {
		st = st.mul(r2).div(dd{float64((2 * n) * (2*n + 1)), 0}).neg()
		ct = ct.mul(r2).div(dd{float64((2*n - 1) * (2 * n)), 0}).neg()
		s, c = s.add(st), c.add(ct)
		if math.Abs(st.hi) < 1e-40 && math.Abs(ct.hi) < 1e-40 {
			break
		}
	}
	switch q := int64(k) & 3; q {
	case 1:
		s, c = c, s.neg()
	case 2:
		s, c = s.neg(), c.neg()
	case 3:
		s, c = c.neg(), s
	}
	return s, c
}

func accurate(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) && math.Abs(x) < 1<<40 }

// sinR is sin x correctly rounded.
func sinR(x float64) float64 {
	if !accurate(x) || x == 0 {
		return math.Sin(x)
	}
	s, _ := sincosDD(x)
	return s.hi + s.lo
}

// cosR is cos x correctly rounded.
func cosR(x float64) float64 {
	if !accurate(x) {
		return math.Cos(x)
	}
	_, c := sincosDD(x)
	return c.hi + c.lo
}

// tanR is tan x correctly rounded.
func tanR(x float64) float64 {
	if !accurate(x) || x == 0 {
		return math.Tan(x)
	}
	s, c := sincosDD(x)
	t := s.div(c)
	return t.hi + t.lo
}

// atanR is atan x correctly rounded: Go's math.Atan refined by one Newton
// step on tan y = x in double-double.
func atanR(x float64) float64 {
	y := math.Atan(x)
	if !accurate(x) || x == 0 {
		return y
	}
	s, c := sincosDD(y)
	// y - (tan y - x) cos^2 y = y - (sin y - x cos y) cos y
	e := s.add(c.mul(dd{x, 0}).neg()).mul(c)
	r := dd{y, 0}.add(e.neg())
	return r.hi + r.lo
}
