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
		Name:   "SVC",
		Task:   ml.Classification,
		Family: "svm",
		Doc:    "C-support vector classifier (libsvm's SMO), one-vs-one over pairs of classes, with linear, poly, rbf and sigmoid kernels.",
		New:    func() ml.Estimator { return NewSVC() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "NuSVC",
		Task:   ml.Classification,
		Family: "svm",
		Doc:    "Nu-support vector classifier (libsvm's SMO): nu bounds the fraction of margin errors and support vectors; one-vs-one over pairs of classes.",
		New:    func() ml.Estimator { return NewNuSVC() },
	})
}

// SVC is sklearn.svm.SVC: a C-support vector classifier. Each pair of
// classes (i < j, in sorted order) gets a binary machine with the samples
// of class i labelled +1 and those of class j -1, each sample's bound C
// scaled by its class's weight, solved by SMO (see the package doc).
// Predict takes the class with the most pairwise votes (the first such
// class on a tie), or with break_ties the largest ovr decision value.
type SVC struct {
	C                     float64        `json:"C" gt:"0" help:"regularisation: the bound on each dual coefficient (smaller is stronger)"`
	Kernel                string         `json:"kernel" enum:"linear,poly,rbf,sigmoid,precomputed" help:"kernel: linear, poly, rbf or sigmoid, or precomputed (X is the kernel matrix: n_samples × n_samples at fit, the kernel between the rows to predict and the training rows at predict)"`
	Degree                int            `json:"degree" min:"0" help:"degree of the poly kernel"`
	Gamma                 Gamma          `json:"gamma" help:"coefficient of the rbf, poly and sigmoid kernels: scale (1/(n_features·X.var())), auto (1/n_features) or a number ≥ 0"`
	Coef0                 float64        `json:"coef0" help:"independent term of the poly and sigmoid kernels"`
	Shrinking             bool           `json:"shrinking" help:"set aside variables at their bounds during SMO"`
	Probability           bool           `json:"probability" help:"fit Platt scaling by 5-fold cross-validation, for predict_proba"`
	Tol                   float64        `json:"tol" gt:"0" help:"stopping tolerance on the maximal violating pair"`
	CacheSize             float64        `json:"cache_size" gt:"0" help:"kernel cache size in MB"`
	ClassWeight           ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes, multiplying C: null, balanced or an object from class values to weights"`
	MaxIter               int            `json:"max_iter" min:"-1" help:"SMO iteration limit per pair of classes; -1 means none"`
	DecisionFunctionShape string         `json:"decision_function_shape" enum:"ovo,ovr" help:"decision_function columns: ovr (one per class) or ovo (one per pair of classes)"`
	BreakTies             bool           `json:"break_ties" help:"with ovr and more than two classes, predict the largest decision value instead of the most votes"`
	RandomState           int            `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the probability estimates' cross-validation (unused while probability is false); null means 0"`

	fit classifier
}

// NewSVC returns an SVC with scikit-learn's defaults: C 1, kernel rbf,
// degree 3, gamma scale, coef0 0, shrinking, tol 1e-3, cache_size 200,
// max_iter -1, decision_function_shape ovr.
func NewSVC() *SVC {
	return &SVC{C: 1, Kernel: "rbf", Degree: 3, Gamma: Gamma{Name: "scale"}, Shrinking: true, Tol: 1e-3, CacheSize: 200, MaxIter: -1, DecisionFunctionShape: "ovr"}
}

// validateClassifier checks what SVC and NuSVC share.
func validateClassifier(gamma Gamma, cw ml.ClassWeight, breakTies bool, shape string) error {
	if err := gamma.validate(); err != nil {
		return err
	}
	if err := cw.Validate("balanced"); err != nil {
		return err
	}
	if breakTies && shape == "ovo" {
		return &ml.ParamError{Param: "break_ties", Msg: `break_ties must be false when decision_function_shape is "ovo"`}
	}
	return nil
}

// Validate checks gamma, class_weight and break_ties.
func (m *SVC) Validate() error {
	return validateClassifier(m.Gamma, m.ClassWeight, m.BreakTies, m.DecisionFunctionShape)
}

// rowsOf copies X into a contiguous row-major slice and returns it.
func rowsOf(X *mat.Dense) ([]float64, int, int) {
	n, p := X.Dims()
	raw := X.RawMatrix()
	x := make([]float64, n*p)
	for i := range n {
		copy(x[i*p:(i+1)*p], raw.Data[i*raw.Stride:i*raw.Stride+p])
	}
	return x, n, p
}

