package ensemble

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

// ForestParams are the hyperparameters the four forests share, as
// scikit-learn 1.2's BaseForest and its trees take them; NEstimators and
// Criterion, declared by each class, come first.
type ForestParams struct {
	MaxDepth              int              `json:"max_depth" min:"1" nullable:"true" help:"maximum depth of each tree; null grows until leaves are pure or too small"`
	MinSamplesSplit       tree.Count       `json:"min_samples_split" expect:"an integer ≥ 2 or a fraction of the samples in (0, 1] written with a decimal point" help:"minimum samples a node needs to be split"`
	MinSamplesLeaf        tree.Count       `json:"min_samples_leaf" expect:"an integer ≥ 1 or a fraction of the samples in (0, 1) written with a decimal point" help:"minimum samples in each leaf"`
	MinWeightFractionLeaf float64          `json:"min_weight_fraction_leaf" min:"0" max:"0.5" help:"minimum fraction of the total sample weight in each leaf"`
	MaxFeatures           tree.MaxFeatures `json:"max_features" nullable:"true" expect:"null, an integer ≥ 1, a number in (0, 1], \"sqrt\", \"log2\" or \"auto\"" help:"features drawn and examined per split; null means all"`
	MaxLeafNodes          int              `json:"max_leaf_nodes" min:"2" nullable:"true" help:"grow each tree best first up to this many leaves; null means unlimited"`
	MinImpurityDecrease   float64          `json:"min_impurity_decrease" min:"0" help:"split a node only if the weighted impurity decrease is at least this"`
	Bootstrap             bool             `json:"bootstrap" help:"grow each tree on a bootstrap sample (drawn with replacement); false uses every row"`
	OOBScore              bool             `json:"oob_score" help:"score the forest on the rows each tree left out of its bootstrap sample (needs bootstrap)"`
	NJobs                 int              `json:"n_jobs" nullable:"true" help:"trees grown at once: null or -1 for all processors, -2 for all but one; the forest does not depend on it"`
	RandomState           int              `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the bootstrap samples and feature draws; null means 0 (mlforge is always seeded)"`
	MaxSamples            MaxSamples       `json:"max_samples" nullable:"true" help:"rows drawn per bootstrap sample: null for all, an integer count, or a fraction in (0, 1] written with a decimal point"`
}

// forestDefaults returns scikit-learn's defaults but for max_features and
// bootstrap, which the classes set.
func forestDefaults(maxFeatures tree.MaxFeatures, bootstrap bool) ForestParams {
	return ForestParams{MinSamplesSplit: tree.Count{N: 2}, MinSamplesLeaf: tree.Count{N: 1}, MaxFeatures: maxFeatures, Bootstrap: bootstrap}
}

// treeParams returns the parameters of the trees.
func (p *ForestParams) treeParams(splitter string) tree.Params {
	return tree.Params{
		Splitter: splitter, MaxDepth: p.MaxDepth, MinSamplesSplit: p.MinSamplesSplit, MinSamplesLeaf: p.MinSamplesLeaf,
		MinWeightFractionLeaf: p.MinWeightFractionLeaf, MaxFeatures: p.MaxFeatures, MaxLeafNodes: p.MaxLeafNodes,
		MinImpurityDecrease: p.MinImpurityDecrease,
	}
}

// validate checks the rules that the tags cannot express.
func (p *ForestParams) validate(criterion string, classifier bool) error {
	if err := p.MaxSamples.validate(); err != nil {
		return err
	}
	if !p.Bootstrap && p.OOBScore {
		return &ml.ParamError{Param: "oob_score", Msg: "out-of-bag estimation needs bootstrap=true"}
	}
	if !p.Bootstrap && (p.MaxSamples != MaxSamples{}) {
		return &ml.ParamError{Param: "max_samples", Msg: "cannot be set when bootstrap is false: set bootstrap to true or max_samples to null"}
	}
	// The tree's own rules (min_samples_*, max_features), checked as a tree
	// would check them.
	var e ml.Validator
	if classifier {
		t := tree.NewDecisionTreeClassifier()
		t.Criterion, t.Params = criterion, p.treeParams("best")
		e = t
	} else {
		t := tree.NewDecisionTreeRegressor()
		t.Criterion, t.Params = criterion, p.treeParams("best")
		e = t
	}
	return e.Validate()
}

