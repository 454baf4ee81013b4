package linear

import (
	"context"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "LinearRegression",
		Task:   ml.Regression,
		Family: "linear",
		Doc:    "Ordinary least squares, solved by QR and SVD (minimum-norm solution when rank-deficient), optionally with non-negative coefficients.",
		New:    func() ml.Estimator { return NewLinearRegression() },
	})
}

// LinearRegression is ordinary least squares, like
// sklearn.linear_model.LinearRegression: it minimises ||y - Xw - b||².
//
// Fit centres X and y (when FitIntercept is set), factors the centred X as
// QR and then R as U·S·Vᵀ, and keeps the minimum-norm solution: singular
// values below eps·s_max count as zero, the cutoff scipy.linalg.lstsq uses
// by default, so a rank-deficient X gives the same coefficients as
// scikit-learn. With Positive set it solves non-negative least squares by
// Lawson and Hanson's active-set method, as scikit-learn does through
// scipy.optimize.nnls; Rank and Singular are then not set (scikit-learn does
// not set rank_ and singular_ either).
type LinearRegression struct {
	FitIntercept bool `json:"fit_intercept" help:"whether to fit an intercept (X and y are centred first)"`
	Positive     bool `json:"positive" help:"constrain the coefficients to be non-negative (non-negative least squares)"`

	coef      []float64
	intercept float64
	rank      int
	singular  []float64
}

// NewLinearRegression returns a LinearRegression with scikit-learn's
// defaults: fit_intercept true, positive false.
func NewLinearRegression() *LinearRegression { return &LinearRegression{FitIntercept: true} }

// Fit solves the least-squares problem for X (n_samples × n_features) and y.
func (m *LinearRegression) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if m.Positive {
		return m.fitPositive(X, y)
	}
	s, vt, c, xMean, yMean, err := centredSVD(X, y, m.FitIntercept)
	if err != nil {
		return fmt.Errorf("LinearRegression: %w", err)
	}
	cut := 0.0
	if len(s) > 0 {
		cut = eps * s[0]
	}
	rank := 0
	d := make([]float64, len(s))
	for i, sv := range s {
		if sv > cut {
			d[i] = c[i] / sv
			rank++
		}
	}
	coef := combineVt(vt, d)
	if err := checkFinite("coef", coef); err != nil {
		return err
	}
	m.coef = coef
	m.intercept = 0
	if m.FitIntercept {
		m.intercept = interceptOf(xMean, yMean, coef)
	}
	m.rank = rank
	m.singular = s
	return nil
}

// fitPositive solves the problem with non-negative coefficients. For
// n ≥ p+1 it runs NNLS on the p × p triangular factor R of the centred X and
// Qᵀy, which has the same solution as the full problem.
func (m *LinearRegression) fitPositive(X *mat.Dense, y []float64) error {
	n, p := X.Dims()
	var A blas64.General
	var b, xMean []float64
	var yMean float64
	if n >= p+1 {
		xMean, yMean = means(X, y, m.FitIntercept)
		R := augmentedR(X, y, xMean, yMean)
		q := p + 1
		A = blas64.General{Rows: p, Cols: p, Stride: q, Data: R.Data}
		b = make([]float64, p)
		for i := range b {
			b[i] = R.Data[i*q+p]
		}
	} else {
		A, xMean, b, yMean = center(X, y, m.FitIntercept)
	}
	coef, err := nnls(A, b)
	if err != nil {
		return fmt.Errorf("LinearRegression: %w", err)
	}
	if err := checkFinite("coef", coef); err != nil {
		return err
	}
	m.coef = coef
	m.intercept = 0
	if m.FitIntercept {
		m.intercept = interceptOf(xMean, yMean, coef)
	}
	m.rank, m.singular = 0, nil
	return nil
}

// eps is float64's machine epsilon, 2⁻⁵², numpy's finfo(float).eps.
const eps = 0x1p-52

// Predict returns X·coef + intercept.
func (m *LinearRegression) Predict(X *mat.Dense) ([]float64, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("LinearRegression")
	}
	if err := ml.CheckX(X, len(m.coef)); err != nil {
		return nil, err
	}
	return linearPredict(X, m.coef, m.intercept), nil
}

// Coef returns the fitted coefficients, one per feature (sklearn's coef_),
// or nil before Fit.
func (m *LinearRegression) Coef() []float64 { return append([]float64(nil), m.coef...) }

// Intercept returns the fitted intercept (sklearn's intercept_), 0 when
// fit_intercept is false.
func (m *LinearRegression) Intercept() float64 { return m.intercept }

// Rank returns the effective rank of the centred X (sklearn's rank_).
func (m *LinearRegression) Rank() int { return m.rank }

// Singular returns the singular values of the centred X in descending order
// (sklearn's singular_).
func (m *LinearRegression) Singular() []float64 { return append([]float64(nil), m.singular...) }

// MarshalState returns the fitted coefficients, intercept, rank and singular
// values.
func (m *LinearRegression) MarshalState() (*ml.State, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("LinearRegression")
	}
	s := regressorState(m.coef, m.intercept)
	s.SetFloats("singular", m.singular)
	s.SetAttr("rank", m.rank)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *LinearRegression) UnmarshalState(s *ml.State) error {
	coef, b, err := readRegressorState(s)
	if err != nil {
		return fmt.Errorf("LinearRegression: %w", err)
	}
	sv, _, err := s.Floats("singular", -1)
	if err != nil {
		return fmt.Errorf("LinearRegression: %w", err)
	}
	var rank int
	if err := s.Attr("rank", &rank); err != nil {
		return fmt.Errorf("LinearRegression: %w", err)
	}
	if rank < 0 || rank > len(sv) || len(sv) > len(coef) {
		return fmt.Errorf("LinearRegression: state: rank %d with %d singular values and %d coefficients is inconsistent", rank, len(sv), len(coef))
	}
	for i, v := range sv {
		if math.IsNaN(v) || v < 0 {
			return fmt.Errorf("LinearRegression: state: singular value %d is %v, expected ≥ 0", i, v)
		}
	}
	m.coef, m.intercept, m.rank, m.singular = coef, b, rank, append([]float64(nil), sv...)
	return nil
}
