package ensemble

import (
	"bytes"
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
		Name: "HistGradientBoostingClassifier", Task: ml.Classification, Family: "ensemble",
		Doc: "Histogram-based gradient boosting on the log loss: features binned into at most 255 bins, trees grown best first, native missing values.",
		New: func() ml.Estimator { return NewHistGradientBoostingClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "HistGradientBoostingRegressor", Task: ml.Regression, Family: "ensemble",
		Doc: "Histogram-based gradient boosting on the squared, absolute or Poisson loss: features binned into at most 255 bins, trees grown best first, native missing values.",
		New: func() ml.Estimator { return NewHistGradientBoostingRegressor() },
	})
}

// EarlyStopping is early_stopping: "auto" (on when there are more than
// 10,000 samples), true or false.
type EarlyStopping string

// ParamType names the type in the catalogue.
func (e EarlyStopping) ParamType() (string, string) {
	return "early_stopping", `"auto", true or false`
}

// MarshalJSON writes "auto", true or false.
func (e EarlyStopping) MarshalJSON() ([]byte, error) {
	switch e {
	case "true":
		return []byte("true"), nil
	case "false":
		return []byte("false"), nil
	}
	return []byte(`"auto"`), nil
}

// UnmarshalJSON reads "auto", true or false.
func (e *EarlyStopping) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case `"auto"`:
		*e = "auto"
	case "true":
		*e = "true"
	case "false":
		*e = "false"
	default:
		return fmt.Errorf(`early_stopping %s must be "auto", true or false`, b)
	}
	return nil
}

func (e EarlyStopping) String() string { return string(e) }

// HistParams are the hyperparameters HistGradientBoostingClassifier and
// HistGradientBoostingRegressor share, in scikit-learn 1.2's order after
// loss.
type HistParams struct {
	LearningRate        float64       `json:"learning_rate" gt:"0" help:"shrinkage of each tree's leaf values"`
	MaxIter             int           `json:"max_iter" min:"1" help:"number of boosting iterations (one tree per class and iteration, one for two classes or regression)"`
	MaxLeafNodes        int           `json:"max_leaf_nodes" min:"2" nullable:"true" help:"most leaves of each tree; null means no limit"`
	MaxDepth            int           `json:"max_depth" min:"1" nullable:"true" help:"most edges from the root to a leaf; null means no limit"`
	MinSamplesLeaf      int           `json:"min_samples_leaf" min:"1" help:"minimum samples in each leaf"`
	L2Regularization    float64       `json:"l2_regularization" min:"0" help:"L2 penalty on the leaf values (added to the hessian sums)"`
	MaxBins             int           `json:"max_bins" min:"2" max:"255" help:"most bins of the non-missing values of each feature; missing values get a bin of their own"`
	CategoricalFeatures []int         `json:"categorical_features" nullable:"true" help:"indices of the categorical features, encoded as integers in [0, max_bins) (NaN for missing); null for none"`
	MonotonicCst        []int         `json:"monotonic_cst" nullable:"true" help:"monotonic constraint per feature: not supported yet, null only"`
	EarlyStopping       EarlyStopping `json:"early_stopping" help:"stop when the validation loss stops improving: \"auto\" turns it on above 10,000 samples"`
	Scoring             string        `json:"scoring" enum:"loss" help:"the score early stopping watches: the loss"`
	ValidationFraction  float64       `json:"validation_fraction" gt:"0" lt:"1" nullable:"true" help:"fraction of the rows held out for early stopping; null watches the training loss"`
	NIterNoChange       int           `json:"n_iter_no_change" min:"1" help:"stop when none of the last n_iter_no_change scores beat the one before them by more than tol"`
	Tol                 float64       `json:"tol" min:"0" help:"improvement of the score that counts, for early stopping"`
	RandomState         int           `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the validation split and of the binning subsample (above 200,000 rows); null means 0"`
}

func histDefaults() HistParams {
	return HistParams{LearningRate: 0.1, MaxIter: 100, MaxLeafNodes: 31, MinSamplesLeaf: 20, MaxBins: 255,
		EarlyStopping: "auto", Scoring: "loss", ValidationFraction: 0.1, NIterNoChange: 10, Tol: 1e-7}
}

