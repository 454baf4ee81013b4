package naivebayes

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "MultinomialNB",
		Task:   ml.Classification,
		Family: "naivebayes",
		Doc:    "Multinomial naive Bayes for counts (word counts, frequencies): smoothed per-class feature frequencies.",
		New:    func() ml.Estimator { return NewMultinomialNB() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "ComplementNB",
		Task:   ml.Classification,
		Family: "naivebayes",
		Doc:    "Complement naive Bayes: multinomial naive Bayes on the complement of each class, suited to imbalanced text data.",
		New:    func() ml.Estimator { return NewComplementNB() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "BernoulliNB",
		Task:   ml.Classification,
		Family: "naivebayes",
		Doc:    "Bernoulli naive Bayes for binary features (thresholded at binarize): smoothed per-class feature occurrence rates.",
		New:    func() ml.Estimator { return NewBernoulliNB() },
	})
}

// alphaLowerBound is scikit-learn's: a smaller alpha is raised to it
// unless force_alpha is true.
const alphaLowerBound = 1e-10

// MultinomialNB is sklearn.naive_bayes.MultinomialNB: with N_ci the sum of
// feature i over the samples of class c, it predicts from
// log P(x | c) = Σ_i x_i·log((N_ci + alpha) / Σ_j (N_cj + alpha)) and the
// class log prior. X must be non-negative.
type MultinomialNB struct {
	Alpha      float64   `json:"alpha" min:"0" help:"additive (Laplace/Lidstone) smoothing; below 1e-10 it is raised to 1e-10 unless force_alpha"`
	ForceAlpha bool      `json:"force_alpha" help:"keep alpha as given even when below 1e-10"`
	FitPrior   bool      `json:"fit_prior" help:"learn the class priors from the class frequencies (false: uniform)"`
	ClassPrior []float64 `json:"class_prior" nullable:"true" min:"0" help:"prior probability of each class, in class order (null: from fit_prior)"`

	discrete `json:"-"`
}

// ComplementNB is sklearn.naive_bayes.ComplementNB: the weights are
// -log of the smoothed feature frequencies of the complement of each class
// (all samples not in it), normalised by their sum when norm is true; the
// class prior is not used (there are always two classes or more). X must be
// non-negative.
type ComplementNB struct {
	Alpha      float64   `json:"alpha" min:"0" help:"additive (Laplace/Lidstone) smoothing; below 1e-10 it is raised to 1e-10 unless force_alpha"`
	ForceAlpha bool      `json:"force_alpha" help:"keep alpha as given even when below 1e-10"`
	FitPrior   bool      `json:"fit_prior" help:"only used with a single class, as in scikit-learn"`
	ClassPrior []float64 `json:"class_prior" nullable:"true" min:"0" help:"prior probability of each class, in class order (only used with a single class)"`
	Norm       bool      `json:"norm" help:"normalise the weights of each class by their sum"`

	discrete `json:"-"`
}

// BernoulliNB is sklearn.naive_bayes.BernoulliNB: features are binarised
// (x > binarize is 1, else 0; null leaves X as it is), p_ci =
// (N_ci + alpha) / (N_c + 2·alpha) with N_ci the count of ones of feature i
// in class c, and log P(x | c) = Σ_i x_i·log p_ci + (1 - x_i)·log(1 - p_ci).
type BernoulliNB struct {
	Alpha      float64   `json:"alpha" min:"0" help:"additive (Laplace/Lidstone) smoothing; below 1e-10 it is raised to 1e-10 unless force_alpha"`
	ForceAlpha bool      `json:"force_alpha" help:"keep alpha as given even when below 1e-10"`
	Binarize   *float64  `json:"binarize" nullable:"true" help:"threshold: values above it become 1, the others 0 (null: X is already binary)"`
	FitPrior   bool      `json:"fit_prior" help:"learn the class priors from the class frequencies (false: uniform)"`
	ClassPrior []float64 `json:"class_prior" nullable:"true" min:"0" help:"prior probability of each class, in class order (null: from fit_prior)"`

	discrete `json:"-"`
}

// NewMultinomialNB returns a MultinomialNB with scikit-learn's defaults:
// alpha 1, fit_prior true, no class_prior.
func NewMultinomialNB() *MultinomialNB {
	return &MultinomialNB{Alpha: 1, FitPrior: true, discrete: discrete{kind: "MultinomialNB"}}
}

// NewComplementNB returns a ComplementNB with scikit-learn's defaults:
// alpha 1, fit_prior true, no class_prior, norm false.
func NewComplementNB() *ComplementNB {
	return &ComplementNB{Alpha: 1, FitPrior: true, discrete: discrete{kind: "ComplementNB"}}
}

