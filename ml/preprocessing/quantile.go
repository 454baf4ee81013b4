package preprocessing

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "QuantileTransformer",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "map each feature through its empirical quantiles to a uniform or normal distribution",
		New:    func() ml.Estimator { return NewQuantileTransformer() },
	})
}

// QuantileTransformer maps each feature to a uniform or a standard normal
// distribution through its quantiles, as scikit-learn 1.2's
// QuantileTransformer does on dense data. Fit computes n_quantiles_ =
// min(n_quantiles, n_samples) quantiles of each feature at the evenly
// spaced references_ in [0, 1] (numpy.nanpercentile, made non-decreasing);
// when there are more than subsample rows, each feature's quantiles come
// from subsample rows drawn as numpy.random.RandomState(random_state).choice
// draws them, one draw per feature. Transform interpolates linearly
// (numpy.interp), averaging the interpolation upwards and downwards so that
// repeated quantiles map to the middle of their references, clips to the
// fitted range, and with output_distribution "normal" applies the normal
// quantile function, clipped to ±5.2 (the quantiles of 1e-7 and 1 - 1e-7).
// InverseTransform interpolates the other way.
//
// NaN is ignored by Fit and kept by Transform; infinity is an error.
type QuantileTransformer struct {
	NQuantiles         int    `json:"n_quantiles" min:"1" max:"1048576" help:"the number of quantiles (at most the number of samples is used)"`
	OutputDistribution string `json:"output_distribution" enum:"uniform,normal" help:"the distribution of the transformed features"`
	Subsample          int    `json:"subsample" min:"1" help:"the maximum number of rows the quantiles are computed from (drawn at random when there are more)"`
	RandomState        int    `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the subsample draw; null means 0"`

	nIn        int
	references []float64   // n_quantiles_
	quantiles  [][]float64 // per feature, n_quantiles_ each
}

// NewQuantileTransformer returns a QuantileTransformer with scikit-learn's
// defaults: 1000 quantiles, uniform output, subsample 10,000.
func NewQuantileTransformer() *QuantileTransformer {
	return &QuantileTransformer{NQuantiles: 1000, OutputDistribution: "uniform", Subsample: 10_000}
}

// Validate refuses more quantiles than subsampled rows, as scikit-learn
// does.
func (s *QuantileTransformer) Validate() error {
	if s.NQuantiles > s.Subsample {
		return &ml.ParamError{Param: "n_quantiles", Expected: fmt.Sprintf("at most subsample (%d): the quantiles are computed from that many rows", s.Subsample), Got: fmt.Sprint(s.NQuantiles)}
	}
	return nil
}

// boundsThreshold is scikit-learn's BOUNDS_THRESHOLD.
const boundsThreshold = 1e-7

// Fit computes references_ and the quantiles of every feature, ignoring
// NaN. y is ignored.
func (s *QuantileTransformer) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if _, err := checkX("QuantileTransformer", X, 0, true); err != nil {
		return err
	}
	data, r, c := rows(X)
	nq := max(1, min(s.NQuantiles, r))
	refs := []float64{0}
	if nq > 1 {
		refs = linspace(0, 1, nq)
	}
	var rng *nprand.RandomState
	if s.Subsample < r {
		rng = nprand.New(uint32(s.RandomState))
	}
	progress, every := ml.ProgressFrom(ctx), max(1, c/100)
	quantiles := make([][]float64, c)
	col := make([]float64, 0, min(r, s.Subsample))
	for j := 0; j < c; j++ {
		if j%every == 0 {
			progress.Report(ml.Event{Kind: "step", Step: j + 1, Total: c, Message: "computing the quantiles"})
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		col = col[:0]
		if rng != nil {
			for _, i := range rng.Choice(r, s.Subsample) {
				if v := data[i*c+j]; v == v {
					col = append(col, v)
				}
			}
		} else {
			for i := 0; i < r; i++ {
				if v := data[i*c+j]; v == v {
					col = append(col, v)
				}
			}
		}
		slices.Sort(col)
		q := make([]float64, nq)
		for t, ref := range refs {
			// np.nanpercentile(col, references_ * 100) divides by 100.
			q[t] = percentile(col, float64(ref*100)/100)
			// np.maximum.accumulate: NaN (an all-NaN feature) propagates.
			if t > 0 {
				if prev := q[t-1]; math.IsNaN(prev) || math.IsNaN(q[t]) {
					q[t] = math.NaN()
				} else if prev > q[t] {
					q[t] = prev
				}
			}
		}
		quantiles[j] = q
	}
	s.nIn, s.references, s.quantiles = c, refs, quantiles
	return nil
}

