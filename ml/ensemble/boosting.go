package ensemble

import (
	"context"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name: "GradientBoostingClassifier", Task: ml.Classification, Family: "ensemble",
		Doc: "Gradient boosting of regression trees on the log loss (or exponential loss): one tree per class and stage.",
		New: func() ml.Estimator { return NewGradientBoostingClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "GradientBoostingRegressor", Task: ml.Regression, Family: "ensemble",
		Doc: "Gradient boosting of regression trees on the squared, absolute, Huber or quantile loss.",
		New: func() ml.Estimator { return NewGradientBoostingRegressor() },
	})
}

// BoostingParams are the hyperparameters GradientBoostingClassifier and
// GradientBoostingRegressor share, in scikit-learn 1.2's order after loss.
type BoostingParams struct {
	LearningRate          float64          `json:"learning_rate" min:"0" help:"shrinkage of each tree's contribution"`
	NEstimators           int              `json:"n_estimators" min:"1" help:"number of boosting stages"`
	Subsample             float64          `json:"subsample" gt:"0" max:"1" help:"fraction of the rows each stage's trees are fitted on (stochastic gradient boosting below 1)"`
	Criterion             string           `json:"criterion" enum:"friedman_mse,squared_error" help:"split criterion of the trees"`
	MinSamplesSplit       tree.Count       `json:"min_samples_split" expect:"an integer ≥ 2 or a fraction of the samples in (0, 1] written with a decimal point" help:"minimum samples a node needs to be split"`
	MinSamplesLeaf        tree.Count       `json:"min_samples_leaf" expect:"an integer ≥ 1 or a fraction of the samples in (0, 1) written with a decimal point" help:"minimum samples in each leaf"`
	MinWeightFractionLeaf float64          `json:"min_weight_fraction_leaf" min:"0" max:"0.5" help:"minimum fraction of the total sample weight in each leaf"`
	MaxDepth              int              `json:"max_depth" min:"1" nullable:"true" help:"maximum depth of each tree; null grows until leaves are pure or too small"`
	MinImpurityDecrease   float64          `json:"min_impurity_decrease" min:"0" help:"split a node only if the weighted impurity decrease is at least this"`
	Init                  string           `json:"init" enum:"zero" nullable:"true" help:"initial predictions: null for the loss's constant (class priors, mean, median or quantile), zero for none"`
	RandomState           int              `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the row subsamples, the feature draws and the validation split; null means 0"`
	MaxFeatures           tree.MaxFeatures `json:"max_features" nullable:"true" expect:"null, an integer ≥ 1, a number in (0, 1], \"sqrt\", \"log2\" or \"auto\"" help:"features drawn and examined per split; null means all"`
	MaxLeafNodes          int              `json:"max_leaf_nodes" min:"2" nullable:"true" help:"grow each tree best first up to this many leaves; null means unlimited"`
	ValidationFraction    float64          `json:"validation_fraction" gt:"0" lt:"1" help:"fraction of the rows held out for early stopping (with n_iter_no_change)"`
	NIterNoChange         int              `json:"n_iter_no_change" min:"1" nullable:"true" help:"stop when the validation loss has not improved by tol for this many stages; null never stops early"`
	Tol                   float64          `json:"tol" min:"0" help:"improvement of the validation loss that counts, for early stopping"`
}

func boostingDefaults() BoostingParams {
	return BoostingParams{LearningRate: 0.1, NEstimators: 100, Subsample: 1, Criterion: "friedman_mse",
		MinSamplesSplit: tree.Count{N: 2}, MinSamplesLeaf: tree.Count{N: 1}, MaxDepth: 3,
		ValidationFraction: 0.1, Tol: 1e-4}
}

func (p *BoostingParams) treeParams() tree.Params {
	return tree.Params{Splitter: "best", MaxDepth: p.MaxDepth, MinSamplesSplit: p.MinSamplesSplit, MinSamplesLeaf: p.MinSamplesLeaf,
		MinWeightFractionLeaf: p.MinWeightFractionLeaf, MaxFeatures: p.MaxFeatures, MaxLeafNodes: p.MaxLeafNodes,
		MinImpurityDecrease: p.MinImpurityDecrease}
}

func (p *BoostingParams) validate() error {
	t := tree.NewDecisionTreeRegressor()
	t.Criterion, t.Params = p.Criterion, p.treeParams()
	return t.Validate()
}