// NewBernoulliNB returns a BernoulliNB with scikit-learn's defaults: alpha
// 1, binarize 0, fit_prior true, no class_prior.
func NewBernoulliNB() *BernoulliNB {
	zero := 0.0
	return &BernoulliNB{Alpha: 1, FitPrior: true, Binarize: &zero, discrete: discrete{kind: "BernoulliNB"}}
}

// Fit counts the features of each class and computes the smoothed log
// probabilities.
func (m *MultinomialNB) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample counts w times in
// the class and feature counts.
func (m *MultinomialNB) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	m.kind = "MultinomialNB"
	return m.fit(ctx, X, y, w, discreteParams{m.Alpha, m.ForceAlpha, m.FitPrior, m.ClassPrior, false, nil})
}

// Fit counts the features of each class and computes the complement
// weights.
func (m *ComplementNB) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample counts w times in
// the class and feature counts.
func (m *ComplementNB) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	m.kind = "ComplementNB"
	return m.fit(ctx, X, y, w, discreteParams{m.Alpha, m.ForceAlpha, m.FitPrior, m.ClassPrior, m.Norm, nil})
}

// Fit binarises X, counts the ones of each feature in each class and
// computes the smoothed log probabilities.
func (m *BernoulliNB) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample counts w times in
// the class and feature counts.
func (m *BernoulliNB) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	m.kind = "BernoulliNB"
	if m.Binarize != nil && math.IsNaN(*m.Binarize) {
		return &ml.ParamError{Param: "binarize", Expected: "a number or null", Got: "NaN"}
	}
	return m.fit(ctx, X, y, w, discreteParams{m.Alpha, m.ForceAlpha, m.FitPrior, m.ClassPrior, false, m.Binarize})
}

// EstimateMemory bounds Fit's memory (see estimateDiscrete).
func (m *MultinomialNB) EstimateMemory(n, p, k int) int64 { return estimateDiscrete(n, p, k, false) }

// EstimateMemory bounds Fit's memory (see estimateDiscrete).
func (m *ComplementNB) EstimateMemory(n, p, k int) int64 { return estimateDiscrete(n, p, k, false) }

// EstimateMemory bounds Fit's memory (see estimateDiscrete).
func (m *BernoulliNB) EstimateMemory(n, p, k int) int64 { return estimateDiscrete(n, p, k, true) }

// estimateDiscrete counts, in float64, the class index of every sample
// (n), the binarised copy of X for BernoulliNB (n·p), the per-class
// counts, log probabilities and prediction weights (4·k·p + 4·k), and the
// n·k joint log-likelihoods of a Predict on the training set.
func estimateDiscrete(n, p, k int, binarized bool) int64 {
	N, P, K := int64(max(n, 1)), int64(max(p, 1)), int64(max(k, 2))
	v := budget.Add(budget.Mul(2, N), budget.Mul(4, K, P), budget.Mul(4, K), budget.Mul(N, K), budget.Mul(16, P))
	if binarized {
		v = budget.Add(v, budget.Mul(N, P))
	}
	return budget.Add(budget.Mul(8, v), 64<<10)
}

type discreteParams struct {
	alpha      float64
	forceAlpha bool
	fitPrior   bool
	classPrior []float64
	norm       bool
	binarize   *float64
}

// discrete is the fitted state shared by MultinomialNB, ComplementNB and
// BernoulliNB.
type discrete struct {
	kind string

	classes        []float64
	classCount     []float64
	featureCount   *mat.Dense // k × p
	featureLogProb *mat.Dense // k × p
	classLogPrior  []float64
	binarize       *float64 // as at Fit, for BernoulliNB

	// Derived: jll = X·Wᵀ + b.
	w *mat.Dense
	b []float64
}

// checkAlpha is scikit-learn's _check_alpha for a scalar alpha.
func checkAlpha(alpha float64, force bool) float64 {
	if alpha < alphaLowerBound && !force {
		return alphaLowerBound
	}
	return alpha
}

// classLogPrior is scikit-learn's _update_class_log_prior.
func classLogPrior(classPrior, classCount []float64, fitPrior bool) ([]float64, error) {
	k := len(classCount)
	out := make([]float64, k)
	switch {
	case classPrior != nil:
		if len(classPrior) != k {
			return nil, &ml.ParamError{Param: "class_prior", Msg: fmt.Sprintf("has %d values for %d classes, expected one per class", len(classPrior), k)}
		}
		for c, v := range classPrior {
			out[c] = math.Log(v)
		}
	case fitPrior:
		tot := 0.0
		for _, v := range classCount {
			tot += v
		}
		for c, v := range classCount {
			out[c] = math.Log(v) - math.Log(tot)
		}
	default:
		for c := range out {
			out[c] = -math.Log(float64(k))
		}
	}
	return out, nil
}

