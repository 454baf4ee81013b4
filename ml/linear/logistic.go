package linear

import (
	"context"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/internal/lbfgs"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "LogisticRegression",
		Task:   ml.Classification,
		Family: "linear",
		Doc:    "Logistic regression (binary, one-vs-rest or multinomial) with an L2 penalty fitted by L-BFGS, L1, L2 or elastic-net penalties fitted by SAGA, or L1 and L2 (one-vs-rest) by liblinear's solvers.",
		New:    func() ml.Estimator { return NewLogisticRegression() },
	})
}

// LogisticRegression is a linear classifier fitted by maximum likelihood,
// like sklearn.linear_model.LogisticRegression with solver "lbfgs" or
// "saga", or "liblinear" (see liblinear.go: TRON for l2, dual coordinate
// descent for l2 with dual, newGLMNET for l1; intercept_scaling; always
// one-vs-rest; n_iter_ one count per binary problem).
//
// Solver "saga" runs scikit-learn's sag_fast step for step: the step size
// of get_auto_step_size, just-in-time L2 rescaling and L1 proximal steps,
// the sample order of make_dataset's seed (RandomState(random_state)), and
// the stopping rule max |Δw| ≤ tol·max |w| per epoch (max_iter epochs); it
// takes penalties l1, l2, elasticnet (with l1_ratio) and none. Solver
// "lbfgs" takes l2 and none, as scikit-learn. Both take class_weight, which
// weighs each sample's loss as _logistic_regression_path does.
//
// It minimises scikit-learn's objective exactly: the sum over samples of the
// log-loss plus ||W||²/(2C) (no penalty with penalty "none"; intercepts are
// never penalised), by L-BFGS with scipy's settings (gtol = tol,
// maxiter = max_iter, memory 10), so the coefficients agree with
// scikit-learn's. With two classes it fits one logit for the second class
// (Coef is 1 × n_features, DecisionFunction has one column); with more,
// multi_class "auto" means "multinomial" (softmax over one logit per class),
// and "ovr" fits one binary problem per class.
//
// Each iteration is reported to ml.ProgressFrom(ctx) as an "iter" event with
// the objective as its loss (for one-vs-rest, the steps of the per-class
// fits count on from each other, out of max_iter × n_classes). If L-BFGS stops at max_iter before converging,
// Fit keeps the result, as scikit-learn does, reports a "log" event saying
// so, and Converged returns false.
type LogisticRegression struct {
	Penalty      string         `json:"penalty" enum:"l2,none,l1,elasticnet" nullable:"true" help:"l2, l1 (saga, liblinear), elasticnet (saga) or none (null and \"\" also mean none; not liblinear)"`
	C            float64        `json:"C" gt:"0" help:"inverse of the regularisation strength"`
	FitIntercept bool           `json:"fit_intercept" help:"whether to fit an intercept (not penalised, except by liblinear)"`
	MaxIter      int            `json:"max_iter" min:"0" help:"maximum number of L-BFGS iterations, or of saga epochs"`
	Tol          float64        `json:"tol" min:"0" help:"lbfgs: stop when the largest gradient component is at most tol; saga: when the largest weight change over an epoch is at most tol times the largest weight"`
	Solver       string         `json:"solver" enum:"lbfgs,saga,liblinear" help:"optimiser: lbfgs (penalties l2, none), saga (all penalties) or liblinear (l1, l2; one-vs-rest)"`
	MultiClass   string         `json:"multi_class" enum:"auto,ovr,multinomial" help:"auto (multinomial for more than two classes, except with liblinear), ovr or multinomial (not liblinear)"`
	L1Ratio      *float64       `json:"l1_ratio" nullable:"true" type:"float" help:"elasticnet mixing, 0 (l2) to 1 (l1); used only with penalty elasticnet"`
	ClassWeight  ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes (they scale each sample's loss): null, balanced or an object from class values to weights"`
	RandomState  int64          `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"saga, liblinear: seed of the sample or coordinate order (drawn as scikit-learn draws it); null means 0; lbfgs uses no randomness"`

	// liblinear's parameters (liblinear.go).
	Dual             bool    `json:"dual" help:"liblinear with penalty l2 only: solve the dual problem by coordinate descent instead of the primal by trust-region Newton"`
	InterceptScaling float64 `json:"intercept_scaling" gt:"0" help:"liblinear only: the value of the synthetic constant feature whose weight, penalised like the others, times intercept_scaling is the intercept"`

	classes     []float64
	coef        *mat.Dense // k × p, k = 1 for two classes
	intercept   []float64
	nIter       []int
	converged   bool
	multinomial bool
}

// NewLogisticRegression returns a LogisticRegression with scikit-learn 1.2's
// defaults: penalty "l2", C 1, fit_intercept true, max_iter 100, tol 1e-4,
// solver "lbfgs", multi_class "auto".
func NewLogisticRegression() *LogisticRegression {
	return &LogisticRegression{Penalty: "l2", C: 1, FitIntercept: true, InterceptScaling: 1, MaxIter: 100, Tol: 1e-4, Solver: "lbfgs", MultiClass: "auto"}
}

// Validate checks the combinations of penalty, solver, l1_ratio and
// class_weight that scikit-learn refuses, with its messages.
func (m *LogisticRegression) Validate() error {
	if err := m.ClassWeight.Validate("balanced"); err != nil {
		return err
	}
	pen := m.Penalty
	if pen == "" {
		pen = "none"
	}
	if m.Solver != "liblinear" && m.Dual {
		return &ml.ParamError{Param: "dual", Msg: fmt.Sprintf("Solver %s supports only dual=False, got dual=True", m.Solver)}
	}
	if m.Solver == "liblinear" {
		return m.validateLiblinear()
	}
	if m.Solver != "saga" && pen != "l2" && pen != "none" {
		return &ml.ParamError{Param: "penalty", Msg: fmt.Sprintf("Solver %s supports only 'l2' or 'none' penalties, got %s penalty.", m.Solver, pen)}
	}
	if pen == "elasticnet" && (m.L1Ratio == nil || !(*m.L1Ratio >= 0 && *m.L1Ratio <= 1)) {
		got := "None"
		if m.L1Ratio != nil {
			got = fmt.Sprint(*m.L1Ratio)
		}
		return &ml.ParamError{Param: "l1_ratio", Msg: fmt.Sprintf("l1_ratio must be between 0 and 1; got (l1_ratio=%s)", got)}
	}
	return nil
}

// Fit learns the coefficients from X and the class values y.
func (m *LogisticRegression) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// weightedSolvers are the solvers whose fit takes sample weights: each
// multiplies them into class_weight's as _logistic_regression_path does
// (a solver added here must take w in its fit; others refuse weights).
var weightedSolvers = map[string]bool{"lbfgs": true, "saga": true, "liblinear": true}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's loss is scaled
// by its weight times its class_weight.
func (m *LogisticRegression) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
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
	if w != nil && !weightedSolvers[m.Solver] {
		return &ml.ParamError{Param: "sample_weight", Msg: fmt.Sprintf("solver %s does not take sample weights in mlforge; use lbfgs, saga or liblinear", m.Solver)}
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	if m.L1Ratio != nil && m.Penalty != "elasticnet" {
		ml.ProgressFrom(ctx).Report(ml.Event{Kind: "log", Message: fmt.Sprintf("LogisticRegression: l1_ratio parameter is only used when penalty is 'elasticnet'. Got (penalty=%s)", m.Penalty)})
	}
	if m.Solver == "saga" {
		return m.fitSaga(ctx, X, classes, idx, w)
	}
	if m.Solver == "liblinear" {
		return m.fitLiblinear(ctx, X, classes, idx, w)
	}
	n, p := X.Dims()
	K := len(classes)
	lambda := 0.0
	if m.Penalty == "l2" {
		lambda = 1 / m.C
	}
	multinomial := m.MultiClass == "multinomial" || m.MultiClass == "auto" && K > 2
	rep := ml.ProgressFrom(ctx)
	opts := lbfgs.DefaultOptions(m.MaxIter, m.Tol)
	q := p
	if m.FitIntercept {
		q++
	}
	Xg := newXChunks(X.RawMatrix())

	// One-vs-rest runs one L-BFGS per class; their iterations are reported
	// as one count, so steps keep counting up.
	nProblems := 1
	if !multinomial && K > 2 {
		nProblems = K
	}
	stepsDone := 0
	baseW, err := m.baseWeights(classes, idx, multinomial)
	if err != nil {
		return err
	}
	baseW = ml.ScaleWeights(baseW, w)
	solve := func(target []int, k int, sw []float64, label string) ([]float64, lbfgs.Result, error) {
		w := make([]float64, k*q)
		loss := newLogLoss(Xg, target, k, m.FitIntercept, lambda)
		loss.sw = sw
		res, err := lbfgs.Minimize(ctx, loss.eval, w, opts, func(it int, f float64) {
			f0 := f
			rep.Report(ml.Event{Kind: "iter", Step: stepsDone + it, Total: m.MaxIter * nProblems, Loss: &f0, Message: label})
		})
		stepsDone += res.NIter
		if err != nil {
			return nil, res, err
		}
		if !res.Converged {
			rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("LogisticRegression%s: lbfgs failed to converge after %d iterations (%s); increase max_iter or scale the data", label, res.NIter, res.Message)})
		}
		return w, res, nil
	}

	var rows int
	var W []float64
	var nIter []int
	converged := true
	switch {
	case multinomial:
		w, res, err := solve(idx, K, baseW, "")
		if err != nil {
			return err
		}
		nIter = []int{min(res.NIter, m.MaxIter)}
		converged = res.Converged
		if K == 2 {
			w = w[q:] // scikit-learn keeps the second class's logit
			rows = 1
		} else {
			rows = K
		}
		W = w
	default:
		rows = nProblems
		W = make([]float64, 0, nProblems*q)
		target := make([]int, n)
		for c := 0; c < nProblems; c++ {
			pos := c
			if K == 2 {
				pos = 1
			}
			npos := 0.0
			for i, v := range idx {
				target[i] = 0
				if v == pos {
					target[i] = 1
					npos++
				}
			}
			sw := baseW
			if m.ClassWeight.Name == "balanced" {
				sw = make([]float64, n)
				yb := make([]float64, n)
				for i := range sw {
					sw[i] = 1
					if w != nil {
						sw[i] = w[i]
					}
					yb[i] = float64(target[i])
				}
				balanceOVR(sw, yb, npos)
			}
			label := ""
			if nProblems > 1 {
				label = fmt.Sprintf(" (class %v vs rest)", classes[c])
			}
			w, res, err := solve(target, 1, sw, label)
			if err != nil {
				return err
			}
			W = append(W, w...)
			nIter = append(nIter, min(res.NIter, m.MaxIter))
			converged = converged && res.Converged
		}
	}
	coef := mat.NewDense(rows, p, nil)
	intercept := make([]float64, rows)
	for r := 0; r < rows; r++ {
		coef.SetRow(r, W[r*q:r*q+p])
		if m.FitIntercept {
			intercept[r] = W[r*q+p]
		}
	}
	if err := checkFinite("coef", coef.RawMatrix().Data); err != nil {
		return err
	}
	m.classes, m.coef, m.intercept, m.nIter, m.converged, m.multinomial = classes, coef, intercept, nIter, converged, multinomial
	return nil
}

