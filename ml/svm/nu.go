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
		Name:   "NuSVR",
		Task:   ml.Regression,
		Family: "svm",
		Doc:    "Nu-support vector regression (libsvm's SMO): nu bounds the fraction of support vectors and sets the tube's width.",
		New:    func() ml.Estimator { return NewNuSVR() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "OneClassSVM",
		Task:   ml.Clustering,
		Family: "svm",
		Doc:    "Unsupervised outlier detection (libsvm's one-class SVM): predicts +1 for inliers and -1 for outliers.",
		New:    func() ml.Estimator { return NewOneClassSVM() },
	})
}

// NuSVR is sklearn.svm.NuSVR: ν-support vector regression, where nu in
// (0, 1] bounds the fraction of support vectors and the tube's width ε is
// found by the solver (libsvm's solve_nu_svr).
type NuSVR struct {
	Nu        float64 `json:"nu" gt:"0" max:"1" help:"upper bound on the fraction of training errors, lower bound on the fraction of support vectors"`
	C         float64 `json:"C" gt:"0" help:"regularisation: the bound on each dual coefficient (smaller is stronger)"`
	Kernel    string  `json:"kernel" enum:"linear,poly,rbf,sigmoid,precomputed" help:"kernel: linear, poly, rbf or sigmoid, or precomputed (X is the kernel matrix: n_samples × n_samples at fit, the kernel between the rows to predict and the training rows at predict)"`
	Degree    int     `json:"degree" min:"0" help:"degree of the poly kernel"`
	Gamma     Gamma   `json:"gamma" help:"coefficient of the rbf, poly and sigmoid kernels: scale (1/(n_features·X.var())), auto (1/n_features) or a number ≥ 0"`
	Coef0     float64 `json:"coef0" help:"independent term of the poly and sigmoid kernels"`
	Shrinking bool    `json:"shrinking" help:"set aside variables at their bounds during SMO"`
	Tol       float64 `json:"tol" gt:"0" help:"stopping tolerance on the maximal violating pair"`
	CacheSize float64 `json:"cache_size" gt:"0" help:"kernel cache size in MB"`
	MaxIter   int     `json:"max_iter" min:"-1" help:"SMO iteration limit; -1 means none"`

	m model
}

// NewNuSVR returns a NuSVR with scikit-learn's defaults: nu 0.5, C 1,
// kernel rbf, degree 3, gamma scale, coef0 0, shrinking, tol 1e-3,
// cache_size 200, max_iter -1.
func NewNuSVR() *NuSVR {
	return &NuSVR{Nu: 0.5, C: 1, Kernel: "rbf", Degree: 3, Gamma: Gamma{Name: "scale"}, Shrinking: true, Tol: 1e-3, CacheSize: 200, MaxIter: -1}
}

// Validate checks gamma.
func (m *NuSVR) Validate() error { return m.Gamma.validate() }

// Fit solves the ν-SVR dual from libsvm's feasible start.
func (m *NuSVR) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's C is multiplied
// by its weight (the feasible start sums nu·C_i), and the samples of
// weight 0 are left out, as SVR's.
func (m *NuSVR) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
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
		if x, p, err = precomputedRows("NuSVR", x, n, p); err != nil {
			return err
		}
	}
	x, y, w, keep := positiveRows(x, n, p, y, w)
	n = len(y)
	l := n
	pp := make([]float64, 2*l)
	yy := make([]int8, 2*l)
	cc := make([]float64, 2*l)
	alpha := make([]float64, 2*l)
	sum := m.C * m.Nu * float64(l) / 2
	if w != nil { // libsvm's weighted start: Σ C_i·nu / 2
		sum = 0
		for i := range l {
			sum += w[i] * m.C * m.Nu
		}
		sum /= 2
	}
	for i := range l {
		ci := m.C
		if w != nil {
			ci = w[i] * m.C
		}
		a := min(sum, ci)
		alpha[i], alpha[i+l] = a, a
		sum -= a
		pp[i], yy[i] = -y[i], 1
		pp[i+l], yy[i+l] = y[i], -1
		cc[i], cc[i+l] = ci, ci
	}
	fit, err := solveRegression(ctx, "NuSVR", kern, x, n, p, pp, yy, alpha, cc, m.Tol, m.Shrinking, m.MaxIter, m.CacheSize, true)
	if err != nil {
		return err
	}
	fit.mapSupport(keep)
	m.m = fit
	return nil
}

// Predict returns the regression function at each row.
func (m *NuSVR) Predict(X *mat.Dense) ([]float64, error) { return m.m.predictRegression("NuSVR", X) }

// Support returns sklearn's support_.
func (m *NuSVR) Support() []int { return slices.Clone(m.m.support) }