func (d *discrete) fit(ctx context.Context, X *mat.Dense, y, w []float64, prm discreteParams) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if err := ml.CheckSampleWeight(w, len(y)); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	n, p := X.Dims()
	k := len(classes)
	raw := X.RawMatrix()
	if d.kind != "BernoulliNB" {
		for i := 0; i < n; i++ {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
				if v < 0 {
					return ml.DataErrorf("%s: X[%d, %d] is %v: the input X must be non-negative (counts or frequencies)", d.kind, i, j, v)
				}
			}
		}
	}
	fc := mat.NewDense(k, p, nil)
	cc := make([]float64, k)
	// The counting pass is reported in blocks of rows, so a cancel stops
	// it between blocks.
	rep := ml.ProgressFrom(ctx)
	const block = 8192
	for i := 0; i < n; i++ {
		if i%block == 0 {
			rep.Report(ml.Event{Kind: "step", Step: i/block + 1, Total: (n + block - 1) / block, Message: "counting features"})
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c := idx[i]
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		cc[c] += wi
		dst := fc.RawRowView(c)
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			if prm.binarize != nil {
				v = binarized(v, *prm.binarize)
			}
			dst[j] += wi * v
		}
	}
	alpha := checkAlpha(prm.alpha, prm.forceAlpha)
	flp := mat.NewDense(k, p, nil)
	switch d.kind {
	case "MultinomialNB":
		for c := 0; c < k; c++ {
			src, dst := fc.RawRowView(c), flp.RawRowView(c)
			s := 0.0
			for _, v := range src {
				s += v + alpha
			}
			ls := math.Log(s)
			for j, v := range src {
				dst[j] = math.Log(v+alpha) - ls
			}
		}
	case "BernoulliNB":
		for c := 0; c < k; c++ {
			src, dst := fc.RawRowView(c), flp.RawRowView(c)
			ls := math.Log(cc[c] + alpha*2)
			for j, v := range src {
				dst[j] = math.Log(v+alpha) - ls
			}
		}
	case "ComplementNB":
		all := make([]float64, p)
		for c := 0; c < k; c++ {
			for j, v := range fc.RawRowView(c) {
				all[j] += v
			}
		}
		for c := 0; c < k; c++ {
			src, dst := fc.RawRowView(c), flp.RawRowView(c)
			s := 0.0
			for j, v := range src {
				dst[j] = all[j] + alpha - v
				s += dst[j]
			}
			sum := 0.0
			for j := range dst {
				dst[j] = math.Log(dst[j] / s)
				sum += dst[j]
			}
			for j := range dst {
				if prm.norm {
					dst[j] /= sum
				} else {
					dst[j] = -dst[j]
				}
			}
		}
	}
	clp, err := classLogPrior(prm.classPrior, cc, prm.fitPrior)
	if err != nil {
		return err
	}
	var bin *float64
	if prm.binarize != nil {
		b := *prm.binarize
		bin = &b
	}
	d.classes, d.classCount, d.featureCount, d.featureLogProb, d.classLogPrior, d.binarize = classes, cc, fc, flp, clp, bin
	d.derive()
	return nil
}

func binarized(v, threshold float64) float64 {
	if v > threshold {
		return 1
	}
	return 0
}

// derive computes the prediction weights from the fitted state.
func (d *discrete) derive() {
	k, p := d.featureLogProb.Dims()
	d.w = mat.DenseCopyOf(d.featureLogProb)
	d.b = make([]float64, k)
	switch d.kind {
	case "MultinomialNB":
		copy(d.b, d.classLogPrior)
	case "BernoulliNB":
		for c := 0; c < k; c++ {
			row, src := d.w.RawRowView(c), d.featureLogProb.RawRowView(c)
			s := 0.0
			for j := 0; j < p; j++ {
				neg := math.Log(1 - math.Exp(src[j]))
				row[j] = src[j] - neg
				s += neg
			}
			d.b[c] = d.classLogPrior[c] + s
		}
	}
}

// PredictJointLogProba returns the unnormalised log P(c) + log P(x | c)
// (scikit-learn's predict_joint_log_proba), one column per class.
func (d *discrete) PredictJointLogProba(X *mat.Dense) (*mat.Dense, error) {
	if d.w == nil {
		return nil, ml.NotFittedError(d.kind)
	}
	k, p := d.w.Dims()
	if err := ml.CheckX(X, p); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	in := X
	if d.kind == "BernoulliNB" && d.binarize != nil {
		raw := X.RawMatrix()
		bx := make([]float64, n*p)
		for i := 0; i < n; i++ {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
				bx[i*p+j] = binarized(v, *d.binarize)
			}
		}
		in = mat.NewDense(n, p, bx)
	}
	J := mat.NewDense(n, k, nil)
	J.Mul(in, d.w.T())
	for i := 0; i < n; i++ {
		row := J.RawRowView(i)
		for c := range row {
			row[c] += d.b[c]
		}
	}
	return J, nil
}

