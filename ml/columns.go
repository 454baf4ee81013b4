package ml

import (
	"context"
	"fmt"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/internal/text"
	"gonum.org/v1/gonum/mat"
)

// ColumnStep applies a transformer to some columns of X and passes the
// others through, like a scikit-learn ColumnTransformer with one
// transformer and remainder="passthrough": the output is the transformed
// columns followed by the untouched columns in their original order.
//
// Names are the selected columns as the spec names them; Columns are
// their indices in X, in the order of Names, set by Pipeline.Bind (or by
// the model file that saved them).
type ColumnStep struct {
	Step    Transformer
	Names   []string
	Columns []int

	nIn int // columns of X at Fit
}

// NewColumnStep returns t restricted to the columns named by names, not
// yet bound to indices.
func NewColumnStep(t Transformer, names []string) *ColumnStep {
	return &ColumnStep{Step: t, Names: append([]string(nil), names...)}
}

// NFeaturesIn returns the number of columns of X at Fit, 0 before.
func (c *ColumnStep) NFeaturesIn() int { return c.nIn }

// SetNFeaturesIn sets the number of input columns of a fitted step (a
// model file restores it).
func (c *ColumnStep) SetNFeaturesIn(n int) { c.nIn = n }

// check tells whether X's p columns hold the selected ones.
func (c *ColumnStep) check(p int) error {
	if c.Columns == nil {
		return fmt.Errorf("columns %s are not bound to the data's columns", text.List(c.Names))
	}
	for i, j := range c.Columns {
		if j < 0 || j >= p {
			return fmt.Errorf("column %s (index %d) is not among the %d input columns", text.Quote(c.name(i)), j, p)
		}
	}
	return nil
}

func (c *ColumnStep) name(i int) string {
	if i < len(c.Names) {
		return c.Names[i]
	}
	return fmt.Sprint(c.Columns[i])
}

// selected copies the selected columns of X.
func (c *ColumnStep) selected(X *mat.Dense) *mat.Dense {
	n, _ := X.Dims()
	out := mat.NewDense(max(n, 1), len(c.Columns), nil)
	if n == 0 {
		return &mat.Dense{}
	}
	for i := 0; i < n; i++ {
		row, o := X.RawRowView(i), out.RawRowView(i)
		for k, j := range c.Columns {
			o[k] = row[j]
		}
	}
	return out
}

// Fit fits the transformer on the selected columns.
func (c *ColumnStep) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	_, p := X.Dims()
	if err := c.check(p); err != nil {
		return err
	}
	if err := c.Step.Fit(ctx, c.selected(X), y); err != nil {
		return err
	}
	c.nIn = p
	return nil
}

// Transform transforms the selected columns and appends the others.
func (c *ColumnStep) Transform(X *mat.Dense) (*mat.Dense, error) {
	n, p := X.Dims()
	if c.nIn == 0 {
		return nil, fmt.Errorf("%s is not fitted", ClassName(c.Step))
	}
	if p != c.nIn {
		return nil, fmt.Errorf("X has %d features, but the step was fitted with %d", p, c.nIn)
	}
	if err := c.check(p); err != nil {
		return nil, err
	}
	T, err := c.Step.Transform(c.selected(X))
	if err != nil {
		return nil, err
	}
	rest := c.rest(p)
	tn, tc := T.Dims()
	if tn != n {
		return nil, fmt.Errorf("%s returned %d rows for %d", ClassName(c.Step), tn, n)
	}
	out := mat.NewDense(max(n, 1), tc+len(rest), nil)
	if n == 0 {
		return &mat.Dense{}, nil
	}
	for i := 0; i < n; i++ {
		o, row := out.RawRowView(i), X.RawRowView(i)
		copy(o, T.RawRowView(i))
		for k, j := range rest {
			o[tc+k] = row[j]
		}
	}
	return out, nil
}

