package optim

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

// TestMoreOptimizersMatchPyTorch runs 20 steps of each case of
// testdata/optim_more.json (written by gen_optim_more.py with PyTorch
// 1.13: Adadelta, Adamax, ASGD, RAdam, Rprop, and maximize and
// weight_decay on the others) and compares every iterate, to 1e-5
// relative plus 1e-6 absolute as for NAdam. A state round trip at step 10
// then resumes the trajectory exactly.
func TestMoreOptimizersMatchPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/optim_more.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		fixture
		Optimizers []struct {
			Name       string          `json:"name"`
			Optimizer  string          `json:"optimizer"`
			Maximize   bool            `json:"maximize"`
			Args       json.RawMessage `json:"args"`
			Trajectory []fixTensor     `json:"trajectory"`
		} `json:"optimizers"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Optimizers) < 22 {
		t.Fatalf("only %d cases", len(f.Optimizers))
	}
	covered := map[string]bool{}
	for _, c := range f.Optimizers {
		covered[c.Optimizer] = true
	}
	for _, name := range Names() {
		// NAdam has nadam.json, LBFGS (whose step re-evaluates the loss)
		// lbfgs.json, SparseAdam (sparse gradients only) sparse_adam.json.
		if name != "NAdam" && name != "LBFGS" && name != "SparseAdam" && !covered[name] {
			t.Errorf("optimizer %s has no case in optim_more.json", name)
		}
	}
	for _, c := range f.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			sign := float32(1)
			if c.Maximize {
				sign = -1
			}
			grad := func(p *nn.Var) {
				p.Grad = tensorLike(p)
				for i, v := range p.Data.Data {
					p.Grad.Data[i] = sign * (2 * f.Coef.Data[i] * (v - f.Target.Data[i]))
				}
			}
			if len(c.Trajectory) != 20 {
				t.Fatalf("%d steps in the fixture, expected 20", len(c.Trajectory))
			}
			p := nn.NewParam(&tensor.Tensor{Shape: f.P0.Shape, Data: append([]float32(nil), f.P0.Data...)})
			opt, err := New(c.Optimizer, []*nn.Var{p}, c.Args)
			if err != nil {
				t.Fatal(err)
			}
			var resumed Optimizer
			var q *nn.Var
			for step, want := range c.Trajectory {
				if step == 10 {
					q = nn.NewParam(p.Data.Clone())
					if resumed, err = New(c.Optimizer, []*nn.Var{q}, c.Args); err != nil {
						t.Fatal(err)
					}
					if err := resumed.LoadState(opt.State()); err != nil {
						t.Fatal(err)
					}
				}
				opt.ZeroGrad()
				grad(p)
				g0 := append([]float32(nil), p.Grad.Data...)
				opt.Step()
				for i := range g0 {
					if p.Grad.Data[i] != g0[i] {
						t.Fatalf("step %d changed the gradient", step+1)
					}
				}
				if resumed != nil {
					resumed.ZeroGrad()
					grad(q)
					resumed.Step()
					for i := range p.Data.Data {
						if q.Data.Data[i] != p.Data.Data[i] {
							t.Fatalf("step %d after a state round trip: p[%d] = %v, want %v", step+1, i, q.Data.Data[i], p.Data.Data[i])
						}
					}
				}
				for i, w := range want.Data {
					if d := math.Abs(float64(p.Data.Data[i] - w)); d > 1e-6+1e-5*math.Abs(float64(w)) {
						t.Fatalf("step %d: p[%d] = %v, want %v (|diff| %.3g)", step+1, i, p.Data.Data[i], w, d)
					}
				}
			}
		})
	}
}

// TestMoreOptimizerParams checks PyTorch's defaults and bounds.
func TestMoreOptimizerParams(t *testing.T) {
	if d := DefaultAdadelta(); d.LR != 1 || d.Rho != 0.9 || d.Eps != 1e-6 {
		t.Errorf("Adadelta defaults %+v", d)
	}
	if d := DefaultAdamax(); d.LR != 2e-3 || d.Betas != [2]float64{0.9, 0.999} || d.Eps != 1e-8 {
		t.Errorf("Adamax defaults %+v", d)
	}
	if d := DefaultASGD(); d.LR != 1e-2 || d.Lambd != 1e-4 || d.Alpha != 0.75 || d.T0 != 1e6 {
		t.Errorf("ASGD defaults %+v", d)
	}
	if d := DefaultRAdam(); d.LR != 1e-3 || d.Betas != [2]float64{0.9, 0.999} || d.Eps != 1e-8 {
		t.Errorf("RAdam defaults %+v", d)
	}
	if d := DefaultRprop(); d.LR != 1e-2 || d.Etas != [2]float64{0.5, 1.2} || d.StepSizes != [2]float64{1e-6, 50} {
		t.Errorf("Rprop defaults %+v", d)
	}
	for _, c := range []struct{ name, raw, want string }{
		{"Adadelta", `{"rho": 1.5}`, "rho: expected a number ≥ 0 and ≤ 1, got 1.5"},
		{"Rprop", `{"etas": [0.5, 0.9]}`, "0 < etaminus < 1 < etaplus"},
		{"Rprop", `{"weight_decay": 0.1}`, `unknown parameter "weight_decay"`},
		{"RAdam", `{"maximize": true}`, `unknown parameter "maximize"`},
		{"NAdam", `{"maximize": true}`, `unknown parameter "maximize"`},
		{"ASGD", `{"weight_decay": -1}`, "weight_decay: expected a number ≥ 0, got -1"},
	} {
		_, err := New(c.name, nil, json.RawMessage(c.raw))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, expected an error containing %q", c.name, c.raw, err, c.want)
		}
	}
}
