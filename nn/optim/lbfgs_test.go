package optim

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

type lbfgsFixture struct {
	A     float32   `json:"A"`
	W0    fixTensor `json:"W0"`
	B0    fixTensor `json:"b0"`
	TB    fixTensor `json:"tb"`
	CB    fixTensor `json:"cb"`
	Cases []struct {
		Name  string          `json:"name"`
		Args  json.RawMessage `json:"args"`
		Steps []struct {
			Loss      float64   `json:"loss"`
			W         fixTensor `json:"W"`
			B         fixTensor `json:"b"`
			NIter     int       `json:"n_iter"`
			FuncEvals int       `json:"func_evals"`
		} `json:"steps"`
	} `json:"cases"`
}

// lbfgsProblem is gen_lbfgs.py's loss: a chained Rosenbrock function of
// W's values plus a quartic in b; closure clears the gradients and sets
// them, as a PyTorch closure's backward does, and counts its calls.
type lbfgsProblem struct {
	W, B   *nn.Var
	tb, cb []float32
	a      float32
	calls  int
}

func (p *lbfgsProblem) closure() (float32, error) {
	p.calls++
	w, b := p.W.Data.Data, p.B.Data.Data
	p.W.Grad, p.B.Grad = tensor.New(p.W.Data.Shape...), tensor.New(p.B.Data.Shape...)
	gw, gb := p.W.Grad.Data, p.B.Grad.Data
	// float32 throughout, in the order of PyTorch's autograd: the
	// gradient of w[:-1] (from both terms) is summed first, then the
	// slices' gradients are added into w's.
	var f float64
	n := len(w)
	head := make([]float32, n-1)
	for i := 0; i+1 < n; i++ {
		wi, wn := w[i], w[i+1]
		one := 1 - wi
		r := wn - wi*wi
		f += float64(one*one) + float64(p.a*(r*r))
		dr := p.a * (2 * r)
		head[i] = -(2 * one) + -dr*(2*wi)
		gw[i+1] = dr
	}
	for i := range head {
		gw[i] += head[i]
	}
	for j, v := range b {
		e := v - p.tb[j]
		e2 := e * e
		f += float64(p.cb[j]*e2) + float64(0.25*(e2*e2))
		gb[j] = p.cb[j]*(2*e) + 0.25*(4*(e2*e))
	}
	return float32(f), nil
}

