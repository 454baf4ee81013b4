package naivebayes

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "GaussianNB",
		Task:   ml.Classification,
		Family: "naivebayes",
		Doc:    "Gaussian naive Bayes: per-class independent normal features.",
		New:    func() ml.Estimator { return NewGaussianNB() },
	})
}

// GaussianNB is Gaussian naive Bayes, like sklearn.naive_bayes.GaussianNB:
// each feature is normal within each class, independently of the others.
//
// Fit estimates, per class, the mean (Theta) and the population variance of
// each feature, adds var_smoothing times the largest variance of any feature
// over all samples to every variance for stability, and takes the class
// priors from Priors or, when Priors is empty, from the class frequencies.
type GaussianNB struct {
	Priors       []float64 `json:"priors" nullable:"true" min:"0" max:"1" help:"prior probability of each class, in class order (null: class frequencies)"`
	VarSmoothing float64   `json:"var_smoothing" min:"0" help:"fraction of the largest feature variance added to every variance"`

	classes    []float64
	theta      *mat.Dense // n_classes × n_features
	variance   *mat.Dense // n_classes × n_features
	classPrior []float64
	classCount []float64
	epsilon    float64

	// Derived from the above for prediction.
	logPrior []float64 // log prior - 0.5 Σ log(2π var)
	invVar   []float64 // 1 / var, row-major like variance
}

// NewGaussianNB returns a GaussianNB with scikit-learn's defaults: no
// priors, var_smoothing 1e-9.
func NewGaussianNB() *GaussianNB { return &GaussianNB{VarSmoothing: 1e-9} }

// Validate checks that Priors, when given, sum to 1 (within scikit-learn's
// np.isclose tolerance, 1e-8 + 1e-5).
func (m *GaussianNB) Validate() error {
	if len(m.Priors) == 0 {
		return nil
	}
	sum := 0.0
	for _, p := range m.Priors {
		sum += p
	}
	if math.Abs(sum-1) > 1e-8+1e-5 {
		return &ml.ParamError{Param: "priors", Msg: fmt.Sprintf("the priors sum to %v, expected 1", sum)}
	}
	return nil
}

// Fit estimates the per-class means and variances from X and the class
// values y.
func (m *GaussianNB) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): weighted class counts, means
// and variances (np.average); epsilon stays var_smoothing times the
// largest unweighted variance, as in scikit-learn.
func (m *GaussianNB) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
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
	wt := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	K := len(classes)
	if len(m.Priors) > 0 && len(m.Priors) != K {
		return &ml.ParamError{Param: "priors", Msg: fmt.Sprintf("%d priors given, but y has %d classes", len(m.Priors), K)}
	}
	n, p := X.Dims()
	raw := X.RawMatrix()

	// epsilon = var_smoothing · max_j var(X[:, j]).
	mean := make([]float64, p)
	for i := 0; i < n; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	varAll := make([]float64, p)
	for i := 0; i < n; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			d := v - mean[j]
			varAll[j] += d * d
		}
	}
	maxVar := 0.0
	for _, v := range varAll {
		maxVar = math.Max(maxVar, v/float64(n))
	}
	epsilon := m.VarSmoothing * maxVar

	count := make([]float64, K)
	theta := mat.NewDense(K, p, nil)
	th := theta.RawMatrix().Data
	for i := 0; i < n; i++ {
		c := idx[i]
		wi := wt(i)
		count[c] += wi
		row := th[c*p : c*p+p]
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			row[j] += wi * v
		}
	}
	for c := 0; c < K; c++ {
		if !(count[c] > 0) {
			return ml.DataErrorf("the sample weights of class %v sum to 0: np.average of its rows is undefined (give it a positive weight)", classes[c])
		}
		for j := 0; j < p; j++ {
			th[c*p+j] /= count[c]
		}
	}
	variance := mat.NewDense(K, p, nil)
	va := variance.RawMatrix().Data
	for i := 0; i < n; i++ {
		c := idx[i]
		mu := th[c*p : c*p+p]
		row := va[c*p : c*p+p]
		wi := wt(i)
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			d := v - mu[j]
			row[j] += wi * d * d
		}
	}
	for c := 0; c < K; c++ {
		for j := 0; j < p; j++ {
			va[c*p+j] = va[c*p+j]/count[c] + epsilon
			if va[c*p+j] <= 0 {
				return ml.DataErrorf("feature %d has zero variance in class %v and var_smoothing adds nothing (every feature is constant or var_smoothing is 0): expected some variation", j, classes[c])
			}
		}
	}
	tot := 0.0
	for _, v := range count {
		tot += v
	}
	prior := make([]float64, K)
	if len(m.Priors) > 0 {
		copy(prior, m.Priors)
	} else {
		for c := range prior {
			prior[c] = count[c] / tot
		}
	}
	m.classes, m.theta, m.variance, m.classPrior, m.classCount, m.epsilon = classes, theta, variance, prior, count, epsilon
	m.derive()
	return nil
}

