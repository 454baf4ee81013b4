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
		Name:   "CategoricalNB",
		Task:   ml.Classification,
		Family: "naivebayes",
		Doc:    "Categorical naive Bayes for features coded as categories 0, 1, 2 ...: smoothed per-class category frequencies.",
		New:    func() ml.Estimator { return NewCategoricalNB() },
	})
}

// maxCategoryCells caps classes × the total number of categories over all
// features (each cell is a count and a log probability), so that a
// feature holding a huge value cannot make Fit allocate without bound.
const maxCategoryCells = 1 << 24

// CategoricalNB is sklearn.naive_bayes.CategoricalNB: each feature holds
// category codes 0, 1, 2 ... (values are truncated to integers, as
// scikit-learn's conversion to int does), and P(x_j = t | c) =
// (N_tjc + alpha) / (N_c + alpha·n_categories_j). A feature has
// max(its largest code + 1, min_categories) categories; a code at Predict
// beyond those seen is an error (scikit-learn raises an IndexError).
// min_categories is one number for every feature (scikit-learn also takes
// one per feature).
type CategoricalNB struct {
	Alpha         float64   `json:"alpha" min:"0" help:"additive (Laplace/Lidstone) smoothing; below 1e-10 it is raised to 1e-10 unless force_alpha"`
	ForceAlpha    bool      `json:"force_alpha" help:"keep alpha as given even when below 1e-10"`
	FitPrior      bool      `json:"fit_prior" help:"learn the class priors from the class frequencies (false: uniform)"`
	ClassPrior    []float64 `json:"class_prior" nullable:"true" min:"0" help:"prior probability of each class, in class order (null: from fit_prior)"`
	MinCategories int       `json:"min_categories" nullable:"true" min:"0" help:"the least number of categories of every feature (null means 0: the largest code seen + 1)"`

	classes       []float64
	classCount    []float64
	classLogPrior []float64
	nCategories   []int
	featureCount  []*mat.Dense // one classes × n_categories_j per feature
	flp           []*mat.Dense
}

// NewCategoricalNB returns a CategoricalNB with scikit-learn's defaults:
// alpha 1, fit_prior true, no class_prior, no min_categories.
func NewCategoricalNB() *CategoricalNB { return &CategoricalNB{Alpha: 1, FitPrior: true} }

// categories returns the category codes of X, checking that they are
// non-negative; with limits it also checks them against the categories
// of each feature.
func categories(X *mat.Dense, limits []int) ([]int, error) {
	n, p := X.Dims()
	raw := X.RawMatrix()
	out := make([]int, n*p)
	for i := 0; i < n; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			if v < 0 {
				return nil, ml.DataErrorf("CategoricalNB: X[%d, %d] is %v: the input X must be non-negative category codes", i, j, v)
			}
			if v >= maxCategoryCells {
				return nil, ml.DataErrorf("CategoricalNB: X[%d, %d] is %v: category codes must be below %d", i, j, v, maxCategoryCells)
			}
			t := int(v)
			if limits != nil && t >= limits[j] {
				return nil, ml.DataErrorf("CategoricalNB: X[%d, %d] is category %d, but feature %d has only %d categories (0 to %d) from Fit", i, j, t, j, limits[j], limits[j]-1)
			}
			out[i*p+j] = t
		}
	}
	return out, nil
}