func (p *HistParams) validate() error {
	if p.MonotonicCst != nil {
		return &ml.ParamError{Param: "monotonic_cst", Msg: "monotonic constraints are not supported yet: use null"}
	}
	switch p.EarlyStopping {
	case "auto", "true", "false":
	default:
		return &ml.ParamError{Param: "early_stopping", Expected: `"auto", true or false`, Got: string(p.EarlyStopping)}
	}
	return nil
}

// HistGradientBoostingRegressor is scikit-learn 1.2's
// HistGradientBoostingRegressor: features binned as _BinMapper does,
// trees grown best first on float32 gradients and hessians with
// scikit-learn's gain, from the loss's baseline.
type HistGradientBoostingRegressor struct {
	Loss string `json:"loss" enum:"squared_error,absolute_error,poisson" help:"squared_error, absolute_error (leaves set to the median residual) or poisson (log link, y ≥ 0)"`
	HistParams

	histBoosted
}

// HistGradientBoostingClassifier is scikit-learn 1.2's
// HistGradientBoostingClassifier on the log loss: one tree per iteration
// for two classes, one per class otherwise.
type HistGradientBoostingClassifier struct {
	Loss string `json:"loss" enum:"log_loss" help:"log_loss (binomial for two classes, multinomial otherwise)"`
	HistParams

	histBoosted
	classes []float64
}

// NewHistGradientBoostingRegressor returns scikit-learn 1.2's defaults.
func NewHistGradientBoostingRegressor() *HistGradientBoostingRegressor {
	return &HistGradientBoostingRegressor{Loss: "squared_error", HistParams: histDefaults()}
}

// NewHistGradientBoostingClassifier returns scikit-learn 1.2's defaults.
func NewHistGradientBoostingClassifier() *HistGradientBoostingClassifier {
	return &HistGradientBoostingClassifier{Loss: "log_loss", HistParams: histDefaults()}
}

// Validate refuses categorical_features and monotonic_cst, not supported.
func (m *HistGradientBoostingRegressor) Validate() error { return m.validate() }

// Validate refuses categorical_features and monotonic_cst, not supported.
func (m *HistGradientBoostingClassifier) Validate() error { return m.validate() }

// histBoosted is the fitted state of both classes.
type histBoosted struct {
	trees           [][]*hgbTree // n_iter_ x K
	k               int
	baseline        []float64
	nFeatures       int
	loss            string
	trainScore      []float64
	validationScore []float64
}

// NIter returns n_iter_, the number of iterations fitted.
func (b *histBoosted) NIter() int { return len(b.trees) }

// TrainScore returns train_score_: minus the training loss before the
// first iteration and after each one, with early stopping; nil otherwise.
func (b *histBoosted) TrainScore() []float64 { return append([]float64(nil), b.trainScore...) }

// ValidationScore returns validation_score_: as TrainScore on the
// validation rows.
func (b *histBoosted) ValidationScore() []float64 {
	return append([]float64(nil), b.validationScore...)
}

// NFeaturesIn returns the number of features seen by Fit.
func (b *histBoosted) NFeaturesIn() int { return b.nFeatures }

// NodeCounts returns the number of nodes of each tree, iteration by
// iteration.
func (b *histBoosted) NodeCounts() []int {
	var out []int
	for _, it := range b.trees {
		for _, t := range it {
			out = append(out, len(t.value))
		}
	}
	return out
}

// checkHistXy checks X (NaN allowed: missing values; infinity refused)
// and y (finite).
func checkHistXy(X *mat.Dense, y []float64) error {
	if err := checkHistX(X, 0); err != nil {
		return err
	}
	r, _ := X.Dims()
	if len(y) != r {
		return ml.DataErrorf("X has %d rows but y has %d values", r, len(y))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ml.DataErrorf("y[%d] is %v: targets must be finite", i, v)
		}
	}
	return nil
}

func checkHistX(X *mat.Dense, nFeatures int) error {
	if X == nil || X.IsEmpty() {
		return ml.DataErrorf("X is empty: expected at least one row")
	}
	r, c := X.Dims()
	if nFeatures > 0 && c != nFeatures {
		return ml.DataErrorf("X has %d features, but the estimator was fitted with %d", c, nFeatures)
	}
	raw := X.RawMatrix()
	for i := range r {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			if math.IsInf(v, 0) {
				return ml.DataErrorf("X[%d, %d] is %v: input must not contain infinity (NaN is a missing value)", i, j, v)
			}
		}
	}
	return nil
}

