package preprocessing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "RobustScaler",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "scale features with statistics robust to outliers: subtract the median, divide by the interquartile range",
		New:    func() ml.Estimator { return NewRobustScaler() },
	})
}

// RobustScaler scales features as scikit-learn's RobustScaler does:
// (x - center_) / scale_, with center_ the median of each feature and
// scale_ the range between the percentiles QuantileRange (the interquartile
// range by default), computed as numpy.nanpercentile does (linear
// interpolation). NaN values are ignored by Fit and stay NaN in Transform.
// A range within 10·eps of zero gets scale 1. With UnitVariance the range
// is divided by the same range of the standard normal distribution, so
// that normally distributed features end with variance 1.
type RobustScaler struct {
	WithCentering bool       `json:"with_centering" help:"subtract the median of each feature"`
	WithScaling   bool       `json:"with_scaling" help:"divide by the quantile range of each feature"`
	QuantileRange [2]float64 `json:"quantile_range" min:"0" max:"100" help:"the percentiles [q_min, q_max] whose difference is the scale, 0 ≤ q_min ≤ q_max ≤ 100"`
	UnitVariance  bool       `json:"unit_variance" help:"divide the scale by the normal distribution's quantile range, so normal features get variance 1"`

	nIn    int
	center []float64 // nil unless with_centering
	scale  []float64 // nil unless with_scaling
}

// NewRobustScaler returns a RobustScaler with scikit-learn's defaults:
// with_centering and with_scaling true, quantile_range (25, 75),
// unit_variance false.
func NewRobustScaler() *RobustScaler {
	return &RobustScaler{WithCentering: true, WithScaling: true, QuantileRange: [2]float64{25, 75}}
}

// Validate checks that 0 ≤ q_min ≤ q_max ≤ 100.
func (s *RobustScaler) Validate() error {
	lo, hi := s.QuantileRange[0], s.QuantileRange[1]
	if !(0 <= lo && lo <= hi && hi <= 100) {
		got, _ := json.Marshal([]any{fmtJSON(lo), fmtJSON(hi)})
		return &ml.ParamError{Param: "quantile_range", Expected: "a list [q_min, q_max] with 0 ≤ q_min ≤ q_max ≤ 100", Got: string(got)}
	}
	return nil
}

// Fit computes the median and the quantile range of each feature of X,
// ignoring NaN. y is ignored.
func (s *RobustScaler) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if _, err := checkX("RobustScaler", X, 0, true); err != nil {
		return err
	}
	data, r, c := rows(X)
	var center, scale []float64
	if s.WithCentering {
		center = make([]float64, c)
	}
	if s.WithScaling {
		scale = make([]float64, c)
	}
	qlo, qhi := s.QuantileRange[0]/100, s.QuantileRange[1]/100
	adjust := 1.0
	if s.UnitVariance {
		// scipy.stats.norm.ppf(q_max/100) - norm.ppf(q_min/100).
		adjust = mathext.NormalQuantile(qhi) - mathext.NormalQuantile(qlo)
	}
	// Each column is sorted: a step of the work, reported (about 100 per
	// Fit at most) so that a cancel stops Fit between columns.
	progress, every := ml.ProgressFrom(ctx), max(1, c/100)
	col := make([]float64, 0, r)
	for j := 0; j < c; j++ {
		if j%every == 0 {
			progress.Report(ml.Event{Kind: "step", Step: j + 1, Total: c, Message: "sorting the columns"})
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		col = col[:0]
		for i := 0; i < r; i++ {
			if v := data[i*c+j]; v == v {
				col = append(col, v)
			}
		}
		slices.Sort(col)
		if center != nil {
			center[j] = median(col)
		}
		if scale != nil {
			d := percentile(col, qhi) - percentile(col, qlo)
			if d < 10*eps { // _handle_zeros_in_scale
				d = 1
			}
			if s.UnitVariance {
				d /= adjust
			}
			scale[j] = d
		}
	}
	s.nIn, s.center, s.scale = c, center, scale
	return nil
}