// workers maps n_jobs to a number of goroutines, as joblib does: 0 (null)
// and -1 mean GOMAXPROCS, -2 one fewer, and so on.
func workers(nJobs, tasks int) int {
	procs := runtime.GOMAXPROCS(0)
	w := nJobs
	switch {
	case nJobs == 0:
		w = procs
	case nJobs < 0:
		w = max(1, procs+1+nJobs)
	}
	return max(1, min(w, tasks))
}

// forestConfig is what one forest class fits with.
type forestConfig struct {
	name        string
	criterion   string
	splitter    string
	nEstimators int
	ForestParams
	classWeight ClassWeight
}

// forest is the fitted state the four forests share.
type forest struct {
	trees     []*tree.Tree
	nFeatures int
	nValues   int // classes, or 1
	// oob is n x nValues: the out-of-bag decision function or predictions;
	// nil without oob_score.
	oob      []float64
	oobScore float64
}

// progress reports one event per fitted member (a tree, an estimator),
// from any goroutine, and none once ctx is done.
type progress struct {
	sync.Mutex
	ctx   context.Context
	r     ml.Reporter
	done  int
	total int
	what  string // the event's message: "trees", "estimators"
}

// step reports one more member fitted.
func (p *progress) step() {
	p.Lock()
	defer p.Unlock()
	if p.ctx.Err() != nil {
		return
	}
	p.done++
	p.r.Report(ml.Event{Kind: "iter", Step: p.done, Total: p.total, Message: p.what})
}

// sampleCounts fills counts with the number of times each of n rows is in
// the bootstrap sample of nBoot rows that scikit-learn draws for a tree
// seeded with seed (_generate_sample_indices and np.bincount).
func sampleCounts(counts []int32, seed uint32, nBoot int) {
	clear(counts)
	r := tree.NewRandomState(seed)
	n := len(counts)
	for range nBoot {
		counts[r.Randint(n)]++
	}
}

// grow fits the trees of c on X and y: class indices yc (nil for
// regression) with classes' count nClasses, sample weights w (nil for
// unit weights). It is BaseForest.fit: one seed per tree drawn from
// random_state, then each tree grown, concurrently, on its bootstrap
// sample as weights.
func (f *forest) grow(ctx context.Context, c *forestConfig, X *mat.Dense, y []float64, yc []int, nClasses int, w []float64) error {
	n, p := X.Dims()
	nBoot := n
	if c.Bootstrap {
		var err error
		if nBoot, err = c.MaxSamples.resolve(n); err != nil {
			return err
		}
	}
	var data *tree.Data
	var err error
	if yc != nil {
		data, err = tree.NewClassData(X, yc, nClasses)
	} else {
		data, err = tree.NewRegressionData(X, y)
	}
	if err != nil {
		return err
	}
	rs := tree.NewRandomState(uint32(c.RandomState))
	seeds := make([]uint32, c.nEstimators)
	for i := range seeds {
		seeds[i] = uint32(rs.Randint(math.MaxInt32))
	}
	// Class weights: balanced_subsample with bootstrap is per tree;
	// otherwise they multiply the sample weights once.
	var classW []float64
	subsample := c.classWeight.Name == "balanced_subsample" && c.Bootstrap
	if yc != nil && !c.classWeight.IsZero() && !subsample {
		counts := make([]float64, nClasses)
		for _, k := range yc {
			counts[k]++
		}
		cw := c.classWeight
		if cw.Name == "balanced_subsample" {
			cw.Name = "balanced"
		}
		if classW, err = cw.PerClass(classesRange(nClasses), counts); err != nil {
			return err
		}
		base := make([]float64, n)
		for i, k := range yc {
			if w != nil {
				base[i] = w[i] * classW[k]
			} else {
				base[i] = classW[k]
			}
		}
		w = base
	}

	trees := make([]*tree.Tree, c.nEstimators)
	nw := workers(c.NJobs, c.nEstimators)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prog := &progress{ctx: ctx, r: ml.ProgressFrom(ctx), total: c.nEstimators, what: "trees"}
	next := make(chan int)
	errs := make([]error, nw)
	var wg sync.WaitGroup
	for wi := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := &tree.Workspace{}
			var weights []float64
			var counts []int32
			var subCounts []float64
			if c.Bootstrap {
				weights, counts = make([]float64, n), make([]int32, n)
				if subsample {
					subCounts = make([]float64, nClasses)
				}
			}
			for i := range next {
				if errs[wi] != nil {
					continue
				}
				opts := tree.GrowOptions{Criterion: c.criterion, Params: c.treeParams(c.splitter)}
				opts.RandomState = int(seeds[i])
				tw := w
				if c.Bootstrap {
					sampleCounts(counts, seeds[i], nBoot)
					for j, k := range counts {
						if w != nil {
							weights[j] = w[j] * float64(k)
						} else {
							weights[j] = float64(k)
						}
					}
					if subsample {
						balanceSubsample(weights, counts, yc, subCounts)
					}
					tw = weights
				}
				t, err := data.GrowIn(gctx, opts, tw, ws)
				if err != nil {
					errs[wi] = err
					cancel()
					continue
				}
				trees[i] = t
				prog.step()
			}
		}()
	}
	for i := range trees {
		if gctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	*f = forest{trees: trees, nFeatures: p, nValues: max(nClasses, 1)}
	if c.OOBScore {
		f.computeOOB(ctx, c, X, y, yc, seeds, nBoot)
	}
	return nil
}

