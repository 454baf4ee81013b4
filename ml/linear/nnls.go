package linear

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// nnls solves min ||A·x - b|| subject to x ≥ 0 by the active-set method of
// Lawson and Hanson (Solving Least Squares Problems, 1974, ch. 23), the
// algorithm behind scipy.optimize.nnls, which scikit-learn's
// LinearRegression(positive=True) calls. A is m × p and is not modified.
// Like scipy it gives up after 3p outer iterations.
func nnls(A blas64.General, b []float64) ([]float64, error) {
	m, p := A.Rows, A.Cols
	x := make([]float64, p)
	passive := make([]bool, p)
	w := make([]float64, p)
	resid := make([]float64, m)
	// Tolerance of MATLAB's lsqnonneg: 10·eps·||A||₁·max(m, p).
	norm1 := 0.0
	for j := 0; j < p; j++ {
		s := 0.0
		for i := 0; i < m; i++ {
			s += math.Abs(A.Data[i*A.Stride+j])
		}
		norm1 = math.Max(norm1, s)
	}
	tol := 10 * eps * norm1 * float64(max(m, p))
	gradient := func() {
		copy(resid, b)
		blas64.Gemv(blas.NoTrans, -1, A, blas64.Vector{N: p, Inc: 1, Data: x}, 1, blas64.Vector{N: m, Inc: 1, Data: resid})
		blas64.Gemv(blas.Trans, 1, A, blas64.Vector{N: m, Inc: 1, Data: resid}, 0, blas64.Vector{N: p, Inc: 1, Data: w})
	}
	// solveP returns the unconstrained least-squares solution on the
	// passive set, zero elsewhere.
	solveP := func() ([]float64, error) {
		var cols []int
		for j, on := range passive {
			if on {
				cols = append(cols, j)
			}
		}
		z := make([]float64, p)
		if len(cols) == 0 {
			return z, nil
		}
		M := blas64.General{Rows: m, Cols: len(cols), Stride: len(cols), Data: make([]float64, m*len(cols))}
		for i := 0; i < m; i++ {
			for k, j := range cols {
				M.Data[i*M.Cols+k] = A.Data[i*A.Stride+j]
			}
		}
		var s, c []float64
		var vt blas64.General
		var err error
		if m >= len(cols) {
			s, vt, c, err = svdProject(M, b)
		} else {
			s, vt, c, err = svdOf(M, b)
		}
		if err != nil {
			return nil, err
		}
		d := make([]float64, len(s))
		for i, sv := range s {
			if sv > eps*s[0] {
				d[i] = c[i] / sv
			}
		}
		sol := combineVt(vt, d)
		for k, j := range cols {
			z[j] = sol[k]
		}
		return z, nil
	}
	gradient()
	for iter := 0; ; iter++ {
		best, bestW := -1, tol
		for j := 0; j < p; j++ {
			if !passive[j] && w[j] > bestW {
				best, bestW = j, w[j]
			}
		}
		if best < 0 {
			return x, nil
		}
		if iter >= 3*p {
			return nil, fmt.Errorf("non-negative least squares did not converge in %d iterations", 3*p)
		}
		passive[best] = true
		z, err := solveP()
		if err != nil {
			return nil, err
		}
		for inner := 0; ; inner++ {
			alpha, found := math.Inf(1), false
			for j := 0; j < p; j++ {
				if passive[j] && z[j] <= 0 {
					found = true
					alpha = math.Min(alpha, x[j]/(x[j]-z[j]))
				}
			}
			if !found || inner > 3*p {
				break
			}
			for j := range x {
				x[j] += alpha * (z[j] - x[j])
				if passive[j] && math.Abs(x[j]) <= tol {
					passive[j] = false
					x[j] = 0
				}
			}
			if z, err = solveP(); err != nil {
				return nil, err
			}
		}
		copy(x, z)
		for j := range x {
			if !passive[j] {
				x[j] = 0
			}
		}
		gradient()
	}
}
