package tree

import (
	"context"
	"math"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// Data is a training set prepared once for growing many trees on it, as an
// ensemble does: X converted to float32 columns (as scikit-learn converts
// it once for a whole forest) and the target, class indices or values.
// It is read-only once built, so trees may grow on it concurrently.
type Data struct {
	xc   []float32
	n, d int
	y    target
}

// NewClassData prepares X and the class index of each row, in [0,
// nClasses), for classification trees. X must be checked (ml.CheckXy)
// already; values beyond float32's range are an error, as in Fit.
func NewClassData(X *mat.Dense, y []int, nClasses int) (*Data, error) {
	d, err := newData(X)
	if err != nil {
		return nil, err
	}
	if len(y) != d.n {
		return nil, ml.DataErrorf("X has %d rows but y has %d values", d.n, len(y))
	}
	yc := make([]int32, len(y))
	for i, k := range y {
		if k < 0 || k >= nClasses {
			return nil, ml.DataErrorf("y[%d] is class index %d, expected one in [0, %d)", i, k, nClasses)
		}
		yc[i] = int32(k)
	}
	d.y = target{classes: yc, nClass: nClasses}
	return d, nil
}

// NewRegressionData prepares X and the targets for regression trees.
func NewRegressionData(X *mat.Dense, y []float64) (*Data, error) {
	d, err := newData(X)
	if err != nil {
		return nil, err
	}
	if len(y) != d.n {
		return nil, ml.DataErrorf("X has %d rows but y has %d values", d.n, len(y))
	}
	d.y = target{values: y}
	return d, nil
}

func newData(X *mat.Dense) (*Data, error) {
	n, p := X.Dims()
	if n > math.MaxInt32 {
		return nil, ml.DataErrorf("X has %d rows: at most %d are supported", n, math.MaxInt32)
	}
	xc, err := toColumns32(X)
	if err != nil {
		return nil, err
	}
	return &Data{xc: xc, n: n, d: p}, nil
}

// WithTargets returns regression data that shares d's features but has the
// targets y (the residuals of a boosting stage). y is kept, not copied.
func (d *Data) WithTargets(y []float64) *Data {
	return &Data{xc: d.xc, n: d.n, d: d.d, y: target{values: y}}
}

// Rows returns the number of rows of d.
func (d *Data) Rows() int { return d.n }

// DataBytes is the memory a Data of n rows and p features holds: the
// float32 columns and the targets.
func DataBytes(n, p int) int64 { return int64(max(n, 0)) * (4*int64(max(p, 0)) + 8) }

// GrowOptions say how to grow one tree of an ensemble.
type GrowOptions struct {
	// Criterion is a criterion of DecisionTreeClassifier (for class data)
	// or DecisionTreeRegressor (for regression data).
	Criterion string
	// Params are the tree's hyperparameters; Splitter "random" grows an
	// extra tree. Params.RandomState seeds the splitter as a lone tree's
	// random_state does, unless Seed is set.
	Params
	// Seed, when not nil, is the splitter generator's state itself: what a
	// tree draws from a RandomState shared with its ensemble
	// (RandomState.SplitterSeed), as gradient boosting's trees do.
	Seed *uint32
}

// Grow grows one tree on d with the sample weights w (nil for unit
// weights; they must be finite and ≥ 0 with a positive sum). It checks ctx
// every few nodes and reports no progress: the ensemble reports per tree.
// The tree's arrays are trimmed to their length, as an ensemble keeps many.
func (d *Data) Grow(ctx context.Context, o GrowOptions, w []float64) (*Tree, error) {
	return d.GrowIn(ctx, o, w, nil)
}

// GrowIn is Grow working in the buffers of ws (nil for new ones), which it
// keeps there for the next call.
func (d *Data) GrowIn(ctx context.Context, o GrowOptions, w []float64, ws *Workspace) (*Tree, error) {
	p := &params{criterion: o.Criterion, Params: o.Params}
	if err := p.validate(); err != nil {
		return nil, err
	}
	seed := sklearnSeed(uint32(p.RandomState))
	if o.Seed != nil {
		seed = *o.Seed
	}
	t, err := d.grow(ctx, p, w, seed, ws)
	if err != nil {
		return nil, err
	}
	t.trim()
	return t, nil
}

// trim reallocates the tree's arrays to their length.
func (t *Tree) trim() {
	t.ChildrenLeft = clip(t.ChildrenLeft)
	t.ChildrenRight = clip(t.ChildrenRight)
	t.Feature = clip(t.Feature)
	t.Threshold = clip(t.Threshold)
	t.Value = clip(t.Value)
	t.Impurity = clip(t.Impurity)
	t.NNodeSamples = clip(t.NNodeSamples)
	t.WeightedNNodeSamples = clip(t.WeightedNNodeSamples)
}

func clip[T any](s []T) []T {
	if cap(s) == len(s) {
		return s
	}
	return append(make([]T, 0, len(s)), s...)
}

// FittedBytes bounds the memory of one tree grown by Grow on n rows with k
// values per node (classes, or 1): its arrays trimmed to their length
// (72 + 8·k bytes a node) for the most nodes the parameters allow.
func (o GrowOptions) FittedBytes(n, k int) int64 {
	p := &params{criterion: o.Criterion, Params: o.Params}
	nodes := p.maxNodes(n)
	return nodes * (72 + 8*int64(max(k, 1)))
}

// WorkBytes bounds the working memory of one Grow on n rows of p features
// with k values per node, beyond the Data and the fitted tree: the sort
// buffers, the criterion's arrays and the builder's slack while growing.
func (o GrowOptions) WorkBytes(n, p, k int) int64 {
	pp := &params{criterion: o.Criterion, Params: o.Params}
	all := pp.estimate(n, p, k)
	// estimate counts the float32 columns and y, which Data holds.
	return max(all-4*int64(n)*int64(p)-8*int64(n), 64<<10)
}
