// Package lbfgs is a limited-memory BFGS minimiser for smooth unconstrained
// problems that follows scipy's L-BFGS-B (the code scikit-learn calls) for an
// unbounded problem, step for step, with gonum's Moré–Thuente line search
// (optimize.MoreThuente, MINPACK-2's dcsrch). LogisticRegression and the
// multi-layer perceptrons use it, so their iteration counts match
// scikit-learn's n_iter_.
package lbfgs

import (
	"context"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// Options mirror what scikit-learn passes to scipy's L-BFGS-B. The zero
// value is not usable: start from DefaultOptions.
type Options struct {
	MaxIter int     // maxiter: major iterations; ≤ 0 evaluates f once and stops
	PGTol   float64 // gtol: stop when max|g_i| ≤ PGTol
	Factr   float64 // stop when (f_k - f_k+1)/max(|f_k|, |f_k+1|, 1) ≤ Factr·eps; scipy's default 1e7
	Memory  int     // maxcor: correction pairs kept, scipy's default 10; must be ≥ 1
	MaxLS   int     // maxls: function evaluations per line search, scipy's default 20
}

// DefaultOptions returns scipy's defaults (factr 1e7, maxcor 10, maxls 20)
// with the given iteration limit and gradient tolerance.
func DefaultOptions(maxIter int, pgtol float64) Options {
	return Options{MaxIter: maxIter, PGTol: pgtol, Factr: 1e7, Memory: 10, MaxLS: 20}
}

// Result is the outcome of Minimize.
type Result struct {
	NIter     int     // completed major iterations
	Converged bool    // a stopping rule other than MaxIter ended the run
	F         float64 // the objective at the returned x
	Message   string  // why the run stopped, in scipy's words
}

// Func evaluates the objective at x, writes its gradient into grad and
// returns its value. Minimize never retains x or grad after the call.
type Func func(x, grad []float64) float64

// eps is the float64 machine epsilon.
const eps = 0x1p-52

// Minimize minimises fg from x (updated in place) with limited-memory
// BFGS. It follows scipy's L-BFGS-B for an unbounded problem: the two-loop
// recursion with the initial Hessian scaled by sᵀy/yᵀy, the Moré–Thuente line
// search with ftol 1e-3, gtol 0.9 and xtol 0.1, a first step of 1/||d|| and
// later steps of 1, the same two stopping rules (projected gradient and
// relative reduction) and the same recovery when a line search fails (drop
// the memory once, then stop). It checks ctx before each iteration and calls
// onIter after each one.
//
// On cancellation it returns ctx's error with the Result so far (x then
// holds the last accepted iterate).
func Minimize(ctx context.Context, fg Func, x []float64, o Options, onIter func(iter int, f float64)) (Result, error) {
	if o.Memory < 1 {
		panic("lbfgs: Options.Memory must be at least 1")
	}
	n := len(x)
	g := make([]float64, n)
	f := fg(x, g)
	var res Result
	if floats.Norm(g, math.Inf(1)) <= o.PGTol {
		return Result{Converged: true, F: f, Message: "projected gradient below gtol"}, nil
	}
	if o.MaxIter <= 0 {
		return Result{F: f, Message: "reached max_iter"}, nil
	}
	m := o.Memory
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
	const maxStep = 1e10
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
			stp = math.Min(1/floats.Norm(d, 2), maxStep)
		}
		copy(x0, x)
		copy(g0, g)
		f0 := f
		ok := false
		// MoreThuente.Init panics unless gd < 0 and stp > 0; a gradient
		// that underflows, overflows or is NaN fails the line search here
		// instead.
		if gd < 0 && stp > 0 {
			mt := &optimize.MoreThuente{DecreaseFactor: 1e-3, CurvatureFactor: 0.9, StepTolerance: 0.1, MaximumStep: maxStep}
			mt.Init(f0, gd, stp)
			for ls := 0; ls < o.MaxLS; ls++ {
				copy(x, x0)
				floats.AddScaled(x, stp, d)
				f = fg(x, g)
				var op optimize.Operation
				var err error
				op, stp, err = mt.Iterate(f, floats.Dot(g, d))
				if err == nil && op == optimize.MajorIteration || err != nil && f <= f0 {
					// scipy's lnsrlb accepts the last point on dcsrch's
					// warnings (interval too small, step at a bound) too.
					ok = true
					break
				}
				if err != nil {
					break
				}
			}
		}
		if !ok {
			copy(x, x0)
			copy(g, g0)
			f = f0
			if count == 0 {
				res.F = f
				res.Message = "line search failed: no further progress possible"
				return res, nil
			}
			count = 0
			continue
		}
		res.NIter++
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
			onIter(res.NIter, f)
		}
		res.F = f
		if floats.Norm(g, math.Inf(1)) <= o.PGTol {
			res.Converged = true
			res.Message = "projected gradient below gtol"
			return res, nil
		}
		if f0-f <= o.Factr*eps*math.Max(math.Max(math.Abs(f0), math.Abs(f)), 1) {
			res.Converged = true
			res.Message = "relative reduction of f below factr·eps"
			return res, nil
		}
		if res.NIter >= o.MaxIter {
			res.Message = "reached max_iter"
			return res, nil
		}
	}
}
