package lbfgs

import (
	"context"
	"errors"
	"math"
	"testing"
)

// rosenbrock is the n-dimensional Rosenbrock function, minimum 0 at (1, …, 1).
func rosenbrock(x, g []float64) float64 {
	var f float64
	clear(g)
	for i := 0; i+1 < len(x); i++ {
		a, b := 1-x[i], x[i+1]-x[i]*x[i]
		f += a*a + 100*b*b
		g[i] += -2*a - 400*b*x[i]
		g[i+1] += 200 * b
	}
	return f
}

// TestRosenbrock minimises the 2-D and 10-D Rosenbrock functions from the
// classic start; the minimiser is (1, …, 1) and a gradient tolerance of
// 1e-8 puts x within 1e-5 of it (the Hessian's smallest eigenvalue is about
// 0.4 in 2-D, so |x - x*| ≲ |g|/0.4 plus the tiny factr slack).
func TestRosenbrock(t *testing.T) {
	for _, n := range []int{2, 10} {
		x := make([]float64, n)
		for i := range x {
			x[i] = -1.2
			if i%2 == 1 {
				x[i] = 1
			}
		}
		o := DefaultOptions(1000, 1e-8)
		o.Factr = 0
		iters := 0
		res, err := Minimize(context.Background(), rosenbrock, x, o, func(it int, f float64) { iters = it })
		if err != nil {
			t.Fatal(err)
		}
		if !res.Converged || iters != res.NIter {
			t.Fatalf("n=%d: %+v, onIter saw %d iterations", n, res, iters)
		}
		for i, v := range x {
			if math.Abs(v-1) > 1e-5 {
				t.Errorf("n=%d: x[%d] = %v, want 1 within 1e-5 (%+v)", n, i, v, res)
			}
		}
		if res.F > 1e-10 {
			t.Errorf("n=%d: f = %g, want below 1e-10", n, res.F)
		}
	}
}

// TestQuadratic minimises ½xᵀAx - bᵀx for a diagonal A with condition number
// 100; L-BFGS solves it to the gradient tolerance
// to the gradient tolerance in well under 100 iterations.
func TestQuadratic(t *testing.T) {
	const n = 50
	a := make([]float64, n)
	b := make([]float64, n)
	for i := range a {
		a[i] = 1 + 99*float64(i)/(n-1)
		b[i] = float64(i%7) - 3
	}
	fg := func(x, g []float64) float64 {
		var f float64
		for i := range x {
			g[i] = a[i]*x[i] - b[i]
			f += 0.5*a[i]*x[i]*x[i] - b[i]*x[i]
		}
		return f
	}
	x := make([]float64, n)
	o := DefaultOptions(200, 1e-7)
	o.Factr = 0 // stop on the gradient, or when f stops decreasing in float64
	res, err := Minimize(context.Background(), fg, x, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Converged || res.NIter > 100 {
		t.Fatalf("%+v", res)
	}
	for i := range x {
		// |g_i| = a_i·|x_i - x*_i| with a_i ≥ 1: the error is at most
		// |g_i|, which is 1e-7 at the gradient test and ~1e-8 when f no
		// longer decreases in float64 (f's rounding, 1e-15, bounds g²/a).
		if want := b[i] / a[i]; math.Abs(x[i]-want) > 1e-7 {
			t.Errorf("x[%d] = %v, want %v", i, x[i], want)
		}
	}
}

// TestConvergedAtStart stops before any iteration when the starting
// gradient is already below the tolerance.
func TestConvergedAtStart(t *testing.T) {
	x := []float64{1, 1}
	res, err := Minimize(context.Background(), rosenbrock, x, DefaultOptions(10, 1e-5), nil)
	if err != nil || !res.Converged || res.NIter != 0 || res.F != 0 {
		t.Fatalf("%+v, %v", res, err)
	}
}

// TestMaxIter stops after exactly MaxIter iterations without convergence.
func TestMaxIter(t *testing.T) {
	x := []float64{-1.2, 1}
	calls := 0
	res, err := Minimize(context.Background(), rosenbrock, x, DefaultOptions(5, 1e-12), func(int, float64) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if res.Converged || res.NIter != 5 || calls != 5 || res.Message != "reached max_iter" {
		t.Fatalf("%+v after %d callbacks", res, calls)
	}
	g := make([]float64, 2)
	if f := rosenbrock(x, g); f != res.F {
		t.Errorf("Result.F = %v, f(x) = %v", res.F, f)
	}
	res, err = Minimize(context.Background(), rosenbrock, []float64{-1.2, 1}, DefaultOptions(0, 1e-12), nil)
	if err != nil || res.NIter != 0 || res.Converged {
		t.Fatalf("MaxIter 0: %+v, %v", res, err)
	}
}

// TestCancel returns the context's error, with the iterations done so far,
// when the context is cancelled between iterations.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	x := []float64{-1.2, 1}
	res, err := Minimize(ctx, rosenbrock, x, DefaultOptions(1000, 1e-12), func(it int, f float64) {
		if it == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || res.NIter != 3 {
		t.Fatalf("%+v, %v", res, err)
	}
	if _, err := Minimize(ctx, rosenbrock, []float64{-1.2, 1}, DefaultOptions(10, 1e-12), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("already cancelled: %v", err)
	}
}

// TestDeterministic checks that two runs from the same start perform the
// same arithmetic: equal iterates bit for bit.
func TestDeterministic(t *testing.T) {
	x1, x2 := []float64{-1.2, 1, -1.2, 1}, []float64{-1.2, 1, -1.2, 1}
	r1, _ := Minimize(context.Background(), rosenbrock, x1, DefaultOptions(100, 1e-6), nil)
	r2, _ := Minimize(context.Background(), rosenbrock, x2, DefaultOptions(100, 1e-6), nil)
	if r1 != r2 {
		t.Fatalf("%+v != %+v", r1, r2)
	}
	for i := range x1 {
		if x1[i] != x2[i] {
			t.Fatalf("x differs at %d", i)
		}
	}
}

// BenchmarkRosenbrock100 minimises the 100-D Rosenbrock function.
func BenchmarkRosenbrock100(b *testing.B) {
	x := make([]float64, 100)
	for b.Loop() {
		for i := range x {
			x[i] = -1.2
			if i%2 == 1 {
				x[i] = 1
			}
		}
		Minimize(context.Background(), rosenbrock, x, DefaultOptions(1000, 1e-8), nil)
	}
}

// TestBadGradient checks that a gradient the line search cannot start from
// (infinite, NaN, or so small that gᵀd underflows to 0) ends the run with
// scipy's line-search message instead of a panic in gonum's MoreThuente.
func TestBadGradient(t *testing.T) {
	for _, c := range []struct {
		name string
		g    float64
	}{{"inf", math.Inf(1)}, {"nan", math.NaN()}, {"underflow", 1e-170}} {
		x := []float64{1, 2}
		fg := func(x, grad []float64) float64 {
			for i := range grad {
				grad[i] = c.g
			}
			return 1
		}
		res, err := Minimize(context.Background(), fg, x, DefaultOptions(10, -1), nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Converged || res.NIter != 0 || x[0] != 1 || x[1] != 2 {
			t.Errorf("%s: %+v, x = %v; want no iteration and x unchanged", c.name, res, x)
		}
	}
}
