package optim

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

// TestOptimizersAndSchedulersRobust steps every optimizer over an empty
// parameter and one without a gradient at times, restores states into
// optimizers of other sizes, and steps every scheduler with odd settings
// and restored states: errors, never panics or endless loops.
func TestOptimizersAndSchedulersRobust(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, name := range Names() {
		for _, a := range []string{`{"lr": 0.1}`, `{"lr": 0.1, "maximize": true}`, `{"lr": 0.1, "weight_decay": 0.5}`, `{"lr": 0}`} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s %s: panic %v", name, a, r)
					}
				}()
				ps := []*nn.Var{nn.NewParam(tensor.New(0)), nn.NewParam(tensor.New(3, 2)), nn.NewParam(tensor.New(4))}
				opt, err := New(name, ps, json.RawMessage(a))
				if err != nil {
					return
				}
				for step := 0; step < 5; step++ {
					for i, p := range ps {
						if i == 2 && step%2 == 0 {
							p.Grad = nil
							continue
						}
						p.Grad = tensor.New(p.Data.Shape...)
						for j := range p.Grad.Data {
							p.Grad.Data[j] = float32(rng.NormFloat64())
						}
					}
					opt.Step()
				}
				st := opt.State()
				opt2, _ := New(name, ps, json.RawMessage(a))
				if err := opt2.LoadState(st); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				opt3, _ := New(name, ps[:1], json.RawMessage(a))
				opt3.LoadState(st)
			}()
		}
	}
	for _, name := range SchedulerNames() {
		for _, a := range []string{`{}`, `{"step_size": 1, "gamma": 0.5, "T_max": 1, "milestones": [1, 1, 0], "T_0": 1, "base_lr": 0, "max_lr": 0, "total_steps": 1, "schedulers": [{"type": "ConstantLR"}, {"type": "OneCycleLR", "max_lr": 1, "total_steps": 2}], "pct_start": 0}`, `{"max_lr": 1, "total_steps": 3, "pct_start": 1, "three_phase": true}`, `{"max_lr": 1, "epochs": 2, "steps_per_epoch": 1, "pct_start": 0.5}`} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s %s: panic %v", name, a, r)
					}
				}()
				opt, _ := New("Adam", nil, json.RawMessage(`{"lr": 0.1}`))
				s, err := NewScheduler(name, opt, json.RawMessage(a))
				if err != nil {
					return
				}
				for i := 0; i < 10; i++ {
					s.Step(1)
				}
				s.LoadState(s.State())
				s.LoadState(map[string]float64{"last_epoch": -5, "0.last_epoch": 1e12})
				s.Step(1)
			}()
		}
	}
}

// TestWarmRestartsSetLastEpoch checks that restoring
// CosineAnnealingWarmRestarts at an epoch gives the position stepping
// there gives, and that a huge epoch returns at once.
func TestWarmRestartsSetLastEpoch(t *testing.T) {
	for _, mult := range []int{1, 2, 3} {
		opt, _ := New("SGD", nil, json.RawMessage(`{"lr": 0.1}`))
		a, _ := NewCosineAnnealingWarmRestarts(opt, 3, mult, 0.01)
		for e := 1; e < 200; e++ {
			a.Step()
			b, _ := NewCosineAnnealingWarmRestarts(opt, 3, mult, 0.01)
			b.SetLastEpoch(e)
			if a.tCur != b.tCur || a.tCyc != b.tCyc {
				t.Fatalf("mult %d epoch %d: %d %d vs %d %d", mult, e, a.tCur, a.tCyc, b.tCur, b.tCyc)
			}
		}
		b, _ := NewCosineAnnealingWarmRestarts(opt, 3, mult, 0.01)
		b.SetLastEpoch(1 << 50)
	}
}
