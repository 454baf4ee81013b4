package preprocessing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "StandardScaler",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "standardize features by removing the mean and scaling to unit variance",
		New:    func() ml.Estimator { return NewStandardScaler() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "MinMaxScaler",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "scale each feature to a given range, by default [0, 1]",
		New:    func() ml.Estimator { return NewMinMaxScaler() },
	})
}

// eps is float64's machine epsilon, np.finfo(np.float64).eps.
const eps = 2.220446049250313e-16

// The float64(x*y) conversions below keep the compiler from fusing a multiply
// and an add into one FMA (the Go spec allows that on some architectures):
// NumPy rounds each operation, and the results here match it bit for bit.

// StandardScaler standardizes features as scikit-learn's StandardScaler does:
// z = (x - mean_) / scale_. NaN values are ignored by Fit and stay NaN in
// Transform. A constant feature (variance within rounding error of zero) gets
// scale 1, so it maps to 0 rather than dividing by zero. A feature with no
// observed value gets NaN statistics and stays NaN, as in scikit-learn.
type StandardScaler struct {
	WithMean bool `json:"with_mean" help:"subtract the mean of each feature"`
	WithStd  bool `json:"with_std" help:"divide by the standard deviation of each feature"`

	nIn   int
	mean  []float64 // nil when with_mean and with_std are both false
	vari  []float64 // nil when with_std is false
	scale []float64 // nil when with_std is false
	seen  []int     // non-missing samples per feature
}

// NewStandardScaler returns a StandardScaler with scikit-learn's defaults:
// with_mean and with_std true.
func NewStandardScaler() *StandardScaler {
	return &StandardScaler{WithMean: true, WithStd: true}
}

// Fit computes the per-feature mean and variance of X, ignoring NaN, with
// scikit-learn's corrected two-pass algorithm. y is ignored.
func (s *StandardScaler) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	return s.FitWeighted(ctx, X, nil, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn 1.2's fit(X, sample_weight=w): weighted means and
// variances (_incremental_mean_and_var), the constant-feature test on the
// weight sums. NSamplesSeen stays the count of non-missing rows, where
// scikit-learn keeps their weight sum.
func (s *StandardScaler) FitWeighted(ctx context.Context, X *mat.Dense, _, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	hasNaN, err := checkX("StandardScaler", X, 0, true)
	if err != nil {
		return err
	}
	data, r, c := rows(X)
	if err := ml.CheckSampleWeight(w, r); err != nil {
		return err
	}
	count := make([]int, c)
	sum := make([]float64, c)
	var wsum []float64 // the non-missing rows' weight sums (w != nil)
	if w != nil {
		wsum = make([]float64, c)
	}
	for i := 0; i < r; i++ {
		row := data[i*c : (i+1)*c]
		for j, v := range row {
			if v == v {
				if w != nil {
					sum[j] += w[i] * v
					wsum[j] += w[i]
				} else {
					sum[j] += v
				}
				count[j]++
			}
		}
	}
	if !hasNaN {
		for j := range count {
			count[j] = r
		}
	}
	nOf := func(j int) float64 {
		if w != nil {
			return wsum[j]
		}
		return float64(count[j])
	}
	var mean, vari, scale []float64
	if s.WithMean || s.WithStd {
		mean = make([]float64, c)
		for j := range mean {
			mean[j] = sum[j] / nOf(j)
		}
	}
	if s.WithStd {
		// new_unnormalized_variance = Σ(x-T)² - (Σ(x-T))²/n with T the mean,
		// as sklearn.utils.extmath._incremental_mean_and_var computes it.
		corr := make([]float64, c)
		sq := make([]float64, c)
		for i := 0; i < r; i++ {
			row := data[i*c : (i+1)*c]
			for j, v := range row {
				if v == v {
					d := v - mean[j]
					if w != nil {
						corr[j] += w[i] * d
						sq[j] += w[i] * d * d
						continue
					}
					corr[j] += d
					sq[j] += float64(d * d)
				}
			}
		}
		vari = make([]float64, c)
		scale = make([]float64, c)
		for j := range vari {
			n := nOf(j)
			vari[j] = (sq[j] - corr[j]*corr[j]/n) / n
			// _is_constant_feature: var ≤ n·eps·var + (n·mean·eps)².
			bound := float64(n*eps*vari[j]) + float64((n*mean[j]*eps)*(n*mean[j]*eps))
			if vari[j] <= bound {
				scale[j] = 1
			} else {
				scale[j] = math.Sqrt(vari[j])
			}
		}
	}
	s.nIn, s.mean, s.vari, s.scale, s.seen = c, mean, vari, scale, count
	return nil
}

// Transform returns (X - mean_) / scale_ (each part as with_mean and with_std
// say). NaN stays NaN.
func (s *StandardScaler) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	mean, scale := s.mean, s.scale
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			src, dst := data[i*c:(i+1)*c], out[i*c:(i+1)*c]
			switch {
			case s.WithMean && s.WithStd:
				m, sc := mean[:len(src)], scale[:len(src)]
				for j, v := range src {
					dst[j] = (v - m[j]) / sc[j]
				}
			case s.WithMean:
				m := mean[:len(src)]
				for j, v := range src {
					dst[j] = v - m[j]
				}
			case s.WithStd:
				sc := scale[:len(src)]
				for j, v := range src {
					dst[j] = v / sc[j]
				}
			default:
				copy(dst, src)
			}
		}
	})
	return mat.NewDense(r, c, out), nil
}

