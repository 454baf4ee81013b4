package preprocessing

import "math"

// brent minimises f as scipy 1.10's optimize.brent(f, brack=(xa, xb)) does,
// operation for operation: scipy's bracket from (xa, xb) (growing by the
// golden ratio and parabolic steps), then Brent's method with tol 1.48e-8,
// at most 500 iterations. It returns the minimiser.
func brent(f func(float64) float64, xa, xb float64) float64 {
	xa, xb, xc, _, fb, _ := bracket(f, xa, xb)
	const (
		tol     = 1.48e-8
		mintol  = 1.0e-11
		cg      = 0.3819660
		maxIter = 500
	)
	x, w, v := xb, xb, xb
	fx, fw, fv := fb, fb, fb
	a, b := xc, xa
	if xa < xc {
		a, b = xa, xc
	}
	deltax, rat := 0.0, 0.0
	for iter := 0; iter < maxIter; iter++ {
		tol1 := tol*math.Abs(x) + mintol
		tol2 := 2.0 * tol1
		xmid := 0.5 * (a + b)
		if math.Abs(x-xmid) < (tol2 - 0.5*(b-a)) {
			break
		}
		if math.Abs(deltax) <= tol1 {
			if x >= xmid {
				deltax = a - x
			} else {
				deltax = b - x
			}
			rat = cg * deltax
		} else {
			tmp1 := float64((x - w) * (fx - fv))
			tmp2 := float64((x - v) * (fx - fw))
			p := float64((x-v)*tmp2) - float64((x-w)*tmp1)
			tmp2 = 2.0 * (tmp2 - tmp1)
			if tmp2 > 0.0 {
				p = -p
			}
			tmp2 = math.Abs(tmp2)
			dxTemp := deltax
			deltax = rat
			if p > float64(tmp2*(a-x)) && p < float64(tmp2*(b-x)) && math.Abs(p) < math.Abs(float64(0.5*tmp2)*dxTemp) {
				rat = p * 1.0 / tmp2
				u := x + rat
				if (u-a) < tol2 || (b-u) < tol2 {
					if xmid-x >= 0 {
						rat = tol1
					} else {
						rat = -tol1
					}
				}
			} else {
				if x >= xmid {
					deltax = a - x
				} else {
					deltax = b - x
				}
				rat = cg * deltax
			}
		}
		var u float64
		if math.Abs(rat) < tol1 {
			if rat >= 0 {
				u = x + tol1
			} else {
				u = x - tol1
			}
		} else {
			u = x + rat
		}
		fu := f(u)
		if fu > fx {
			if u < x {
				a = u
			} else {
				b = u
			}
			if fu <= fw || w == x {
				v, w, fv, fw = w, u, fw, fu
			} else if fu <= fv || v == x || v == w {
				v, fv = u, fu
			}
		} else {
			if u >= x {
				a = x
			} else {
				b = x
			}
			v, w, x = w, x, u
			fv, fw, fx = fw, fx, fu
		}
	}
	return x
}

// bracket is scipy 1.10's optimize.bracket(f, xa, xb) with grow_limit 110:
// it returns xa, xb, xc with f(xb) below f(xa) and f(xc) (or what scipy
// returns when f does not fall, as for a constant f), and their values.
func bracket(f func(float64) float64, xa, xb float64) (float64, float64, float64, float64, float64, float64) {
	const (
		gold      = 1.618034
		verySmall = 1e-21
		growLimit = 110.0
		maxIter   = 1000
	)
	fa, fb := f(xa), f(xb)
	if fa < fb {
		xa, xb, fa, fb = xb, xa, fb, fa
	}
	xc := xb + float64(gold*(xb-xa))
	fc := f(xc)
	for iter := 0; fc < fb; {
		tmp1 := float64((xb - xa) * (fb - fc))
		tmp2 := float64((xb - xc) * (fb - fa))
		val := tmp2 - tmp1
		denom := 2.0 * val
		if math.Abs(val) < verySmall {
			denom = 2.0 * verySmall
		}
		w := xb - (float64((xb-xc)*tmp2)-float64((xb-xa)*tmp1))/denom
		wlim := xb + float64(growLimit*(xc-xb))
		if iter > maxIter {
			break // scipy raises "Too many iterations"; the caller's Brent still ends
		}
		iter++
		var fw float64
		switch {
		case float64((w-xc)*(xb-w)) > 0.0:
			fw = f(w)
			if fw < fc {
				xa, xb, fa, fb = xb, w, fb, fw
				return xa, xb, xc, fa, fb, fc
			} else if fw > fb {
				xc, fc = w, fw
				return xa, xb, xc, fa, fb, fc
			}
			w = xc + float64(gold*(xc-xb))
			fw = f(w)
		case float64((w-wlim)*(wlim-xc)) >= 0.0:
			w = wlim
			fw = f(w)
		case float64((w-wlim)*(xc-w)) > 0.0:
			fw = f(w)
			if fw < fc {
				xb, xc = xc, w
				w = xc + float64(gold*(xc-xb))
				fb, fc = fc, fw
				fw = f(w)
			}
		default:
			w = xc + float64(gold*(xc-xb))
			fw = f(w)
		}
		xa, xb, xc = xb, xc, w
		fa, fb, fc = fb, fc, fw
	}
	return xa, xb, xc, fa, fb, fc
}
