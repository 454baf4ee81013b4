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
		Name:   "OneHotEncoder",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "encode each numeric category of a feature as a 0/1 column, optionally dropping one and grouping infrequent ones",
		New:    func() ml.Estimator { return NewOneHotEncoder() },
	})
}

// OneHotEncoder encodes categorical features as one 0/1 column per
// category, as scikit-learn 1.2's OneHotEncoder does with categories
// "auto": the categories of a feature are its distinct values, sorted.
// mlforge's features are numbers, so the categories are numbers too (text
// columns are coded by their sorted strings, so their categories follow
// scikit-learn's order). NaN (an empty cell, a missing marker) is a
// category of its own, sorted last, as in scikit-learn 1.2; a NaN that
// Fit did not see is an unknown category. Explicit categories (one
// ascending list per feature, null last for NaN, or a text column's
// strings in any order with null anywhere, which train codes in that
// order) replace the values seen.
//
// With min_frequency or max_categories, infrequent categories are grouped
// into one column placed after the frequent ones (scikit-learn's
// "infrequent_sklearn"). drop "first" removes the first column of every
// feature (a feature with one category then has no column), "if_binary"
// only that of features with two. handle_unknown says what Transform does
// with a value Fit did not see: "error", "ignore" (all zeros) or
// "infrequent_if_exist" (the infrequent column where there is one, else
// zeros).
//
// The output is always a dense matrix: scikit-learn's default sparse_output
// true returns the same values as a sparse one. InverseTransform returns
// NaN where scikit-learn returns None (an unknown category) or
// "infrequent_sklearn".
type OneHotEncoder struct {
	Categories    Categories   `json:"categories" help:"auto: the distinct values of each feature seen by Fit (NaN last, a category of its own); or one list per feature of its categories: numbers ascending, or a text column's strings in the order wanted; null for missing values (last in a list of numbers, anywhere among strings)"`
	Drop          string       `json:"drop" enum:"first,if_binary" nullable:"true" help:"null keeps every column; first drops the first category of each feature; if_binary only that of features with two categories"`
	SparseOutput  bool         `json:"sparse_output" help:"accepted for compatibility with scikit-learn: mlforge always returns a dense matrix (with the same values)"`
	HandleUnknown string       `json:"handle_unknown" enum:"error,ignore,infrequent_if_exist" help:"what Transform does with an unseen category: error, ignore (all zeros), infrequent_if_exist (the infrequent column if any, else zeros)"`
	MinFrequency  MinFrequency `json:"min_frequency" nullable:"true" help:"categories seen fewer times (an integer) or in a smaller fraction of the samples (a number in (0, 1)) are grouped as infrequent; null groups none"`
	MaxCategories int          `json:"max_categories" min:"1" nullable:"true" help:"at most this many columns per feature, the infrequent group included; null (or 0) sets no limit"`

	nIn    int
	cats   [][]float64
	infreq [][]int // per feature, the indices of infrequent categories (nil: none)
	maps   [][]int // per feature, category index → output index before drop (nil: identity)
	nOut   []int   // per feature, output categories before drop
	drop   []int   // per feature, the dropped output index, -1 for none
}

// NewOneHotEncoder returns a OneHotEncoder with scikit-learn's defaults:
// categories auto, drop null, handle_unknown error, no infrequent
// grouping (sparse_output true is accepted, the output being dense).
func NewOneHotEncoder() *OneHotEncoder {
	return &OneHotEncoder{SparseOutput: true, HandleUnknown: "error"}
}

func (s *OneHotEncoder) infrequentEnabled() bool {
	return s.MaxCategories >= 1 || s.MinFrequency.IsSet()
}

