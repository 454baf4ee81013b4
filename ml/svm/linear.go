package svm

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "LinearSVC",
		Task:   ml.Classification,
		Family: "svm",
		Doc:    "Linear support vector classifier (liblinear's dual coordinate descent), one-vs-rest.",
		New:    func() ml.Estimator { return NewLinearSVC() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "LinearSVR",
		Task:   ml.Regression,
		Family: "svm",
		Doc:    "Linear support vector regression (liblinear's dual coordinate descent).",
		New:    func() ml.Estimator { return NewLinearSVR() },
	})
}

// The liblinear solvers, written from Hsieh et al., "A dual coordinate
// descent method for large-scale linear SVM" (ICML 2008, Algorithm 3 with
// shrinking) and Ho and Lin, "Large-scale linear support vector regression"
// (JMLR 2012, Algorithm 4), as scikit-learn's liblinear runs them: X gets a
// last column of intercept_scaling (the intercept is penalised like a
// weight), each outer iteration visits the active variables in an order
// shuffled by scikit-learn's generator (an MT19937 seeded once per fit
// from random_state, Lemire's bounded integers), and the fit stops when
// the projected gradients' spread is below tol or after max_iter
// iterations.

// linearData is X with the bias column, row-major n × (p+1) (p when there
// is no intercept).
type linearData struct {
	x    []float64
	n, w int
}

func newLinearData(X *mat.Dense, fitIntercept bool, scaling float64) linearData {
	n, p := X.Dims()
	w := p
	if fitIntercept {
		w++
	}
	raw := X.RawMatrix()
	d := linearData{x: make([]float64, n*w), n: n, w: w}
	for i := range n {
		copy(d.x[i*w:i*w+p], raw.Data[i*raw.Stride:i*raw.Stride+p])
		if fitIntercept {
			d.x[i*w+p] = scaling
		}
	}
	return d
}

func (d *linearData) row(i int) []float64 { return d.x[i*d.w : (i+1)*d.w] }

// axpy adds a·x to w.
func axpy(a float64, x, w []float64) {
	w = w[:len(x)]
	for j, v := range x {
		w[j] += a * v
	}
}

// dotSeq is the plain left-to-right dot product liblinear computes.
func dotSeq(a, b []float64) float64 {
	b = b[:len(a)]
	s := 0.0
	for j, v := range a {
		s += v * b[j]
	}
	return s
}

// solveSVCDual is liblinear's solve_l2r_l1l2_svc on the rows order (in
// that order), labels y ±1 and bounds cp (y = +1), cn (y = -1), each
// times the sample's weight sw (in the order of order; nil for unit
// weights) as scikit-learn's liblinear; l1 picks the hinge loss, else the
// squared hinge. It returns w and the iterations.
func solveSVCDual(prog *progress, d *linearData, order []int, y []int8, cp, cn float64, sw []float64, eps float64, l1 bool, maxIter int, rng *nprand.RandomState) ([]float64, int, error) {
	l := len(order)
	w := make([]float64, d.w)
	qd := make([]float64, l)
	index := make([]int, l)
	alpha := make([]float64, l)
	diag := make([]float64, l)
	ub := make([]float64, l)
	for i := range l {
		c := cn
		if y[i] > 0 {
			c = cp
		}
		if sw != nil {
			c = sw[i] * c
		}
		if l1 {
			diag[i], ub[i] = 0, c
		} else {
			diag[i], ub[i] = 0.5/c, math.Inf(1)
		}
		qd[i] = diag[i]
		for _, v := range d.row(order[i]) {
			qd[i] += v * v
		}
		index[i] = i
	}
	active := l
	pgMaxOld, pgMinOld := math.Inf(1), math.Inf(-1)
	iter := 0
	for iter < maxIter {
		pgMaxNew, pgMinNew := math.Inf(-1), math.Inf(1)
		for i := range active {
			j := i + int(rng.Bounded(uint32(active-i)))
			index[i], index[j] = index[j], index[i]
		}
		for s := 0; s < active; s++ {
			i := index[s]
			xi := d.row(order[i])
			yi := float64(y[i])
			G := dotSeq(xi, w)*yi - 1
			C := ub[i]
			G += alpha[i] * diag[i]
			PG := 0.0
			switch {
			case alpha[i] == 0:
				if G > pgMaxOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
				if G < 0 {
					PG = G
				}
			case alpha[i] == C:
				if G < pgMinOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
				if G > 0 {
					PG = G
				}
			default:
				PG = G
			}
			pgMaxNew = max(pgMaxNew, PG)
			pgMinNew = min(pgMinNew, PG)
			if math.Abs(PG) > 1e-12 {
				old := alpha[i]
				alpha[i] = min(max(alpha[i]-G/qd[i], 0), C)
				axpy((alpha[i]-old)*yi, xi, w)
			}
		}
		iter++
		if iter%10 == 0 {
			if err := prog.tick(); err != nil {
				return nil, 0, err
			}
		}
		if pgMaxNew-pgMinNew <= eps {
			if active == l {
				break
			}
			active = l
			pgMaxOld, pgMinOld = math.Inf(1), math.Inf(-1)
			continue
		}
		pgMaxOld, pgMinOld = pgMaxNew, pgMinNew
		if pgMaxOld <= 0 {
			pgMaxOld = math.Inf(1)
		}
		if pgMinOld >= 0 {
			pgMinOld = math.Inf(-1)
		}
	}
	return w, iter, prog.tick()
}