// Fit trains one machine per pair of classes (libsvm's solve_c_svc: α
// from 0, p = -1).
func (m *SVC) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's C is multiplied
// by its weight, and samples of weight 0 are left out (see fitOVO).
func (m *SVC) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	cacheBytes := int64(m.CacheSize * (1 << 20))
	fit, err := fitOVO(ctx, "SVC", X, y, w, m.ClassWeight, m.C, m.Kernel, m.Degree, m.Gamma, m.Coef0, m.Probability, m.RandomState, nil, func(prog *progress, pr *pairProblem) (solution, error) {
		l := len(pr.y)
		pp := make([]float64, l)
		for t := range pp {
			pp[t] = -1
		}
		q := newSVCQ(pr.kern, pr.rows, slices.Clone(pr.y), cacheBytes, pr.pool)
		return solvePair(prog, q, pp, pr, make([]float64, l), m.Tol, m.Shrinking, m.MaxIter, false)
	})
	if err != nil {
		return err
	}
	m.fit = fit
	return nil
}

// solvePair runs the solver on a pair and signs the coefficients.
func solvePair(prog *progress, q *svcQ, pp []float64, pr *pairProblem, alpha []float64, tol float64, shrinking bool, maxIter int, nu bool) (solution, error) {
	s := solver{nu: nu}
	sol, err := s.solve(prog, len(pr.y), q, pp, slices.Clone(pr.y), alpha, slices.Clone(pr.c), tol, shrinking, maxIter)
	q.cache.release()
	if err != nil {
		return sol, err
	}
	for t := range sol.alpha {
		sol.alpha[t] *= float64(pr.y[t])
	}
	return sol, nil
}

// DecisionFunction returns, for two classes, one column (positive for the
// second class); otherwise one column per class (ovr) or one per pair of
// classes (ovo, in the order (0,1), (0,2), ..., (1,2), ..., positive for
// the first class of the pair), as scikit-learn.
func (m *SVC) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	return m.fit.decisionFunction("SVC", X, m.DecisionFunctionShape)
}

// Predict returns the class with the most pairwise votes.
func (m *SVC) Predict(X *mat.Dense) ([]float64, error) {
	return m.fit.predict("SVC", X, m.BreakTies && m.DecisionFunctionShape == "ovr")
}

// PredictProba returns the probability of each class (columns in the
// order of Classes): the Platt sigmoids of the pairs coupled as libsvm's
// svm_predict_probability. It needs probability=true at Fit.
func (m *SVC) PredictProba(X *mat.Dense) (*mat.Dense, error) { return m.fit.predictProba("SVC", X) }

// HasPredictProba reports whether PredictProba is available: with
// probability=true, as in scikit-learn.
func (m *SVC) HasPredictProba() bool { return m.Probability }

// ProbA returns the Platt sigmoids' slopes of the pairs (sklearn's
// probA_), empty without probability.
func (m *SVC) ProbA() []float64 { return slices.Clone(m.fit.m.probA) }

// ProbB returns the Platt sigmoids' offsets (sklearn's probB_).
func (m *SVC) ProbB() []float64 { return slices.Clone(m.fit.m.probB) }

// Classes returns the sorted class values (sklearn's classes_).
func (m *SVC) Classes() []float64 { return slices.Clone(m.fit.classes) }

// Support returns the training rows of the support vectors, grouped by
// class (sklearn's support_).
func (m *SVC) Support() []int { return slices.Clone(m.fit.m.support) }

// SupportVectors returns the support vectors (sklearn's
// support_vectors_), nil before Fit.
func (m *SVC) SupportVectors() *mat.Dense { return m.fit.m.supportVectors() }

// NSupport returns the number of support vectors of each class
// (sklearn's n_support_).
func (m *SVC) NSupport() []int { return slices.Clone(m.fit.m.nSupport) }

// DualCoef returns sklearn's dual_coef_: (k-1) × n_SV, libsvm's sv_coef
// with the sign flipped for two classes, as scikit-learn does.
func (m *SVC) DualCoef() *mat.Dense { return m.fit.dualCoef() }

// Intercept returns sklearn's intercept_: -rho per pair of classes, +rho
// for two classes.
func (m *SVC) Intercept() []float64 { return m.fit.intercept() }

// GammaValue returns the kernel coefficient used (sklearn's _gamma).
func (m *SVC) GammaValue() float64 { return m.fit.m.kernel.gamma }

// NIter returns the SMO iterations of each pair of classes (sklearn's
// n_iter_).
func (m *SVC) NIter() []int { return slices.Clone(m.fit.m.nIter) }

// Converged reports whether every SMO run met tol before max_iter (false
// is scikit-learn's fit_status_ 1, with a ConvergenceWarning).
func (m *SVC) Converged() bool { return m.fit.m.converged }

// MarshalState returns the classes and the libsvm model.
func (m *SVC) MarshalState() (*ml.State, error) { return m.fit.marshal("SVC") }