// Fit counts the categories of every feature in each class.
func (m *CategoricalNB) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample counts w times in
// the class and category counts.
func (m *CategoricalNB) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
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
	codes, err := categories(X, nil)
	if err != nil {
		return err
	}
	ncat := make([]int, p)
	for j := range ncat {
		ncat[j] = m.MinCategories
	}
	for i := 0; i < n; i++ {
		for j, t := range codes[i*p : (i+1)*p] {
			ncat[j] = max(ncat[j], t+1)
		}
	}
	total := 0
	for _, c := range ncat {
		total += c
	}
	if int64(total)*int64(k) > maxCategoryCells {
		return ml.DataErrorf("CategoricalNB: %d classes × %d categories over all features is more than %d cells", k, total, maxCategoryCells)
	}
	fc := make([]*mat.Dense, p)
	for j := range fc {
		fc[j] = mat.NewDense(k, ncat[j], nil)
	}
	cc := make([]float64, k)
	rep := ml.ProgressFrom(ctx)
	const block = 8192
	for i := 0; i < n; i++ {
		if i%block == 0 {
			rep.Report(ml.Event{Kind: "step", Step: i/block + 1, Total: (n + block - 1) / block, Message: "counting categories"})
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
		for j, t := range codes[i*p : (i+1)*p] {
			fc[j].RawRowView(c)[t] += wi
		}
	}
	alpha := checkAlpha(m.Alpha, m.ForceAlpha)
	flp := make([]*mat.Dense, p)
	for j := range flp {
		flp[j] = mat.NewDense(k, ncat[j], nil)
		for c := 0; c < k; c++ {
			src, dst := fc[j].RawRowView(c), flp[j].RawRowView(c)
			s := 0.0
			for _, v := range src {
				s += v + alpha
			}
			ls := math.Log(s)
			for t, v := range src {
				dst[t] = math.Log(v+alpha) - ls
			}
		}
	}
	clp, err := classLogPrior(m.ClassPrior, cc, m.FitPrior)
	if err != nil {
		return err
	}
	m.classes, m.classCount, m.classLogPrior, m.nCategories, m.featureCount, m.flp = classes, cc, clp, ncat, fc, flp
	return nil
}

// PredictJointLogProba returns log P(c) + Σ_j log P(x_j | c), one column
// per class.
func (m *CategoricalNB) PredictJointLogProba(X *mat.Dense) (*mat.Dense, error) {
	if m.flp == nil {
		return nil, ml.NotFittedError("CategoricalNB")
	}
	p := len(m.flp)
	if err := ml.CheckX(X, p); err != nil {
		return nil, err
	}
	codes, err := categories(X, m.nCategories)
	if err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	k := len(m.classes)
	J := mat.NewDense(n, k, nil)
	for i := 0; i < n; i++ {
		row := J.RawRowView(i)
		for j, t := range codes[i*p : (i+1)*p] {
			for c := range row {
				row[c] += m.flp[j].At(c, t)
			}
		}
		for c := range row {
			row[c] += m.classLogPrior[c]
		}
	}
	return J, nil
}

// PredictLogProba returns log P(c | x), normalised with log-sum-exp.
func (m *CategoricalNB) PredictLogProba(X *mat.Dense) (*mat.Dense, error) {
	return predictLogProba(m, X, false)
}

// PredictProba returns P(c | x): one column per class in the order of
// Classes.
func (m *CategoricalNB) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	return predictLogProba(m, X, true)
}

// Predict returns the class with the highest joint log-likelihood.
func (m *CategoricalNB) Predict(X *mat.Dense) ([]float64, error) {
	return predictClasses(m, X, m.classes)
}

// Classes returns the class values, sorted (sklearn's classes_).
func (m *CategoricalNB) Classes() []float64 { return slices.Clone(m.classes) }

// ClassCount returns the number of samples of each class (class_count_).
func (m *CategoricalNB) ClassCount() []float64 { return slices.Clone(m.classCount) }

// ClassLogPrior returns the log prior of each class (class_log_prior_).
func (m *CategoricalNB) ClassLogPrior() []float64 { return slices.Clone(m.classLogPrior) }

// NCategories returns the number of categories of each feature
// (n_categories_).
func (m *CategoricalNB) NCategories() []int { return slices.Clone(m.nCategories) }

// FeatureLogProb returns feature_log_prob_: per feature, classes ×
// categories.
func (m *CategoricalNB) FeatureLogProb() []*mat.Dense {
	out := make([]*mat.Dense, len(m.flp))
	for j, f := range m.flp {
		out[j] = mat.DenseCopyOf(f)
	}
	return out
}