// Fit fits the iterations on X (NaN for missing values) and the targets
// y.
func (m *HistGradientBoostingRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights): the
// gradients, hessians, baseline and scores are weighted, as in
// scikit-learn; the binning is not.
func (m *HistGradientBoostingRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkHistXy(X, y); err != nil {
		return err
	}
	if m.Loss == "poisson" {
		sum := 0.0
		for i, v := range y {
			if v < 0 {
				return ml.DataErrorf("y[%d] is %v: loss poisson needs targets ≥ 0", i, v)
			}
			sum += v
		}
		if !(sum > 0) {
			return ml.DataErrorf("y sums to %v: loss poisson needs a positive sum", sum)
		}
	}
	var b histBoosted
	if err := checkWeights(w, len(y)); err != nil {
		return err
	}
	if err := b.fit(ctx, &hgbFit{name: "HistGradientBoostingRegressor", p: &m.HistParams, loss: m.Loss, k: 1, y: y, w: w}, X); err != nil {
		return err
	}
	m.histBoosted = b
	return nil
}

// Fit fits the iterations on X (NaN for missing values) and the class
// values y.
func (m *HistGradientBoostingClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights).
func (m *HistGradientBoostingClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkHistXy(X, y); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	if err := checkWeights(w, len(y)); err != nil {
		return err
	}
	k := len(classes)
	loss := "multinomial"
	if k == 2 {
		k, loss = 1, "binomial"
	}
	yf := make([]float64, len(idx))
	for i, c := range idx {
		yf[i] = float64(c)
	}
	var b histBoosted
	if err := b.fit(ctx, &hgbFit{name: "HistGradientBoostingClassifier", p: &m.HistParams, loss: loss, k: k, y: yf, yc: idx, w: w}, X); err != nil {
		return err
	}
	m.histBoosted, m.classes = b, classes
	return nil
}

// hgbFit is one fit's inputs.
type hgbFit struct {
	name string
	p    *HistParams
	// loss: squared_error, absolute_error, poisson, binomial, multinomial.
	loss string
	k    int
	y    []float64
	yc   []int
	w    []float64
}