// rest returns the indices of the columns passed through, in order.
func (c *ColumnStep) rest(p int) []int {
	sel := make([]bool, p)
	for _, j := range c.Columns {
		sel[j] = true
	}
	out := make([]int, 0, p)
	for j := 0; j < p; j++ {
		if !sel[j] {
			out = append(out, j)
		}
	}
	return out
}

// FeatureNames returns the names of the output columns for the input
// names in: the transformer's (its FeatureNames, or the selected names
// when it has none) followed by the passed-through ones.
func (c *ColumnStep) FeatureNames(in []string) []string {
	if c.check(len(in)) != nil {
		return nil
	}
	sel := make([]string, len(c.Columns))
	for k, j := range c.Columns {
		sel[k] = in[j]
	}
	if fn, ok := c.Step.(interface{ FeatureNames([]string) []string }); ok {
		sel = fn.FeatureNames(sel)
	}
	out := sel
	for _, j := range c.rest(len(in)) {
		out = append(out, in[j])
	}
	return out
}

// EstimateMemory is the transformer's estimate for the selected columns
// plus the copies of X the selection makes.
func (c *ColumnStep) EstimateMemory(n, p, k int) int64 {
	m := EstimateMemory(c.Step, n, len(c.Names), k)
	return m + 2*DataBytes(n, p)
}

// MemoryParam is the transformer's.
func (c *ColumnStep) MemoryParam() string {
	if mp, ok := c.Step.(MemoryParamer); ok {
		return mp.MemoryParam()
	}
	return ""
}

// keepsNames lists the transformers whose output column j is a function
// of input column j alone, so that the column names pass through them.
var keepsNames = map[string]bool{
	"StandardScaler": true, "MinMaxScaler": true, "MaxAbsScaler": true, "RobustScaler": true,
	"Normalizer": true, "PowerTransformer": true, "QuantileTransformer": true,
	"FunctionTransformer": true, "Binarizer": true,
}

// KeepsNames reports whether t's output columns are its input columns, one
// to one, so that they keep their names. A ColumnStep keeps them when its
// transformer does.
func KeepsNames(t Transformer) bool {
	if c, ok := t.(*ColumnStep); ok {
		t = c.Step
	}
	if _, ok := t.(*ColumnStep); ok {
		return false
	}
	return keepsNames[ClassName(t)]
}

// BindError is a step whose columns cannot be found in its input.
type BindError struct {
	Step int    // index in Pipeline.Steps
	Msg  string // says which name and what was expected
}

func (e *BindError) Error() string { return fmt.Sprintf("preprocess[%d].columns: %s", e.Step, e.Msg) }

// Bind resolves the column names of every ColumnStep of p to indices, for
// X's columns named features. Names flow through the steps that keep them
// (KeepsNames); a ColumnStep after a step that renames its columns cannot
// be bound. The error is a *BindError.
func (p *Pipeline) Bind(features []string) error {
	cur := features
	lost := -1
	for i, s := range p.Steps {
		cs, ok := s.(*ColumnStep)
		if ok {
			if cur == nil {
				return &BindError{Step: i, Msg: fmt.Sprintf("the column names are not known after preprocess[%d] (%s), which changes the columns; put this step before it",
					lost, ClassName(p.Steps[lost]))}
			}
			idx := make(map[string]int, len(cur))
			for j, n := range cur {
				if _, dup := idx[n]; !dup {
					idx[n] = j
				}
			}
			cols := make([]int, len(cs.Names))
			for k, n := range cs.Names {
				j, found := idx[n]
				if !found {
					where := "the data"
					if i > 0 {
						where = fmt.Sprintf("the columns after preprocess[%d]", i-1)
					}
					return &BindError{Step: i, Msg: fmt.Sprintf("no feature column %s in %s%s; columns: %s",
						text.Quote(text.Abbrev(n)), where, suggest.Hint(n, cur), text.List(cur))}
				}
				cols[k] = j
			}
			cs.Columns = cols
		}
		switch {
		case cur == nil:
		case ok && KeepsNames(s):
			cur = cs.FeatureNames(cur)
		case KeepsNames(s):
		default:
			cur, lost = nil, i
		}
	}
	return nil
}