// GradientBoostingClassifier is scikit-learn 1.2's
// GradientBoostingClassifier: stages of regression trees fitted to the
// negative gradient of the log loss (one tree per class, or one for two
// classes) or of the exponential loss, with the leaves set by a Newton
// step, from the class priors.
//
// The trees are scikit-learn's (package tree), their splitter seeds and
// the row subsamples are drawn from scikit-learn's generator in its order,
// and the losses follow scikit-learn's operations, so the model follows
// scikit-learn's closely, also with subsample and max_features.
type GradientBoostingClassifier struct {
	Loss string `json:"loss" enum:"log_loss,deviance,exponential" help:"log_loss (deviance is its deprecated name) or exponential (AdaBoost's, two classes only)"`
	BoostingParams

	boosted
	classes []float64
}

// GradientBoostingRegressor is scikit-learn 1.2's
// GradientBoostingRegressor: stages of regression trees fitted to the
// negative gradient of the loss, from its constant minimiser.
type GradientBoostingRegressor struct {
	Loss string `json:"loss" enum:"squared_error,absolute_error,huber,quantile" help:"squared_error, absolute_error, huber (squared near 0, absolute beyond the alpha quantile of the residuals) or quantile (the alpha quantile)"`
	BoostingParams
	Alpha float64 `json:"alpha" gt:"0" lt:"1" help:"the quantile of loss quantile, and the residual quantile where loss huber turns linear"`

	boosted
}

// NewGradientBoostingClassifier returns scikit-learn 1.2's defaults: log
// loss, learning rate 0.1, 100 stages of trees of depth 3.
func NewGradientBoostingClassifier() *GradientBoostingClassifier {
	return &GradientBoostingClassifier{Loss: "log_loss", BoostingParams: boostingDefaults()}
}

// NewGradientBoostingRegressor returns scikit-learn 1.2's defaults:
// squared error, learning rate 0.1, 100 stages of trees of depth 3, alpha
// 0.9.
func NewGradientBoostingRegressor() *GradientBoostingRegressor {
	return &GradientBoostingRegressor{Loss: "squared_error", BoostingParams: boostingDefaults(), Alpha: 0.9}
}

// Validate checks the trees' rules (min_samples_split, min_samples_leaf,
// max_features).
func (m *GradientBoostingClassifier) Validate() error { return m.validate() }

// Validate checks the trees' rules (min_samples_split, min_samples_leaf,
// max_features).
func (m *GradientBoostingRegressor) Validate() error { return m.validate() }

// boosted is the fitted state of both classes.
type boosted struct {
	stages    [][]*tree.Tree // n_estimators_ x K
	k         int
	init      []float64 // the initial raw prediction of each of the K outputs
	lr        float64
	nFeatures int
	loss      string
	// trainScore is train_score_, oobImprovement oob_improvement_ (with
	// subsample < 1).
	trainScore     []float64
	oobImprovement []float64
}

// gbFit is one fit's inputs.
type gbFit struct {
	name string
	p    *BoostingParams
	loss string
	// alpha of huber and quantile.
	alpha float64
	k     int
	// y: targets (regression), or class indices as float64.
	y  []float64
	yc []int
	w  []float64
}

// Fit fits the stages on X and the class values y.
func (m *GradientBoostingClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights).
func (m *GradientBoostingClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	if err := checkWeights(w, len(y)); err != nil {
		return err
	}
	if w != nil {
		pos := map[int]bool{}
		for i, c := range idx {
			if w[i] > 0 {
				pos[c] = true
			}
		}
		if len(pos) < 2 {
			return ml.DataErrorf("y has %d class(es) with a positive sample weight: a classifier needs at least 2", len(pos))
		}
	}
	k := len(classes)
	if k == 2 {
		k = 1
	}
	loss := m.Loss
	if loss == "deviance" {
		loss = "log_loss"
	}
	if loss == "exponential" && k > 1 {
		return &ml.ParamError{Param: "loss", Msg: fmt.Sprintf("exponential is only for two classes, y has %d: use log_loss", len(classes))}
	}
	yf := make([]float64, len(idx))
	for i, c := range idx {
		yf[i] = float64(c)
	}
	var b boosted
	if err := b.fit(ctx, &gbFit{name: "GradientBoostingClassifier", p: &m.BoostingParams, loss: loss, k: k, y: yf, yc: idx, w: w}, X); err != nil {
		return err
	}
	m.boosted, m.classes = b, classes
	return nil
}

// Fit fits the stages on X and the targets y.
func (m *GradientBoostingRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights).
func (m *GradientBoostingRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if err := checkWeights(w, len(y)); err != nil {
		return err
	}
	var b boosted
	if err := b.fit(ctx, &gbFit{name: "GradientBoostingRegressor", p: &m.BoostingParams, loss: m.Loss, alpha: m.Alpha, k: 1, y: y, w: w}, X); err != nil {
		return err
	}
	m.boosted = b
	return nil
}