// derive precomputes the per-class constants used by prediction.
func (m *GaussianNB) derive() {
	K, p := m.theta.Dims()
	va := m.variance.RawMatrix().Data
	m.logPrior = make([]float64, K)
	m.invVar = make([]float64, K*p)
	for c := 0; c < K; c++ {
		s := 0.0
		for j := 0; j < p; j++ {
			s += math.Log(2 * math.Pi * va[c*p+j])
			m.invVar[c*p+j] = 1 / va[c*p+j]
		}
		m.logPrior[c] = math.Log(m.classPrior[c]) - 0.5*s
	}
}

// PredictJointLogProba returns log P(x, c) for each row and class
// (sklearn's predict_joint_log_proba), unnormalised.
func (m *GaussianNB) PredictJointLogProba(X *mat.Dense) (*mat.Dense, error) {
	if m.theta == nil {
		return nil, ml.NotFittedError("GaussianNB")
	}
	K, p := m.theta.Dims()
	if err := ml.CheckX(X, p); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	J := mat.NewDense(n, K, nil)
	parallelRows(n, func(lo, hi int) { m.jointLogProba(X, J, lo, hi) })
	return J, nil
}

// jointLogProba fills rows [lo, hi) of J.
func (m *GaussianNB) jointLogProba(X, J *mat.Dense, lo, hi int) {
	K, p := m.theta.Dims()
	raw := X.RawMatrix()
	th := m.theta.RawMatrix().Data
	jd := J.RawMatrix().Data
	for i := lo; i < hi; i++ {
		x := raw.Data[i*raw.Stride : i*raw.Stride+p]
		for c := 0; c < K; c++ {
			mu := th[c*p : c*p+p]
			iv := m.invVar[c*p : c*p+p]
			s := 0.0
			for j, v := range x {
				d := v - mu[j]
				s += d * d * iv[j]
			}
			jd[i*K+c] = m.logPrior[c] - 0.5*s
		}
	}
}

// parallelRows calls fn on blocks of rows [lo, hi) covering [0, n), on up to
// GOMAXPROCS goroutines. Each row is computed independently, so the result
// does not depend on the split.
func parallelRows(n int, fn func(lo, hi int)) {
	const block = 1024
	workers := min(runtime.GOMAXPROCS(0), (n+block-1)/block)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(block)) - block
				if lo >= n {
					return
				}
				fn(lo, min(lo+block, n))
			}
		}()
	}
	wg.Wait()
}

// PredictLogProba returns log P(c | x), normalised with log-sum-exp.
func (m *GaussianNB) PredictLogProba(X *mat.Dense) (*mat.Dense, error) {
	return predictLogProba(m, X, false)
}

// normalizeLog subtracts each row's log-sum-exp from J, then, with exp set,
// exponentiates.
func normalizeLog(J *mat.Dense, exp bool) {
	n, K := J.Dims()
	jd := J.RawMatrix().Data
	parallelRows(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := jd[i*K : i*K+K]
			mx := math.Inf(-1)
			for _, v := range row {
				mx = math.Max(mx, v)
			}
			s := 0.0
			for _, v := range row {
				s += math.Exp(v - mx)
			}
			lse := mx + math.Log(s)
			for c := range row {
				row[c] -= lse
				if exp {
					row[c] = math.Exp(row[c])
				}
			}
		}
	})
}

// PredictProba returns P(c | x): one column per class in the order of
// Classes.
func (m *GaussianNB) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	return predictLogProba(m, X, true)
}