// PredictLogProba returns log P(c | x), normalised with log-sum-exp.
func (d *discrete) PredictLogProba(X *mat.Dense) (*mat.Dense, error) {
	return predictLogProba(d, X, false)
}

// PredictProba returns P(c | x): one column per class in the order of
// Classes.
func (d *discrete) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	return predictLogProba(d, X, true)
}

// Predict returns the class with the highest joint log-likelihood.
func (d *discrete) Predict(X *mat.Dense) ([]float64, error) {
	return predictClasses(d, X, d.classes)
}

// Classes returns the class values, sorted (sklearn's classes_).
func (d *discrete) Classes() []float64 { return slices.Clone(d.classes) }

// ClassCount returns the number of samples of each class (class_count_).
func (d *discrete) ClassCount() []float64 { return slices.Clone(d.classCount) }

// ClassLogPrior returns the log prior of each class (class_log_prior_).
func (d *discrete) ClassLogPrior() []float64 { return slices.Clone(d.classLogPrior) }

// FeatureCount returns the per-class sums (counts of ones for
// BernoulliNB) of each feature (feature_count_), classes × features.
func (d *discrete) FeatureCount() *mat.Dense {
	if d.featureCount == nil {
		return nil
	}
	return mat.DenseCopyOf(d.featureCount)
}

// FeatureLogProb returns feature_log_prob_, classes × features (for
// ComplementNB, the complement weights).
func (d *discrete) FeatureLogProb() *mat.Dense {
	if d.featureLogProb == nil {
		return nil
	}
	return mat.DenseCopyOf(d.featureLogProb)
}

// MarshalState returns the classes, counts, log probabilities and priors.
func (d *discrete) MarshalState() (*ml.State, error) {
	if d.w == nil {
		return nil, ml.NotFittedError(d.kind)
	}
	k, p := d.featureLogProb.Dims()
	s := ml.NewState()
	s.SetFloats("classes", d.classes)
	s.SetFloats("class_count", d.classCount)
	s.SetFloats("class_log_prior", d.classLogPrior)
	s.SetFloats("feature_count", d.featureCount.RawMatrix().Data, k, p)
	s.SetFloats("feature_log_prob", d.featureLogProb.RawMatrix().Data, k, p)
	if d.kind == "BernoulliNB" {
		s.SetAttr("binarize", d.binarize) // null when X was not binarised
	}
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (d *discrete) UnmarshalState(s *ml.State) error {
	wrap := func(err error) error { return fmt.Errorf("%s: %w", d.kind, err) }
	if s == nil {
		return wrap(fmt.Errorf("state: nil"))
	}
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return wrap(err)
	}
	if len(classes) < 2 || !slices.IsSorted(classes) {
		return wrap(fmt.Errorf("state: classes %v, expected at least 2 sorted values", classes))
	}
	k := len(classes)
	cc, _, err := s.Floats("class_count", k)
	if err != nil {
		return wrap(err)
	}
	clp, _, err := s.Floats("class_log_prior", k)
	if err != nil {
		return wrap(err)
	}
	fc, shape, err := s.Floats("feature_count", k, -1)
	if err != nil {
		return wrap(err)
	}
	p := shape[1]
	if p < 1 {
		return wrap(fmt.Errorf("state: feature_count has no features"))
	}
	flp, _, err := s.Floats("feature_log_prob", k, p)
	if err != nil {
		return wrap(err)
	}
	for i, v := range flp {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return wrap(fmt.Errorf("state: feature_log_prob[%d] is %v", i, v))
		}
	}
	var bin *float64
	if d.kind == "BernoulliNB" {
		if err := s.Attr("binarize", &bin); err != nil {
			return wrap(err)
		}
		if bin != nil && math.IsNaN(*bin) {
			return wrap(fmt.Errorf("state: binarize is NaN"))
		}
	}
	d.classes, d.classCount, d.classLogPrior = slices.Clone(classes), slices.Clone(cc), slices.Clone(clp)
	d.featureCount, d.featureLogProb = mat.NewDense(k, p, slices.Clone(fc)), mat.NewDense(k, p, slices.Clone(flp))
	d.binarize = bin
	d.derive()
	return nil
}
