package preprocessing

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "SimpleImputer",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "replace missing values by each feature's mean, median, most frequent value or a constant",
		New:    func() ml.Estimator { return NewSimpleImputer() },
	})
}

// SimpleImputer replaces missing values as scikit-learn's SimpleImputer does
// for numeric data: by each feature's mean, median or most frequent value
// (the smallest on ties) over the values present, or by fill_value.
//
// A feature with no value present at Fit has no mean, median or mode: like
// scikit-learn, Transform then drops that column (its statistic is NaN), so
// the output has fewer columns, unless keep_empty_features is set, which
// keeps it and fills it with 0. With strategy "constant" every column is
// kept. scikit-learn's add_indicator is not supported.
type SimpleImputer struct {
	MissingValues     *float64 `json:"missing_values" nullable:"true" expect:"a number, or null for NaN" help:"the value that marks a missing entry; null (the default) means NaN"`
	Strategy          string   `json:"strategy" enum:"mean,median,most_frequent,constant" help:"how to compute the replacement of each feature"`
	FillValue         *float64 `json:"fill_value" nullable:"true" expect:"a number, or null for 0" help:"the replacement for strategy \"constant\"; null means 0"`
	KeepEmptyFeatures bool     `json:"keep_empty_features" help:"keep features with no value present at fit and fill them with 0 (or fill_value) instead of dropping them"`

	nIn   int
	stats []float64
	keep  []int // columns Transform outputs; nil means all
}

// NewSimpleImputer returns a SimpleImputer with scikit-learn's defaults:
// missing values are NaN, strategy "mean".
func NewSimpleImputer() *SimpleImputer {
	return &SimpleImputer{Strategy: "mean"}
}

// Validate checks fill_value and missing_values are finite.
func (s *SimpleImputer) Validate() error {
	if s.FillValue != nil && (math.IsNaN(*s.FillValue) || math.IsInf(*s.FillValue, 0)) {
		return &ml.ParamError{Param: "fill_value", Expected: "a finite number or null", Got: fmt.Sprint(*s.FillValue)}
	}
	if s.MissingValues != nil && math.IsInf(*s.MissingValues, 0) {
		return &ml.ParamError{Param: "missing_values", Expected: "a finite number or null", Got: fmt.Sprint(*s.MissingValues)}
	}
	return nil
}

// missingNaN reports whether missing values are marked by NaN.
func (s *SimpleImputer) missingNaN() bool {
	return s.MissingValues == nil || math.IsNaN(*s.MissingValues)
}

func (s *SimpleImputer) isMissing(v float64) bool {
	if s.missingNaN() {
		return v != v
	}
	return v == *s.MissingValues
}

// Fit computes statistics_, the replacement for each feature. y is ignored.
func (s *SimpleImputer) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if _, err := checkX("SimpleImputer", X, 0, s.missingNaN()); err != nil {
		return err
	}
	data, r, c := rows(X)
	stats := make([]float64, c)
	empty := 0.0
	if !s.KeepEmptyFeatures {
		empty = math.NaN()
	}
	switch s.Strategy {
	case "constant":
		fill := 0.0
		if s.FillValue != nil {
			fill = *s.FillValue
		}
		for j := range stats {
			stats[j] = fill
		}
	case "mean":
		count := make([]int, c)
		for i := 0; i < r; i++ {
			for j, v := range data[i*c : (i+1)*c] {
				if !s.isMissing(v) {
					stats[j] += v
					count[j]++
				}
			}
		}
		for j := range stats {
			if count[j] == 0 {
				stats[j] = empty
			} else {
				stats[j] /= float64(count[j])
			}
		}
	default: // median, most_frequent: per column, on the sorted values present
		col := make([]float64, 0, r)
		for j := 0; j < c; j++ {
			if j%64 == 63 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			col = col[:0]
			for i := 0; i < r; i++ {
				if v := data[i*c+j]; !s.isMissing(v) {
					col = append(col, v)
				}
			}
			if len(col) == 0 {
				stats[j] = empty
				continue
			}
			slices.Sort(col)
			if s.Strategy == "median" {
				n := len(col)
				if n%2 == 1 {
					stats[j] = col[n/2]
				} else {
					stats[j] = (col[n/2-1] + col[n/2]) / 2
				}
				continue
			}
			// Most frequent; ties go to the smallest value, as scipy.stats.mode.
			best, bestN := col[0], 0
			for a := 0; a < len(col); {
				b := a + 1
				for b < len(col) && col[b] == col[a] {
					b++
				}
				if b-a > bestN {
					best, bestN = col[a], b-a
				}
				a = b
			}
			stats[j] = best
		}
	}
	s.nIn, s.stats = c, stats
	s.keep = s.kept(stats)
	return nil
}

// kept returns the columns Transform outputs: nil (all) for strategy
// "constant" or keep_empty_features, otherwise those whose statistic is not
// NaN.
func (s *SimpleImputer) kept(stats []float64) []int {
	if s.Strategy == "constant" || s.KeepEmptyFeatures {
		return nil
	}
	keep := make([]int, 0, len(stats))
	for j, v := range stats {
		if v == v {
			keep = append(keep, j)
		}
	}
	if len(keep) == len(stats) {
		return nil
	}
	return keep
}

// Transform replaces each missing value by its feature's statistic, dropping
// the features that had no value present at Fit (see SimpleImputer).
func (s *SimpleImputer) Transform(X *mat.Dense) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("SimpleImputer")
	}
	if _, err := checkX("SimpleImputer", X, s.nIn, s.missingNaN()); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	keep := s.keep
	if keep == nil {
		out := make([]float64, r*c)
		forRows(r, c, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				src, dst := data[i*c:(i+1)*c], out[i*c:(i+1)*c]
				for j, v := range src {
					if s.isMissing(v) {
						v = s.stats[j]
					}
					dst[j] = v
				}
			}
		})
		return mat.NewDense(r, c, out), nil
	}
	if len(keep) == 0 {
		return nil, ml.DataErrorf("SimpleImputer: no feature had a value present at fit, so every column would be dropped; set keep_empty_features or strategy \"constant\"")
	}
	k := len(keep)
	out := make([]float64, r*k)
	forRows(r, c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			src, dst := data[i*c:(i+1)*c], out[i*k:(i+1)*k]
			for q, j := range keep {
				v := src[j]
				if s.isMissing(v) {
					v = s.stats[j]
				}
				dst[q] = v
			}
		}
	})
	return mat.NewDense(r, k, out), nil
}

// Statistics returns statistics_, the replacement for each input feature
// (NaN for a feature that Transform drops), or nil before Fit.
func (s *SimpleImputer) Statistics() []float64 { return clone(s.stats) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *SimpleImputer) NFeaturesIn() int { return s.nIn }

// MarshalState returns statistics_ and n_features_in_.
func (s *SimpleImputer) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("SimpleImputer")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	st.SetFloats("statistics_", s.stats)
	return st, nil
}

// UnmarshalState restores state written by MarshalState. Set strategy and
// keep_empty_features as they were at Fit first: they say which columns
// Transform keeps.
func (s *SimpleImputer) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	stats, err := vector(st, "statistics_", n)
	if err != nil {
		return err
	}
	for j, v := range stats {
		if math.IsInf(v, 0) {
			return fmt.Errorf("state: statistics_[%d] is %v, expected a finite number or NaN", j, v)
		}
	}
	s.nIn, s.stats = n, stats
	s.keep = s.kept(stats)
	return nil
}