// identifyInfrequent is _identify_infrequent: the indices of the
// categories seen less than min_frequency, and then of the least frequent
// ones (in a stable order) beyond max_categories - 1; nil for none.
func (s *OneHotEncoder) identifyInfrequent(counts []int, n int) []int {
	mask := make([]bool, len(counts))
	nInfreq := 0
	for t, k := range counts {
		switch {
		case s.MinFrequency.N != 0:
			mask[t] = k < s.MinFrequency.N
		case s.MinFrequency.Frac != 0:
			mask[t] = float64(k) < float64(n)*s.MinFrequency.Frac
		}
		if mask[t] {
			nInfreq++
		}
	}
	current := len(counts) - nInfreq + 1
	if s.MaxCategories != 0 && s.MaxCategories < current {
		order := make([]int, len(counts))
		for t := range order {
			order[t] = t
		}
		slices.SortStableFunc(order, func(a, b int) int { return counts[a] - counts[b] })
		// argsort(...)[: -max_categories + 1]: nothing for max_categories 1.
		if keep := s.MaxCategories - 1; keep > 0 {
			for _, t := range order[:len(order)-keep] {
				mask[t] = true
			}
		}
	}
	var out []int
	for t, m := range mask {
		if m {
			out = append(out, t)
		}
	}
	return out
}

// Fit finds the categories of every feature, the infrequent ones and the
// dropped columns. y is ignored.
func (s *OneHotEncoder) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if _, err := checkX("OneHotEncoder", X, 0, true); err != nil {
		return err
	}
	r, c := X.Dims()
	cats, counts, err := fitCategories(ctx, X, s.Categories.Lists, "OneHotEncoder", s.HandleUnknown != "error")
	if err != nil {
		return err
	}
	infreq, maps := make([][]int, c), make([][]int, c)
	nOut, drop := make([]int, c), make([]int, c)
	total := 0
	for j := range cats {
		nOut[j] = len(cats[j])
		if s.infrequentEnabled() {
			if idx := s.identifyInfrequent(counts[j], r); idx != nil {
				infreq[j] = idx
				nFreq := len(cats[j]) - len(idx)
				m := make([]int, len(cats[j]))
				next := 0
				for t := range m {
					if slices.Contains(idx, t) {
						m[t] = nFreq
					} else {
						m[t] = next
						next++
					}
				}
				maps[j] = m
				nOut[j] = nFreq + 1
			}
		}
		drop[j] = -1
		switch s.Drop {
		case "first":
			drop[j] = 0
		case "if_binary":
			if nOut[j] == 2 {
				drop[j] = 0
			}
		}
		total += s.width(nOut[j], drop[j])
	}
	if total == 0 {
		return ml.DataErrorf("OneHotEncoder with drop %q leaves no output column: every feature has a single category (or a single group)", s.Drop)
	}
	s.nIn, s.cats, s.infreq, s.maps, s.nOut, s.drop = c, cats, infreq, maps, nOut, drop
	return nil
}

func (s *OneHotEncoder) width(nOut, drop int) int {
	if drop >= 0 {
		return nOut - 1
	}
	return nOut
}

// NFeaturesOut returns the number of output columns of each feature, or
// nil before Fit.
func (s *OneHotEncoder) NFeaturesOut() []int {
	if s.nIn == 0 {
		return nil
	}
	out := make([]int, s.nIn)
	for j := range out {
		out[j] = s.width(s.nOut[j], s.drop[j])
	}
	return out
}

func (s *OneHotEncoder) outputs() int {
	k := 0
	for j := range s.nOut {
		k += s.width(s.nOut[j], s.drop[j])
	}
	return k
}

