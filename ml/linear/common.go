package linear

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// center returns a copy of X with its column means removed, the means, the
// centred y and its mean, as scikit-learn's _preprocess_data does for
// fit_intercept=True. With fitIntercept false it returns a plain copy and
// zero offsets.
func center(X *mat.Dense, y []float64, fitIntercept bool) (Xc blas64.General, xMean []float64, yc []float64, yMean float64) {
	r, c := X.Dims()
	raw := X.RawMatrix()
	Xc = blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)}
	xMean = make([]float64, c)
	yc = make([]float64, r)
	if fitIntercept {
		for i := 0; i < r; i++ {
			row := raw.Data[i*raw.Stride : i*raw.Stride+c]
			for j, v := range row {
				xMean[j] += v
			}
			yMean += y[i]
		}
		inv := 1 / float64(r)
		for j := range xMean {
			xMean[j] *= inv
		}
		yMean *= inv
	}
	for i := 0; i < r; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		dst := Xc.Data[i*c : i*c+c]
		for j, v := range row {
			dst[j] = v - xMean[j]
		}
		yc[i] = y[i] - yMean
	}
	return Xc, xMean, yc, yMean
}

// interceptOf returns yMean - xMean·coef.
func interceptOf(xMean []float64, yMean float64, coef []float64) float64 {
	s := yMean
	for j, m := range xMean {
		s -= m * coef[j]
	}
	return s
}

// linearPredict returns X·coef + intercept.
func linearPredict(X *mat.Dense, coef []float64, intercept float64) []float64 {
	r, _ := X.Dims()
	out := make([]float64, r)
	for i := range out {
		out[i] = intercept
	}
	blas64.Gemv(blas.NoTrans, 1, X.RawMatrix(), blas64.Vector{N: len(coef), Inc: 1, Data: coef}, 1, blas64.Vector{N: r, Inc: 1, Data: out})
	return out
}

// svdProject computes the thin SVD A = U·diag(s)·Vᵀ of the n×p matrix A
// (which it overwrites) and returns s (descending, length k = min(n, p)), Vᵀ
// as a k×p matrix and c = Uᵀ·b. For n ≥ p it first reduces A to R by a
// Householder QR (A = QR, so Uᵀb = U_Rᵀ·Qᵀb), which is how LAPACK's gelsd
// treats tall matrices and keeps the work at O(n·p²) without forming U.
func svdProject(A blas64.General, b []float64) (s []float64, vt blas64.General, c []float64, err error) {
	n, p := A.Rows, A.Cols
	bb := append([]float64(nil), b...)
	B := blas64.General{Rows: n, Cols: 1, Stride: 1, Data: bb}
	var M blas64.General // the matrix whose SVD we take
	var qtb []float64
	if n >= p {
		tau := make([]float64, p)
		work := make([]float64, 1)
		lapack64.Geqrf(A, tau, work, -1)
		lw := int(work[0])
		lapack64.Ormqr(blas.Left, blas.Trans, A, tau, B, work, -1)
		lw = max(lw, int(work[0]), 1)
		work = make([]float64, lw)
		lapack64.Geqrf(A, tau, work, len(work))
		lapack64.Ormqr(blas.Left, blas.Trans, A, tau, B, work, len(work))
		M = blas64.General{Rows: p, Cols: p, Stride: p, Data: make([]float64, p*p)}
		for i := 0; i < p; i++ {
			copy(M.Data[i*p+i:i*p+p], A.Data[i*A.Stride+i:i*A.Stride+p])
		}
		qtb = bb[:p]
	} else {
		M = A
		qtb = bb
	}
	return svdOf(M, qtb)
}