// fit is BaseHistGradientBoosting.fit without sample weights.
func (b *histBoosted) fit(ctx context.Context, f *hgbFit, X *mat.Dense) error {
	p := f.p
	n, nf := X.Dims()
	seed := uint32(tree.NewRandomState(uint32(p.RandomState)).Randint(math.MaxUint32))
	early := p.EarlyStopping == "true" || p.EarlyStopping == "auto" && n > 10000
	useVal := early && p.ValidationFraction > 0
	categories, err := checkCategories(X, p.CategoricalFeatures, p.MaxBins)
	if err != nil {
		return err
	}
	y, yc, w := f.y, f.yc, f.w
	var Xv *mat.Dense
	var yv, wv []float64
	if useVal {
		var tr, va []int
		var err error
		if yc != nil {
			tr, va, err = stratifiedSplit(yc, p.ValidationFraction, seed)
		} else {
			tr, va, err = shuffleSplit(n, p.ValidationFraction, seed)
		}
		if err != nil {
			return err
		}
		Xv, yv, wv = takeRows(X, va), take(y, va), take(w, va)
		X, y, w = takeRows(X, tr), take(y, tr), take(w, tr)
		n = len(y)
	}
	K := f.k
	bm := fitBinMapper(X, p.MaxBins, seed, categories)
	binned := bm.transform(X)
	var binnedV []uint8
	nv := 0
	if Xv != nil {
		binnedV = bm.transform(Xv)
		nv = len(yv)
	}
	hasMissing := make([]bool, nf)
	for j := range nf {
		for _, v := range binned[j*n : (j+1)*n] {
			if int(v) == bm.missingBin {
				hasMissing[j] = true
				break
			}
		}
	}
	*b = histBoosted{k: K, nFeatures: nf, loss: f.loss, baseline: hgbBaseline(f.loss, y, w, K)}
	raw := make([]float64, n*K)
	for i := range n {
		copy(raw[i*K:(i+1)*K], b.baseline)
	}
	rawV := make([]float64, nv*K)
	for i := range nv {
		copy(rawV[i*K:(i+1)*K], b.baseline)
	}
	constH := (f.loss == "squared_error" || f.loss == "absolute_error") && w == nil
	g := make([]float32, n*K)
	var h []float32
	if constH {
		h = make([]float32, K*1)
		for i := range h {
			h[i] = 1
		}
	} else {
		h = make([]float32, n*K)
	}
	var isCat []bool
	if categories != nil {
		isCat = make([]bool, nf)
		for j, c := range categories {
			isCat[j] = c != nil
		}
	}
	// The classes' trees grow concurrently on nw growers (bounded by
	// GOMAXPROCS), the histogram workers sharing the rest of the
	// processors; a grower keeps its buffers and histograms between trees.
	nw := min(runtimeProcs(), K)
	growers := make(chan *hgbGrower, nw)
	for range nw {
		growers <- &hgbGrower{binned: binned, n: n, nf: nf, nBins: p.MaxBins + 1, nBinsNonMissing: bm.nBinsNonMissing,
			hasMissing: hasMissing, isCat: isCat, missingBin: bm.missingBin, constH: constH, maxLeafNodes: p.MaxLeafNodes,
			maxDepth: p.MaxDepth, minSamplesLeaf: p.MinSamplesLeaf, l2: p.L2Regularization, shrinkage: p.LearningRate,
			procs: max(1, runtimeProcs()/nw), part: make([]int32, n), buf: make([]int32, 0, n)}
	}
	rep := ml.ProgressFrom(ctx)
	scoreLoss := func(yy, rr, ww []float64) float64 { return -hgbLossValue(f.loss, yy, rr, ww, K) }
	stop := func() bool {
		if !early {
			return false
		}
		b.trainScore = append(b.trainScore, scoreLoss(y, raw, w))
		scores := b.trainScore
		if useVal {
			b.validationScore = append(b.validationScore, scoreLoss(yv, rawV, wv))
			scores = b.validationScore
		}
		ref := p.NIterNoChange + 1
		if len(scores) < ref {
			return false
		}
		refScore := scores[len(scores)-ref] + p.Tol
		for _, s := range scores[len(scores)-ref+1:] {
			if s > refScore {
				return false
			}
		}
		return true
	}
	stop()
	for it := range p.MaxIter {
		if err := ctx.Err(); err != nil {
			return err
		}
		hgbGradients(f.loss, y, w, raw, K, g, h, constH)
		trees := make([]*hgbTree, K)
		growK := func(k int) {
			gr := <-growers
			defer func() { growers <- gr }()
			gr.g = g[k*n : (k+1)*n]
			if constH {
				gr.h = h[k : k+1]
			} else {
				gr.h = h[k*n : (k+1)*n]
			}
			root := gr.grow()
			if f.loss == "absolute_error" {
				// _update_leaves_values: the median residual of each leaf.
				if gr.resid == nil {
					gr.resid = make([]float64, n)
				}
				var lw []float64
				if w != nil && gr.residW == nil {
					gr.residW = make([]float64, n)
				}
				for _, l := range gr.leaves {
					idx := gr.part[l.start:l.stop]
					r := gr.resid[:len(idx)]
					for t, i := range idx {
						r[t] = y[i] - raw[int(i)*K+k]
					}
					if w == nil {
						l.value = p.LearningRate * npMedian(r)
						continue
					}
					lw = gr.residW[:len(idx)]
					for t, i := range idx {
						lw[t] = w[i]
					}
					l.value = p.LearningRate * weightedPercentile(r, lw, 50, &gr.pbuf)
				}
			}
			for _, l := range gr.leaves {
				for _, i := range gr.part[l.start:l.stop] {
					raw[int(i)*K+k] += l.value
				}
			}
			t := makeTree(root, bm)
			trees[k] = t
			for i := range nv {
				rawV[i*K+k] += t.predictBinned(binnedV, nv, i, bm.missingBin)
			}
		}
		if nw > 1 {
			parallelBlocks(K, nw, growK)
		} else {
			for k := range K {
				growK(k)
			}
		}
		b.trees = append(b.trees, trees)
		ev := ml.Event{Kind: "iter", Step: it + 1, Total: p.MaxIter}
		should := stop()
		if early {
			l := -b.trainScore[len(b.trainScore)-1]
			ev.Loss = &l
			if useVal {
				ev.Metrics = map[string]float64{"val_loss": -b.validationScore[len(b.validationScore)-1]}
			}
		}
		rep.Report(ev)
		if should {
			rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: early stopping after %d iterations: the score did not improve by tol %g for %d iterations", f.name, it+1, p.Tol, p.NIterNoChange)})
			break
		}
	}
	return nil
}

