package linear

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "Lasso",
		Task:   ml.Regression,
		Family: "linear",
		Doc:    "Linear least squares with L1 regularisation, fitted by coordinate descent with a duality-gap stopping rule.",
		New:    func() ml.Estimator { return NewLasso() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "ElasticNet",
		Task:   ml.Regression,
		Family: "linear",
		Doc:    "Linear least squares with combined L1 and L2 regularisation, fitted by coordinate descent with a duality-gap stopping rule.",
		New:    func() ml.Estimator { return NewElasticNet() },
	})
}

// ElasticNet is linear least squares with a combined L1 and L2 penalty, like
// sklearn.linear_model.ElasticNet: it minimises
//
//	1/(2n)·||y - Xw - b||² + alpha·l1_ratio·||w||₁ + alpha·(1-l1_ratio)/2·||w||²
//
// by coordinate descent on the centred data, as scikit-learn's
// enet_coordinate_descent does operation for operation: a sweep over the
// features (in order with selection "cyclic", in a random order drawn from
// random_state with "random"), and, when the largest coefficient change of a
// sweep is below tol times the largest coefficient (or at max_iter), the
// duality gap, stopping once it is below tol·||y - ȳ||².
type ElasticNet struct {
	Alpha        float64 `json:"alpha" min:"0" help:"regularisation strength that multiplies the penalty"`
	L1Ratio      float64 `json:"l1_ratio" min:"0" max:"1" help:"the share of L1 in the penalty: 1 is the lasso, 0 ridge"`
	FitIntercept bool    `json:"fit_intercept" help:"whether to fit an intercept (X and y are centred first)"`
	MaxIter      int     `json:"max_iter" min:"1" help:"maximum number of sweeps over the features"`
	Tol          float64 `json:"tol" min:"0" help:"stopping tolerance on the coefficient updates and the duality gap"`
	Positive     bool    `json:"positive" help:"constrain the coefficients to be non-negative"`
	Selection    string  `json:"selection" enum:"cyclic,random" help:"cyclic: update the features in order; random: a random feature at each step"`
	RandomState  int     `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the feature order with selection random; null means 0"`

	enetFit `json:"-"`
}

// Lasso is ElasticNet with l1_ratio 1, like sklearn.linear_model.Lasso: it
// minimises 1/(2n)·||y - Xw - b||² + alpha·||w||₁.
type Lasso struct {
	Alpha        float64 `json:"alpha" min:"0" help:"L1 regularisation strength"`
	FitIntercept bool    `json:"fit_intercept" help:"whether to fit an intercept (X and y are centred first)"`
	MaxIter      int     `json:"max_iter" min:"1" help:"maximum number of sweeps over the features"`
	Tol          float64 `json:"tol" min:"0" help:"stopping tolerance on the coefficient updates and the duality gap"`
	Positive     bool    `json:"positive" help:"constrain the coefficients to be non-negative"`
	Selection    string  `json:"selection" enum:"cyclic,random" help:"cyclic: update the features in order; random: a random feature at each step"`
	RandomState  int     `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the feature order with selection random; null means 0"`

	enetFit `json:"-"`
}

// NewElasticNet returns an ElasticNet with scikit-learn's defaults: alpha 1,
// l1_ratio 0.5, fit_intercept true, max_iter 1000, tol 1e-4, positive false,
// selection "cyclic".
func NewElasticNet() *ElasticNet {
	return &ElasticNet{Alpha: 1, L1Ratio: 0.5, FitIntercept: true, MaxIter: 1000, Tol: 1e-4, Selection: "cyclic"}
}

// NewLasso returns a Lasso with scikit-learn's defaults: alpha 1,
// fit_intercept true, max_iter 1000, tol 1e-4, positive false, selection
// "cyclic".
func NewLasso() *Lasso {
	return &Lasso{Alpha: 1, FitIntercept: true, MaxIter: 1000, Tol: 1e-4, Selection: "cyclic"}
}