// InverseTransform returns X·scale_ + mean_, undoing Transform.
func (s *StandardScaler) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			src, dst := data[i*c:(i+1)*c], out[i*c:(i+1)*c]
			for j, v := range src {
				if s.WithStd {
					v = float64(v * s.scale[j])
				}
				if s.WithMean {
					v += s.mean[j]
				}
				dst[j] = v
			}
		}
	})
	return mat.NewDense(r, c, out), nil
}

func (s *StandardScaler) ready(X *mat.Dense) error {
	if s.nIn == 0 {
		return ml.NotFittedError("StandardScaler")
	}
	if s.WithMean && s.mean == nil || s.WithStd && s.scale == nil {
		return fmt.Errorf("StandardScaler: with_mean or with_std was changed after Fit; fit again")
	}
	_, err := checkX("StandardScaler", X, s.nIn, true)
	return err
}

// Mean returns mean_, the per-feature mean (nil when with_mean and with_std
// are both false), or nil before Fit.
func (s *StandardScaler) Mean() []float64 { return clone(s.mean) }

// Var returns var_, the per-feature population variance (nil when with_std
// is false), or nil before Fit.
func (s *StandardScaler) Var() []float64 { return clone(s.vari) }

// Scale returns scale_, the per-feature divisor: the standard deviation, or
// 1 for a constant feature (nil when with_std is false).
func (s *StandardScaler) Scale() []float64 { return clone(s.scale) }

// NSamplesSeen returns n_samples_seen_ per feature: the rows that were not
// NaN in that column.
func (s *StandardScaler) NSamplesSeen() []int { return append([]int(nil), s.seen...) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *StandardScaler) NFeaturesIn() int { return s.nIn }

// MarshalState returns mean_, var_, scale_ (as present), n_samples_seen_ and
// n_features_in_.
func (s *StandardScaler) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("StandardScaler")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	st.SetInts("n_samples_seen_", s.seen)
	if s.mean != nil {
		st.SetFloats("mean_", s.mean)
	}
	if s.vari != nil {
		st.SetFloats("var_", s.vari)
		st.SetFloats("scale_", s.scale)
	}
	return st, nil
}

// UnmarshalState restores state written by MarshalState. Set with_mean and
// with_std as they were at Fit first: they say which arrays must be there.
func (s *StandardScaler) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	seen, _, err := st.Ints("n_samples_seen_", 0, math.MaxInt32, n)
	if err != nil {
		return err
	}
	var mean, vari, scale []float64
	if s.WithMean || s.WithStd {
		if mean, err = vector(st, "mean_", n); err != nil {
			return err
		}
	}
	if s.WithStd {
		if vari, err = vector(st, "var_", n); err != nil {
			return err
		}
		if scale, err = vector(st, "scale_", n); err != nil {
			return err
		}
		for j, v := range scale {
			if v <= 0 || math.IsInf(v, 0) {
				return fmt.Errorf("state: scale_[%d] is %v, expected a positive number", j, v)
			}
		}
	}
	s.nIn, s.mean, s.vari, s.scale, s.seen = n, mean, vari, scale, seen
	return nil
}