func checkWeights(w []float64, n int) error {
	if w == nil {
		return nil
	}
	if len(w) != n {
		return ml.DataErrorf("sample_weight has %d values but X has %d rows", len(w), n)
	}
	sum := 0.0
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return ml.DataErrorf("sample_weight[%d] is %v: weights must be finite and ≥ 0", i, v)
		}
		sum += v
	}
	if !(sum > 0) {
		return ml.DataErrorf("sample_weight sums to %v: at least one weight must be > 0", sum)
	}
	return nil
}

// fit is BaseGradientBoosting.fit and _fit_stages.
func (b *boosted) fit(ctx context.Context, f *gbFit, X *mat.Dense) error {
	p := f.p
	n, nf := X.Dims()
	userW := f.w != nil
	var Xv *mat.Dense
	var yv, wv []float64
	if p.NIterNoChange > 0 {
		var tr, va []int
		var err error
		if f.yc != nil {
			tr, va, err = stratifiedSplit(f.yc, p.ValidationFraction, uint32(p.RandomState))
		} else {
			tr, va, err = shuffleSplit(n, p.ValidationFraction, uint32(p.RandomState))
		}
		if err != nil {
			return err
		}
		Xv, yv, wv = takeRows(X, va), take(f.y, va), take(f.w, va)
		X, f.y, f.w = takeRows(X, tr), take(f.y, tr), take(f.w, tr)
		if f.yc != nil {
			f.yc = takeInts(f.yc, tr)
			seen := map[int]bool{}
			for _, c := range f.yc {
				seen[c] = true
			}
			if len(seen) != max(f.k, 2) {
				return ml.DataErrorf("the training rows left after holding out validation_fraction %v for early stopping miss some classes: try another random_state or a smaller validation_fraction", p.ValidationFraction)
			}
		}
		n = len(f.y)
	}
	ones := f.w
	if ones == nil {
		ones = make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
	}
	K := f.k
	*b = boosted{k: K, lr: p.LearningRate, nFeatures: nf, loss: f.loss, init: make([]float64, K)}
	if p.Init != "zero" {
		b.init = initRaw(f, userW)
	}
	data, err := tree.NewRegressionData(X, make([]float64, n))
	if err != nil {
		return err
	}
	raw := make([]float64, n*K)
	for i := range n {
		copy(raw[i*K:(i+1)*K], b.init)
	}
	var rawVal []float64
	if Xv != nil {
		rawVal = make([]float64, len(yv)*K)
		for i := range yv {
			copy(rawVal[i*K:(i+1)*K], b.init)
		}
	}
	if Xv != nil && wv == nil {
		wv = make([]float64, len(yv))
		for i := range wv {
			wv[i] = 1
		}
	}
	rng := tree.NewRandomState(uint32(p.RandomState))
	subsample := p.Subsample < 1
	nInBag := max(1, int(p.Subsample*float64(n)))
	mask := make([]bool, n)
	for i := range mask {
		mask[i] = true
	}
	var stageW []float64
	if subsample || userW {
		stageW = make([]float64, n)
	}
	rawCopy := make([]float64, n*K)
	residual := make([]float64, n)
	yk := make([]float64, n)
	lse := make([]float64, n)
	leaves := make([]int, n)
	raw32 := X.RawMatrix()
	var history []float64
	if p.NIterNoChange > 0 {
		history = make([]float64, p.NIterNoChange)
		for i := range history {
			history[i] = math.Inf(1)
		}
	}
	loss := &gbLoss{name: f.loss, k: K, alpha: f.alpha}
	rep := ml.ProgressFrom(ctx)
	opts := tree.GrowOptions{Criterion: p.Criterion, Params: p.treeParams()}
	ws := &tree.Workspace{}
	tmp := make([]float64, K)
	for stage := range p.NEstimators {
		if err := ctx.Err(); err != nil {
			return err
		}
		var oldOOB float64
		if subsample {
			randomSampleMask(mask, nInBag, rng)
			oldOOB = loss.value(f.y, raw, ones, mask, false, tmp)
		}
		copy(rawCopy, raw)
		if K > 1 {
			for i := range n {
				lse[i] = logSumExp(rawCopy[i*K:(i+1)*K], tmp)
			}
		}
		trees := make([]*tree.Tree, K)
		for k := range K {
			y := f.y
			if K > 1 {
				for i, c := range f.yc {
					yk[i] = 0
					if c == k {
						yk[i] = 1
					}
				}
				y = yk
			}
			loss.negativeGradient(residual, y, rawCopy, lse, k, ones)
			var tw []float64
			if stageW != nil {
				for i := range stageW {
					stageW[i] = ones[i]
					if !mask[i] {
						stageW[i] = 0
					}
				}
				tw = stageW
			}
			seed := rng.SplitterSeed()
			o := opts
			o.Seed = &seed
			t, err := data.WithTargets(residual).GrowIn(ctx, o, tw, ws)
			if err != nil {
				return err
			}
			for i := range n {
				leaves[i] = t.Leaf(raw32.Data[i*raw32.Stride : i*raw32.Stride+nf])
			}
			w := ones
			if tw != nil {
				w = tw
			}
			loss.updateLeaves(t, leaves, mask, y, residual, raw, k, w)
			for i, l := range leaves {
				raw[i*K+k] += p.LearningRate * t.Value[l]
			}
			trees[k] = t
		}
		b.stages = append(b.stages, trees)
		var score float64
		if subsample {
			score = loss.value(f.y, raw, ones, mask, true, tmp)
			b.trainScore = append(b.trainScore, score)
			b.oobImprovement = append(b.oobImprovement, oldOOB-loss.value(f.y, raw, ones, mask, false, tmp))
		} else {
			score = loss.value(f.y, raw, ones, nil, true, tmp)
			b.trainScore = append(b.trainScore, score)
		}
		ev := ml.Event{Kind: "iter", Step: stage + 1, Total: p.NEstimators, Loss: &score}
		if history != nil {
			vraw := Xv.RawMatrix()
			for i := range yv {
				row := vraw.Data[i*vraw.Stride : i*vraw.Stride+nf]
				for k, t := range trees {
					rawVal[i*K+k] += p.LearningRate * t.Value[t.Leaf(row)]
				}
			}
			vl := loss.value(yv, rawVal, wv, nil, true, tmp)
			ev.Metrics = map[string]float64{"val_loss": vl}
			rep.Report(ev)
			improved := false
			for _, h := range history {
				if vl+p.Tol < h {
					improved = true
					break
				}
			}
			if !improved {
				rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: early stopping after %d stages: the validation loss did not improve by tol %g for %d stages", f.name, stage+1, p.Tol, p.NIterNoChange)})
				break
			}
			history[stage%len(history)] = vl
			continue
		}
		rep.Report(ev)
	}
	return nil
}