// median is numpy.nanmedian of sorted values without NaN: NaN for none.
func median(v []float64) float64 {
	n := len(v)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// percentile is numpy.percentile's "linear" method at q (a fraction, the
// percentage divided by 100) of sorted values without NaN, operation for
// operation as NumPy 1.24 computes it: NaN for no values.
func percentile(v []float64, q float64) float64 {
	n := len(v)
	if n == 0 {
		return math.NaN()
	}
	vi := float64(n-1) * q
	prev := math.Floor(vi)
	lo, hi := int(prev), int(prev)+1
	if vi >= float64(n-1) {
		lo, hi, prev = n-1, n-1, -1
	}
	if vi < 0 {
		lo, hi, prev = 0, 0, 0
	}
	t := vi - prev
	a, b := v[lo], v[hi]
	diff := b - a
	if t >= 0.5 {
		return b - float64(diff*(1-t))
	}
	return a + float64(diff*t)
}

// Transform returns (X - center_) / scale_ (each part as with_centering and
// with_scaling say). NaN stays NaN.
func (s *RobustScaler) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			src, dst := data[i*c:(i+1)*c], out[i*c:(i+1)*c]
			for j, v := range src {
				if s.center != nil {
					v -= s.center[j]
				}
				if s.scale != nil {
					v /= s.scale[j]
				}
				dst[j] = v
			}
		}
	})
	return mat.NewDense(r, c, out), nil
}

// InverseTransform returns X·scale_ + center_, undoing Transform.
func (s *RobustScaler) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	out := make([]float64, r*c)
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			src, dst := data[i*c:(i+1)*c], out[i*c:(i+1)*c]
			for j, v := range src {
				if s.scale != nil {
					v = float64(v * s.scale[j])
				}
				if s.center != nil {
					v += s.center[j]
				}
				dst[j] = v
			}
		}
	})
	return mat.NewDense(r, c, out), nil
}

func (s *RobustScaler) ready(X *mat.Dense) error {
	if s.nIn == 0 {
		return ml.NotFittedError("RobustScaler")
	}
	if s.WithCentering != (s.center != nil) || s.WithScaling != (s.scale != nil) {
		return fmt.Errorf("RobustScaler: with_centering or with_scaling was changed after Fit; fit again")
	}
	_, err := checkX("RobustScaler", X, s.nIn, true)
	return err
}

// Center returns center_, the per-feature median (nil when with_centering
// is false), or nil before Fit.
func (s *RobustScaler) Center() []float64 { return clone(s.center) }

// Scale returns scale_, the per-feature quantile range (1 for a constant
// feature; nil when with_scaling is false), or nil before Fit.
func (s *RobustScaler) Scale() []float64 { return clone(s.scale) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *RobustScaler) NFeaturesIn() int { return s.nIn }

// MarshalState returns center_ and scale_ (as present) and n_features_in_.
func (s *RobustScaler) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("RobustScaler")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	if s.center != nil {
		st.SetFloats("center_", s.center)
	}
	if s.scale != nil {
		st.SetFloats("scale_", s.scale)
	}
	return st, nil
}

// UnmarshalState restores state written by MarshalState. Set
// with_centering and with_scaling as they were at Fit first: they say
// which arrays must be there.
func (s *RobustScaler) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	var center, scale []float64
	if s.WithCentering {
		if center, err = vector(st, "center_", n); err != nil {
			return err
		}
		for j, v := range center {
			if math.IsInf(v, 0) {
				return fmt.Errorf("state: center_[%d] is %v, expected a finite number", j, v)
			}
		}
	}
	if s.WithScaling {
		if scale, err = vector(st, "scale_", n); err != nil {
			return err
		}
		for j, v := range scale {
			if v < 0 || math.IsInf(v, 0) {
				return fmt.Errorf("state: scale_[%d] is %v, expected a non-negative number", j, v)
			}
		}
	}
	s.nIn, s.center, s.scale = n, center, scale
	return nil
}

// EstimateMemory bounds Fit's memory: the center and scale of every
// feature and a sorted copy of one column at a time, plus the copy of X
// that Transform makes.
func (s *RobustScaler) EstimateMemory(n, p, k int) int64 {
	return budget.Add(estimateColumns(n, p, 4), budget.Mul(8, int64(max(n, 1)), int64(max(p, 1))))
}