// Fit fits the coefficients by coordinate descent.
func (m *ElasticNet) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.enetFit.fit(ctx, "ElasticNet", X, y, enetParams{m.Alpha, m.L1Ratio, m.FitIntercept, m.MaxIter, m.Tol, m.Positive, m.Selection, m.RandomState})
}

// Fit fits the coefficients by coordinate descent.
func (m *Lasso) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.enetFit.fit(ctx, "Lasso", X, y, enetParams{m.Alpha, 1, m.FitIntercept, m.MaxIter, m.Tol, m.Positive, m.Selection, m.RandomState})
}

// Predict returns X·coef + intercept.
func (m *ElasticNet) Predict(X *mat.Dense) ([]float64, error) { return m.predict("ElasticNet", X) }

// Predict returns X·coef + intercept.
func (m *Lasso) Predict(X *mat.Dense) ([]float64, error) { return m.predict("Lasso", X) }

// MarshalState returns the coefficients, intercept, n_iter_ and dual_gap_.
func (m *ElasticNet) MarshalState() (*ml.State, error) { return m.marshal("ElasticNet") }

// MarshalState returns the coefficients, intercept, n_iter_ and dual_gap_.
func (m *Lasso) MarshalState() (*ml.State, error) { return m.marshal("Lasso") }

// UnmarshalState restores state written by MarshalState.
func (m *ElasticNet) UnmarshalState(s *ml.State) error { return m.unmarshal("ElasticNet", s) }

// UnmarshalState restores state written by MarshalState.
func (m *Lasso) UnmarshalState(s *ml.State) error { return m.unmarshal("Lasso", s) }

// EstimateMemory bounds Fit's memory (see estimateEnet).
func (m *ElasticNet) EstimateMemory(n, p, k int) int64 { return estimateEnet(n, p) }

// EstimateMemory bounds Fit's memory (see estimateEnet).
func (m *Lasso) EstimateMemory(n, p, k int) int64 { return estimateEnet(n, p) }

// estimateEnet counts, in float64, the centred column-major copy of X
// (n·p) and, for a weighted fit, the √w-scaled copy it is made from (n·p),
// the centred y and the residual (2·n), the predictions and weights (2·n),
// and the coefficients, column norms, means and X·R (4·p).
func estimateEnet(n, p int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	v := budget.Add(budget.Mul(2, N, P), budget.Mul(4, N), budget.Mul(8, P))
	return budget.Add(budget.Mul(8, v), 64<<10)
}

type enetParams struct {
	alpha, l1Ratio float64
	fitIntercept   bool
	maxIter        int
	tol            float64
	positive       bool
	selection      string
	seed           int
}

// enetFit is the fitted state shared by Lasso and ElasticNet.
type enetFit struct {
	coef      []float64
	intercept float64
	nIter     int
	dualGap   float64
	converged bool
}

// Coef returns the fitted coefficients, one per feature (sklearn's coef_).
func (f *enetFit) Coef() []float64 { return append([]float64(nil), f.coef...) }

// Intercept returns the fitted intercept (sklearn's intercept_).
func (f *enetFit) Intercept() float64 { return f.intercept }

// NIter returns the number of sweeps run (sklearn's n_iter_).
func (f *enetFit) NIter() int { return f.nIter }

// DualGap returns the duality gap at the end of the fit divided by the
// number of samples (sklearn's dual_gap_).
func (f *enetFit) DualGap() float64 { return f.dualGap }

// Converged reports whether the duality gap fell below the tolerance before
// max_iter; false is where scikit-learn warns with a ConvergenceWarning.
func (f *enetFit) Converged() bool { return f.converged }

