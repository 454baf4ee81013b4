package linear

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "RidgeCV",
		Task:   ml.Regression,
		Family: "linear",
		Doc:    "Ridge regression that picks alpha by efficient leave-one-out cross-validation (generalised cross-validation).",
		New:    func() ml.Estimator { return NewRidgeCV() },
	})
}

// RidgeCV is sklearn.linear_model.RidgeCV with cv=None and the default
// scoring: for each alpha it computes the leave-one-out errors of Ridge in
// closed form from one thin SVD of the centred X (with a column of ones
// for the intercept, whose regularisation is cancelled, as scikit-learn's
// _RidgeGCV does), scores alpha by minus their mean square, and keeps the
// best (the first of equal scores). gcv_mode "eigen" (scikit-learn's
// choice for more features than samples) computes the same quantities,
// here through the same thin SVD.
type RidgeCV struct {
	Alphas       []float64 `json:"alphas" help:"the candidate regularisation strengths, each > 0"`
	FitIntercept bool      `json:"fit_intercept" help:"whether to fit an intercept (X and y are centred first)"`
	GCVMode      string    `json:"gcv_mode" enum:"auto,svd,eigen" nullable:"true" help:"how the leave-one-out errors are computed; all give the same values here (null means auto)"`

	coef      []float64
	intercept float64
	alpha     float64
	bestScore float64
}

// NewRidgeCV returns a RidgeCV with scikit-learn's defaults: alphas
// (0.1, 1, 10), fit_intercept true, gcv_mode "auto".
func NewRidgeCV() *RidgeCV {
	return &RidgeCV{Alphas: []float64{0.1, 1, 10}, FitIntercept: true, GCVMode: "auto"}
}

// Validate checks that alphas is not empty and every alpha is a finite
// number > 0.
func (m *RidgeCV) Validate() error {
	if len(m.Alphas) == 0 {
		return &ml.ParamError{Param: "alphas", Msg: "is empty, expected at least one alpha > 0"}
	}
	for i, a := range m.Alphas {
		if !(a > 0) || math.IsInf(a, 0) {
			return &ml.ParamError{Param: fmt.Sprintf("alphas[%d]", i), Expected: "a finite number > 0", Got: fmt.Sprint(a)}
		}
	}
	return nil
}

// Fit scores every alpha by leave-one-out and keeps the best fit.
func (m *RidgeCV) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's _RidgeGCV.fit(X, y, sample_weight): X and y centred on
// their weighted means and scaled by √w, the intercept column √w, and the
// leave-one-out errors those of the scaled problem.
func (m *RidgeCV) FitWeighted(ctx context.Context, X *mat.Dense, y, sw []float64) error {
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
	n, p := X.Dims()
	var Xc blas64.General
	var xMean, yc []float64
	var yMean float64
	sqrtSW := make([]float64, n)
	for i := range sqrtSW {
		sqrtSW[i] = 1
	}
	if sw == nil {
		Xc, xMean, yc, yMean = center(X, y, m.FitIntercept)
	} else {
		var Xs *mat.Dense
		Xs, yc, xMean, yMean = rescaleWeighted(X, y, sw, m.FitIntercept)
		Xc = Xs.RawMatrix()
		for i, v := range sw {
			sqrtSW[i] = math.Sqrt(v)
		}
	}
	q := p
	if m.FitIntercept {
		q++
	}
	A := blas64.General{Rows: n, Cols: q, Stride: q, Data: make([]float64, n*q)}
	for i := 0; i < n; i++ {
		copy(A.Data[i*q:i*q+p], Xc.Data[i*p:(i+1)*p])
		if m.FitIntercept {
			A.Data[i*q+p] = sqrtSW[i] // the intercept column, √w
		}
	}
	U, s, ok := leftSVD(A)
	if !ok {
		return fmt.Errorf("RidgeCV: SVD did not converge")
	}
	k := len(s)
	uty := make([]float64, k)
	blas64.Gemv(blas.Trans, 1, U, blas64.Vector{N: n, Inc: 1, Data: yc}, 0, blas64.Vector{N: k, Inc: 1, Data: uty})
	// The singular vector closest to the (normalised) intercept column.
	interceptDim := -1
	if m.FitIntercept {
		best := -1.0
		norm := 0.0
		for _, v := range sqrtSW {
			norm += v * v
		}
		// ⟨u_j, √w⟩/‖√w‖ for every j in one row-major pass over U.
		d := make([]float64, k)
		blas64.Gemv(blas.Trans, 1/math.Sqrt(norm), U, blas64.Vector{N: n, Inc: 1, Data: sqrtSW}, 0, blas64.Vector{N: k, Inc: 1, Data: d})
		for j, v := range d {
			if math.Abs(v) > best {
				best, interceptDim = math.Abs(v), j
			}
		}
	}
	rep := ml.ProgressFrom(ctx)
	w := make([]float64, k)
	wu := make([]float64, k)
	c := make([]float64, n)
	e2 := make([]float64, n)
	var bestC []float64
	bestScore, bestAlpha := math.Inf(-1), 0.0
	for ai, alpha := range m.Alphas {
		if err := ctx.Err(); err != nil {
			return err
		}
		for j, sv := range s {
			w[j] = 1/(sv*sv+alpha) - 1/alpha
		}
		if interceptDim >= 0 {
			w[interceptDim] = -1 / alpha
		}
		for j := range wu {
			wu[j] = w[j] * uty[j]
		}
		blas64.Gemv(blas.NoTrans, 1, U, blas64.Vector{N: k, Inc: 1, Data: wu}, 0, blas64.Vector{N: n, Inc: 1, Data: c})
		// The rows' squared errors on the cores, summed in row order.
		onRowBlocks(n, k, func(r0, r1 int) {
			for i := r0; i < r1; i++ {
				c[i] += yc[i] / alpha
				g := 1 / alpha
				row := U.Data[i*k : (i+1)*k]
				for j, u := range row {
					g += u * u * w[j]
				}
				e := c[i] / g
				e2[i] = e * e
			}
		})
		sq := 0.0
		for _, v := range e2 {
			sq += v
		}
		score := -sq / float64(n)
		if bestC == nil || score > bestScore {
			bestScore, bestAlpha, bestC = score, alpha, slices.Clone(c)
		}
		rep.Report(ml.Event{Kind: "step", Step: ai + 1, Total: len(m.Alphas), Message: "leave-one-out over alphas"})
	}
	coef := make([]float64, p)
	blas64.Gemv(blas.Trans, 1, Xc, blas64.Vector{N: n, Inc: 1, Data: bestC}, 0, blas64.Vector{N: p, Inc: 1, Data: coef})
	if err := checkFinite("coef", coef); err != nil {
		return fmt.Errorf("RidgeCV: %w", err)
	}
	m.coef, m.alpha, m.bestScore = coef, bestAlpha, bestScore
	m.intercept = 0
	if m.FitIntercept {
		m.intercept = interceptOf(xMean, yMean, coef)
	}
	return nil
}