// interp is numpy.interp(x, xp, fp) for non-NaN x and non-decreasing xp:
// fp[0] below xp[0], fp[-1] above xp[-1], fp[j] where x equals xp[j] (j
// the last such index), the line between (xp[j], fp[j]) and (xp[j+1],
// fp[j+1]) otherwise, computed as numpy computes it.
func interp(x float64, xp, fp []float64) float64 {
	n := len(xp)
	if n == 1 {
		return fp[0]
	}
	if x > xp[n-1] {
		return fp[n-1]
	}
	if x < xp[0] {
		return fp[0]
	}
	j := sort.Search(n, func(i int) bool { return xp[i] > x }) - 1
	if j == n-1 || xp[j] == x {
		return fp[j]
	}
	slope := (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])
	v := float64(slope*(x-xp[j])) + fp[j]
	if math.IsNaN(v) {
		v = float64(slope*(x-xp[j+1])) + fp[j+1]
		if math.IsNaN(v) && fp[j] == fp[j+1] {
			v = fp[j]
		}
	}
	return v
}

// ndtr is scipy.special.ndtr, the standard normal distribution function,
// as cephes computes it from erf and erfc.
func ndtr(a float64) float64 {
	x := a * (1 / math.Sqrt2)
	z := math.Abs(x)
	if z < 1/math.Sqrt2 {
		return 0.5 + 0.5*math.Erf(x)
	}
	y := 0.5 * math.Erfc(z)
	if x > 0 {
		y = 1 - y
	}
	return y
}

// normalClip are stats.norm.ppf(1e-7 - eps) and ppf(1 - (1e-7 - eps)),
// the bounds of the normal output.
var normalClip = [2]float64{mathext.NormalQuantile(boundsThreshold - eps), mathext.NormalQuantile(1 - (boundsThreshold - eps))}

// column transforms one feature's values in place, as _transform_col does.
func (s *QuantileTransformer) column(v, q, negQ, negRefs []float64, inverse bool) {
	normal := s.OutputDistribution == "normal"
	refs := s.references
	n := len(q)
	if math.IsNaN(q[0]) {
		// A feature without values at Fit: numpy's interpolation between
		// NaN quantiles is NaN everywhere.
		for i := range v {
			v[i] = math.NaN()
		}
		return
	}
	for i, x := range v {
		if inverse && normal {
			x = ndtr(x)
		}
		var lowX, highX, lowY, highY float64
		if inverse {
			lowX, highX, lowY, highY = 0, 1, q[0], q[n-1]
		} else {
			lowX, highX, lowY, highY = q[0], q[n-1], 0, 1
		}
		var atLow, atHigh bool
		if normal {
			atLow, atHigh = x-boundsThreshold < lowX, x+boundsThreshold > highX
		} else {
			atLow, atHigh = x == lowX, x == highX
		}
		y := x
		if x == x {
			if inverse {
				y = interp(x, refs, q)
			} else {
				y = 0.5 * (interp(x, q, refs) - interp(-x, negQ, negRefs))
			}
		}
		if atHigh {
			y = highY
		}
		if atLow {
			y = lowY
		}
		if !inverse && normal && y == y {
			y = mathext.NormalQuantile(y)
			y = min(max(y, normalClip[0]), normalClip[1])
		}
		v[i] = y
	}
}