func (f *enetFit) fit(ctx context.Context, name string, X *mat.Dense, y []float64, prm enetParams) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	n, p := X.Dims()
	// Centre X and y (scikit-learn's _pre_fit) into column-major storage.
	raw := X.RawMatrix()
	xMean := make([]float64, p)
	var yMean float64
	if prm.fitIntercept {
		for i := 0; i < n; i++ {
			floats.Add(xMean, raw.Data[i*raw.Stride:i*raw.Stride+p])
			yMean += y[i]
		}
		floats.Scale(1/float64(n), xMean)
		yMean /= float64(n)
	}
	cols := make([]float64, n*p)
	for i := 0; i < n; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+p]
		for j, v := range row {
			cols[j*n+i] = v - xMean[j]
		}
	}
	yc := make([]float64, n)
	for i, v := range y {
		yc[i] = v - yMean
	}
	l1 := prm.alpha * prm.l1Ratio * float64(n)
	l2 := prm.alpha * (1 - prm.l1Ratio) * float64(n)
	w, gap, nIter, converged, err := enetCD(ctx, name, cols, n, p, yc, l1, l2, prm)
	if err != nil {
		return err
	}
	intercept := 0.0
	if prm.fitIntercept {
		intercept = interceptOf(xMean, yMean, w)
	}
	if err := checkFinite("coef", w); err != nil {
		return fmt.Errorf("%s: coordinate descent gave non-finite coefficients; scale the data: %w", name, err)
	}
	if math.IsNaN(intercept) || math.IsInf(intercept, 0) {
		return ml.DataErrorf("%s: intercept is %v: the data is too badly scaled", name, intercept)
	}
	f.coef, f.intercept, f.nIter, f.dualGap, f.converged = w, intercept, nIter, gap/float64(n), converged
	return nil
}

// enetCD is scikit-learn's enet_coordinate_descent (cd_fast.pyx) on the
// column-major n×p matrix cols: it minimises
// ½||y - Xw||² + alpha·||w||₁ + ½·beta·||w||² from w = 0 and returns w,
// the duality gap, the number of sweeps and whether the gap met the
// tolerance.
func enetCD(ctx context.Context, name string, cols []float64, n, p int, y []float64, alpha, beta float64, prm enetParams) ([]float64, float64, int, bool, error) {
	return enetCDFrom(ctx, name, make([]float64, p), cols, n, p, y, alpha, beta, prm, true)
}