// Transform returns the one-hot columns of every feature, feature after
// feature.
func (s *OneHotEncoder) Transform(X *mat.Dense) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("OneHotEncoder")
	}
	if _, err := checkX("OneHotEncoder", X, s.nIn, true); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	k := s.outputs()
	if int64(r)*int64(k) > 1<<31 {
		return nil, ml.DataErrorf("OneHotEncoder would output %d×%d values, more than 2^31", r, k)
	}
	out := make([]float64, r*k)
	miss := missingIndices(s.cats)
	for i := 0; i < r; i++ {
		off := 0
		for j, v := range data[i*c : (i+1)*c] {
			x := code(s.cats[j], miss[j], v)
			valid := x >= 0
			if !valid {
				if s.HandleUnknown == "error" {
					return nil, unknownError("OneHotEncoder", i, j, v, s.cats[j], `set handle_unknown to "ignore" to encode it as zeros`)
				}
				x = 0
			}
			if s.infreq[j] != nil {
				if !valid {
					x = s.infreq[j][0]
					if s.HandleUnknown == "infrequent_if_exist" {
						valid = true
					}
				}
				x = s.maps[j][x]
			}
			if d := s.drop[j]; d >= 0 {
				if x == d {
					valid = false
				} else if x > d {
					x--
				}
			}
			if valid {
				out[i*k+off+x] = 1
			}
			off += s.width(s.nOut[j], s.drop[j])
		}
	}
	return mat.NewDense(r, k, out), nil
}

// outputCategories returns the categories of feature j's output columns
// before drop: the frequent categories, then NaN for the infrequent group.
func (s *OneHotEncoder) outputCategories(j int) []float64 {
	if s.infreq[j] == nil {
		return s.cats[j]
	}
	var out []float64
	for t, v := range s.cats[j] {
		if !slices.Contains(s.infreq[j], t) {
			out = append(out, v)
		}
	}
	return append(out, math.NaN())
}

// InverseTransform returns the category of each feature's column with the
// largest value (the first of equal ones), as scikit-learn does: NaN for
// the infrequent group, and for a block of zeros the dropped category or,
// when unknown categories were ignored, NaN (scikit-learn's None). A block
// of zeros is an error when nothing was dropped and unknown categories are
// errors.
func (s *OneHotEncoder) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("OneHotEncoder")
	}
	if err := refuseNaN("OneHotEncoder", X, s.outputs()); err != nil {
		return nil, err
	}
	data, r, k := rows(X)
	c := s.nIn
	out := make([]float64, r*c)
	off := 0
	for j := 0; j < c; j++ {
		full := s.outputCategories(j)
		kept := full
		if d := s.drop[j]; d >= 0 {
			kept = slices.Delete(slices.Clone(full), d, d+1)
		}
		w := len(kept)
		for i := 0; i < r; i++ {
			dst := &out[i*c+j]
			if w == 0 {
				// scikit-learn indexes categories_ (not the grouped
				// categories) with drop_idx_ here.
				*dst = s.cats[j][s.drop[j]]
				continue
			}
			block := data[i*k+off : i*k+off+w]
			b := 0
			var sum float64
			for t, v := range block {
				if v > block[b] {
					b = t
				}
				sum += v
			}
			*dst = kept[b]
			if sum != 0 {
				continue
			}
			switch {
			case s.HandleUnknown == "ignore" || (s.HandleUnknown == "infrequent_if_exist" && s.infreq[j] == nil):
				if s.drop[j] < 0 {
					*dst = math.NaN()
				} else {
					*dst = s.cats[j][s.drop[j]]
				}
			case s.drop[j] < 0:
				return nil, ml.DataErrorf("row %d: the one-hot columns %d to %d of feature %d are all zero, which cannot be inverted when drop is null and handle_unknown is %q", i, off, off+w-1, j, s.HandleUnknown)
			default:
				*dst = full[s.drop[j]]
			}
		}
		off += w
	}
	return mat.NewDense(r, c, out), nil
}

// CategoriesFitted returns categories_, the sorted categories of each
// feature, or nil before Fit.
func (s *OneHotEncoder) CategoriesFitted() [][]float64 { return cloneCats(s.cats) }