// solveSVRDual is liblinear's solve_l2r_l1l2_svr: the dual in β = α - α*,
// -U ≤ β ≤ U, with tube half-width p; l1 picks the epsilon-insensitive
// loss (U = C), else the squared one (U = ∞, λ = 1/(2C)). It stops when
// the violations' sum falls to tol times the first iteration's. With
// sample weights sw (nil for unit weights) sample i's C is sw[i]·C.
func solveSVRDual(prog *progress, d *linearData, y []float64, C float64, sw []float64, p, eps float64, l1 bool, maxIter int, rng *nprand.RandomState) ([]float64, int, error) {
	l := d.n
	w := make([]float64, d.w)
	beta := make([]float64, l)
	qd := make([]float64, l)
	index := make([]int, l)
	lambdas, ubs := make([]float64, l), make([]float64, l)
	for i := range l {
		ci := C
		if sw != nil {
			ci = sw[i] * C
		}
		lambdas[i], ubs[i] = 0.5/ci, math.Inf(1)
		if l1 {
			lambdas[i], ubs[i] = 0, ci
		}
	}
	for i := range l {
		for _, v := range d.row(i) {
			qd[i] += v * v
		}
		index[i] = i
	}
	active := l
	gMaxOld := math.Inf(1)
	gNorm1Init := -1.0
	iter := 0
	for iter < maxIter {
		gMaxNew, gNorm1New := 0.0, 0.0
		for i := range active {
			j := i + int(rng.Bounded(uint32(active-i)))
			index[i], index[j] = index[j], index[i]
		}
		for s := 0; s < active; s++ {
			i := index[s]
			xi := d.row(i)
			lambda, ub := lambdas[i], ubs[i]
			G := -y[i] + lambda*beta[i]
			H := qd[i] + lambda
			G += dotSeq(xi, w)
			Gp, Gn := G+p, G-p
			violation := 0.0
			switch {
			case beta[i] == 0:
				if Gp < 0 {
					violation = -Gp
				} else if Gn > 0 {
					violation = Gn
				} else if Gp > gMaxOld && Gn < -gMaxOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
			case beta[i] >= ub:
				if Gp > 0 {
					violation = Gp
				} else if Gp < -gMaxOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
			case beta[i] <= -ub:
				if Gn < 0 {
					violation = -Gn
				} else if Gn > gMaxOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
			case beta[i] > 0:
				violation = math.Abs(Gp)
			default:
				violation = math.Abs(Gn)
			}
			gMaxNew = max(gMaxNew, violation)
			gNorm1New += violation
			var dd float64
			switch {
			case Gp < H*beta[i]:
				dd = -Gp / H
			case Gn > H*beta[i]:
				dd = -Gn / H
			default:
				dd = -beta[i]
			}
			if math.Abs(dd) < 1e-12 {
				continue
			}
			old := beta[i]
			beta[i] = min(max(beta[i]+dd, -ub), ub)
			if dd = beta[i] - old; dd != 0 {
				axpy(dd, xi, w)
			}
		}
		if iter == 0 {
			gNorm1Init = gNorm1New
		}
		iter++
		if iter%10 == 0 {
			if err := prog.tick(); err != nil {
				return nil, 0, err
			}
		}
		if gNorm1New <= eps*gNorm1Init {
			if active == l {
				break
			}
			active = l
			gMaxOld = math.Inf(1)
			continue
		}
		gMaxOld = gMaxNew
	}
	return w, iter, prog.tick()
}