// enetCDFrom is enetCD from the coefficients w (a warm start, updated in
// place); with report it reports each sweep and a failure to converge.
func enetCDFrom(ctx context.Context, name string, w, cols []float64, n, p int, y []float64, alpha, beta float64, prm enetParams, report bool) ([]float64, float64, int, bool, error) {
	normCols := make([]float64, p)
	for j := 0; j < p; j++ {
		c := cols[j*n : (j+1)*n]
		normCols[j] = floats.Dot(c, c)
	}
	R := append([]float64(nil), y...) // y - X·w
	for j, v := range w {
		if v != 0 {
			floats.AddScaled(R, -v, cols[j*n:(j+1)*n])
		}
	}
	dwTol := prm.tol
	tol := prm.tol * floats.Dot(y, y)
	rng := newSelectionRNG(prm)
	rep := ml.ProgressFrom(ctx)
	XtA := make([]float64, p)
	gap := tol + 1
	if p == 0 {
		return w, 0, 0, true, nil
	}
	for it := 0; it < prm.maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, 0, false, err
		}
		wMax, dwMax := 0.0, 0.0
		for f := 0; f < p; f++ {
			ii := f
			if rng != nil {
				ii = rng.IntN(p)
			}
			if normCols[ii] == 0 {
				continue
			}
			c := cols[ii*n : (ii+1)*n]
			wii := w[ii]
			if wii != 0 {
				floats.AddScaled(R, wii, c)
			}
			tmp := floats.Dot(c, R)
			if prm.positive && tmp < 0 {
				w[ii] = 0
			} else {
				w[ii] = softThreshold(tmp, alpha) / (normCols[ii] + beta)
			}
			if w[ii] != 0 {
				floats.AddScaled(R, -w[ii], c)
			}
			dwMax = math.Max(dwMax, math.Abs(w[ii]-wii))
			wMax = math.Max(wMax, math.Abs(w[ii]))
		}
		if wMax == 0 || dwMax/wMax < dwTol || it == prm.maxIter-1 {
			// The duality gap, as cd_fast computes it.
			for j := 0; j < p; j++ {
				XtA[j] = floats.Dot(cols[j*n:(j+1)*n], R) - beta*w[j]
			}
			dual := dualNorm(XtA, prm.positive)
			rNorm2 := floats.Dot(R, R)
			wNorm2 := floats.Dot(w, w)
			var cst float64
			if dual > alpha {
				cst = alpha / dual
				aNorm2 := rNorm2 * cst * cst
				gap = 0.5 * (rNorm2 + aNorm2)
			} else {
				cst = 1
				gap = rNorm2
			}
			gap += alpha*l1Norm(w) - cst*floats.Dot(R, y) + 0.5*beta*(1+cst*cst)*wNorm2
			if gap < tol {
				if report {
					rep.Report(ml.Event{Kind: "iter", Step: it + 1, Total: prm.maxIter})
				}
				return w, gap, it + 1, true, nil
			}
		}
		if report {
			rep.Report(ml.Event{Kind: "iter", Step: it + 1, Total: prm.maxIter})
		}
	}
	if report {
		rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: coordinate descent did not converge after %d iterations (duality gap %.3g, tolerance %.3g); increase max_iter, or scale the data", name, prm.maxIter, gap, tol)})
	}
	return w, gap, prm.maxIter, false, nil
}

// softThreshold is fsign(t)·max(|t| - alpha, 0), with fsign(0) = 0.
func softThreshold(t, alpha float64) float64 {
	if t == 0 {
		return 0
	}
	return math.Copysign(math.Max(math.Abs(t)-alpha, 0), t)
}

// dualNorm is max|v| (max v with positive).
func dualNorm(v []float64, positive bool) float64 {
	if positive {
		m := math.Inf(-1)
		for _, x := range v {
			m = math.Max(m, x)
		}
		return m
	}
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func l1Norm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += math.Abs(x)
	}
	return s
}

// newSelectionRNG returns the generator of the feature order for selection
// "random" (seeded by random_state), nil for "cyclic".
func newSelectionRNG(prm enetParams) *rand.Rand {
	if prm.selection != "random" {
		return nil
	}
	return rand.New(rand.NewPCG(uint64(prm.seed), 0x9e3779b97f4a7c15))
}

func (f *enetFit) predict(name string, X *mat.Dense) ([]float64, error) {
	if f.coef == nil {
		return nil, ml.NotFittedError(name)
	}
	if err := ml.CheckX(X, len(f.coef)); err != nil {
		return nil, err
	}
	return linearPredict(X, f.coef, f.intercept), nil
}

func (f *enetFit) marshal(name string) (*ml.State, error) {
	if f.coef == nil {
		return nil, ml.NotFittedError(name)
	}
	s := regressorState(f.coef, f.intercept)
	s.SetAttr("n_iter", f.nIter)
	s.SetAttr("dual_gap", f.dualGap)
	s.SetAttr("converged", f.converged)
	return s, nil
}

func (f *enetFit) unmarshal(name string, s *ml.State) error {
	coef, b, err := readRegressorState(s)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var nIter int
	var gap float64
	var conv bool
	if err := s.Attr("n_iter", &nIter); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := s.Attr("dual_gap", &gap); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := s.Attr("converged", &conv); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if nIter < 0 {
		return fmt.Errorf("%s: state: n_iter %d, expected a non-negative count", name, nIter)
	}
	f.coef, f.intercept, f.nIter, f.dualGap, f.converged = coef, b, nIter, gap, conv
	return nil
}