// Predict returns the class with the highest posterior for each row.
func (m *GaussianNB) Predict(X *mat.Dense) ([]float64, error) {
	return predictClasses(m, X, m.classes)
}

// Classes returns the sorted class values seen by Fit (sklearn's classes_).
func (m *GaussianNB) Classes() []float64 { return append([]float64(nil), m.classes...) }

// Theta returns the per-class feature means, n_classes × n_features
// (sklearn's theta_), or nil before Fit.
func (m *GaussianNB) Theta() *mat.Dense {
	if m.theta == nil {
		return nil
	}
	return mat.DenseCopyOf(m.theta)
}

// Var returns the per-class feature variances including the smoothing,
// n_classes × n_features (sklearn's var_), or nil before Fit.
func (m *GaussianNB) Var() *mat.Dense {
	if m.variance == nil {
		return nil
	}
	return mat.DenseCopyOf(m.variance)
}

// ClassPrior returns the class priors (sklearn's class_prior_).
func (m *GaussianNB) ClassPrior() []float64 { return append([]float64(nil), m.classPrior...) }

// ClassCount returns the number of training samples in each class
// (sklearn's class_count_).
func (m *GaussianNB) ClassCount() []float64 { return append([]float64(nil), m.classCount...) }

// Epsilon returns the variance added to every variance (sklearn's
// epsilon_).
func (m *GaussianNB) Epsilon() float64 { return m.epsilon }

// MarshalState returns the classes, means, variances, priors, counts and
// epsilon.
func (m *GaussianNB) MarshalState() (*ml.State, error) {
	if m.theta == nil {
		return nil, ml.NotFittedError("GaussianNB")
	}
	K, p := m.theta.Dims()
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	s.SetFloats("theta", m.theta.RawMatrix().Data, K, p)
	s.SetFloats("var", m.variance.RawMatrix().Data, K, p)
	s.SetFloats("class_prior", m.classPrior)
	s.SetFloats("class_count", m.classCount)
	s.SetAttr("epsilon", m.epsilon)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *GaussianNB) UnmarshalState(s *ml.State) error {
	wrap := func(err error) error { return fmt.Errorf("GaussianNB: %w", err) }
	if s == nil {
		return wrap(fmt.Errorf("state: nil"))
	}
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return wrap(err)
	}
	K := len(classes)
	if K < 2 {
		return wrap(fmt.Errorf("state: %d classes, expected at least 2", K))
	}
	for i := 1; i < K; i++ {
		if !(classes[i] > classes[i-1]) {
			return wrap(fmt.Errorf("state: classes are not strictly increasing at index %d", i))
		}
	}
	theta, shape, err := s.Floats("theta", K, -1)
	if err != nil {
		return wrap(err)
	}
	p := shape[1]
	if p < 1 {
		return wrap(fmt.Errorf("state: theta has no features"))
	}
	variance, _, err := s.Floats("var", K, p)
	if err != nil {
		return wrap(err)
	}
	prior, _, err := s.Floats("class_prior", K)
	if err != nil {
		return wrap(err)
	}
	count, _, err := s.Floats("class_count", K)
	if err != nil {
		return wrap(err)
	}
	var eps float64
	if err := s.Attr("epsilon", &eps); err != nil {
		return wrap(err)
	}
	for i, v := range theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return wrap(fmt.Errorf("state: theta[%d] is %v", i, v))
		}
	}
	for i, v := range variance {
		if !(v > 0) || math.IsInf(v, 0) {
			return wrap(fmt.Errorf("state: var[%d] is %v, expected a positive number", i, v))
		}
	}
	for i, v := range prior {
		if !(v >= 0 && v <= 1) {
			return wrap(fmt.Errorf("state: class_prior[%d] is %v, expected a probability", i, v))
		}
	}
	m.classes = append([]float64(nil), classes...)
	m.theta = mat.NewDense(K, p, append([]float64(nil), theta...))
	m.variance = mat.NewDense(K, p, append([]float64(nil), variance...))
	m.classPrior = append([]float64(nil), prior...)
	m.classCount = append([]float64(nil), count...)
	m.epsilon = eps
	m.derive()
	return nil
}