const liblinearWarning = "%s: liblinear failed to converge after max_iter=%d iterations; increase max_iter, or scale the data"

// LinearSVC is sklearn.svm.LinearSVC with the dual solver: L2-regularised
// (squared) hinge loss, one binary problem per class against the rest (one
// problem, for the second class, with two classes), each class's bound C
// times its weight and C for the rest.
type LinearSVC struct {
	Penalty          string         `json:"penalty" enum:"l2" help:"the penalty: l2 (l1 needs the primal solver, not available)"`
	Loss             string         `json:"loss" enum:"hinge,squared_hinge" help:"hinge or squared_hinge"`
	Dual             bool           `json:"dual" help:"solve the dual problem (the primal solver, dual=false, is not available)"`
	Tol              float64        `json:"tol" gt:"0" help:"stopping tolerance on the projected gradients"`
	C                float64        `json:"C" gt:"0" help:"regularisation: the bound on each dual coefficient (smaller is stronger)"`
	MultiClass       string         `json:"multi_class" enum:"ovr" help:"ovr: one class against the rest (crammer_singer is not available)"`
	FitIntercept     bool           `json:"fit_intercept" help:"add a constant feature of intercept_scaling, whose weight is the intercept"`
	InterceptScaling float64        `json:"intercept_scaling" gt:"0" help:"value of the constant feature (its weight is penalised too)"`
	ClassWeight      ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes, multiplying C: null, balanced or an object from class values to weights"`
	RandomState      int            `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the coordinate order; null means 0"`
	MaxIter          int            `json:"max_iter" min:"1" help:"iteration limit of each binary problem"`

	classes   []float64
	coef      []float64 // k × p (k = 1 for two classes)
	intercept []float64
	nIter     int
	converged bool
}

// NewLinearSVC returns a LinearSVC with scikit-learn's defaults: penalty
// l2, loss squared_hinge, dual, tol 1e-4, C 1, ovr, fit_intercept,
// intercept_scaling 1, max_iter 1000.
func NewLinearSVC() *LinearSVC {
	return &LinearSVC{Penalty: "l2", Loss: "squared_hinge", Dual: true, Tol: 1e-4, C: 1, MultiClass: "ovr", FitIntercept: true, InterceptScaling: 1, MaxIter: 1000}
}

// Validate checks dual and class_weight.
func (m *LinearSVC) Validate() error {
	if !m.Dual {
		return &ml.ParamError{Param: "dual", Msg: "dual=false (liblinear's primal solver) is not offered: mlforge has the dual solver only; use dual=true"}
	}
	return m.ClassWeight.Validate("balanced")
}

