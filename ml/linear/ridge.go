package linear

import (
	"context"
	"fmt"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "Ridge",
		Task:   ml.Regression,
		Family: "linear",
		Doc:    "Linear least squares with L2 regularisation, solved in closed form (Cholesky or SVD).",
		New:    func() ml.Estimator { return NewRidge() },
	})
}

// Ridge is linear least squares with an L2 penalty, like
// sklearn.linear_model.Ridge: it minimises ||y - Xw - b||² + alpha·||w||².
//
// Solvers:
//   - "cholesky" solves (XᵀX + alpha·I)·w = Xᵀy on the centred data by a
//     Cholesky factorisation, or, when there are more features than samples,
//     the dual system (XXᵀ + alpha·I)·a = y with w = Xᵀa, as scikit-learn does.
//   - "svd" uses the thin SVD X = U·S·Vᵀ: w = V·diag(s/(s²+alpha))·Uᵀy,
//     treating singular values ≤ 1e-15 as zero, as scikit-learn does.
//   - "auto" (the default) is "cholesky", falling back to "svd" when the
//     system is not positive definite or its reciprocal condition number is
//     below machine epsilon (where scipy's solve only warns and scikit-learn
//     keeps its inaccurate answer).
type Ridge struct {
	Alpha        float64 `json:"alpha" min:"0" help:"L2 regularisation strength"`
	FitIntercept bool    `json:"fit_intercept" help:"whether to fit an intercept (X and y are centred first)"`
	Solver       string  `json:"solver" enum:"auto,cholesky,svd" help:"auto (cholesky, svd when ill-conditioned), cholesky or svd"`

	coef      []float64
	intercept float64
	solver    string
}

// NewRidge returns a Ridge with scikit-learn's defaults: alpha 1,
// fit_intercept true, solver "auto".
func NewRidge() *Ridge { return &Ridge{Alpha: 1, FitIntercept: true, Solver: "auto"} }

// Fit solves the regularised least-squares problem.
func (m *Ridge) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	n, p := X.Dims()
	var coef []float64
	var xMean []float64
	var yMean float64
	used := m.Solver
	if m.Solver != "svd" {
		var ok bool
		if p <= n {
			// Normal equations from the Gram matrix of [Xc | yc].
			var G blas64.Symmetric
			G, xMean, yMean = augmentedGram(X, y, m.FitIntercept)
			q := p + 1
			A := blas64.Symmetric{N: p, Stride: q, Uplo: blas.Upper, Data: G.Data}
			rhs := make([]float64, p)
			for i := range rhs {
				rhs[i] = G.Data[i*q+p]
			}
			coef, ok = solvePos(A, rhs, m.Alpha, m.Solver == "cholesky")
		} else {
			var Xc blas64.General
			var yc []float64
			Xc, xMean, yc, yMean = center(X, y, m.FitIntercept)
			coef, ok = ridgeKernel(Xc, yc, m.Alpha, m.Solver == "cholesky")
		}
		used = "cholesky"
		if !ok {
			coef = nil
		}
	}
	if coef == nil {
		s, vt, c, xm, ym, err := centredSVD(X, y, m.FitIntercept)
		if err != nil {
			return fmt.Errorf("Ridge: %w", err)
		}
		d := make([]float64, len(s))
		for i, sv := range s {
			if sv > 1e-15 {
				d[i] = c[i] * sv / (sv*sv + m.Alpha)
			}
		}
		coef, xMean, yMean = combineVt(vt, d), xm, ym
		used = "svd"
	}
	if err := checkFinite("coef", coef); err != nil {
		return err
	}
	m.coef = coef
	m.intercept = 0
	if m.FitIntercept {
		m.intercept = interceptOf(xMean, yMean, coef)
	}
	m.solver = used
	return nil
}

// ridgeKernel solves the dual problem (XXᵀ + alpha·I)a = y and returns Xᵀa,
// scikit-learn's choice when there are more features than samples.
func ridgeKernel(X blas64.General, y []float64, alpha float64, force bool) ([]float64, bool) {
	n := X.Rows
	K := blas64.Symmetric{N: n, Stride: n, Uplo: blas.Upper, Data: make([]float64, n*n)}
	blas64.Syrk(blas.NoTrans, 1, X, 0, K)
	a, ok := solvePos(K, append([]float64(nil), y...), alpha, force)
	if !ok {
		return nil, false
	}
	coef := make([]float64, X.Cols)
	blas64.Gemv(blas.Trans, 1, X, blas64.Vector{N: n, Inc: 1, Data: a}, 0, blas64.Vector{N: X.Cols, Inc: 1, Data: coef})
	return coef, true
}

// solvePos adds alpha to the diagonal of A (upper triangle stored) and
// solves A·x = b by Cholesky, overwriting A and returning b as x.
func solvePos(A blas64.Symmetric, b []float64, alpha float64, force bool) ([]float64, bool) {
	n := A.N
	for i := 0; i < n; i++ {
		A.Data[i*A.Stride+i] += alpha
	}
	work := make([]float64, 3*n)
	anorm := lapack64.Lansy(lapack.MaxColumnSum, A, work)
	t, ok := lapack64.Potrf(A)
	if !ok {
		return nil, false
	}
	if !force {
		rcond := lapack64.Pocon(blas64.Symmetric{N: n, Stride: t.Stride, Uplo: t.Uplo, Data: t.Data}, anorm, work, make([]int, n))
		if rcond < eps {
			return nil, false
		}
	}
	lapack64.Potrs(t, blas64.General{Rows: n, Cols: 1, Stride: 1, Data: b})
	return b, true
}

// Predict returns X·coef + intercept.
func (m *Ridge) Predict(X *mat.Dense) ([]float64, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("Ridge")
	}
	if err := ml.CheckX(X, len(m.coef)); err != nil {
		return nil, err
	}
	return linearPredict(X, m.coef, m.intercept), nil
}

// Coef returns the fitted coefficients, one per feature (sklearn's coef_).
func (m *Ridge) Coef() []float64 { return append([]float64(nil), m.coef...) }

// Intercept returns the fitted intercept (sklearn's intercept_).
func (m *Ridge) Intercept() float64 { return m.intercept }

// SolverUsed returns the solver that produced the fit, "cholesky" or "svd"
// (useful with solver "auto"), or "" before Fit.
func (m *Ridge) SolverUsed() string { return m.solver }

// MarshalState returns the fitted coefficients and intercept.
func (m *Ridge) MarshalState() (*ml.State, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("Ridge")
	}
	s := regressorState(m.coef, m.intercept)
	s.SetAttr("solver", m.solver)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *Ridge) UnmarshalState(s *ml.State) error {
	coef, b, err := readRegressorState(s)
	if err != nil {
		return fmt.Errorf("Ridge: %w", err)
	}
	var solver string
	if err := s.Attr("solver", &solver); err != nil {
		return fmt.Errorf("Ridge: %w", err)
	}
	if solver != "cholesky" && solver != "svd" {
		return fmt.Errorf("Ridge: state: solver %q, expected \"cholesky\" or \"svd\"", solver)
	}
	m.coef, m.intercept, m.solver = coef, b, solver
	return nil
}
