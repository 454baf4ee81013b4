package ensemble

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/mlforge/mlforge/internal/f64"
)

// The reductions below follow numpy 1.24's order of floating-point
// operations, so that gradient boosting's initial predictions and leaf
// values are scikit-learn's to the last bit or close to it.

// npMean is np.mean of a 1-D array.
func npMean(a []float64) float64 { return f64.PairwiseSum(a) / float64(len(a)) }

// npMedian is np.median: the middle value, or the mean of the two middle
// values.
func npMedian(a []float64) float64 {
	s := slices.Clone(a)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// npPercentile is np.percentile(a, q) with the default linear method:
// the virtual index (n-1)·q/100 and numpy's _lerp between its neighbours.
func npPercentile(a []float64, q float64) float64 {
	s := slices.Clone(a)
	slices.Sort(s)
	n := len(s)
	vi := float64(n-1) * (q / 100)
	lo := math.Floor(vi)
	i := int(lo)
	if i >= n-1 {
		return s[n-1]
	}
	if i < 0 {
		return s[0]
	}
	g := vi - lo
	x, y := s[i], s[i+1]
	d := y - x
	if g >= 0.5 {
		return y - d*(1-g)
	}
	return x + d*g
}

// weightedPercentile is scikit-learn 1.2's _weighted_percentile for 1-D
// data: the first value in sorted order whose cumulative weight reaches
// percentile/100 of the total. buf, which may be nil, holds its scratch
// space between calls.
func weightedPercentile(a, w []float64, percentile float64, buf *percentileBuf) float64 {
	if buf == nil {
		buf = &percentileBuf{}
	}
	if cap(buf.idx) < len(a) {
		buf.idx, buf.cdf = make([]int, len(a)), make([]float64, len(a))
	}
	idx, cdf := buf.idx[:len(a)], buf.cdf[:len(a)]
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return cmp.Compare(a[i], a[j]) })
	c := 0.0
	for i, k := range idx {
		c += w[k]
		cdf[i] = c
	}
	target := percentile / 100 * cdf[len(cdf)-1]
	if target == 0 {
		target = math.Nextafter(target, target+1)
	}
	p := sort.SearchFloat64s(cdf, target)
	p = min(max(p, 0), len(a)-1)
	return a[idx[p]]
}

// percentileBuf is weightedPercentile's scratch space.
type percentileBuf struct {
	idx []int
	cdf []float64
}

// expit is scipy.special.expit, 1/(1+exp(-x)).
func expit(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// logSumExp is scipy.special.logsumexp of one row: the maximum (0 if not
// finite) plus the log of the sum of exp(v - max).
func logSumExp(v []float64, tmp []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	if math.IsInf(m, 0) || math.IsNaN(m) {
		m = 0
	}
	for i, x := range v {
		tmp[i] = math.Exp(x - m)
	}
	return math.Log(f64.PairwiseSum(tmp[:len(v)])) + m
}

// logAddExp is np.logaddexp(0, x).
func logAddExp0(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}
