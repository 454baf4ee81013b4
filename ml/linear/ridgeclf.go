package linear

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "RidgeClassifier",
		Task:   ml.Classification,
		Family: "linear",
		Doc:    "Classifier that fits Ridge regression to targets of ±1 per class and predicts the class of the largest score.",
		New:    func() ml.Estimator { return NewRidgeClassifier() },
	})
}

// RidgeClassifier is sklearn.linear_model.RidgeClassifier: the targets are
// coded -1/+1 per class (one column for two classes, for the larger class),
// a Ridge regression is fitted to each column with the samples weighted by
// class_weight, and the prediction is the class of the largest decision
// value (for two classes, the larger class where the value is positive).
// Solvers are Ridge's: "auto" (Cholesky, the SVD when the system is
// singular or ill-conditioned), "cholesky" and "svd".
type RidgeClassifier struct {
	Alpha        float64        `json:"alpha" min:"0" help:"L2 regularisation strength"`
	FitIntercept bool           `json:"fit_intercept" help:"whether to fit an intercept (X and the targets are centred first)"`
	Solver       string         `json:"solver" enum:"auto,cholesky,svd" help:"auto (cholesky, svd when ill-conditioned), cholesky or svd"`
	ClassWeight  ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes: null, balanced or an object from class values to weights"`

	classes   []float64
	coef      *mat.Dense // k × p (k = 1 for two classes)
	intercept []float64
}

// NewRidgeClassifier returns a RidgeClassifier with scikit-learn's
// defaults: alpha 1, fit_intercept true, solver "auto", class_weight null.
func NewRidgeClassifier() *RidgeClassifier {
	return &RidgeClassifier{Alpha: 1, FitIntercept: true, Solver: "auto"}
}

// Validate checks class_weight.
func (m *RidgeClassifier) Validate() error { return m.ClassWeight.Validate("balanced") }

// Fit fits one ridge regression per ±1-coded class column.
func (m *RidgeClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): they multiply class_weight's.
func (m *RidgeClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
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
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	n, p := X.Dims()
	K := len(classes)
	counts := make([]float64, K)
	for _, c := range idx {
		counts[c]++
	}
	cw, err := m.ClassWeight.PerClass(classes, counts)
	if err != nil {
		return err
	}
	k := K
	if K == 2 {
		k = 1
	}
	Y := make([]float64, n*k) // row-major n × k
	for i, c := range idx {
		row := Y[i*k : (i+1)*k]
		for j := range row {
			row[j] = -1
		}
		if K == 2 {
			if c == 1 {
				row[0] = 1
			}
		} else {
			row[c] = 1
		}
	}
	var sw []float64
	if !m.ClassWeight.IsZero() {
		sw = make([]float64, n)
		for i, c := range idx {
			sw[i] = cw[c]
		}
	}
	sw = ml.ScaleWeights(sw, w)
	coef, intercept, err := ridgeMulti(X, Y, k, sw, m.Alpha, m.FitIntercept, m.Solver)
	if err != nil {
		return fmt.Errorf("RidgeClassifier: %w", err)
	}
	m.classes, m.coef, m.intercept = classes, mat.NewDense(k, p, coef), intercept
	return nil
}