// FeatureCount returns feature_count_: per feature, classes × categories.
func (m *CategoricalNB) FeatureCount() []*mat.Dense {
	out := make([]*mat.Dense, len(m.featureCount))
	for j, f := range m.featureCount {
		out[j] = mat.DenseCopyOf(f)
	}
	return out
}

// MarshalState returns the classes, priors, category counts and the
// counts and log probabilities of every feature, side by side as one
// classes × Σ n_categories array each.
func (m *CategoricalNB) MarshalState() (*ml.State, error) {
	if m.flp == nil {
		return nil, ml.NotFittedError("CategoricalNB")
	}
	k := len(m.classes)
	total := 0
	for _, c := range m.nCategories {
		total += c
	}
	fc, lp := make([]float64, 0, k*total), make([]float64, 0, k*total)
	for c := 0; c < k; c++ {
		for j := range m.flp {
			fc = append(fc, m.featureCount[j].RawRowView(c)...)
			lp = append(lp, m.flp[j].RawRowView(c)...)
		}
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	s.SetFloats("class_count", m.classCount)
	s.SetFloats("class_log_prior", m.classLogPrior)
	s.SetInts("n_categories", m.nCategories)
	s.SetFloats("feature_count", fc, k, total)
	s.SetFloats("feature_log_prob", lp, k, total)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *CategoricalNB) UnmarshalState(s *ml.State) error {
	wrap := func(err error) error { return fmt.Errorf("CategoricalNB: %w", err) }
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
	ncat, _, err := s.Ints("n_categories", 1, maxCategoryCells, -1)
	if err != nil {
		return wrap(err)
	}
	if len(ncat) == 0 {
		return wrap(fmt.Errorf("state: n_categories is empty"))
	}
	total := 0
	for _, c := range ncat {
		total += c
	}
	if int64(total)*int64(k) > maxCategoryCells {
		return wrap(fmt.Errorf("state: %d categories for %d classes is more than %d cells", total, k, maxCategoryCells))
	}
	fcAll, _, err := s.Floats("feature_count", k, total)
	if err != nil {
		return wrap(err)
	}
	lpAll, _, err := s.Floats("feature_log_prob", k, total)
	if err != nil {
		return wrap(err)
	}
	for i, v := range lpAll {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return wrap(fmt.Errorf("state: feature_log_prob[%d] is %v", i, v))
		}
	}
	fc, lp := make([]*mat.Dense, len(ncat)), make([]*mat.Dense, len(ncat))
	for j, c := range ncat {
		fc[j], lp[j] = mat.NewDense(k, c, nil), mat.NewDense(k, c, nil)
	}
	for c := 0; c < k; c++ {
		off := c * total
		for j, nc := range ncat {
			copy(fc[j].RawRowView(c), fcAll[off:off+nc])
			copy(lp[j].RawRowView(c), lpAll[off:off+nc])
			off += nc
		}
	}
	m.classes, m.classCount, m.classLogPrior = slices.Clone(classes), slices.Clone(cc), slices.Clone(clp)
	m.nCategories, m.featureCount, m.flp = slices.Clone(ncat), fc, lp
	return nil
}

// EstimateMemory estimates Fit's memory: the category codes of X (n·p
// ints), the class index of every sample (n), the per-class counts and log
// probabilities of every category, and the n·k joint log-likelihoods. The
// number of categories depends on the values, which the estimate cannot
// see: it assumes min_categories + 16 per feature, and Fit itself refuses
// more than maxCategoryCells (2^24) cells, 256 MiB for both arrays.
func (m *CategoricalNB) EstimateMemory(n, p, k int) int64 {
	N, P, K := int64(max(n, 1)), int64(max(p, 1)), int64(max(k, 2))
	cells := min(budget.Mul(2, K, P, int64(max(m.MinCategories, 2))+16), 2*maxCategoryCells)
	v := budget.Add(budget.Mul(N, P), budget.Mul(2, N), cells, budget.Mul(N, K), budget.Mul(16, P))
	return budget.Add(budget.Mul(8, v), 64<<10)
}