// Fit solves the binary dual problems.
func (m *LinearSVC) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's bound is
// multiplied by its weight and the samples of weight 0 are left out, as
// scikit-learn's liblinear does.
func (m *LinearSVC) FitWeighted(ctx context.Context, X *mat.Dense, y, sw []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if err := ml.CheckSampleWeight(sw, len(y)); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	K := len(classes)
	counts := make([]float64, K)
	for _, c := range idx {
		counts[c]++
	}
	cw, err := m.ClassWeight.PerClass(classes, counts)
	if err != nil {
		return err
	}
	_, p := X.Dims()
	d := newLinearData(X, m.FitIntercept, m.InterceptScaling)
	// Samples grouped by class, as liblinear's group_classes.
	var order []int
	for c := range K {
		for i, ci := range idx {
			if ci == c && (sw == nil || sw[i] > 0) {
				order = append(order, i)
			}
		}
	}
	var ow []float64 // the weights in the order of order
	if sw != nil {
		ow = make([]float64, len(order))
		for t, i := range order {
			ow[t] = sw[i]
		}
	}
	rng := nprand.New(libsvmSeed(m.RandomState))
	rep := ml.ProgressFrom(ctx)
	prog := &progress{ctx: ctx, rep: rep, msg: "LinearSVC: coordinate descent"}
	nw := K
	if K == 2 {
		nw = 1
	}
	coef := make([]float64, nw*p)
	intercept := make([]float64, nw)
	nIter := 0
	converged := true
	yy := make([]int8, len(order))
	for k := range nw {
		pos := k
		cp, cn := m.C*cw[k], m.C
		if K == 2 {
			pos, cp, cn = 1, m.C*cw[1], m.C*cw[0]
		}
		for t, i := range order {
			yy[t] = -1
			if idx[i] == pos {
				yy[t] = 1
			}
		}
		w, it, err := solveSVCDual(prog, &d, order, yy, cp, cn, ow, m.Tol, m.Loss == "hinge", m.MaxIter, rng)
		if err != nil {
			return err
		}
		if it >= m.MaxIter {
			converged = false
			rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf(liblinearWarning, "LinearSVC", m.MaxIter)})
		}
		nIter = max(nIter, it)
		copy(coef[k*p:(k+1)*p], w[:p])
		if m.FitIntercept {
			intercept[k] = m.InterceptScaling * w[p]
		}
	}
	m.classes, m.coef, m.intercept, m.nIter, m.converged = classes, coef, intercept, nIter, converged
	return nil
}

// DecisionFunction returns X·coefᵀ + intercept: one column for two classes
// (positive for the second), one per class otherwise.
func (m *LinearSVC) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("LinearSVC")
	}
	k := len(m.intercept)
	return ml.LinearDecision(X, mat.NewDense(k, len(m.coef)/k, m.coef), m.intercept)
}

// Predict returns the class of the largest decision value.
func (m *LinearSVC) Predict(X *mat.Dense) ([]float64, error) {
	d, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	return ml.DecisionClasses(d, m.classes), nil
}

// Classes returns the sorted class values (sklearn's classes_).
func (m *LinearSVC) Classes() []float64 { return slices.Clone(m.classes) }

// Coef returns sklearn's coef_: one row for two classes, one per class
// otherwise.
func (m *LinearSVC) Coef() *mat.Dense {
	if m.coef == nil {
		return nil
	}
	k := len(m.intercept)
	return mat.NewDense(k, len(m.coef)/k, slices.Clone(m.coef))
}

// Intercept returns sklearn's intercept_.
func (m *LinearSVC) Intercept() []float64 { return slices.Clone(m.intercept) }

// NIter returns the largest iteration count of the binary problems
// (sklearn's n_iter_).
func (m *LinearSVC) NIter() int { return m.nIter }

// Converged reports whether every problem met tol before max_iter.
func (m *LinearSVC) Converged() bool { return m.converged }