// SupportVectors returns sklearn's support_vectors_.
func (m *NuSVR) SupportVectors() *mat.Dense { return m.m.supportVectors() }

// DualCoef returns sklearn's dual_coef_ (one row).
func (m *NuSVR) DualCoef() []float64 { return slices.Clone(m.m.coef) }

// Intercept returns sklearn's intercept_ (-rho).
func (m *NuSVR) Intercept() float64 { return -first(m.m.rho) }

// GammaValue returns the kernel coefficient used (sklearn's _gamma).
func (m *NuSVR) GammaValue() float64 { return m.m.kernel.gamma }

// NIter returns sklearn's n_iter_.
func (m *NuSVR) NIter() int { return int(first(intsToFloats(m.m.nIter))) }

// Converged reports whether SMO met tol before max_iter.
func (m *NuSVR) Converged() bool { return m.m.converged }

// MarshalState returns the libsvm model.
func (m *NuSVR) MarshalState() (*ml.State, error) {
	if !m.m.fitted() {
		return nil, ml.NotFittedError("NuSVR")
	}
	s := ml.NewState()
	m.m.putState(s)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *NuSVR) UnmarshalState(s *ml.State) error {
	var fit model
	if err := fit.getState(s, 1); err != nil {
		return fmt.Errorf("NuSVR: %w", err)
	}
	m.m = fit
	return nil
}

// EstimateMemory bounds Fit's memory as SVR's.
func (m *NuSVR) EstimateMemory(n, p, k int) int64 {
	return estimateSMO(n, p, 1, 2*n, 1, m.CacheSize, n)
}