// hgbBaseline is the loss's fit_intercept_only: the mean (squared
// error), the median (absolute error), the log of the mean (Poisson), the
// log-odds of the mean (binomial), the centred log of the class
// frequencies (multinomial), each clipped away from the link's bounds.
func hgbBaseline(loss string, y, w []float64, K int) []float64 {
	switch loss {
	case "squared_error":
		return []float64{npAverage(y, w)}
	case "absolute_error":
		if w != nil {
			return []float64{weightedPercentile(y, w, 50, nil)}
		}
		return []float64{npMedian(y)}
	case "poisson":
		m := max(npAverage(y, w), 10*eps64)
		return []float64{math.Log(m)}
	case "binomial":
		m := min(max(npAverage(y, w), 10*eps64), 1-10*eps64)
		return []float64{math.Log(m / (1 - m))}
	}
	out := make([]float64, K)
	ind := make([]float64, len(y))
	for k := range K {
		for i, v := range y {
			ind[i] = 0
			if int(v) == k {
				ind[i] = 1
			}
		}
		out[k] = math.Log(min(max(npAverage(ind, w), eps64), 1-eps64))
	}
	mean := npMean(out)
	for k := range out {
		out[k] -= mean
	}
	return out
}

const eps64 = 2.220446049250313e-16

// npAverage is np.average(a, weights=w): the mean when w is nil.
func npAverage(a, w []float64) float64 {
	if w == nil {
		return npMean(a)
	}
	aw := make([]float64, len(a))
	for i := range a {
		aw[i] = a[i] * w[i]
	}
	return f64.PairwiseSum(aw) / f64.PairwiseSum(w)
}

// hgbGradients writes the float32 gradients (and hessians unless they are
// constant) of the loss at raw, class k's at g[k*n:(k+1)*n].
func hgbGradients(loss string, y, w, raw []float64, K int, g, h []float32, constH bool) {
	n := len(y)
	forBlocks(n, 4*K, func(lo, hi int) {
		p := make([]float64, K)
		for i := lo; i < hi; i++ {
			r := raw[i*K]
			var gi, hv float64
			switch loss {
			case "squared_error":
				gi, hv = r-y[i], 1
			case "absolute_error":
				gi, hv = -1, 1
				if r > y[i] {
					gi = 1
				}
			case "poisson":
				e := math.Exp(r)
				gi, hv = e-y[i], e
			case "binomial":
				if r > -37 {
					e := math.Exp(-r)
					gi = ((1 - y[i]) - y[i]*e) / (1 + e)
					hv = e / ((1 + e) * (1 + e))
				} else {
					e := math.Exp(r)
					gi, hv = e-y[i], e
				}
			case "multinomial":
				row := raw[i*K : (i+1)*K]
				mx := row[0]
				for _, v := range row[1:] {
					if mx < v {
						mx = v
					}
				}
				sum := 0.0
				for k, v := range row {
					p[k] = math.Exp(v - mx)
					sum += p[k]
				}
				for k := range K {
					pk := p[k] / sum
					yk := 0.0
					if int(y[i]) == k {
						yk = 1
					}
					gk, hk := pk-yk, pk*(1-pk)
					if w != nil {
						gk, hk = gk*w[i], hk*w[i]
					}
					g[k*n+i] = float32(gk)
					h[k*n+i] = float32(hk)
				}
				continue
			}
			if w != nil {
				gi, hv = gi*w[i], hv*w[i]
			}
			g[i] = float32(gi)
			if !constH {
				h[i] = float32(hv)
			}
		}
	})
}

