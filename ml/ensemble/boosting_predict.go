package ensemble

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

// rawPredict returns the raw predictions (n x K): the initial ones plus
// learning_rate times each stage's leaf values, in stage order, as
// predict_stages adds them; stages limits the stages used (all when < 0).
func (b *boosted) rawPredict(X *mat.Dense, stages int) []float64 {
	n, p := X.Dims()
	K := b.k
	if stages < 0 || stages > len(b.stages) {
		stages = len(b.stages)
	}
	out := make([]float64, n*K)
	raw := X.RawMatrix()
	forBlocks(n, stages*K, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			copy(out[i*K:(i+1)*K], b.init)
		}
		for _, st := range b.stages[:stages] {
			for k, t := range st {
				for i := lo; i < hi; i++ {
					out[i*K+k] += b.lr * t.Value[t.Leaf(raw.Data[i*raw.Stride:i*raw.Stride+p])]
				}
			}
		}
	})
	return out
}

func (b *boosted) checkPredict(name string, X *mat.Dense) error {
	if b.stages == nil {
		return ml.NotFittedError(name)
	}
	f := forest{trees: b.stages[0], nFeatures: b.nFeatures}
	return f.checkPredict(name, X)
}

// NEstimatorsFitted returns n_estimators_, the number of stages fitted (fewer
// than n_estimators after early stopping), or 0 before Fit.
func (b *boosted) NEstimatorsFitted() int { return len(b.stages) }

// Estimators returns the trees, stages x K (shared, not to be modified).
func (b *boosted) Estimators() [][]*tree.Tree { return b.stages }

// TrainScore returns train_score_: the training loss after each stage (on
// the in-bag rows with subsample < 1).
func (b *boosted) TrainScore() []float64 { return append([]float64(nil), b.trainScore...) }

// OOBImprovement returns oob_improvement_ (subsample < 1): the decrease of
// the out-of-bag loss each stage brought; nil otherwise.
func (b *boosted) OOBImprovement() []float64 { return append([]float64(nil), b.oobImprovement...) }

// InitPrediction returns the raw prediction before the first stage, one
// per output.
func (b *boosted) InitPrediction() []float64 { return append([]float64(nil), b.init...) }