// Predict returns X·coef + intercept.
func (m *RidgeCV) Predict(X *mat.Dense) ([]float64, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("RidgeCV")
	}
	if err := ml.CheckX(X, len(m.coef)); err != nil {
		return nil, err
	}
	return linearPredict(X, m.coef, m.intercept), nil
}

// Coef returns the coefficients at the chosen alpha (sklearn's coef_).
func (m *RidgeCV) Coef() []float64 { return slices.Clone(m.coef) }

// Intercept returns the intercept (sklearn's intercept_).
func (m *RidgeCV) Intercept() float64 { return m.intercept }

// Alpha returns the chosen alpha (sklearn's alpha_).
func (m *RidgeCV) Alpha() float64 { return m.alpha }

// BestScore returns the chosen alpha's score, minus the mean squared
// leave-one-out error (sklearn's best_score_).
func (m *RidgeCV) BestScore() float64 { return m.bestScore }

// MarshalState returns the coefficients, intercept, alpha_ and
// best_score_.
func (m *RidgeCV) MarshalState() (*ml.State, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("RidgeCV")
	}
	s := regressorState(m.coef, m.intercept)
	s.SetFloats("alpha", []float64{m.alpha})
	s.SetFloats("best_score", []float64{m.bestScore})
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *RidgeCV) UnmarshalState(s *ml.State) error {
	coef, b, err := readRegressorState(s)
	if err != nil {
		return fmt.Errorf("RidgeCV: %w", err)
	}
	a, _, err := s.Floats("alpha", 1)
	if err != nil {
		return fmt.Errorf("RidgeCV: %w", err)
	}
	bs, _, err := s.Floats("best_score", 1)
	if err != nil {
		return fmt.Errorf("RidgeCV: %w", err)
	}
	if !(a[0] > 0) || math.IsInf(a[0], 0) {
		return fmt.Errorf("RidgeCV: state: alpha %v, expected a finite number > 0", a[0])
	}
	m.coef, m.intercept, m.alpha, m.bestScore = coef, b, a[0], bs[0]
	return nil
}

// EstimateMemory bounds Fit's memory: in float64, the centred copy of X
// (n·p), the matrix with the intercept column that the SVD overwrites and
// its U (2·n·(p+1)), gonum's SVD work space (bounded by another n·(p+1)
// plus (p+1)²), the stacked (p+1)² R factors of the row blocks (one per
// core) and their SVD, and n-sized vectors (6·n).
func (m *RidgeCV) EstimateMemory(n, p, k int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))+1
	v := budget.Add(budget.Mul(4, N, P), budget.Mul(2, P, P), budget.Mul(2*int64(runtime.GOMAXPROCS(0)), P, P), budget.Mul(6, N), budget.Mul(16, P))
	return budget.Add(budget.Mul(8, v), 64<<10)
}