// FeatureRange is MinMaxScaler's target range [min, max], written in JSON as
// a list of two numbers.
type FeatureRange [2]float64

// UnmarshalJSON reads a list of exactly two numbers.
func (r *FeatureRange) UnmarshalJSON(b []byte) error {
	var v []float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(v) != 2 {
		return fmt.Errorf("feature_range: expected 2 numbers, got %d", len(v))
	}
	r[0], r[1] = v[0], v[1]
	return nil
}

// MinMaxScaler scales each feature to FeatureRange as scikit-learn's
// MinMaxScaler does: x·scale_ + min_ with scale_ = (max-min)/(data_max_ -
// data_min_). NaN values are ignored by Fit and stay NaN in Transform. A
// constant feature (range within 10·eps of zero) gets range 1.
type MinMaxScaler struct {
	FeatureRange FeatureRange `json:"feature_range" expect:"a list [min, max] of two numbers with min < max" help:"the range to scale each feature to"`
	Clip         bool         `json:"clip" help:"clip transformed values to feature_range (for data outside the training range)"`

	nIn              int
	seen             int
	dataMin, dataMax []float64
	dataRange        []float64
	scale, min       []float64
}

// NewMinMaxScaler returns a MinMaxScaler with scikit-learn's defaults:
// feature_range [0, 1], clip false.
func NewMinMaxScaler() *MinMaxScaler {
	return &MinMaxScaler{FeatureRange: FeatureRange{0, 1}}
}

// Validate checks that feature_range is finite with min < max.
func (s *MinMaxScaler) Validate() error {
	lo, hi := s.FeatureRange[0], s.FeatureRange[1]
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo >= hi {
		got, _ := json.Marshal([]any{fmtJSON(lo), fmtJSON(hi)})
		return &ml.ParamError{Param: "feature_range", Expected: "a list [min, max] of two finite numbers with min < max", Got: string(got)}
	}
	return nil
}

// fmtJSON keeps NaN and infinities printable in an error message.
func fmtJSON(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	return f
}

// Fit computes the per-feature minimum and maximum of X, ignoring NaN. y is
// ignored.
func (s *MinMaxScaler) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if X == nil || X.IsEmpty() {
		return ml.DataErrorf("X is empty: expected at least one row")
	}
	data, r, c := rows(X)
	// One pass over X in row blocks, in parallel for large inputs: column
	// minima and maxima per block, merged after. An infinite value shows up
	// as an infinite minimum or maximum; checkX then names where it is.
	var mu sync.Mutex
	lo := make([]float64, c)
	hi := make([]float64, c)
	for j := range lo {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
	}
	forRows(r, c, func(first, last int) {
		l := make([]float64, c)
		h := make([]float64, c)
		for j := range l {
			l[j], h[j] = math.Inf(1), math.Inf(-1)
		}
		for i := first; i < last; i++ {
			row := data[i*c : (i+1)*c]
			l, h := l[:len(row)], h[:len(row)]
			for j, v := range row {
				// Comparisons with NaN are false, so NaN is skipped.
				if v < l[j] {
					l[j] = v
				}
				if v > h[j] {
					h[j] = v
				}
			}
		}
		mu.Lock()
		for j := range lo {
			lo[j], hi[j] = min(lo[j], l[j]), max(hi[j], h[j])
		}
		mu.Unlock()
	})
	for j := range lo {
		if math.IsInf(lo[j], -1) || math.IsInf(hi[j], 1) {
			_, err := checkX("MinMaxScaler", X, 0, true)
			return err
		}
		if lo[j] > hi[j] { // no value present
			lo[j], hi[j] = math.NaN(), math.NaN()
		}
	}
	fr := s.FeatureRange
	rng := make([]float64, c)
	scale := make([]float64, c)
	mn := make([]float64, c)
	for j := range rng {
		rng[j] = hi[j] - lo[j]
		d := rng[j]
		if d < 10*eps { // _handle_zeros_in_scale
			d = 1
		}
		scale[j] = (fr[1] - fr[0]) / d
		mn[j] = fr[0] - float64(lo[j]*scale[j])
	}
	s.nIn, s.seen = c, r
	s.dataMin, s.dataMax, s.dataRange, s.scale, s.min = lo, hi, rng, scale, mn
	return nil
}