// classesRange returns 0, 1, ..., k-1 as class values: the forest's class
// weights are looked up by class index once the values are mapped.
func classesRange(k int) []float64 {
	out := make([]float64, k)
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

// balanceSubsample multiplies weights by compute_sample_weight("balanced",
// y, indices): n_boot / (n_present · count of the class) over the
// bootstrap sample, 0 for classes it misses (whose rows have weight 0
// already).
func balanceSubsample(weights []float64, counts []int32, yc []int, classCounts []float64) {
	clear(classCounts)
	nBoot := 0.0
	for j, k := range counts {
		classCounts[yc[j]] += float64(k)
		nBoot += float64(k)
	}
	present := 0
	for _, c := range classCounts {
		if c > 0 {
			present++
		}
	}
	for j := range weights {
		c := classCounts[yc[j]]
		if c == 0 {
			weights[j] = 0
			continue
		}
		weights[j] *= nBoot / (float64(present) * c)
	}
}

// computeOOB is _compute_oob_predictions followed by the score: each
// row's decision function (class probabilities) or prediction averaged
// over the trees whose bootstrap sample left it out.
func (f *forest) computeOOB(ctx context.Context, c *forestConfig, X *mat.Dense, y []float64, yc []int, seeds []uint32, nBoot int) {
	n, p := X.Dims()
	k := f.nValues
	oob := make([]float64, n*k)
	nPred := make([]int, n)
	counts := make([]int32, n)
	raw := X.RawMatrix()
	for ti, t := range f.trees {
		sampleCounts(counts, seeds[ti], nBoot)
		for i, cnt := range counts {
			if cnt != 0 {
				continue
			}
			leaf := t.Leaf(raw.Data[i*raw.Stride : i*raw.Stride+p])
			v := t.NodeValue(leaf)
			for j := range k {
				oob[i*k+j] += v[j]
			}
			nPred[i]++
		}
	}
	missing := 0
	for i, m := range nPred {
		if m == 0 {
			missing++
			m = 1
		}
		for j := range k {
			oob[i*k+j] /= float64(m)
		}
	}
	if missing > 0 {
		ml.ProgressFrom(ctx).Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: %d of %d rows were in every bootstrap sample and have no out-of-bag estimate: too few trees for a reliable oob_score", c.name, missing, n)})
	}
	f.oob = oob
	if yc != nil {
		right := 0
		for i, want := range yc {
			if argmax(oob[i*k:(i+1)*k]) == want {
				right++
			}
		}
		f.oobScore = float64(right) / float64(n)
	} else {
		f.oobScore = r2(y, oob)
	}
}

func argmax(v []float64) int {
	best := 0
	for j := 1; j < len(v); j++ {
		if v[j] > v[best] {
			best = j
		}
	}
	return best
}

// r2 is the coefficient of determination of pred for y (sklearn's
// r2_score: 1 when y is constant and predicted exactly, 0 when y is
// constant and not).
func r2(y, pred []float64) float64 {
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	var ssr, sst float64
	for i, v := range y {
		ssr += (v - pred[i]) * (v - pred[i])
		sst += (v - mean) * (v - mean)
	}
	switch {
	case sst != 0:
		return 1 - ssr/sst
	case ssr == 0:
		return 1
	}
	return 0
}

// blockRows is the number of rows each tree walks at a time in
// prediction: small enough that a block's accumulators stay in cache.
const blockRows = 256

// average returns the mean over the trees of the value of the leaf each
// row of X reaches, n x nValues, summed in the trees' order (as
// scikit-learn sums with n_jobs=1) and computed over GOMAXPROCS
// goroutines for large inputs.
func (f *forest) average(X *mat.Dense) []float64 {
	n, p := X.Dims()
	k := f.nValues
	out := make([]float64, n*k)
	raw := X.RawMatrix()
	nt := float64(len(f.trees))
	forBlocks(n, len(f.trees), func(lo, hi int) {
		for _, t := range f.trees {
			for i := lo; i < hi; i++ {
				v := t.NodeValue(t.Leaf(raw.Data[i*raw.Stride : i*raw.Stride+p]))
				acc := out[i*k : (i+1)*k]
				for j := range acc {
					acc[j] += v[j]
				}
			}
		}
		for j := lo * k; j < hi*k; j++ {
			out[j] /= nt
		}
	})
	return out
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// parallelBlocks calls f(b) for b in [0, nBlocks) on nw goroutines.
func parallelBlocks(nBlocks, nw int, f func(b int)) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				b := next
				next++
				mu.Unlock()
				if b >= nBlocks {
					return
				}
				f(b)
			}
		}()
	}
	wg.Wait()
}