// MarshalState returns the classes, coefficients and intercepts.
func (m *LinearSVC) MarshalState() (*ml.State, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("LinearSVC")
	}
	s := ml.NewState()
	k := len(m.intercept)
	s.SetFloats("classes", m.classes)
	s.SetFloats("coef", m.coef, k, len(m.coef)/k)
	s.SetFloats("intercept", m.intercept)
	s.SetAttr("n_iter", m.nIter)
	s.SetAttr("converged", m.converged)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *LinearSVC) UnmarshalState(s *ml.State) error {
	classes, coef, _, b, err := ml.LinearClassifierState("LinearSVC", s)
	if err != nil {
		return err
	}
	var nIter int
	var conv bool
	if err := s.Attr("n_iter", &nIter); err != nil {
		return fmt.Errorf("LinearSVC: %w", err)
	}
	if err := s.Attr("converged", &conv); err != nil {
		return fmt.Errorf("LinearSVC: %w", err)
	}
	for _, v := range append(slices.Clone(coef), b...) {
		if !isFinite(v) {
			return fmt.Errorf("LinearSVC: state: a coefficient or intercept is %v", v)
		}
	}
	m.classes, m.coef, m.intercept, m.nIter, m.converged = slices.Clone(classes), slices.Clone(coef), slices.Clone(b), nIter, conv
	return nil
}

// EstimateMemory bounds Fit's memory: the copy of X with the bias column
// (n·(p+1)), six per-sample arrays, the coefficients.
func (m *LinearSVC) EstimateMemory(n, p, k int) int64 {
	N, P, K := int64(max(n, 1)), int64(max(p, 1))+1, int64(max(k, 2))
	return budget.Add(budget.Mul(8, N, P), budget.Mul(8, 8, N), budget.Mul(16, K, P), 64<<10)
}

// LinearSVR is sklearn.svm.LinearSVR with liblinear's dual solver:
// L2-regularised epsilon-insensitive (or squared epsilon-insensitive)
// regression.
type LinearSVR struct {
	Epsilon          float64 `json:"epsilon" min:"0" help:"half-width of the tube within which errors cost nothing"`
	Tol              float64 `json:"tol" gt:"0" help:"stopping tolerance, relative to the first iteration's violation"`
	C                float64 `json:"C" gt:"0" help:"regularisation: the bound on each dual coefficient (smaller is stronger)"`
	Loss             string  `json:"loss" enum:"epsilon_insensitive,squared_epsilon_insensitive" help:"epsilon_insensitive (L1) or squared_epsilon_insensitive (L2)"`
	FitIntercept     bool    `json:"fit_intercept" help:"add a constant feature of intercept_scaling, whose weight is the intercept"`
	InterceptScaling float64 `json:"intercept_scaling" gt:"0" help:"value of the constant feature (its weight is penalised too)"`
	Dual             bool    `json:"dual" help:"solve the dual problem (the primal solver, dual=false, is not available)"`
	RandomState      int     `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the coordinate order; null means 0"`
	MaxIter          int     `json:"max_iter" min:"1" help:"iteration limit"`

	coef      []float64
	intercept float64
	nIter     int
	converged bool
}

// NewLinearSVR returns a LinearSVR with scikit-learn's defaults: epsilon
// 0, tol 1e-4, C 1, loss epsilon_insensitive, fit_intercept,
// intercept_scaling 1, dual, max_iter 1000.
func NewLinearSVR() *LinearSVR {
	return &LinearSVR{Tol: 1e-4, C: 1, Loss: "epsilon_insensitive", FitIntercept: true, InterceptScaling: 1, Dual: true, MaxIter: 1000}
}

// Validate checks dual.
func (m *LinearSVR) Validate() error {
	if !m.Dual {
		return &ml.ParamError{Param: "dual", Msg: "dual=false (liblinear's primal solver) is not offered: mlforge has the dual solver only; use dual=true"}
	}
	return nil
}