func (s *QuantileTransformer) apply(X *mat.Dense, inverse bool) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("QuantileTransformer")
	}
	if _, err := checkX("QuantileTransformer", X, s.nIn, true); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	nq := len(s.references)
	negRefs := make([]float64, nq)
	for t := range negRefs {
		negRefs[t] = -s.references[nq-1-t]
	}
	col := make([]float64, r)
	negQ := make([]float64, nq)
	for j := 0; j < c; j++ {
		q := s.quantiles[j]
		for t := range negQ {
			negQ[t] = -q[nq-1-t]
		}
		for i := 0; i < r; i++ {
			col[i] = data[i*c+j]
		}
		s.column(col, q, negQ, negRefs, inverse)
		for i := 0; i < r; i++ {
			out[i*c+j] = col[i]
		}
	}
	return mat.NewDense(r, c, out), nil
}

// Transform maps X to the output distribution. NaN stays NaN.
func (s *QuantileTransformer) Transform(X *mat.Dense) (*mat.Dense, error) {
	return s.apply(X, false)
}

// InverseTransform maps values of the output distribution back to the
// features' scale.
func (s *QuantileTransformer) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	return s.apply(X, true)
}

// Quantiles returns quantiles_ as an n_quantiles_ × n_features matrix, or
// nil before Fit.
func (s *QuantileTransformer) Quantiles() *mat.Dense {
	if s.nIn == 0 {
		return nil
	}
	nq := len(s.references)
	m := mat.NewDense(nq, s.nIn, nil)
	for j, q := range s.quantiles {
		for t, v := range q {
			m.Set(t, j, v)
		}
	}
	return m
}

// References returns references_, or nil before Fit.
func (s *QuantileTransformer) References() []float64 { return clone(s.references) }

// NQuantilesFitted returns n_quantiles_, or 0 before Fit.
func (s *QuantileTransformer) NQuantilesFitted() int { return len(s.references) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *QuantileTransformer) NFeaturesIn() int { return s.nIn }

// MarshalState returns n_features_in_, references_ and quantiles_
// (n_quantiles_ × n_features).
func (s *QuantileTransformer) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("QuantileTransformer")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	st.SetFloats("references_", s.references)
	Q := s.Quantiles()
	st.SetFloats("quantiles_", Q.RawMatrix().Data, len(s.references), s.nIn)
	return st, nil
}

// UnmarshalState restores state written by MarshalState, checking that the
// references ascend in [0, 1] and that each feature's quantiles do not
// decrease (or are all NaN, for a feature that had no values).
func (s *QuantileTransformer) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	refs, shape, err := st.Floats("references_", -1)
	if err != nil {
		return err
	}
	nq := shape[0]
	if nq < 1 {
		return fmt.Errorf("state: references_ is empty, expected at least one reference")
	}
	for t, v := range refs {
		if !(v >= 0 && v <= 1) || (t > 0 && !(v > refs[t-1])) {
			return fmt.Errorf("state: references_ is %v, expected ascending values in [0, 1]", refs)
		}
	}
	all, _, err := st.Floats("quantiles_", nq, n)
	if err != nil {
		return err
	}
	quantiles := make([][]float64, n)
	for j := range quantiles {
		q := make([]float64, nq)
		nan := 0
		for t := range q {
			q[t] = all[t*n+j]
			if math.IsNaN(q[t]) {
				nan++
			} else if math.IsInf(q[t], 0) || (t > 0 && q[t] < q[t-1]) {
				return fmt.Errorf("state: quantiles_ of feature %d are not finite and non-decreasing", j)
			}
		}
		if nan != 0 && nan != nq {
			return fmt.Errorf("state: quantiles_ of feature %d are partly NaN, expected all or none", j)
		}
		quantiles[j] = q
	}
	s.nIn, s.references, s.quantiles = n, clone(refs), quantiles
	return nil
}

// EstimateMemory bounds Fit's memory: the quantiles of every feature
// (n_quantiles ≤ n of them), a sorted copy of one column and the subsample
// indices, plus the copy Transform makes.
func (s *QuantileTransformer) EstimateMemory(n, p, k int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	nq := int64(max(1, min(s.NQuantiles, n)))
	return budget.Add(estimateColumns(n, p, 4), budget.Mul(8, nq, P+3), budget.Mul(16, N), budget.Mul(8, N, P))
}