// featureImportances is BaseForest.feature_importances_: the mean of the
// importances of the trees that have a split, normalised to sum to 1
// (zeros when no tree splits).
func (f *forest) featureImportances() []float64 {
	if f.trees == nil {
		return nil
	}
	imp := make([]float64, f.nFeatures)
	nt := 0
	for _, t := range f.trees {
		if t.NodeCount() <= 1 {
			continue
		}
		for j, v := range t.FeatureImportances() {
			imp[j] += v
		}
		nt++
	}
	if nt == 0 {
		return imp
	}
	total := 0.0
	for j := range imp {
		imp[j] /= float64(nt)
		total += imp[j]
	}
	for j := range imp {
		imp[j] /= total
	}
	return imp
}

// checkPredict checks X for prediction with the fitted forest.
func (f *forest) checkPredict(name string, X *mat.Dense) error {
	if f.trees == nil {
		return ml.NotFittedError(name)
	}
	if err := ml.CheckX(X, f.nFeatures); err != nil {
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

// marshal stores the trees and the out-of-bag results in s.
func (f *forest) marshal(s *ml.State) {
	s.SetAttr("n_features_in", f.nFeatures)
	tree.MarshalTrees(s, "estimators.", f.trees)
	if f.oob != nil {
		s.SetFloats("oob", f.oob, len(f.oob)/f.nValues, f.nValues)
		s.SetAttr("oob_score", f.oobScore)
	}
}

// maxStateTrees bounds the trees a state may hold.
const maxStateTrees = 1 << 20

// unmarshal reads what marshal wrote, checking that every tree has
// nFeatures features and nValues values per node.
func unmarshalForest(s *ml.State, name string, nValues int) (forest, error) {
	var f forest
	if err := s.Attr("n_features_in", &f.nFeatures); err != nil {
		return f, fmt.Errorf("%s: %w", name, err)
	}
	trees, err := tree.UnmarshalTrees(s, "estimators.")
	if err != nil {
		return f, fmt.Errorf("%s: %w", name, err)
	}
	if len(trees) > maxStateTrees {
		return f, fmt.Errorf("%s: state: %d trees, expected at most %d", name, len(trees), maxStateTrees)
	}
	for i, t := range trees {
		if t.NFeatures != f.nFeatures || t.NValues != nValues {
			return f, fmt.Errorf("%s: state: tree %d has %d features and %d values per node, expected %d and %d", name, i, t.NFeatures, t.NValues, f.nFeatures, nValues)
		}
	}
	f.trees, f.nValues = trees, nValues
	if _, ok := s.Arrays["oob"]; ok {
		oob, _, err := s.Floats("oob", -1, nValues)
		if err != nil {
			return f, fmt.Errorf("%s: %w", name, err)
		}
		if err := s.Attr("oob_score", &f.oobScore); err != nil {
			return f, fmt.Errorf("%s: %w", name, err)
		}
		f.oob = append([]float64(nil), oob...)
	}
	return f, nil
}