// Fit solves the dual problem.
func (m *LinearSVR) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's C is multiplied
// by its weight and the samples of weight 0 are left out, as
// scikit-learn's liblinear does.
func (m *LinearSVR) FitWeighted(ctx context.Context, X *mat.Dense, y, sw []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if err := ml.CheckSampleWeight(sw, len(y)); err != nil {
		return err
	}
	if sw != nil {
		x, n, p := rowsOf(X)
		var xk []float64
		xk, y, sw, _ = positiveRows(x, n, p, y, sw)
		X = mat.NewDense(len(y), p, xk)
	}
	_, p := X.Dims()
	d := newLinearData(X, m.FitIntercept, m.InterceptScaling)
	rng := nprand.New(libsvmSeed(m.RandomState))
	rep := ml.ProgressFrom(ctx)
	prog := &progress{ctx: ctx, rep: rep, msg: "LinearSVR: coordinate descent"}
	w, it, err := solveSVRDual(prog, &d, y, m.C, sw, m.Epsilon, m.Tol, m.Loss == "epsilon_insensitive", m.MaxIter, rng)
	if err != nil {
		return err
	}
	m.converged = it < m.MaxIter
	if !m.converged {
		rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf(liblinearWarning, "LinearSVR", m.MaxIter)})
	}
	m.coef, m.intercept, m.nIter = slices.Clone(w[:p]), 0, it
	if m.FitIntercept {
		m.intercept = m.InterceptScaling * w[p]
	}
	return nil
}

// Predict returns X·coef + intercept.
func (m *LinearSVR) Predict(X *mat.Dense) ([]float64, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("LinearSVR")
	}
	if err := ml.CheckX(X, len(m.coef)); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	out := make([]float64, n)
	mat.NewVecDense(n, out).MulVec(X, mat.NewVecDense(len(m.coef), m.coef))
	for i := range out {
		out[i] += m.intercept
	}
	return out, nil
}

// Coef returns sklearn's coef_.
func (m *LinearSVR) Coef() []float64 { return slices.Clone(m.coef) }

// Intercept returns sklearn's intercept_.
func (m *LinearSVR) Intercept() float64 { return m.intercept }

// NIter returns sklearn's n_iter_.
func (m *LinearSVR) NIter() int { return m.nIter }

// Converged reports whether the solver met tol before max_iter.
func (m *LinearSVR) Converged() bool { return m.converged }

// MarshalState returns the coefficients and the intercept.
func (m *LinearSVR) MarshalState() (*ml.State, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("LinearSVR")
	}
	s := ml.NewState()
	s.SetFloats("coef", m.coef)
	s.SetFloats("intercept", []float64{m.intercept})
	s.SetAttr("n_iter", m.nIter)
	s.SetAttr("converged", m.converged)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *LinearSVR) UnmarshalState(s *ml.State) error {
	if s == nil {
		return fmt.Errorf("LinearSVR: state: nil")
	}
	coef, _, err := s.Floats("coef", -1)
	if err != nil {
		return fmt.Errorf("LinearSVR: %w", err)
	}
	if len(coef) == 0 {
		return fmt.Errorf("LinearSVR: state: coef is empty")
	}
	b, _, err := s.Floats("intercept", 1)
	if err != nil {
		return fmt.Errorf("LinearSVR: %w", err)
	}
	var nIter int
	var conv bool
	if err := s.Attr("n_iter", &nIter); err != nil {
		return fmt.Errorf("LinearSVR: %w", err)
	}
	if err := s.Attr("converged", &conv); err != nil {
		return fmt.Errorf("LinearSVR: %w", err)
	}
	for _, v := range append(slices.Clone(coef), b[0]) {
		if !isFinite(v) {
			return fmt.Errorf("LinearSVR: state: a coefficient or the intercept is %v", v)
		}
	}
	m.coef, m.intercept, m.nIter, m.converged = slices.Clone(coef), b[0], nIter, conv
	return nil
}

// EstimateMemory bounds Fit's memory: the copy of X with the bias column,
// four per-sample arrays, the coefficients.
func (m *LinearSVR) EstimateMemory(n, p, k int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))+1
	return budget.Add(budget.Mul(8, N, P), budget.Mul(8, 6, N), budget.Mul(16, P), 64<<10)
}