// randomSampleMask is sklearn.ensemble._gradient_boosting._random_sample_mask:
// n uniform draws, row i in the bag when u·(n-i) < still needed.
func randomSampleMask(mask []bool, nInBag int, rng *tree.RandomState) {
	n := len(mask)
	u := make([]float64, n)
	for i := range u {
		u[i] = rng.RandomSample()
	}
	bagged := 0
	for i := range mask {
		mask[i] = u[i]*float64(n-i) < float64(nInBag-bagged)
		if mask[i] {
			bagged++
		}
	}
}

// initRaw returns the initial raw predictions: those of scikit-learn's
// init estimator for the loss (DummyClassifier(strategy="prior"),
// DummyRegressor with the mean, median or alpha quantile), fitted with the
// sample weights when the caller gave them.
func initRaw(f *gbFit, weighted bool) []float64 {
	y, w := f.y, f.w
	switch f.loss {
	case "squared_error":
		if weighted {
			wy := make([]float64, len(y))
			for i := range y {
				wy[i] = y[i] * w[i]
			}
			return []float64{f64.PairwiseSum(wy) / f64.PairwiseSum(w)}
		}
		return []float64{npMean(y)}
	case "absolute_error":
		if weighted {
			return []float64{weightedPercentile(y, w, 50, nil)}
		}
		return []float64{npMedian(y)}
	case "huber", "quantile":
		q := 50.0
		if f.loss == "quantile" {
			q = f.alpha * 100
		}
		if weighted {
			return []float64{weightedPercentile(y, w, q, nil)}
		}
		return []float64{npPercentile(y, q)}
	}
	// Class priors, clipped to [eps, 1-eps] of float32.
	nc := max(f.k, 2)
	counts := make([]float64, nc)
	for i, c := range f.yc {
		if weighted {
			counts[c] += w[i]
		} else {
			counts[c]++
		}
	}
	total := f64.PairwiseSum(counts)
	const eps = 1.1920928955078125e-07
	prior := make([]float64, nc)
	for c := range prior {
		prior[c] = min(max(counts[c]/total, eps), 1-eps)
	}
	switch {
	case f.loss == "exponential":
		return []float64{0.5 * math.Log(prior[1]/(1-prior[1]))}
	case f.k == 1:
		return []float64{math.Log(prior[1] / (1 - prior[1]))}
	}
	out := make([]float64, nc)
	for c := range out {
		out[c] = math.Log(prior[c])
	}
	return out
}
