package calibration

import (
	"errors"
	"math"
	"sort"
)

// isotonic is scikit-learn's IsotonicRegression(out_of_bounds="clip",
// increasing=True) fitted: the thresholds X_thresholds_ and
// y_thresholds_, predicting by linear interpolation between them (scipy's
// interp1d) with inputs clipped to [x[0], x[len-1]].
type isotonic struct {
	x, y []float64
}

// fitIsotonic fits the isotonic regression of t on f with unit weights as
// IsotonicRegression._build_y does: rows sorted by (f, t), equal f values
// (within numpy's float64 resolution, 1e-15) merged into their mean t,
// the pool-adjacent-violators fit, and the points inside runs of equal
// fitted values dropped. With sample weights sw (nil for none) the rows
// of weight 0 are left out and the means and the fit are weighted.
func fitIsotonic(f, t, sw []float64) *isotonic {
	wt := func(i int) float64 {
		if sw == nil {
			return 1
		}
		return sw[i]
	}
	var order []int
	for i := range f {
		if wt(i) > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if f[i] != f[j] {
			return f[i] < f[j]
		}
		return t[i] < t[j]
	})
	// _make_unique
	const eps = 1e-15
	var ux, uy, uw []float64
	curX, curY, curW := f[order[0]], 0.0, 0.0
	for _, i := range order {
		if f[i]-curX >= eps {
			ux, uy, uw = append(ux, curX), append(uy, curY/curW), append(uw, curW)
			curX, curY, curW = f[i], t[i]*wt(i), wt(i)
		} else {
			curY += t[i] * wt(i)
			curW += wt(i)
		}
	}
	ux, uy, uw = append(ux, curX), append(uy, curY/curW), append(uw, curW)
	pava(uy, uw)
	// trim_duplicates
	m := len(uy)
	var x, y []float64
	for i := range m {
		if i == 0 || i == m-1 || uy[i] != uy[i-1] || uy[i] != uy[i+1] {
			x, y = append(x, ux[i]), append(y, uy[i])
		}
	}
	return &isotonic{x: x, y: y}
}

// pava is scikit-learn's _inplace_contiguous_isotonic_regression: the
// weighted non-decreasing fit of y, in place (w is overwritten).
func pava(y, w []float64) {
	n := len(y)
	target := make([]int, n)
	for i := range target {
		target[i] = i
	}
	i := 0
	for i < n {
		k := target[i] + 1
		if k == n {
			break
		}
		if y[i] < y[k] {
			i = k
			continue
		}
		sumWY, sumW := w[i]*y[i], w[i]
		for {
			prev := y[k]
			sumWY += w[k] * y[k]
			sumW += w[k]
			k = target[k] + 1
			if k == n || prev < y[k] {
				y[i] = sumWY / sumW
				w[i] = sumW
				target[i] = k - 1
				target[k-1] = i
				if i > 0 {
					i = target[i-1]
				}
				break
			}
		}
	}
	i = 0
	for i < n {
		k := target[i] + 1
		for j := i + 1; j < k; j++ {
			y[j] = y[i]
		}
		i = k
	}
}

// newIsotonic checks saved thresholds: finite, x strictly increasing and
// y non-decreasing.
func newIsotonic(x, y []float64) (*isotonic, error) {
	if len(x) == 0 || len(x) != len(y) {
		return nil, errors.New("isotonic thresholds: empty or of different lengths")
	}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return nil, errors.New("isotonic thresholds must be finite")
		}
		if i > 0 && (x[i] <= x[i-1] || y[i] < y[i-1]) {
			return nil, errors.New("isotonic thresholds must increase")
		}
	}
	return &isotonic{x: x, y: y}, nil
}

// predict clips v to the fitted range and interpolates as interp1d does:
// the segment of searchsorted(x, v) (clipped to [1, len-1]),
// slope·(v − x_lo) + y_lo.
func (s *isotonic) predict(v float64) float64 {
	n := len(s.x)
	if n == 1 {
		return s.y[0]
	}
	v = math.Min(math.Max(v, s.x[0]), s.x[n-1])
	hi := sort.SearchFloat64s(s.x, v)
	hi = min(max(hi, 1), n-1)
	lo := hi - 1
	slope := (s.y[hi] - s.y[lo]) / (s.x[hi] - s.x[lo])
	return slope*(v-s.x[lo]) + s.y[lo]
}