// TestLBFGSMatchesPyTorch runs 20 steps of each case of
// testdata/lbfgs.json (gen_lbfgs.py, PyTorch 1.13: line_search_fn None and
// "strong_wolfe", defaults, short histories, max_eval and tolerances) with
// StepClosure and compares the parameters after every step to 1e-5
// relative plus 1e-6 absolute, as for the other optimizers; the returned
// loss, evaluated at parameters that agree to that, to 1e-4 relative (the
// largest measured difference is 1.3e-5), and the iteration and
// evaluation counts exactly while the loss is above 1e-6 (below it, the
// tolerance tests compare float32 rounding noise). The chained Rosenbrock
// coupling is 1: with 5, float32 rounding alone (the order of a dot
// product's sum) moved the iterates by up to 3e-5 within 20 steps. A state round trip at step 10 resumes the trajectory
// exactly.
func TestLBFGSMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/lbfgs.json")
	if err != nil {
		t.Fatal(err)
	}
	var f lbfgsFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 5 {
		t.Fatalf("only %d cases", len(f.Cases))
	}
	newProblem := func(w, bb []float32) *lbfgsProblem {
		return &lbfgsProblem{W: nn.NewParam(&tensor.Tensor{Shape: f.W0.Shape, Data: append([]float32(nil), w...)}),
			B: nn.NewParam(&tensor.Tensor{Shape: f.B0.Shape, Data: append([]float32(nil), bb...)}), tb: f.TB.Data, cb: f.CB.Data, a: f.A}
	}
	var worst float64
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if len(c.Steps) != 20 {
				t.Fatalf("%d steps in the fixture, expected 20", len(c.Steps))
			}
			p := newProblem(f.W0.Data, f.B0.Data)
			opt, err := New("LBFGS", []*nn.Var{p.W, p.B}, c.Args)
			if err != nil {
				t.Fatal(err)
			}
			cs := opt.(ClosureStepper)
			var q *lbfgsProblem
			var resumed ClosureStepper
			for step, want := range c.Steps {
				if step == 10 {
					q = newProblem(p.W.Data.Data, p.B.Data.Data)
					r, err := New("LBFGS", []*nn.Var{q.W, q.B}, c.Args)
					if err != nil {
						t.Fatal(err)
					}
					raw, _ := json.Marshal(opt.State().Scalars) // as a checkpoint keeps them
					st := opt.State()
					st.Scalars = map[string]float64{}
					json.Unmarshal(raw, &st.Scalars)
					if err := r.LoadState(st); err != nil {
						t.Fatal(err)
					}
					resumed = r.(ClosureStepper)
				}
				loss, err := cs.StepClosure(p.closure)
				if err != nil {
					t.Fatal(err)
				}
				if resumed != nil {
					l2, _ := resumed.StepClosure(q.closure)
					if l2 != loss || !equal(q.W.Data.Data, p.W.Data.Data) || !equal(q.B.Data.Data, p.B.Data.Data) {
						t.Fatalf("step %d after a state round trip differs", step+1)
					}
				}
				if d := math.Abs(float64(loss) - want.Loss); d > 1e-6+1e-4*math.Abs(want.Loss) {
					t.Fatalf("step %d: loss %v, want %v", step+1, loss, want.Loss)
				}
				got := append(append([]float32(nil), p.W.Data.Data...), p.B.Data.Data...)
				for i, w := range append(append([]float32(nil), want.W.Data...), want.B.Data...) {
					d := math.Abs(float64(got[i] - w))
					worst = max(worst, d/(1e-6+1e-5*math.Abs(float64(w))))
					if d > 1e-6+1e-5*math.Abs(float64(w)) {
						t.Fatalf("step %d: p[%d] = %v, want %v (|diff| %.3g)", step+1, i, got[i], w, d)
					}
				}
				l := opt.(*LBFGS)
				if want.Loss > 1e-6 && (l.nIter != want.NIter || l.funcEvals != want.FuncEvals) {
					t.Errorf("step %d: n_iter %d, func_evals %d; want %d, %d", step+1, l.nIter, l.funcEvals, want.NIter, want.FuncEvals)
				}
			}
		})
	}
	t.Logf("largest difference from PyTorch: %.3g of the tolerance", worst)
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// TestLBFGSParams checks PyTorch's defaults, bounds, the closure's errors
// and the closure-free Step.
func TestLBFGSParams(t *testing.T) {
	d := DefaultLBFGS()
	if d.LR != 1 || d.MaxIter != 20 || d.MaxEval != nil || d.ToleranceGrad != 1e-7 || d.ToleranceChange != 1e-9 || d.HistorySize != 100 || d.LineSearchFn != nil {
		t.Errorf("LBFGS defaults %+v", d)
	}
	o, _ := NewLBFGS(nil, d)
	if o.maxEval != 25 {
		t.Errorf("max_eval %d, want 25 (max_iter·5/4)", o.maxEval)
	}
	for _, c := range []struct{ raw, want string }{
		{`{"line_search_fn": "backtracking"}`, "line_search_fn"},
		{`{"max_iter": 0}`, "max_iter"},
		{`{"history_size": 0}`, "history_size"},
		{`{"momentum": 0.9}`, `unknown parameter "momentum"`},
	} {
		if _, err := New("LBFGS", nil, json.RawMessage(c.raw)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, expected an error containing %q", c.raw, err, c.want)
		}
	}
	if LBFGSStates(nil) != 204 || LBFGSStates(json.RawMessage(`{"history_size": 10}`)) != 24 {
		t.Errorf("LBFGSStates %d %d", LBFGSStates(nil), LBFGSStates(json.RawMessage(`{"history_size": 10}`)))
	}

	// An error of the closure ends the step and is returned; with the line
	// search the parameters are back where the search started.
	p := &lbfgsProblem{W: nn.NewParam(tensor.New(1, 3)), B: nn.NewParam(tensor.New(2)), tb: []float32{1, 2}, cb: []float32{1, 1}, a: 1}
	ws := "strong_wolfe"
	cfg := DefaultLBFGS()
	cfg.LineSearchFn = &ws
	lb, _ := NewLBFGS([]*nn.Var{p.W, p.B}, cfg)
	boom := errors.New("boom")
	calls := 0
	_, err := lb.StepClosure(func() (float32, error) {
		calls++
		if calls == 3 {
			return 0, boom
		}
		return p.closure()
	})
	if !errors.Is(err, boom) {
		t.Errorf("closure error: %v", err)
	}

	// Step, without a closure, is one iteration from the gradients in hand:
	// the same as StepClosure with max_iter 1.
	a := &lbfgsProblem{W: nn.NewParam(tensor.New(1, 3)), B: nn.NewParam(tensor.New(2)), tb: []float32{1, 2}, cb: []float32{1, 1}, a: 1}
	bp := &lbfgsProblem{W: nn.NewParam(tensor.New(1, 3)), B: nn.NewParam(tensor.New(2)), tb: []float32{1, 2}, cb: []float32{1, 1}, a: 1}
	oa, _ := NewLBFGS([]*nn.Var{a.W, a.B}, DefaultLBFGS())
	one := DefaultLBFGS()
	one.MaxIter = 1
	ob, _ := NewLBFGS([]*nn.Var{bp.W, bp.B}, one)
	for range 5 {
		a.closure()
		oa.Step()
		ob.StepClosure(bp.closure)
		if !equal(a.W.Data.Data, bp.W.Data.Data) || !equal(a.B.Data.Data, bp.B.Data.Data) {
			t.Fatalf("Step %v %v, StepClosure with max_iter 1 %v %v", a.W.Data.Data, a.B.Data.Data, bp.W.Data.Data, bp.B.Data.Data)
		}
	}
	if oa.nIter != 5 {
		t.Errorf("n_iter %d after 5 Steps", oa.nIter)
	}
}
