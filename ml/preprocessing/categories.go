package preprocessing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
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
// which -0 and 0 are one value) and how often each occurs. col is sorted
// in place.
func uniqueCounts(col []float64) ([]float64, []int) {
	slices.Sort(col)
	var cats []float64
	var counts []int
	for i, v := range col {
		if i == 0 || v != col[i-1] {
			cats = append(cats, v)
			counts = append(counts, 0)
		}
		counts[len(counts)-1]++
	}
	return cats, counts
}

// code returns the index of v among the sorted categories cats, or -1.
func code(cats []float64, v float64) int {
	i := sort.SearchFloat64s(cats, v)
	if i < len(cats) && cats[i] == v {
		return i
	}
	return -1
}

// fitCategories returns the categories of every feature of X (finite,
// checked by the caller) and their counts, reporting a step per feature
// (about 100 at most) at which a cancel stops it.
func fitCategories(ctx context.Context, X *mat.Dense) (cats [][]float64, counts [][]int, err error) {
	data, r, c := rows(X)
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
		for i := 0; i < r; i++ {
			col[i] = data[i*c+j]
		}
		cats[j], counts[j] = uniqueCounts(col)
	}
	return cats, counts, nil
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
// every feature's categories are finite and strictly ascending.
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
		for t, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) || (t > 0 && !(v > c[t-1])) {
				return nil, fmt.Errorf("state: categories_ of feature %d are not finite and strictly ascending", j)
			}
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