// DecisionFunction returns X·Coefᵀ + Intercept: one column for two classes
// (the score of the second class), otherwise one per class.
func (m *LogisticRegression) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("LogisticRegression")
	}
	_, p := m.coef.Dims()
	if err := ml.CheckX(X, p); err != nil {
		return nil, err
	}
	return m.decision(X), nil
}

func (m *LogisticRegression) decision(X *mat.Dense) *mat.Dense {
	n, _ := X.Dims()
	k, _ := m.coef.Dims()
	D := mat.NewDense(n, k, nil)
	d := D.RawMatrix()
	for i := 0; i < n; i++ {
		copy(d.Data[i*k:i*k+k], m.intercept)
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, X.RawMatrix(), m.coef.RawMatrix(), 1, d)
	return D
}

// PredictProba returns the class probabilities, one column per class in the
// order of Classes: the softmax of the decision function for multinomial
// models, otherwise the logistic sigmoid of each column (normalised across
// classes for one-vs-rest), as scikit-learn computes them.
func (m *LogisticRegression) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	D, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	return m.proba(D), nil
}

func (m *LogisticRegression) proba(D *mat.Dense) *mat.Dense {
	n, k := D.Dims()
	K := len(m.classes)
	P := mat.NewDense(n, K, nil)
	for i := 0; i < n; i++ {
		d := D.RawRowView(i)
		pr := P.RawRowView(i)
		switch {
		case k == 1 && m.multinomial:
			// softmax([-d, d]).
			pr[1] = expit(2 * d[0])
			pr[0] = expit(-2 * d[0])
		case k == 1:
			pr[1] = expit(d[0])
			pr[0] = 1 - pr[1]
		case m.multinomial:
			softmaxInto(pr, d)
		default:
			sum := 0.0
			for j, v := range d {
				pr[j] = expit(v)
				sum += pr[j]
			}
			for j := range pr {
				pr[j] /= sum
			}
		}
	}
	return P
}