// UnmarshalState restores state written by MarshalState.
func (m *SVC) UnmarshalState(s *ml.State) error { return m.fit.unmarshal("SVC", s) }

// EstimateMemory bounds Fit's memory (see estimateSMO): the largest pair
// of classes has at most n samples; probability adds five solves per
// pair.
func (m *SVC) EstimateMemory(n, p, k int) int64 {
	return estimateClassifier(n, p, k, m.CacheSize, m.Probability)
}

func estimateClassifier(n, p, k int, cacheMB float64, probability bool) int64 {
	k = max(k, 2)
	solves := k - 1
	if probability {
		solves *= 6
	}
	return estimateSMO(n, p, k, n, solves, cacheMB, n)
}

// NuSVC is sklearn.svm.NuSVC: the ν-formulation of SVC, where nu in (0, 1]
// is an upper bound on the fraction of margin errors and a lower bound on
// the fraction of support vectors of each pair's problem (libsvm's
// solve_nu_svc: the ν solver from a feasible α, then α and rho scaled by
// 1/r).
type NuSVC struct {
	Nu                    float64        `json:"nu" gt:"0" max:"1" help:"upper bound on the fraction of margin errors, lower bound on the fraction of support vectors"`
	Kernel                string         `json:"kernel" enum:"linear,poly,rbf,sigmoid,precomputed" help:"kernel: linear, poly, rbf or sigmoid, or precomputed (X is the kernel matrix: n_samples × n_samples at fit, the kernel between the rows to predict and the training rows at predict)"`
	Degree                int            `json:"degree" min:"0" help:"degree of the poly kernel"`
	Gamma                 Gamma          `json:"gamma" help:"coefficient of the rbf, poly and sigmoid kernels: scale (1/(n_features·X.var())), auto (1/n_features) or a number ≥ 0"`
	Coef0                 float64        `json:"coef0" help:"independent term of the poly and sigmoid kernels"`
	Shrinking             bool           `json:"shrinking" help:"set aside variables at their bounds during SMO"`
	Probability           bool           `json:"probability" help:"fit Platt scaling by 5-fold cross-validation, for predict_proba"`
	Tol                   float64        `json:"tol" gt:"0" help:"stopping tolerance on the maximal violating pair"`
	CacheSize             float64        `json:"cache_size" gt:"0" help:"kernel cache size in MB"`
	ClassWeight           ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes: null, balanced or an object from class values to weights; checked, but as in scikit-learn 1.2 they do not change the ν problem"`
	MaxIter               int            `json:"max_iter" min:"-1" help:"SMO iteration limit per pair of classes; -1 means none"`
	DecisionFunctionShape string         `json:"decision_function_shape" enum:"ovo,ovr" help:"decision_function columns: ovr (one per class) or ovo (one per pair of classes)"`
	BreakTies             bool           `json:"break_ties" help:"with ovr and more than two classes, predict the largest decision value instead of the most votes"`
	RandomState           int            `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the probability estimates' cross-validation (unused while probability is false); null means 0"`

	fit classifier
}

// NewNuSVC returns a NuSVC with scikit-learn's defaults: nu 0.5, kernel
// rbf, degree 3, gamma scale, coef0 0, shrinking, tol 1e-3, cache_size
// 200, max_iter -1, decision_function_shape ovr.
func NewNuSVC() *NuSVC {
	return &NuSVC{Nu: 0.5, Kernel: "rbf", Degree: 3, Gamma: Gamma{Name: "scale"}, Shrinking: true, Tol: 1e-3, CacheSize: 200, MaxIter: -1, DecisionFunctionShape: "ovr"}
}

// Validate checks gamma, class_weight and break_ties.
func (m *NuSVC) Validate() error {
	return validateClassifier(m.Gamma, m.ClassWeight, m.BreakTies, m.DecisionFunctionShape)
}

