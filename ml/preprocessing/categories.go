package preprocessing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

// The helpers of OneHotEncoder and OrdinalEncoder: numeric categories,
// found as numpy.unique finds them.

// assumedCategories is how many categories per feature EstimateMemory
// assumes for the encoders: the real number is only known once Fit has
// seen the data (Transform refuses outputs of more than 2^31 values).
const assumedCategories = 100

// uniqueCounts returns the sorted distinct values of col (numpy.unique, for
// which -0 and 0 are one value, with NaN, a category of its own as in
// scikit-learn 1.2, last) and how often each occurs. col is sorted in
// place.
func uniqueCounts(col []float64) ([]float64, []int) {
	slices.SortFunc(col, func(a, b float64) int {
		an, bn := math.IsNaN(a), math.IsNaN(b)
		switch {
		case an && bn:
			return 0
		case an:
			return 1
		case bn:
			return -1
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	var cats []float64
	var counts []int
	for i, v := range col {
		if i == 0 || !(v == col[i-1] || math.IsNaN(v) && math.IsNaN(col[i-1])) {
			cats = append(cats, v)
			counts = append(counts, 0)
		}
		counts[len(counts)-1]++
	}
	return cats, counts
}

// missingIndex returns the position of NaN, the missing category, among a
// feature's categories, or -1. Found categories (and numeric lists) have
// it last; a text column's list may have it anywhere (scikit-learn 1.2
// takes np.nan at any position of an object column's categories and
// keeps that order in categories_ and in the output).
func missingIndex(cats []float64) int {
	if n := len(cats); n > 0 && math.IsNaN(cats[n-1]) {
		return n - 1
	}
	for t, v := range cats {
		if math.IsNaN(v) {
			return t
		}
	}
	return -1
}

// missingIndices is missingIndex of every feature.
func missingIndices(cats [][]float64) []int {
	out := make([]int, len(cats))
	for j, c := range cats {
		out[j] = missingIndex(c)
	}
	return out
}

// hasMissing reports whether a feature's categories hold NaN, the missing
// category.
func hasMissing(cats []float64) bool { return missingIndex(cats) >= 0 }

// code returns the index of v among the categories cats, ascending apart
// from the missing category NaN at position miss (missingIndex; -1 for
// none): miss for NaN, the index of v otherwise, or -1.
func code(cats []float64, miss int, v float64) int {
	if math.IsNaN(v) {
		return miss
	}
	// The first index whose key is ≥ v, the key of NaN being its left
	// neighbour's value (-Inf at 0), which keeps the keys non-decreasing
	// and never lands on the NaN.
	lo, hi := 0, len(cats)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		key := cats[m]
		if m == miss {
			key = math.Inf(-1)
			if m > 0 {
				key = cats[m-1]
			}
		}
		if key < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(cats) && lo != miss && cats[lo] == v {
		return lo
	}
	return -1
}

// fitCategories returns the categories of every feature of X (without
// infinities, checked by the caller) and their counts, reporting a step
// per feature (about 100 at most) at which a cancel stops it. With given
// categories (the categories parameter) those are the categories and a
// value outside them is an error unless unknownOK.
func fitCategories(ctx context.Context, X *mat.Dense, given [][]float64, class string, unknownOK bool) (cats [][]float64, counts [][]int, err error) {
	data, r, c := rows(X)
	if given != nil && len(given) != c {
		return nil, nil, &ml.ParamError{Param: "categories", Msg: fmt.Sprintf("categories has %d lists but X has %d features: give one list per feature", len(given), c)}
	}
	col := make([]float64, r)
	cats, counts = make([][]float64, c), make([][]int, c)
	progress, every := ml.ProgressFrom(ctx), max(1, c/100)
	for j := 0; j < c; j++ {
		if j%every == 0 {
			progress.Report(ml.Event{Kind: "step", Step: j + 1, Total: c, Message: "finding the categories"})
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		if given != nil {
			cats[j] = slices.Clone(given[j])
			counts[j] = make([]int, len(cats[j]))
			miss := missingIndex(cats[j])
			for i := 0; i < r; i++ {
				v := data[i*c+j]
				t := code(cats[j], miss, v)
				if t < 0 {
					if !unknownOK {
						return nil, nil, ml.DataErrorf("X[%d, %d] is %v, which is not among the categories given for feature %d (%v); add it to categories[%d] or let handle_unknown accept unknown categories", i, j, v, j, catText(cats[j]), j)
					}
					continue
				}
				counts[j][t]++
			}
			continue
		}
		for i := 0; i < r; i++ {
			col[i] = data[i*c+j]
		}
		cats[j], counts[j] = uniqueCounts(col)
	}
	return cats, counts, nil
}

// catText shows at most 10 categories.
func catText(cats []float64) string {
	if len(cats) > 10 {
		return fmt.Sprintf("%v and %d more", cats[:10], len(cats)-10)
	}
	return fmt.Sprint(cats)
}

// Categories is an encoder's categories parameter: "auto" (Lists nil, the
// distinct values of each feature seen by Fit) or one list per feature of
// its categories: numbers in ascending order with null (NaN, the missing
// category) allowed last, as scikit-learn requires of numeric categories,
// or the strings of a text column in any order with null anywhere for its
// missing values (scikit-learn 1.2 takes np.nan at any position of an
// object column's categories and keeps the order given). A text list's
// categories are the codes 0, 1, ... of its strings in the order given,
// with NaN where the null is (Lists: ["Paris", null, "Rome"] is [0, NaN,
// 1]), the codes a text column reaches the encoder with when train codes
// it by the list (train's textCategories); Text holds the strings, nil
// for a numeric list.
type Categories struct {
	Lists [][]float64
	Text  [][]string
}

// IsText reports whether feature j's list is a text column's.
func (c Categories) IsText(j int) bool { return j < len(c.Text) && c.Text[j] != nil }

// MarshalJSON writes "auto" or the lists (NaN as null, a text list as its
// strings).
func (c Categories) MarshalJSON() ([]byte, error) {
	if c.Lists == nil {
		return []byte(`"auto"`), nil
	}
	out := make([][]any, len(c.Lists))
	for j, l := range c.Lists {
		out[j] = make([]any, len(l))
		for t, v := range l {
			switch {
			case math.IsNaN(v):
				out[j][t] = nil
			case c.IsText(j):
				out[j][t] = c.Text[j][int(v)]
			default:
				out[j][t] = v
			}
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads "auto" or a list of lists of numbers and nulls or of
// strings and nulls.
func (c *Categories) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "auto" {
			return fmt.Errorf(`expected "auto" or a list of categories per feature, got %q`, s)
		}
		*c = Categories{}
		return nil
	}
	var raw [][]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) == 0 {
		return fmt.Errorf(`expected "auto" or a non-empty list with a list of categories per feature (numbers or strings, null for missing values)`)
	}
	lists := make([][]float64, len(raw))
	var texts [][]string
	for j, l := range raw {
		if len(l) == 0 {
			return fmt.Errorf("categories[%d] is empty: a feature needs at least one category", j)
		}
		isText := false
		for _, v := range l {
			isText = isText || bytes.HasPrefix(bytes.TrimSpace(v), []byte(`"`))
		}
		lists[j] = make([]float64, len(l))
		var words []string
		seen := map[string]bool{}
		null := -1
		for t, v := range l {
			if string(bytes.TrimSpace(v)) == "null" {
				switch {
				case null >= 0:
					return fmt.Errorf("categories[%d] lists null twice (at %d and %d)", j, null, t)
				case t != len(l)-1 && !isText:
					return fmt.Errorf("categories[%d][%d] is null: in a list of numbers the missing category (null) must come last, as scikit-learn requires", j, t)
				}
				null = t
				lists[j][t] = math.NaN()
				continue
			}
			if isText {
				var w string
				if err := json.Unmarshal(v, &w); err != nil {
					return fmt.Errorf("categories[%d][%d] is %s, but the list holds text: a list is all strings (a text column's) or all numbers, with null for the missing category", j, t, v)
				}
				if seen[w] {
					return fmt.Errorf("categories[%d] lists %q twice", j, w)
				}
				seen[w] = true
				lists[j][t] = float64(len(words)) // the string's code: its index among the list's strings
				words = append(words, w)
				continue
			}
			var x float64
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("categories[%d][%d] is %s: expected a number, a string or null", j, t, v)
			}
			if t > 0 && !(x > lists[j][t-1]) { // a null before x has returned above
				return fmt.Errorf("categories[%d] is not strictly ascending at %d (%v after %v): numeric categories must be sorted, as scikit-learn requires", j, t, x, lists[j][t-1])
			}
			lists[j][t] = x
		}
		if isText {
			if texts == nil {
				texts = make([][]string, len(raw))
			}
			texts[j] = words
		}
	}
	*c = Categories{Lists: lists, Text: texts}
	return nil
}

// ParamType names the type in the catalogue.
func (Categories) ParamType() (string, string) {
	return "categories", `"auto" or a list per feature of its categories: numbers in ascending order (null last for the missing category) or a text column's strings in the order of the output (null anywhere among them for the missing category)`
}

// unknownError is the error for a category not seen by Fit.
func unknownError(class string, i, j int, v float64, cats []float64, fix string) error {
	shown := cats
	more := ""
	if len(shown) > 10 {
		shown, more = shown[:10], fmt.Sprintf(" and %d more", len(cats)-10)
	}
	return ml.DataErrorf("X[%d, %d] is %v, a category %s did not see in feature %d at Fit (its categories: %v%s); %s", i, j, v, class, j, shown, more, fix)
}

// marshalCategories stores categories_ (concatenated) and n_categories_.
func marshalCategories(st *ml.State, cats [][]float64) {
	var all []float64
	n := make([]int, len(cats))
	for j, c := range cats {
		all = append(all, c...)
		n[j] = len(c)
	}
	st.SetFloats("categories_", all)
	st.SetInts("n_categories_", n)
}

// unmarshalCategories reads what marshalCategories stored, checking that
// every feature's categories are finite and strictly ascending, apart from
// at most one NaN (the missing category).
func unmarshalCategories(st *ml.State, n int) ([][]float64, error) {
	counts, _, err := st.Ints("n_categories_", 1, math.MaxInt32, n)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, k := range counts {
		total += k
	}
	all, err := vector(st, "categories_", total)
	if err != nil {
		return nil, err
	}
	cats := make([][]float64, n)
	off := 0
	for j, k := range counts {
		c := all[off : off+k : off+k]
		off += k
		prev, miss := math.Inf(-1), -1
		for t, v := range c {
			if math.IsNaN(v) && miss < 0 {
				miss = t // the missing category (last, or anywhere in a text column's list)
				continue
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || !(v > prev) {
				return nil, fmt.Errorf("state: categories_ of feature %d are not finite and strictly ascending (one NaN allowed)", j)
			}
			prev = v
		}
		cats[j] = c
	}
	return cats, nil
}

// estimateEncoder bounds an encoder's Fit (a sorted copy of each column,
// the categories and their counts, assumedCategories per feature) and a
// Transform output of width columns per feature.
func estimateEncoder(n, p int, width int64) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	fit := budget.Add(estimateColumns(n, p, 4), budget.Mul(24, P, assumedCategories))
	return budget.Add(fit, budget.Mul(8, N, P, width))
}

// MinFrequency is OneHotEncoder's min_frequency: null (the zero value), a
// count N ≥ 1 or a fraction Frac of the samples in (0, 1). In JSON an
// integer is a count and a number with a fraction or exponent a fraction,
// as Python reads them.
type MinFrequency struct {
	N    int
	Frac float64
}

// IsSet reports whether min_frequency is not null.
func (m MinFrequency) IsSet() bool { return m.N != 0 || m.Frac != 0 }

// MarshalJSON writes the value as it is read.
func (m MinFrequency) MarshalJSON() ([]byte, error) {
	switch {
	case m.N != 0:
		return []byte(strconv.Itoa(m.N)), nil
	case m.Frac != 0:
		return json.Marshal(m.Frac)
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads null, an integer ≥ 1 or a number in (0, 1).
func (m *MinFrequency) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*m = MinFrequency{}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("min_frequency: expected null, an integer ≥ 1 or a number in (0, 1), got %s", b)
	}
	if !bytes.ContainsAny(b, ".eE") {
		if f < 1 || f > math.MaxInt32 || f != math.Trunc(f) {
			return fmt.Errorf("min_frequency: an integer must be ≥ 1, got %s", b)
		}
		*m = MinFrequency{N: int(f)}
		return nil
	}
	if !(f > 0 && f < 1) {
		return fmt.Errorf("min_frequency: a fraction must be in (0, 1), got %s", b)
	}
	*m = MinFrequency{Frac: f}
	return nil
}

// ParamType names the type in the catalogue.
func (MinFrequency) ParamType() (string, string) {
	return "number", "null, an integer ≥ 1 (a count) or a number in (0, 1) (a fraction of the samples)"
}