// softmaxInto writes softmax(z) into dst.
func softmaxInto(dst, z []float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = math.Max(mx, v)
	}
	sum := 0.0
	for j, v := range z {
		dst[j] = math.Exp(v - mx)
		sum += dst[j]
	}
	for j := range dst {
		dst[j] /= sum
	}
}

// PredictLogProba returns the logarithm of PredictProba.
func (m *LogisticRegression) PredictLogProba(X *mat.Dense) (*mat.Dense, error) {
	P, err := m.PredictProba(X)
	if err != nil {
		return nil, err
	}
	raw := P.RawMatrix()
	for i, v := range raw.Data {
		raw.Data[i] = math.Log(v)
	}
	return P, nil
}

// Predict returns the class with the highest decision value for each row.
func (m *LogisticRegression) Predict(X *mat.Dense) ([]float64, error) {
	D, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	n, k := D.Dims()
	out := make([]float64, n)
	for i := 0; i < n; i++ {
		d := D.RawRowView(i)
		if k == 1 {
			if d[0] > 0 {
				out[i] = m.classes[1]
			} else {
				out[i] = m.classes[0]
			}
			continue
		}
		best := 0
		for j, v := range d {
			if v > d[best] {
				best = j
			}
		}
		out[i] = m.classes[best]
	}
	return out, nil
}