// ridgeMulti solves ridge regression for the k columns of the row-major
// n × k targets Y with optional sample weights sw, as scikit-learn's
// _BaseRidge.fit: weighted centring, rows scaled by √sw, then the normal
// equations (one Cholesky for all columns) or the SVD. It returns the
// row-major k × p coefficients and the k intercepts.
func ridgeMulti(X *mat.Dense, Y []float64, k int, sw []float64, alpha float64, fitIntercept bool, solver string) ([]float64, []float64, error) {
	n, p := X.Dims()
	raw := X.RawMatrix()
	xMean, yMean := make([]float64, p), make([]float64, k)
	if fitIntercept {
		tot := 0.0
		for i := 0; i < n; i++ {
			w := 1.0
			if sw != nil {
				w = sw[i]
			}
			tot += w
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
				xMean[j] += w * v
			}
			for j, v := range Y[i*k : (i+1)*k] {
				yMean[j] += w * v
			}
		}
		if tot <= 0 {
			return nil, nil, ml.DataErrorf("the sample weights (from class_weight) sum to %v, expected a positive sum", tot)
		}
		for j := range xMean {
			xMean[j] /= tot
		}
		for j := range yMean {
			yMean[j] /= tot
		}
	}
	Xc := blas64.General{Rows: n, Cols: p, Stride: p, Data: make([]float64, n*p)}
	Yc := blas64.General{Rows: n, Cols: k, Stride: k, Data: make([]float64, n*k)}
	for i := 0; i < n; i++ {
		s := 1.0
		if sw != nil {
			s = math.Sqrt(sw[i])
		}
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			Xc.Data[i*p+j] = (v - xMean[j]) * s
		}
		for j, v := range Y[i*k : (i+1)*k] {
			Yc.Data[i*k+j] = (v - yMean[j]) * s
		}
	}
	var coef []float64 // p × k, row-major
	if solver != "svd" {
		A := blas64.Symmetric{N: p, Stride: p, Uplo: blas.Upper, Data: make([]float64, p*p)}
		blas64.Syrk(blas.Trans, 1, Xc, 0, A)
		B := blas64.General{Rows: p, Cols: k, Stride: k, Data: make([]float64, p*k)}
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, Xc, Yc, 0, B)
		if x, ok := solvePosMulti(A, B, alpha, solver == "cholesky"); ok {
			coef = x
		}
	}
	if coef == nil {
		coef = make([]float64, p*k)
		for c := 0; c < k; c++ {
			A := blas64.General{Rows: n, Cols: p, Stride: p, Data: slices.Clone(Xc.Data)}
			b := make([]float64, n)
			for i := range b {
				b[i] = Yc.Data[i*k+c]
			}
			s, vt, cc, err := svdProject(A, b)
			if err != nil {
				return nil, nil, err
			}
			d := make([]float64, len(s))
			for i, sv := range s {
				if sv > 1e-15 {
					d[i] = cc[i] * sv / (sv*sv + alpha)
				}
			}
			for j, v := range combineVt(vt, d) {
				coef[j*k+c] = v
			}
		}
	}
	if err := checkFinite("coef", coef); err != nil {
		return nil, nil, err
	}
	out := make([]float64, k*p)
	for j := 0; j < p; j++ {
		for c := 0; c < k; c++ {
			out[c*p+j] = coef[j*k+c]
		}
	}
	intercept := make([]float64, k)
	if fitIntercept {
		for c := 0; c < k; c++ {
			intercept[c] = interceptOf(xMean, yMean[c], out[c*p:(c+1)*p])
		}
	}
	return out, intercept, nil
}

// solvePosMulti is solvePos for several right-hand sides B (p × k).
func solvePosMulti(A blas64.Symmetric, B blas64.General, alpha float64, force bool) ([]float64, bool) {
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
	lapack64.Potrs(t, B)
	return B.Data, true
}

// DecisionFunction returns X·coefᵀ + intercept: one column for two
// classes (positive for the larger class), one per class otherwise.
func (m *RidgeClassifier) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("RidgeClassifier")
	}
	return ml.LinearDecision(X, m.coef, m.intercept)
}

// Predict returns the class of the largest decision value.
func (m *RidgeClassifier) Predict(X *mat.Dense) ([]float64, error) {
	d, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	return ml.DecisionClasses(d, m.classes), nil
}

// Classes returns the class values, sorted (sklearn's classes_).
func (m *RidgeClassifier) Classes() []float64 { return slices.Clone(m.classes) }

// Coef returns the coefficients (sklearn's coef_): one row for two
// classes, one per class otherwise.
func (m *RidgeClassifier) Coef() *mat.Dense {
	if m.coef == nil {
		return nil
	}
	return mat.DenseCopyOf(m.coef)
}

// Intercept returns the intercepts (sklearn's intercept_), one per row of
// Coef.
func (m *RidgeClassifier) Intercept() []float64 { return slices.Clone(m.intercept) }

// MarshalState returns the classes, coefficients and intercepts.
func (m *RidgeClassifier) MarshalState() (*ml.State, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError("RidgeClassifier")
	}
	k, p := m.coef.Dims()
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	s.SetFloats("coef", m.coef.RawMatrix().Data, k, p)
	s.SetFloats("intercept", m.intercept)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *RidgeClassifier) UnmarshalState(s *ml.State) error {
	classes, coef, p, b, err := ml.LinearClassifierState("RidgeClassifier", s)
	if err != nil {
		return err
	}
	if err := checkFinite("coef", coef); err != nil {
		return fmt.Errorf("RidgeClassifier: state: %w", err)
	}
	if err := checkFinite("intercept", b); err != nil {
		return fmt.Errorf("RidgeClassifier: state: %w", err)
	}
	m.classes, m.coef, m.intercept = slices.Clone(classes), mat.NewDense(len(b), p, slices.Clone(coef)), slices.Clone(b)
	return nil
}

// EstimateMemory bounds Fit's memory: in float64, the ±1 targets and their
// centred copy (2·n·k), the weighted centred copy of X (n·p), and for the
// SVD fallback a second n·p and p² (see estimateLeastSquares).
func (m *RidgeClassifier) EstimateMemory(n, p, k int) int64 {
	N, K := int64(max(n, 1)), int64(max(k, 2))
	return budget.Add(estimateLeastSquares(n, p, k), budget.Mul(8, 3, N, K))
}
