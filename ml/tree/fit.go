package tree

import (
	"context"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// params are the hyperparameters a tree is grown with: the criterion of
// its estimator and the shared Params.
type params struct {
	criterion string
	Params
}

// validate checks what the struct tags cannot.
func (p *params) validate() error {
	c := p.MinSamplesSplit
	if !(c.Frac == 0 && c.N >= 2 || c.Frac > 0 && c.Frac <= 1 && c.N == 0) {
		return &ml.ParamError{Param: "min_samples_split", Expected: minSamplesSplitExpect, Got: c.String()}
	}
	c = p.MinSamplesLeaf
	if !(c.Frac == 0 && c.N >= 1 || c.Frac > 0 && c.Frac < 1 && c.N == 0) {
		return &ml.ParamError{Param: "min_samples_leaf", Expected: minSamplesLeafExpect, Got: c.String()}
	}
	return p.MaxFeatures.validate()
}

const (
	minSamplesSplitExpect = "an integer ≥ 2 or a fraction of the samples in (0, 1] written with a decimal point"
	minSamplesLeafExpect  = "an integer ≥ 1 or a fraction of the samples in (0, 1) written with a decimal point"
)

// target is what the criterion needs from y: class indices or values.
type target struct {
	classes []int32 // classifier: class index per row
	nClass  int
	values  []float64 // regressor
}

// grow validates X and the sample weights, converts X to float32 columns
// and grows a tree.
func grow(ctx context.Context, p *params, X *mat.Dense, y target, sampleWeight []float64) (*Tree, error) {
	d, err := newData(X)
	if err != nil {
		return nil, err
	}
	d.y = y
	t, err := d.grow(ctx, p, sampleWeight, sklearnSeed(uint32(p.RandomState)), nil)
	if err != nil {
		return nil, err
	}
	ml.ProgressFrom(ctx).Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("grew a tree of %d nodes, %d leaves, depth %d", t.NodeCount(), t.NLeaves(), t.MaxDepth)})
	return t, nil
}

// grow grows a tree on d with the sample weights (nil for unit weights)
// and the splitter generator's state seed.
func (d *Data) grow(ctx context.Context, p *params, sampleWeight []float64, seed uint32, ws *Workspace) (*Tree, error) {
	if ws == nil {
		ws = &Workspace{}
	}
	nRows, nFeat, y := d.n, d.d, d.y
	if p.MaxFeatures.N > nFeat {
		return nil, &ml.ParamError{Param: "max_features", Msg: fmt.Sprintf("is %d but X has %d features: it must be in [1, n_features]", p.MaxFeatures.N, nFeat)}
	}
	var wTotal float64
	pairs := grown(ws.pairs, nRows)[:0]
	if sampleWeight != nil {
		if len(sampleWeight) != nRows {
			return nil, ml.DataErrorf("sample_weight has %d values but X has %d rows", len(sampleWeight), nRows)
		}
		for i, w := range sampleWeight {
			if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
				return nil, ml.DataErrorf("sample_weight[%d] is %v: weights must be finite and ≥ 0", i, w)
			}
			wTotal += w
			if w != 0 {
				pairs = append(pairs, pair{i: int32(i)})
			}
		}
		if !(wTotal > 0) {
			return nil, ml.DataErrorf("sample_weight sums to %v: at least one weight must be > 0", wTotal)
		}
	} else {
		for i := range nRows {
			pairs = append(pairs, pair{i: int32(i)})
		}
		wTotal = float64(nRows)
	}

	b := &builder{
		xc: d.xc, n: nRows, d: nFeat,
		pairs:               pairs,
		features:            grown(ws.features, nFeat),
		constFeatures:       grown(ws.constFeatures, nFeat),
		ws:                  ws,
		rng:                 seed,
		random:              p.Splitter == "random",
		maxDepth:            math.MaxInt32,
		minImpurityDecrease: p.MinImpurityDecrease,
		maxLeafNodes:        p.MaxLeafNodes,
	}
	for i := range b.features {
		b.features[i] = i
	}
	if p.MaxDepth > 0 {
		b.maxDepth = p.MaxDepth
	}
	b.minSamplesLeaf = p.MinSamplesLeaf.resolve(nRows)
	b.minSamplesSplit = p.MinSamplesSplit.resolve(nRows)
	if p.MinSamplesSplit.Frac != 0 {
		b.minSamplesSplit = max(2, b.minSamplesSplit)
	}
	b.minSamplesSplit = max(b.minSamplesSplit, 2*b.minSamplesLeaf)
	b.maxFeatures = p.MaxFeatures.resolve(nFeat, y.classes != nil)
	if sampleWeight == nil {
		b.minWeightLeaf = p.MinWeightFractionLeaf * float64(nRows)
	} else {
		b.minWeightLeaf = p.MinWeightFractionLeaf * wTotal
	}
	if y.classes != nil {
		b.nValues = y.nClass
		cc := newClassCrit(b.pairs, y.classes, sampleWeight, wTotal, y.nClass, p.criterion != "gini")
		b.crit = cc
		if sampleWeight == nil || intWeights(sampleWeight) {
			b.counts = cc
			b.cnt = make([]int, y.nClass)
			if !cc.entropy {
				b.gini = cc
			}
		}
	} else {
		b.nValues = 1
		if p.criterion == "absolute_error" {
			b.crit = newMAECrit(b.pairs, y.values, sampleWeight, wTotal)
		} else {
			rc := newRegCrit(b.pairs, y.values, sampleWeight, wTotal, p.criterion == "friedman_mse")
			rc.poisson = p.criterion == "poisson"
			b.crit = rc
			if sampleWeight == nil && !rc.poisson {
				b.mse = rc
			}
		}
	}
	// Class counts of integer weights (a forest's bootstrap counts) are
	// exact in any order, as they are without weights.
	b.exactTies = y.classes == nil || sampleWeight != nil && !intWeights(sampleWeight)
	b.yValues, b.yClasses, b.weights = y.values, y.classes, sampleWeight
	return b.build(ctx)
}

// intWeights reports whether every weight is a whole number below 2^31,
// so that sums and squares of weighted class counts are exact in float64
// whatever their order.
func intWeights(w []float64) bool {
	for _, v := range w {
		if v != math.Trunc(v) || v >= 1<<31 {
			return false
		}
	}
	return true
}

// toColumns32 converts X to float32, column-major, as scikit-learn converts
// X to float32 before growing a tree. Values beyond float32's range are an
// error, as in scikit-learn.
func toColumns32(X *mat.Dense) ([]float32, error) {
	r, c := X.Dims()
	raw := X.RawMatrix()
	out := make([]float32, r*c)
	for i := 0; i < r; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		for j, v := range row {
			if math.Abs(v) > math.MaxFloat32 {
				return nil, ml.DataErrorf("X[%d, %d] is %v: trees work in float32, whose largest value is %g", i, j, v, math.MaxFloat32)
			}
			out[j*r+i] = float32(v)
		}
	}
	return out, nil
}

// checkPredictX checks X for prediction against a tree with nFeatures
// features, including float32's range.
func checkPredictX(X *mat.Dense, nFeatures int) error {
	if err := ml.CheckX(X, nFeatures); err != nil {
		return err
	}
	r, c := X.Dims()
	raw := X.RawMatrix()
	for i := 0; i < r; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			if math.Abs(v) > math.MaxFloat32 {
				return ml.DataErrorf("X[%d, %d] is %v: trees work in float32, whose largest value is %g", i, j, v, math.MaxFloat32)
			}
		}
	}
	return nil
}