// Classes returns the sorted class values seen by Fit (sklearn's classes_).
func (m *LogisticRegression) Classes() []float64 { return append([]float64(nil), m.classes...) }

// Coef returns a copy of the coefficients (sklearn's coef_): 1 × n_features
// for two classes, n_classes × n_features otherwise; nil before Fit.
func (m *LogisticRegression) Coef() *mat.Dense {
	if m.coef == nil {
		return nil
	}
	return mat.DenseCopyOf(m.coef)
}

// Intercept returns the intercepts (sklearn's intercept_), one per row of
// Coef; zeros when fit_intercept is false.
func (m *LogisticRegression) Intercept() []float64 { return append([]float64(nil), m.intercept...) }

// NIter returns the number of L-BFGS iterations (sklearn's n_iter_): one
// value, or one per class for one-vs-rest with more than two classes.
func (m *LogisticRegression) NIter() []int { return append([]int(nil), m.nIter...) }

// Converged reports whether every L-BFGS run met its stopping rule before
// max_iter; false is where scikit-learn warns with a ConvergenceWarning.
func (m *LogisticRegression) Converged() bool { return m.converged }

// MarshalState returns the classes, coefficients, intercepts and iteration
// counts.
func (m *LogisticRegression) MarshalState() (*ml.State, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("LogisticRegression")
	}
	k, p := m.coef.Dims()
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	s.SetFloats("coef", m.coef.RawMatrix().Data, k, p)
	s.SetFloats("intercept", m.intercept)
	s.SetInts("n_iter", m.nIter)
	s.SetAttr("multinomial", m.multinomial)
	s.SetAttr("converged", m.converged)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *LogisticRegression) UnmarshalState(s *ml.State) error {
	wrap := func(err error) error { return fmt.Errorf("LogisticRegression: %w", err) }
	if s == nil {
		return wrap(fmt.Errorf("state: nil"))
	}
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return wrap(err)
	}
	if len(classes) < 2 {
		return wrap(fmt.Errorf("state: %d classes, expected at least 2", len(classes)))
	}
	for i := 1; i < len(classes); i++ {
		if !(classes[i] > classes[i-1]) {
			return wrap(fmt.Errorf("state: classes are not strictly increasing at index %d", i))
		}
	}
	rows := len(classes)
	if rows == 2 {
		rows = 1
	}
	coef, shape, err := s.Floats("coef", rows, -1)
	if err != nil {
		return wrap(err)
	}
	if shape[1] < 1 {
		return wrap(fmt.Errorf("state: coef has no features"))
	}
	intercept, _, err := s.Floats("intercept", rows)
	if err != nil {
		return wrap(err)
	}
	nIter, _, err := s.Ints("n_iter", 0, math.MaxInt32, -1)
	if err != nil {
		return wrap(err)
	}
	var multinomial, converged bool
	if err := s.Attr("multinomial", &multinomial); err != nil {
		return wrap(err)
	}
	if err := s.Attr("converged", &converged); err != nil {
		return wrap(err)
	}
	if err := checkFinite("coef", coef); err != nil {
		return wrap(err)
	}
	if err := checkFinite("intercept", intercept); err != nil {
		return wrap(err)
	}
	m.classes = append([]float64(nil), classes...)
	m.coef = mat.NewDense(rows, shape[1], append([]float64(nil), coef...))
	m.intercept = append([]float64(nil), intercept...)
	m.nIter, m.multinomial, m.converged = nIter, multinomial, converged
	return nil
}