// InfrequentCategories returns infrequent_categories_ (nil for a feature
// without infrequent categories), or nil before Fit or without grouping.
func (s *OneHotEncoder) InfrequentCategories() [][]float64 {
	if s.nIn == 0 || !s.infrequentEnabled() {
		return nil
	}
	out := make([][]float64, s.nIn)
	for j, idx := range s.infreq {
		for _, t := range idx {
			out[j] = append(out[j], s.cats[j][t])
		}
	}
	return out
}

// DropIdx returns drop_idx_: per feature the dropped output column (-1
// for none), or nil before Fit or with drop null.
func (s *OneHotEncoder) DropIdx() []int {
	if s.nIn == 0 || s.Drop == "" {
		return nil
	}
	return slices.Clone(s.drop)
}

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *OneHotEncoder) NFeaturesIn() int { return s.nIn }

func cloneCats(c [][]float64) [][]float64 {
	if c == nil {
		return nil
	}
	out := make([][]float64, len(c))
	for j, v := range c {
		out[j] = clone(v)
	}
	return out
}

// MarshalState returns n_features_in_, categories_ (concatenated),
// n_categories_, infrequent_mask_ (1 for each infrequent category, in the
// order of categories_) and drop_idx_ (-1 for none).
func (s *OneHotEncoder) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("OneHotEncoder")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	marshalCategories(st, s.cats)
	var mask []int
	for j, c := range s.cats {
		for t := range c {
			m := 0
			if slices.Contains(s.infreq[j], t) {
				m = 1
			}
			mask = append(mask, m)
		}
	}
	st.SetInts("infrequent_mask_", mask)
	st.SetInts("drop_idx_", s.drop)
	return st, nil
}

// UnmarshalState restores state written by MarshalState, checking that the
// drop indices fall within each feature's columns and that some column is
// left.
func (s *OneHotEncoder) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	cats, err := unmarshalCategories(st, n)
	if err != nil {
		return err
	}
	total := 0
	for _, c := range cats {
		total += len(c)
	}
	mask, _, err := st.Ints("infrequent_mask_", 0, 1, total)
	if err != nil {
		return err
	}
	drop, _, err := st.Ints("drop_idx_", -1, math.MaxInt32, n)
	if err != nil {
		return err
	}
	infreq, maps, nOut := make([][]int, n), make([][]int, n), make([]int, n)
	off, width := 0, 0
	for j, c := range cats {
		var idx []int
		for t := range c {
			if mask[off+t] == 1 {
				idx = append(idx, t)
			}
		}
		off += len(c)
		nOut[j] = len(c)
		if idx != nil {
			if !s.infrequentEnabled() {
				return fmt.Errorf("state: feature %d has infrequent categories, but min_frequency and max_categories are null", j)
			}
			nFreq := len(c) - len(idx)
			m := make([]int, len(c))
			next := 0
			for t := range m {
				if slices.Contains(idx, t) {
					m[t] = nFreq
				} else {
					m[t] = next
					next++
				}
			}
			infreq[j], maps[j], nOut[j] = idx, m, nFreq+1
		}
		want := -1
		if s.Drop == "first" || (s.Drop == "if_binary" && nOut[j] == 2) {
			want = 0
		}
		if drop[j] != want {
			return fmt.Errorf("state: drop_idx_[%d] is %d, expected %d for drop %q and %d output categories", j, drop[j], want, s.Drop, nOut[j])
		}
		width += s.width(nOut[j], drop[j])
	}
	if width == 0 {
		return fmt.Errorf("state: no output column is left")
	}
	s.nIn, s.cats, s.infreq, s.maps, s.nOut, s.drop = n, cats, infreq, maps, nOut, drop
	return nil
}

// EstimateMemory bounds Fit's memory and Transform's output, assuming at
// most 100 categories per feature (the number is only known after Fit,
// and Transform refuses outputs of more than 2^31 values).
func (s *OneHotEncoder) EstimateMemory(n, p, k int) int64 {
	return estimateEncoder(n, p, int64(min(max(n, 1), assumedCategories)))
}