// Fit trains one ν machine per pair of classes.
func (m *NuSVC) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): libsvm's solve_nu_svc bounds
// each α by its sample's weight, and samples of weight 0 are left out.
func (m *NuSVC) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	cacheBytes := int64(m.CacheSize * (1 << 20))
	feasible := func(counts []float64) error {
		// libsvm's svm_check_parameter: each pair needs nu·(n1+n2)/2 ≤
		// min(n1, n2).
		for i := range counts {
			for j := i + 1; j < len(counts); j++ {
				if m.Nu*(counts[i]+counts[j])/2 > min(counts[i], counts[j]) {
					return &ml.ParamError{Param: "nu", Msg: fmt.Sprintf("nu %v is infeasible: classes of %v and %v samples need nu ≤ %.4g", m.Nu, counts[i], counts[j], 2*min(counts[i], counts[j])/(counts[i]+counts[j]))}
				}
			}
		}
		return nil
	}
	fit, err := fitOVO(ctx, "NuSVC", X, y, w, m.ClassWeight, 1, m.Kernel, m.Degree, m.Gamma, m.Coef0, m.Probability, m.RandomState, feasible, func(prog *progress, pr *pairProblem) (solution, error) {
		l := len(pr.y)
		// scikit-learn 1.2 leaves class_weight out of ν-SVC (libsvm's
		// solve_nu_svc bounds every α by the sample's weight, 1 here):
		// the weights are checked but change nothing.
		for t := range pr.c {
			pr.c[t] = 1
			if pr.sw != nil {
				pr.c[t] = pr.sw[t]
			}
		}
		nuL := 0.0
		for _, c := range pr.c {
			nuL += m.Nu * c
		}
		sumPos, sumNeg := nuL/2, nuL/2
		alpha := make([]float64, l)
		for t := range l {
			if pr.y[t] == 1 {
				alpha[t] = min(pr.c[t], sumPos)
				sumPos -= alpha[t]
			} else {
				alpha[t] = min(pr.c[t], sumNeg)
				sumNeg -= alpha[t]
			}
		}
		q := newSVCQ(pr.kern, pr.rows, slices.Clone(pr.y), cacheBytes, pr.pool)
		sol, err := solvePair(prog, q, make([]float64, l), pr, alpha, m.Tol, m.Shrinking, m.MaxIter, true)
		if err != nil {
			return sol, err
		}
		for t := range sol.alpha {
			sol.alpha[t] /= sol.r
		}
		sol.rho /= sol.r
		return sol, nil
	})
	if err != nil {
		return err
	}
	m.fit = fit
	return nil
}

// DecisionFunction is SVC's.
func (m *NuSVC) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	return m.fit.decisionFunction("NuSVC", X, m.DecisionFunctionShape)
}

// Predict returns the class with the most pairwise votes.
func (m *NuSVC) Predict(X *mat.Dense) ([]float64, error) {
	return m.fit.predict("NuSVC", X, m.BreakTies && m.DecisionFunctionShape == "ovr")
}

// PredictProba returns the probability of each class (columns in the
// order of Classes): the Platt sigmoids of the pairs coupled as libsvm's
// svm_predict_probability. It needs probability=true at Fit.
func (m *NuSVC) PredictProba(X *mat.Dense) (*mat.Dense, error) { return m.fit.predictProba("NuSVC", X) }

// HasPredictProba reports whether PredictProba is available: with
// probability=true, as in scikit-learn.
func (m *NuSVC) HasPredictProba() bool { return m.Probability }

// ProbA returns the Platt sigmoids' slopes of the pairs (sklearn's
// probA_), empty without probability.
func (m *NuSVC) ProbA() []float64 { return slices.Clone(m.fit.m.probA) }

// ProbB returns the Platt sigmoids' offsets (sklearn's probB_).
func (m *NuSVC) ProbB() []float64 { return slices.Clone(m.fit.m.probB) }

// Classes returns the sorted class values (sklearn's classes_).
func (m *NuSVC) Classes() []float64 { return slices.Clone(m.fit.classes) }

// Support returns sklearn's support_.
func (m *NuSVC) Support() []int { return slices.Clone(m.fit.m.support) }

// SupportVectors returns sklearn's support_vectors_.
func (m *NuSVC) SupportVectors() *mat.Dense { return m.fit.m.supportVectors() }

// NSupport returns sklearn's n_support_.
func (m *NuSVC) NSupport() []int { return slices.Clone(m.fit.m.nSupport) }

// DualCoef returns sklearn's dual_coef_.
func (m *NuSVC) DualCoef() *mat.Dense { return m.fit.dualCoef() }

// Intercept returns sklearn's intercept_.
func (m *NuSVC) Intercept() []float64 { return m.fit.intercept() }

// GammaValue returns the kernel coefficient used (sklearn's _gamma).
func (m *NuSVC) GammaValue() float64 { return m.fit.m.kernel.gamma }

// NIter returns sklearn's n_iter_.
func (m *NuSVC) NIter() []int { return slices.Clone(m.fit.m.nIter) }

// Converged reports whether every SMO run met tol before max_iter.
func (m *NuSVC) Converged() bool { return m.fit.m.converged }

// MarshalState returns the classes and the libsvm model.
func (m *NuSVC) MarshalState() (*ml.State, error) { return m.fit.marshal("NuSVC") }

// UnmarshalState restores state written by MarshalState.
func (m *NuSVC) UnmarshalState(s *ml.State) error { return m.fit.unmarshal("NuSVC", s) }

// EstimateMemory bounds Fit's memory as SVC's.
func (m *NuSVC) EstimateMemory(n, p, k int) int64 {
	return estimateClassifier(n, p, k, m.CacheSize, m.Probability)
}