// hgbLossValue is the mean loss (BaseLoss.__call__): half the squared
// error, the absolute error, the half Poisson deviance without its
// constant, the binomial or multinomial log loss.
func hgbLossValue(loss string, y, raw, w []float64, K int) float64 {
	l := make([]float64, len(y))
	tmp := make([]float64, K)
	for i, v := range y {
		r := raw[i*K]
		switch loss {
		case "squared_error":
			l[i] = 0.5 * (r - v) * (r - v)
		case "absolute_error":
			l[i] = math.Abs(r - v)
		case "poisson":
			l[i] = math.Exp(r) - v*r
		case "binomial":
			l[i] = logAddExp0(r) - v*r
		case "multinomial":
			row := raw[i*K : (i+1)*K]
			l[i] = logSumExp(row, tmp) - row[int(v)]
		}
	}
	return npAverage(l, w)
}

// rawPredict returns the raw predictions (n x K) of X.
func (b *histBoosted) rawPredict(X *mat.Dense) []float64 {
	n, p := X.Dims()
	K := b.k
	out := make([]float64, n*K)
	raw := X.RawMatrix()
	forBlocks(n, len(b.trees)*K, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			copy(out[i*K:(i+1)*K], b.baseline)
		}
		for _, it := range b.trees {
			for k, t := range it {
				for i := lo; i < hi; i++ {
					out[i*K+k] += t.predictRow(raw.Data[i*raw.Stride : i*raw.Stride+p])
				}
			}
		}
	})
	return out
}

func (b *histBoosted) checkPredict(name string, X *mat.Dense) error {
	if b.trees == nil {
		return ml.NotFittedError(name)
	}
	return checkHistX(X, b.nFeatures)
}

// Predict returns the predictions: the raw ones, or their exponential
// for the Poisson loss.
func (m *HistGradientBoostingRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.checkPredict("HistGradientBoostingRegressor", X); err != nil {
		return nil, err
	}
	out := m.rawPredict(X)
	if m.loss == "poisson" {
		for i, v := range out {
			out[i] = math.Exp(v)
		}
	}
	return out, nil
}

// DecisionFunction returns the raw predictions: one column for two
// classes (the log-odds of the second), one per class otherwise.
func (m *HistGradientBoostingClassifier) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if err := m.checkPredict("HistGradientBoostingClassifier", X); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	return mat.NewDense(n, m.k, m.rawPredict(X)), nil
}

func (m *HistGradientBoostingClassifier) proba(raw []float64) []float64 {
	nc := len(m.classes)
	n := len(raw) / m.k
	out := make([]float64, n*nc)
	if m.k == 1 {
		for i, r := range raw {
			p1 := expit(r)
			out[i*2], out[i*2+1] = 1-p1, p1
		}
		return out
	}
	for i := range n {
		row := raw[i*nc : (i+1)*nc]
		mx := row[0]
		for _, v := range row[1:] {
			mx = max(mx, v)
		}
		o := out[i*nc : (i+1)*nc]
		sum := 0.0
		for c, v := range row {
			o[c] = math.Exp(v - mx)
			sum += o[c]
		}
		for c := range o {
			o[c] /= sum
		}
	}
	return out
}

// PredictProba returns the class probabilities: the logistic function of
// the raw prediction for two classes, the softmax otherwise.
func (m *HistGradientBoostingClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if err := m.checkPredict("HistGradientBoostingClassifier", X); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	return mat.NewDense(n, len(m.classes), m.proba(m.rawPredict(X))), nil
}

// PredictLogProba returns the logarithm of PredictProba.
func (m *HistGradientBoostingClassifier) PredictLogProba(X *mat.Dense) (*mat.Dense, error) {
	p, err := m.PredictProba(X)
	if err != nil {
		return nil, err
	}
	raw := p.RawMatrix().Data
	for i, v := range raw {
		raw[i] = math.Log(v)
	}
	return p, nil
}

// Predict returns the most probable class (the first on ties).
func (m *HistGradientBoostingClassifier) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.checkPredict("HistGradientBoostingClassifier", X); err != nil {
		return nil, err
	}
	p := m.proba(m.rawPredict(X))
	nc := len(m.classes)
	out := make([]float64, len(p)/nc)
	for i := range out {
		out[i] = m.classes[argmax(p[i*nc:(i+1)*nc])]
	}
	return out, nil
}

// Classes returns the sorted class values seen by Fit.
func (m *HistGradientBoostingClassifier) Classes() []float64 {
	return append([]float64(nil), m.classes...)
}
