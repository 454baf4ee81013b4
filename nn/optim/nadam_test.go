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

// TestNAdamMatchesPyTorch runs 20 NAdam steps on optim.json's problem,
// sum(coef*(p-target)^2), for the cases of testdata/nadam.json (written by
// gen_nadam.py with PyTorch 1.13) and compares every iterate: to 1e-5
// relative plus 1e-6 absolute (float32 updates, the same order of
// operations; the differences that remain come from the gradient, formed
// in another order, and compound over the steps). A state round trip then
// resumes the trajectory exactly.
func TestNAdamMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/nadam.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Optimizers) < 4 {
		t.Fatalf("only %d NAdam cases", len(f.Optimizers))
	}
	grad := func(p *nn.Var) {
		p.Grad = tensorLike(p)
		for i, v := range p.Data.Data {
			p.Grad.Data[i] = 2 * f.Coef.Data[i] * (v - f.Target.Data[i])
		}
	}
	for _, c := range f.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			if len(c.Trajectory) != 20 {
				t.Fatalf("%d steps in the fixture, expected 20", len(c.Trajectory))
			}
			p := nn.NewParam(&tensor.Tensor{Shape: f.P0.Shape, Data: append([]float32(nil), f.P0.Data...)})
			opt, err := New("NAdam", []*nn.Var{p}, c.Args)
			if err != nil {
				t.Fatal(err)
			}
			var resumed Optimizer
			var q *nn.Var
			for step, want := range c.Trajectory {
				if step == 10 {
					q = nn.NewParam(p.Data.Clone())
					if resumed, err = New("NAdam", []*nn.Var{q}, c.Args); err != nil {
						t.Fatal(err)
					}
					if err := resumed.LoadState(opt.State()); err != nil {
						t.Fatal(err)
					}
				}
				opt.ZeroGrad()
				grad(p)
				opt.Step()
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

// TestNAdamParams checks PyTorch's defaults and the strict decoding.
func TestNAdamParams(t *testing.T) {
	if d := DefaultNAdam(); d.LR != 2e-3 || d.Betas != [2]float64{0.9, 0.999} || d.Eps != 1e-8 || d.WeightDecay != 0 || d.MomentumDecay != 4e-3 {
		t.Errorf("defaults %+v", d)
	}
	for raw, want := range map[string]string{
		`{"momentum_decey": 0.1}`: `unknown parameter "momentum_decey" (did you mean "momentum_decay"?)`,
		`{"betas": [0.9, 1]}`:     `betas: expected a list of numbers each ≥ 0 and < 1, got 1`,
		`{"momentum_decay": -1}`:  `momentum_decay: expected a number ≥ 0, got -1`,
	} {
		_, err := New("NAdam", nil, json.RawMessage(raw))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, expected an error containing %q", raw, err, want)
		}
	}
	if _, err := NewNAdam(nil, NAdamConfig{LR: -1}); err == nil {
		t.Error("NewNAdam with lr -1: no error")
	}
}