// FeatureImportances returns feature_importances_: the mean over the trees
// with a split of their unnormalised impurity decreases, normalised to
// sum to 1.
func (b *boosted) FeatureImportances() []float64 {
	if b.stages == nil {
		return nil
	}
	imp := make([]float64, b.nFeatures)
	nt := 0
	for _, st := range b.stages {
		for _, t := range st {
			if t.NodeCount() <= 1 {
				continue
			}
			for j, v := range t.ImpurityDecreases() {
				imp[j] += v
			}
			nt++
		}
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

// NFeaturesIn returns the number of features seen by Fit.
func (b *boosted) NFeaturesIn() int { return b.nFeatures }

// DecisionFunction returns the raw predictions: one column for two
// classes (the log-odds of the second), one per class otherwise.
func (m *GradientBoostingClassifier) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if err := m.checkPredict("GradientBoostingClassifier", X); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	return mat.NewDense(n, m.k, m.rawPredict(X, -1)), nil
}

// StagedDecisionFunction returns DecisionFunction after each of the
// first stages stages (all when stages < 0), as staged_decision_function;
// it costs one prediction per stage.
func (m *GradientBoostingClassifier) StagedDecisionFunction(X *mat.Dense, stages int) ([]*mat.Dense, error) {
	if err := m.checkPredict("GradientBoostingClassifier", X); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	if stages < 0 || stages > len(m.stages) {
		stages = len(m.stages)
	}
	out := make([]*mat.Dense, stages)
	for s := range out {
		out[s] = mat.NewDense(n, m.k, m.rawPredict(X, s+1))
	}
	return out, nil
}

// proba converts raw predictions to class probabilities (n x classes).
func (m *GradientBoostingClassifier) proba(raw []float64) []float64 {
	n := len(raw) / m.k
	nc := len(m.classes)
	out := make([]float64, n*nc)
	if m.k == 1 {
		for i, r := range raw {
			if m.loss == "exponential" {
				r *= 2
			}
			p1 := expit(r)
			out[i*2], out[i*2+1] = 1-p1, p1
		}
		return out
	}
	tmp := make([]float64, nc)
	for i := range n {
		row := raw[i*nc : (i+1)*nc]
		l := logSumExp(row, tmp)
		for c, r := range row {
			v := math.Exp(r - l)
			if math.IsNaN(v) {
				v = 0
			}
			out[i*nc+c] = v
		}
	}
	return out
}

// PredictProba returns the class probabilities: the logistic function of
// the raw prediction for two classes (of twice it for the exponential
// loss), the softmax otherwise.
func (m *GradientBoostingClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if err := m.checkPredict("GradientBoostingClassifier", X); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	return mat.NewDense(n, len(m.classes), m.proba(m.rawPredict(X, -1))), nil
}

// PredictLogProba returns the logarithm of PredictProba.
func (m *GradientBoostingClassifier) PredictLogProba(X *mat.Dense) (*mat.Dense, error) {
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
func (m *GradientBoostingClassifier) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.checkPredict("GradientBoostingClassifier", X); err != nil {
		return nil, err
	}
	p := m.proba(m.rawPredict(X, -1))
	nc := len(m.classes)
	out := make([]float64, len(p)/nc)
	for i := range out {
		out[i] = m.classes[argmax(p[i*nc:(i+1)*nc])]
	}
	return out, nil
}

// Classes returns the sorted class values seen by Fit.
func (m *GradientBoostingClassifier) Classes() []float64 { return append([]float64(nil), m.classes...) }

// Predict returns the raw predictions.
func (m *GradientBoostingRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.checkPredict("GradientBoostingRegressor", X); err != nil {
		return nil, err
	}
	return m.rawPredict(X, -1), nil
}

// StagedPredict returns Predict after each of the first stages stages
// (all when stages < 0), as staged_predict.
func (m *GradientBoostingRegressor) StagedPredict(X *mat.Dense, stages int) ([][]float64, error) {
	if err := m.checkPredict("GradientBoostingRegressor", X); err != nil {
		return nil, err
	}
	if stages < 0 || stages > len(m.stages) {
		stages = len(m.stages)
	}
	out := make([][]float64, stages)
	for s := range out {
		out[s] = m.rawPredict(X, s+1)
	}
	return out, nil
}

// marshal stores the stages and the scores in s.
func (b *boosted) marshal(s *ml.State) {
	var trees []*tree.Tree
	for _, st := range b.stages {
		trees = append(trees, st...)
	}
	tree.MarshalTrees(s, "estimators.", trees)
	s.SetAttr("k", b.k)
	s.SetAttr("learning_rate", b.lr)
	s.SetAttr("n_features_in", b.nFeatures)
	s.SetAttr("loss", b.loss)
	s.SetFloats("init", b.init)
	s.SetFloats("train_score", b.trainScore)
	if b.oobImprovement != nil {
		s.SetFloats("oob_improvement", b.oobImprovement)
	}
}

func unmarshalBoosted(s *ml.State, name string, k int, losses ...string) (boosted, error) {
	var b boosted
	bad := func(err error) (boosted, error) { return boosted{}, fmt.Errorf("%s: %w", name, err) }
	if err := s.Attr("k", &b.k); err != nil {
		return bad(err)
	}
	if b.k != k {
		return bad(fmt.Errorf("state: %d outputs, expected %d", b.k, k))
	}
	if err := s.Attr("learning_rate", &b.lr); err != nil {
		return bad(err)
	}
	if err := s.Attr("n_features_in", &b.nFeatures); err != nil {
		return bad(err)
	}
	if err := s.Attr("loss", &b.loss); err != nil {
		return bad(err)
	}
	known := false
	for _, l := range losses {
		known = known || l == b.loss
	}
	if !known || math.IsNaN(b.lr) || math.IsInf(b.lr, 0) {
		return bad(fmt.Errorf("state: loss %q or learning rate %v is not valid", b.loss, b.lr))
	}
	init, _, err := s.Floats("init", k)
	if err != nil {
		return bad(err)
	}
	b.init = append([]float64(nil), init...)
	trees, err := tree.UnmarshalTrees(s, "estimators.")
	if err != nil {
		return bad(err)
	}
	if len(trees)%k != 0 || len(trees)/k > maxStateTrees {
		return bad(fmt.Errorf("state: %d trees is not a whole number of stages of %d", len(trees), k))
	}
	for i, t := range trees {
		if t.NFeatures != b.nFeatures || t.NValues != 1 {
			return bad(fmt.Errorf("state: tree %d has %d features and %d values per node, expected %d and 1", i, t.NFeatures, t.NValues, b.nFeatures))
		}
	}
	for i := 0; i < len(trees); i += k {
		b.stages = append(b.stages, trees[i:i+k:i+k])
	}
	ts, _, err := s.Floats("train_score", len(b.stages))
	if err != nil {
		return bad(err)
	}
	b.trainScore = append([]float64(nil), ts...)
	if _, ok := s.Arrays["oob_improvement"]; ok {
		oi, _, err := s.Floats("oob_improvement", len(b.stages))
		if err != nil {
			return bad(err)
		}
		b.oobImprovement = append([]float64(nil), oi...)
	}
	return b, nil
}

// MarshalState returns the classes, the initial predictions and the trees.
func (m *GradientBoostingClassifier) MarshalState() (*ml.State, error) {
	if m.stages == nil {
		return nil, ml.NotFittedError("GradientBoostingClassifier")
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	m.marshal(s)
	return s, nil
}

// UnmarshalState restores a state written by MarshalState.
func (m *GradientBoostingClassifier) UnmarshalState(s *ml.State) error {
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("GradientBoostingClassifier: %w", err)
	}
	for i, c := range classes {
		if math.IsNaN(c) || math.IsInf(c, 0) || i > 0 && c <= classes[i-1] {
			return fmt.Errorf("GradientBoostingClassifier: state: classes must be finite and strictly increasing")
		}
	}
	if len(classes) < 2 {
		return fmt.Errorf("GradientBoostingClassifier: state: %d classes, expected at least 2", len(classes))
	}
	k := len(classes)
	if k == 2 {
		k = 1
	}
	b, err := unmarshalBoosted(s, "GradientBoostingClassifier", k, "log_loss", "exponential")
	if err != nil {
		return err
	}
	if b.loss == "exponential" && k != 1 {
		return fmt.Errorf("GradientBoostingClassifier: state: exponential loss with %d classes", len(classes))
	}
	m.boosted, m.classes = b, append([]float64(nil), classes...)
	return nil
}

// MarshalState returns the initial prediction and the trees.
func (m *GradientBoostingRegressor) MarshalState() (*ml.State, error) {
	if m.stages == nil {
		return nil, ml.NotFittedError("GradientBoostingRegressor")
	}
	s := ml.NewState()
	m.marshal(s)
	return s, nil
}

// UnmarshalState restores a state written by MarshalState.
func (m *GradientBoostingRegressor) UnmarshalState(s *ml.State) error {
	b, err := unmarshalBoosted(s, "GradientBoostingRegressor", 1, "squared_error", "absolute_error", "huber", "quantile")
	if err != nil {
		return err
	}
	m.boosted = b
	return nil
}

// EstimateMemory bounds Fit's memory (see estimateBoosting).
func (m *GradientBoostingClassifier) EstimateMemory(n, p, k int) int64 {
	if k == 2 {
		k = 1
	}
	return estimateBoosting(&m.BoostingParams, n, p, max(k, 1))
}

// EstimateMemory bounds Fit's memory (see estimateBoosting).
func (m *GradientBoostingRegressor) EstimateMemory(n, p, k int) int64 {
	return estimateBoosting(&m.BoostingParams, n, p, 1)
}

// estimateBoosting counts the data converted for the trees, a copy of X
// for the early-stopping split, the raw predictions and their copy
// (16·n·K), the working vectors (about 64·n), one tree's working memory,
// and the n_estimators·K fitted trees.
func estimateBoosting(p *BoostingParams, n, nf, K int) int64 {
	N, KK := int64(max(n, 0)), int64(K)
	opts := tree.GrowOptions{Criterion: p.Criterion, Params: p.treeParams()}
	b := budget.Add(
		tree.DataBytes(n, nf),
		budget.Mul(16, N, KK),
		budget.Mul(64, N),
		opts.WorkBytes(n, nf, 1),
		budget.Mul(int64(max(p.NEstimators, 1)), KK, budget.Add(opts.FittedBytes(n, 1), 64)),
		1<<20,
	)
	if p.NIterNoChange > 0 {
		b = budget.Add(b, ml.DataBytes(n, nf), budget.Mul(24, N, KK))
	}
	return b
}

// forBlocks calls f over row blocks of [0, n), concurrently when the work
// (n rows times trees) is large.
func forBlocks(n, trees int, f func(lo, hi int)) {
	nBlocks := (n + blockRows - 1) / blockRows
	nw := min(runtimeProcs(), nBlocks, max(1, n*trees/(64*blockRows)))
	if nw <= 1 {
		for b := range nBlocks {
			f(b*blockRows, min((b+1)*blockRows, n))
		}
		return
	}
	parallelBlocks(nBlocks, nw, func(b int) { f(b*blockRows, min((b+1)*blockRows, n)) })
}
