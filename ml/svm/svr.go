package svm

import (
	"context"
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "SVR",
		Task:   ml.Regression,
		Family: "svm",
		Doc:    "Epsilon-support vector regression (libsvm's SMO) with linear, poly, rbf and sigmoid kernels.",
		New:    func() ml.Estimator { return NewSVR() },
	})
}

// SVR is sklearn.svm.SVR: ε-support vector regression. The dual has two
// variables per sample (libsvm's 2l formulation), 0 ≤ α, α* ≤ C, and the
// prediction is Σ (α - α*)·K(sv, x) + intercept.
type SVR struct {
	Kernel    string  `json:"kernel" enum:"linear,poly,rbf,sigmoid,precomputed" help:"kernel: linear, poly, rbf or sigmoid, or precomputed (X is the kernel matrix: n_samples × n_samples at fit, the kernel between the rows to predict and the training rows at predict)"`
	Degree    int     `json:"degree" min:"0" help:"degree of the poly kernel"`
	Gamma     Gamma   `json:"gamma" help:"coefficient of the rbf, poly and sigmoid kernels: scale (1/(n_features·X.var())), auto (1/n_features) or a number ≥ 0"`
	Coef0     float64 `json:"coef0" help:"independent term of the poly and sigmoid kernels"`
	Tol       float64 `json:"tol" gt:"0" help:"stopping tolerance on the maximal violating pair"`
	C         float64 `json:"C" gt:"0" help:"regularisation: the bound on each dual coefficient (smaller is stronger)"`
	Epsilon   float64 `json:"epsilon" min:"0" help:"half-width of the tube within which errors cost nothing"`
	Shrinking bool    `json:"shrinking" help:"set aside variables at their bounds during SMO"`
	CacheSize float64 `json:"cache_size" gt:"0" help:"kernel cache size in MB"`
	MaxIter   int     `json:"max_iter" min:"-1" help:"SMO iteration limit; -1 means none"`

	m model
}

// NewSVR returns an SVR with scikit-learn's defaults: kernel rbf, degree
// 3, gamma scale, coef0 0, tol 1e-3, C 1, epsilon 0.1, shrinking,
// cache_size 200, max_iter -1.
func NewSVR() *SVR {
	return &SVR{Kernel: "rbf", Degree: 3, Gamma: Gamma{Name: "scale"}, Tol: 1e-3, C: 1, Epsilon: 0.1, Shrinking: true, CacheSize: 200, MaxIter: -1}
}

// Validate checks gamma.
func (m *SVR) Validate() error { return m.Gamma.validate() }

// Fit solves the ε-SVR dual.
func (m *SVR) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's C is multiplied
// by its weight and the samples of weight 0 are left out (gamma "scale"
// still sees every row; support_ indexes the rows of X).
func (m *SVR) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
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
	x, n, p := rowsOf(X)
	kern := kernelOf(m.Kernel, m.Degree, m.Gamma, m.Coef0, x, p)
	if kern.kind == kPrecomputed {
		var err error
		if x, p, err = precomputedRows("SVR", x, n, p); err != nil {
			return err
		}
	}
	x, y, w, keep := positiveRows(x, n, p, y, w)
	n = len(y)
	l := n
	pp := make([]float64, 2*l)
	yy := make([]int8, 2*l)
	cc := make([]float64, 2*l)
	for i := range l {
		pp[i], yy[i] = m.Epsilon-y[i], 1
		pp[i+l], yy[i+l] = m.Epsilon+y[i], -1
		cc[i], cc[i+l] = m.C, m.C
		if w != nil {
			cc[i], cc[i+l] = w[i]*m.C, w[i]*m.C
		}
	}
	fit, err := solveRegression(ctx, "SVR", kern, x, n, p, pp, yy, make([]float64, 2*l), cc, m.Tol, m.Shrinking, m.MaxIter, m.CacheSize, false)
	if err != nil {
		return err
	}
	fit.mapSupport(keep)
	m.m = fit
	return nil
}