// Transform returns X·scale_ + min_, clipped to the current feature_range
// when clip is set (as scikit-learn does). NaN stays NaN.
func (s *MinMaxScaler) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	fmin, fmax := s.FeatureRange[0], s.FeatureRange[1]
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			src, dst := data[i*c:(i+1)*c], out[i*c:(i+1)*c]
			sc, mn := s.scale[:len(src)], s.min[:len(src)]
			dst = dst[:len(src)]
			if !s.Clip {
				for j, v := range src {
					dst[j] = float64(v*sc[j]) + mn[j]
				}
				continue
			}
			for j, v := range src {
				v = float64(v*sc[j]) + mn[j]
				// np.clip keeps NaN; the comparisons below are false for it.
				if v < fmin {
					v = fmin
				} else if v > fmax {
					v = fmax
				}
				dst[j] = v
			}
		}
	})
	return mat.NewDense(r, c, out), nil
}

// InverseTransform returns (X - min_) / scale_, undoing Transform.
func (s *MinMaxScaler) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			src, dst := data[i*c:(i+1)*c], out[i*c:(i+1)*c]
			for j, v := range src {
				v -= s.min[j]
				v /= s.scale[j]
				dst[j] = v
			}
		}
	})
	return mat.NewDense(r, c, out), nil
}

func (s *MinMaxScaler) ready(X *mat.Dense) error {
	if s.nIn == 0 {
		return ml.NotFittedError("MinMaxScaler")
	}
	_, err := checkX("MinMaxScaler", X, s.nIn, true)
	return err
}

// DataMin returns data_min_, the per-feature minimum seen by Fit.
func (s *MinMaxScaler) DataMin() []float64 { return clone(s.dataMin) }

// DataMax returns data_max_, the per-feature maximum seen by Fit.
func (s *MinMaxScaler) DataMax() []float64 { return clone(s.dataMax) }

// DataRange returns data_range_, data_max_ - data_min_.
func (s *MinMaxScaler) DataRange() []float64 { return clone(s.dataRange) }

// Scale returns scale_, the per-feature factor.
func (s *MinMaxScaler) Scale() []float64 { return clone(s.scale) }

// Min returns min_, the per-feature offset added after scaling.
func (s *MinMaxScaler) Min() []float64 { return clone(s.min) }

// NSamplesSeen returns n_samples_seen_, the rows seen by Fit.
func (s *MinMaxScaler) NSamplesSeen() int { return s.seen }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *MinMaxScaler) NFeaturesIn() int { return s.nIn }

// MarshalState returns data_min_, data_max_, data_range_, scale_, min_,
// n_samples_seen_ and n_features_in_.
func (s *MinMaxScaler) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("MinMaxScaler")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	st.SetAttr("n_samples_seen_", s.seen)
	st.SetFloats("data_min_", s.dataMin)
	st.SetFloats("data_max_", s.dataMax)
	st.SetFloats("data_range_", s.dataRange)
	st.SetFloats("scale_", s.scale)
	st.SetFloats("min_", s.min)
	return st, nil
}

// UnmarshalState restores state written by MarshalState.
func (s *MinMaxScaler) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	var seen int
	if err := st.Attr("n_samples_seen_", &seen); err != nil {
		return err
	}
	arrs := make([][]float64, 5)
	for k, name := range []string{"data_min_", "data_max_", "data_range_", "scale_", "min_"} {
		if arrs[k], err = vector(st, name, n); err != nil {
			return err
		}
	}
	for j, v := range arrs[3] {
		if v == 0 || math.IsInf(v, 0) {
			return fmt.Errorf("state: scale_[%d] is %v, expected a finite non-zero number", j, v)
		}
	}
	s.nIn, s.seen = n, seen
	s.dataMin, s.dataMax, s.dataRange, s.scale, s.min = arrs[0], arrs[1], arrs[2], arrs[3], arrs[4]
	return nil
}

func clone(v []float64) []float64 {
	if v == nil {
		return nil
	}
	return append([]float64(nil), v...)
}
