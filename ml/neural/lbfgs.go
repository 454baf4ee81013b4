// Code copied from ml/linear/lbfgs.go (same repository): scipy's L-BFGS-B
// for an unbounded problem, with an evaluation budget (max_fun) added.

package neural

import (
	"context"
	"math"

	"gonum.org/v1/gonum/floats"
)

// lbfgsOptions mirror what scikit-learn passes to scipy's L-BFGS-B.
type lbfgsOptions struct {
	maxIter int     // maxiter: major iterations
	pgtol   float64 // gtol: stop when max|g_i| ≤ pgtol
	factr   float64 // stop when (f_k - f_k+1)/max(|f_k|, |f_k+1|, 1) ≤ factr·eps; scipy's default 1e7
	memory  int     // maxcor, scipy's default 10
	maxLS   int     // maxls, function evaluations per line search, scipy's default 20
}

type lbfgsResult struct {
	nIter     int
	converged bool
	f         float64
	message   string
}

// fgFunc evaluates the objective at x, writes its gradient into grad and
// returns its value.
type fgFunc func(x, grad []float64) float64

// minimizeLBFGS minimises fg from x (updated in place) with limited-memory
// BFGS. It follows scipy's L-BFGS-B for an unbounded problem: the two-loop
// recursion with the initial Hessian scaled by sᵀy/yᵀy, the Moré–Thuente line
// search with ftol 1e-3, gtol 0.9 and xtol 0.1, a first step of 1/||d|| and
// later steps of 1, the same two stopping rules (projected gradient and
// relative reduction) and the same recovery when a line search fails (drop
// the memory once, then stop). It checks ctx before each iteration and calls
// onIter after each one.
func minimizeLBFGS(ctx context.Context, fg fgFunc, x []float64, o lbfgsOptions, onIter func(iter int, f float64)) (lbfgsResult, error) {
	n := len(x)
	g := make([]float64, n)
	f := fg(x, g)
	var res lbfgsResult
	if floats.Norm(g, math.Inf(1)) <= o.pgtol {
		return lbfgsResult{converged: true, f: f, message: "projected gradient below gtol"}, nil
	}
	if o.maxIter <= 0 {
		return lbfgsResult{f: f, message: "reached max_iter"}, nil
	}
	m := o.memory
	S := make([][]float64, m)
	Y := make([][]float64, m)
	for i := range S {
		S[i] = make([]float64, n)
		Y[i] = make([]float64, n)
	}
	rho := make([]float64, m)
	alpha := make([]float64, m)
	head, count := 0, 0 // ring buffer: newest pair at (head-1) mod m
	d := make([]float64, n)
	x0 := make([]float64, n)
	g0 := make([]float64, n)
	mt := &moreThuente{DecreaseFactor: 1e-3, CurvatureFactor: 0.9, StepTolerance: 0.1, MaximumStep: 1e10}
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		// d = -H·g by the two-loop recursion.
		copy(d, g)
		for k := 0; k < count; k++ {
			i := (head - 1 - k + 2*m) % m
			alpha[i] = rho[i] * floats.Dot(S[i], d)
			floats.AddScaled(d, -alpha[i], Y[i])
		}
		if count > 0 {
			i := (head - 1 + m) % m
			floats.Scale(1/(rho[i]*floats.Dot(Y[i], Y[i])), d)
		}
		for k := count - 1; k >= 0; k-- {
			i := (head - 1 - k + 2*m) % m
			beta := rho[i] * floats.Dot(Y[i], d)
			floats.AddScaled(d, alpha[i]-beta, S[i])
		}
		floats.Scale(-1, d)
		gd := floats.Dot(g, d)
		if gd >= 0 {
			// Not a descent direction (loss of positive definiteness):
			// restart from steepest descent.
			count = 0
			copy(d, g)
			floats.Scale(-1, d)
			gd = -floats.Dot(g, g)
		}
		stp := 1.0
		if count == 0 {
			stp = math.Min(1/floats.Norm(d, 2), mt.MaximumStep)
		}
		copy(x0, x)
		copy(g0, g)
		f0 := f
		mt.init(f0, gd, stp)
		ok := false
		for ls := 0; ls < o.maxLS; ls++ {
			copy(x, x0)
			floats.AddScaled(x, stp, d)
			f = fg(x, g)
			var op lsOp
			op, stp = mt.iterate(f, floats.Dot(g, d))
			if op == lsDone || op == lsFailed && f <= f0 {
				// scipy's lnsrlb accepts the last point on dcsrch's
				// warnings (interval too small, step at a bound) too.
				ok = true
				break
			}
			if op == lsFailed {
				break
			}
		}
		if !ok {
			copy(x, x0)
			copy(g, g0)
			f = f0
			if count == 0 {
				res.f = f
				res.message = "line search failed: no further progress possible"
				return res, nil
			}
			count = 0
			continue
		}
		res.nIter++
		// Update the memory, skipping pairs with too little curvature.
		s, y := S[head], Y[head]
		for i := range s {
			s[i] = x[i] - x0[i]
			y[i] = g[i] - g0[i]
		}
		sy, yy := floats.Dot(s, y), floats.Dot(y, y)
		if sy > eps*yy {
			rho[head] = 1 / sy
			head = (head + 1) % m
			if count < m {
				count++
			}
		}
		if onIter != nil {
			onIter(res.nIter, f)
		}
		res.f = f
		if floats.Norm(g, math.Inf(1)) <= o.pgtol {
			res.converged = true
			res.message = "projected gradient below gtol"
			return res, nil
		}
		if f0-f <= o.factr*eps*math.Max(math.Max(math.Abs(f0), math.Abs(f)), 1) {
			res.converged = true
			res.message = "relative reduction of f below factr·eps"
			return res, nil
		}
		if res.nIter >= o.maxIter {
			res.message = "reached max_iter"
			return res, nil
		}
	}
}

// eps is the float64 machine epsilon.
const eps = 0x1p-52