func first(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

func intsToFloats(v []int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// OneClassSVM is sklearn.svm.OneClassSVM: it separates the training data
// from the origin in feature space (libsvm's solve_one_class, nu in (0, 1]
// bounding the fraction of outliers); Predict is +1 where the decision
// function is positive and -1 elsewhere.
type OneClassSVM struct {
	Kernel    string  `json:"kernel" enum:"linear,poly,rbf,sigmoid,precomputed" help:"kernel: linear, poly, rbf or sigmoid, or precomputed (X is the kernel matrix: n_samples × n_samples at fit, the kernel between the rows to predict and the training rows at predict)"`
	Degree    int     `json:"degree" min:"0" help:"degree of the poly kernel"`
	Gamma     Gamma   `json:"gamma" help:"coefficient of the rbf, poly and sigmoid kernels: scale (1/(n_features·X.var())), auto (1/n_features) or a number ≥ 0"`
	Coef0     float64 `json:"coef0" help:"independent term of the poly and sigmoid kernels"`
	Tol       float64 `json:"tol" gt:"0" help:"stopping tolerance on the maximal violating pair"`
	Nu        float64 `json:"nu" gt:"0" max:"1" help:"upper bound on the fraction of training errors, lower bound on the fraction of support vectors"`
	Shrinking bool    `json:"shrinking" help:"set aside variables at their bounds during SMO"`
	CacheSize float64 `json:"cache_size" gt:"0" help:"kernel cache size in MB"`
	MaxIter   int     `json:"max_iter" min:"-1" help:"SMO iteration limit; -1 means none"`

	m model
}

// NewOneClassSVM returns a OneClassSVM with scikit-learn's defaults:
// kernel rbf, degree 3, gamma scale, coef0 0, tol 1e-3, nu 0.5,
// shrinking, cache_size 200, max_iter -1.
func NewOneClassSVM() *OneClassSVM {
	return &OneClassSVM{Kernel: "rbf", Degree: 3, Gamma: Gamma{Name: "scale"}, Tol: 1e-3, Nu: 0.5, Shrinking: true, CacheSize: 200, MaxIter: -1}
}

// Validate checks gamma.
func (m *OneClassSVM) Validate() error { return m.Gamma.validate() }

// Fit solves the one-class dual; y is ignored.
func (m *OneClassSVM) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	return m.FitWeighted(ctx, X, nil, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, sample_weight=w): each α is bounded by its
// sample's weight (the feasible start carries Σ nu·w_i), and the samples
// of weight 0 are left out, as SVR's.
func (m *OneClassSVM) FitWeighted(ctx context.Context, X *mat.Dense, _, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckX(X, 0); err != nil {
		return err
	}
	x, n, p := rowsOf(X)
	if err := ml.CheckSampleWeight(w, n); err != nil {
		return err
	}
	kern := kernelOf(m.Kernel, m.Degree, m.Gamma, m.Coef0, x, p)
	if kern.kind == kPrecomputed {
		var err error
		if x, p, err = precomputedRows("OneClassSVM", x, n, p); err != nil {
			return err
		}
	}
	x, _, w, keep := positiveRows(x, n, p, nil, w)
	if keep != nil {
		n = len(keep)
	}
	l := n
	// The feasible start: the first ⌈nu·l⌉ variables carry nu·l in all,
	// at most 1 each (scikit-learn's libsvm sums nu once per sample).
	alpha := make([]float64, l)
	cc := make([]float64, l)
	nuL := 0.0
	for i := range l {
		cc[i] = 1
		if w != nil {
			cc[i] = w[i]
		}
		nuL += cc[i] * m.Nu
	}
	for i := 0; i < l && nuL > 0; i++ {
		alpha[i] = min(cc[i], nuL)
		nuL -= alpha[i]
	}
	yy := make([]int8, l)
	rows := make([][]float64, l)
	for i := range l {
		yy[i] = 1
		rows[i] = x[i*p : (i+1)*p]
	}
	rep := ml.ProgressFrom(ctx)
	prog := &progress{ctx: ctx, rep: rep, msg: "OneClassSVM: SMO"}
	q := newSVCQ(kern, rows, slices.Clone(yy), int64(m.CacheSize*(1<<20)), nil)
	var s solver
	sol, err := s.solve(prog, l, q, make([]float64, l), yy, alpha, cc, m.Tol, m.Shrinking, m.MaxIter)
	if err != nil {
		return err
	}
	if !sol.converged {
		rep.Report(ml.Event{Kind: "log", Message: convergenceMessage("OneClassSVM", sol.iters)})
	}
	var fit model
	fit.kernel = kern
	fit.support, fit.coef = []int{}, []float64{}
	for i, a := range sol.alpha {
		if a != 0 {
			fit.support = append(fit.support, i)
			fit.coef = append(fit.coef, a)
		}
	}
	fit.nSupport = []int{len(fit.support)}
	fit.rho, fit.nIter, fit.converged = []float64{sol.rho}, []int{sol.iters}, sol.converged
	if err := fit.checkFitted(); err != nil {
		return err
	}
	fit.setSV(x, p, fit.support)
	fit.mapSupport(keep)
	m.m = fit
	return nil
}

// DecisionFunction returns Σ α·K(sv, x) - rho: positive for inliers, one
// column.
func (m *OneClassSVM) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	v, err := m.m.predictRegression("OneClassSVM", X)
	if err != nil {
		return nil, err
	}
	return mat.NewDense(len(v), 1, v), nil
}

// ScoreSamples returns the decision function plus rho (sklearn's
// score_samples).
func (m *OneClassSVM) ScoreSamples(X *mat.Dense) ([]float64, error) {
	v, err := m.m.predictRegression("OneClassSVM", X)
	if err != nil {
		return nil, err
	}
	for i := range v {
		v[i] += m.m.rho[0]
	}
	return v, nil
}

// Predict returns +1 for rows with a positive decision value, -1 for the
// others (outliers).
func (m *OneClassSVM) Predict(X *mat.Dense) ([]float64, error) {
	v, err := m.m.predictRegression("OneClassSVM", X)
	if err != nil {
		return nil, err
	}
	for i, d := range v {
		v[i] = -1
		if d > 0 {
			v[i] = 1
		}
	}
	return v, nil
}

// Support returns sklearn's support_.
func (m *OneClassSVM) Support() []int { return slices.Clone(m.m.support) }

// SupportVectors returns sklearn's support_vectors_.
func (m *OneClassSVM) SupportVectors() *mat.Dense { return m.m.supportVectors() }

// DualCoef returns sklearn's dual_coef_ (one row).
func (m *OneClassSVM) DualCoef() []float64 { return slices.Clone(m.m.coef) }

// Intercept returns sklearn's intercept_ (-rho); offset_ is rho.
func (m *OneClassSVM) Intercept() float64 { return -first(m.m.rho) }

// GammaValue returns the kernel coefficient used (sklearn's _gamma).
func (m *OneClassSVM) GammaValue() float64 { return m.m.kernel.gamma }

// NIter returns sklearn's n_iter_.
func (m *OneClassSVM) NIter() int { return int(first(intsToFloats(m.m.nIter))) }

// MarshalState returns the libsvm model.
func (m *OneClassSVM) MarshalState() (*ml.State, error) {
	if !m.m.fitted() {
		return nil, ml.NotFittedError("OneClassSVM")
	}
	s := ml.NewState()
	m.m.putState(s)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *OneClassSVM) UnmarshalState(s *ml.State) error {
	var fit model
	if err := fit.getState(s, 1); err != nil {
		return fmt.Errorf("OneClassSVM: %w", err)
	}
	m.m = fit
	return nil
}

// EstimateMemory bounds Fit's memory: n variables, the cache over the n
// samples.
func (m *OneClassSVM) EstimateMemory(n, p, k int) int64 {
	return estimateSMO(n, p, 1, n, 1, m.CacheSize, n)
}