// solveRegression runs the solver on libsvm's 2l-variable regression
// problem and keeps the samples whose α - α* is not zero.
func solveRegression(ctx context.Context, class string, kern kernelSpec, x []float64, n, p int, pp []float64, yy []int8, alpha, cc []float64, tol float64, shrinking bool, maxIter int, cacheMB float64, nu bool) (model, error) {
	rep := ml.ProgressFrom(ctx)
	prog := &progress{ctx: ctx, rep: rep, msg: class + ": SMO"}
	rows := make([][]float64, n)
	for i := range n {
		rows[i] = x[i*p : (i+1)*p]
	}
	q := newSVRQ(kern, rows, int64(cacheMB*(1<<20)))
	s := solver{nu: nu}
	sol, err := s.solve(prog, 2*n, q, pp, yy, alpha, cc, tol, shrinking, maxIter)
	if err != nil {
		return model{}, err
	}
	if !sol.converged {
		rep.Report(ml.Event{Kind: "log", Message: convergenceMessage(class, maxIter)})
	}
	var fit model
	fit.kernel = kern
	for i := range n {
		if a := sol.alpha[i] - sol.alpha[i+n]; a != 0 {
			fit.support = append(fit.support, i)
			fit.coef = append(fit.coef, a)
		}
	}
	if fit.coef == nil {
		fit.coef = []float64{}
	}
	fit.nSupport = []int{len(fit.support)}
	fit.rho = []float64{sol.rho}
	fit.nIter = []int{sol.iters}
	fit.converged = sol.converged
	if err := fit.checkFitted(); err != nil {
		return model{}, err
	}
	fit.setSV(x, p, fit.support)
	if fit.support == nil {
		fit.support = []int{}
	}
	return fit, nil
}

// predictRegression returns Σ coef·K(sv, x) - rho for each row.
func (m *model) predictRegression(class string, X *mat.Dense) ([]float64, error) {
	if !m.fitted() {
		return nil, ml.NotFittedError(class)
	}
	if err := m.checkPredictX(class, X); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	out := make([]float64, n)
	m.kernelValues(X, func(i int, kv []float64) { out[i] = m.value(kv) })
	return out, nil
}

// Predict returns the regression function at each row.
func (m *SVR) Predict(X *mat.Dense) ([]float64, error) { return m.m.predictRegression("SVR", X) }

// Support returns the training rows of the support vectors (sklearn's
// support_).
func (m *SVR) Support() []int { return slices.Clone(m.m.support) }

// SupportVectors returns the support vectors (sklearn's
// support_vectors_), nil before Fit or without any.
func (m *SVR) SupportVectors() *mat.Dense { return m.m.supportVectors() }

// DualCoef returns α - α* of each support vector (sklearn's dual_coef_,
// one row).
func (m *SVR) DualCoef() []float64 { return slices.Clone(m.m.coef) }

// Intercept returns sklearn's intercept_ (-rho).
func (m *SVR) Intercept() float64 {
	if len(m.m.rho) == 0 {
		return 0
	}
	return -m.m.rho[0]
}

// GammaValue returns the kernel coefficient used (sklearn's _gamma).
func (m *SVR) GammaValue() float64 { return m.m.kernel.gamma }

// NIter returns the SMO iterations (sklearn's n_iter_).
func (m *SVR) NIter() int {
	if len(m.m.nIter) == 0 {
		return 0
	}
	return m.m.nIter[0]
}

// Converged reports whether SMO met tol before max_iter.
func (m *SVR) Converged() bool { return m.m.converged }

// MarshalState returns the libsvm model.
func (m *SVR) MarshalState() (*ml.State, error) {
	if !m.m.fitted() {
		return nil, ml.NotFittedError("SVR")
	}
	s := ml.NewState()
	m.m.putState(s)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *SVR) UnmarshalState(s *ml.State) error {
	var fit model
	if err := fit.getState(s, 1); err != nil {
		return fmt.Errorf("SVR: %w", err)
	}
	m.m = fit
	return nil
}

// EstimateMemory bounds Fit's memory (see estimateSMO): 2n variables, the
// cache over the n samples and two 2n float32 column buffers.
func (m *SVR) EstimateMemory(n, p, k int) int64 {
	return estimateSMO(n, p, 1, 2*n, 1, m.CacheSize, n)
}