// svdOf computes the thin SVD M = U·diag(s)·Vᵀ (M is overwritten) and
// returns s, Vᵀ and c = Uᵀ·b.
func svdOf(M blas64.General, b []float64) (s []float64, vt blas64.General, c []float64, err error) {
	m, p, k := M.Rows, M.Cols, min(M.Rows, M.Cols)
	s = make([]float64, k)
	u := blas64.General{Rows: m, Cols: k, Stride: k, Data: make([]float64, m*k)}
	vt = blas64.General{Rows: k, Cols: p, Stride: p, Data: make([]float64, k*p)}
	work := make([]float64, 1)
	lapack64.Gesvd(lapack.SVDStore, lapack.SVDStore, M, u, vt, s, work, -1)
	work = make([]float64, int(work[0]))
	if !lapack64.Gesvd(lapack.SVDStore, lapack.SVDStore, M, u, vt, s, work, len(work)) {
		return nil, vt, nil, fmt.Errorf("SVD did not converge")
	}
	c = make([]float64, k)
	blas64.Gemv(blas.Trans, 1, u, blas64.Vector{N: m, Inc: 1, Data: b}, 0, blas64.Vector{N: k, Inc: 1, Data: c})
	return s, vt, c, nil
}

// centredSVD returns the thin SVD of the centred X (s, Vᵀ) and c = Uᵀ·yc,
// with the offsets. For n ≥ p+1 it factors [Xc | yc] by parallel
// tall-skinny QR without materialising Xc, then takes the SVD of the p × p R.
func centredSVD(X *mat.Dense, y []float64, fitIntercept bool) (s []float64, vt blas64.General, c, xMean []float64, yMean float64, err error) {
	n, p := X.Dims()
	if n < p+1 {
		var Xc blas64.General
		var yc []float64
		Xc, xMean, yc, yMean = center(X, y, fitIntercept)
		s, vt, c, err = svdProject(Xc, yc)
		return s, vt, c, xMean, yMean, err
	}
	xMean, yMean = means(X, y, fitIntercept)
	R := augmentedR(X, y, xMean, yMean)
	q := p + 1
	M := blas64.General{Rows: p, Cols: p, Stride: p, Data: make([]float64, p*p)}
	qtb := make([]float64, p)
	for i := 0; i < p; i++ {
		copy(M.Data[i*p:i*p+p], R.Data[i*q:i*q+p])
		qtb[i] = R.Data[i*q+p]
	}
	s, vt, c, err = svdOf(M, qtb)
	return s, vt, c, xMean, yMean, err
}

// combineVt returns Vᵀᵀ·d = Σ_i d_i·Vᵀ[i, :].
func combineVt(vt blas64.General, d []float64) []float64 {
	out := make([]float64, vt.Cols)
	blas64.Gemv(blas.Trans, 1, vt, blas64.Vector{N: len(d), Inc: 1, Data: d}, 0, blas64.Vector{N: vt.Cols, Inc: 1, Data: out})
	return out
}

// checkFinite returns a DataError if any value is not finite; solutions of
// badly scaled problems can overflow.
func checkFinite(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ml.DataErrorf("%s[%d] is %v: the problem is too badly scaled to solve in float64", what, i, x)
		}
	}
	return nil
}

// regressorState writes the fitted state shared by the linear regressors.
func regressorState(coef []float64, intercept float64) *ml.State {
	s := ml.NewState()
	s.SetFloats("coef", coef)
	s.SetFloats("intercept", []float64{intercept})
	return s
}

// readRegressorState reads what regressorState wrote.
func readRegressorState(s *ml.State) (coef []float64, intercept float64, err error) {
	if s == nil {
		return nil, 0, fmt.Errorf("state: nil")
	}
	c, _, err := s.Floats("coef", -1)
	if err != nil {
		return nil, 0, err
	}
	if len(c) == 0 {
		return nil, 0, fmt.Errorf("state: array \"coef\" is empty")
	}
	b, _, err := s.Floats("intercept", 1)
	if err != nil {
		return nil, 0, err
	}
	if err := checkFinite("coef", c); err != nil {
		return nil, 0, err
	}
	if err := checkFinite("intercept", b); err != nil {
		return nil, 0, err
	}
	return append([]float64(nil), c...), b[0], nil
}
