package optim

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

// TestMoreSchedulersMatchPyTorch compares the learning rate (and, for
// CyclicLR and OneCycleLR, the momentum) after construction and after each
// of 25 steps with PyTorch 1.13's, on the cases of testdata/
// sched_more.json (gen_sched_more.py), to 1e-12 relative: the same float64
// formulas. At step 10 a state round trip (optimizer and scheduler State)
// resumes the schedule exactly.
func TestMoreSchedulersMatchPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/sched_more.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Schedulers []struct {
			Name          string          `json:"name"`
			Optimizer     string          `json:"optimizer"`
			OptimizerArgs json.RawMessage `json:"optimizer_args"`
			Scheduler     string          `json:"scheduler"`
			Args          json.RawMessage `json:"args"`
			LR0           float64         `json:"lr0"`
			LRs           []float64       `json:"lrs"`
			Momentum0     *float64        `json:"momentum0"`
			Momenta       []float64       `json:"momenta"`
		} `json:"schedulers"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Schedulers) < 24 {
		t.Fatalf("only %d cases", len(f.Schedulers))
	}
	covered := map[string]bool{}
	for _, c := range f.Schedulers {
		covered[c.Scheduler] = true
	}
	for _, name := range []string{"MultiStepLR", "ConstantLR", "LinearLR", "PolynomialLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler", "LambdaLR"} {
		if !covered[name] {
			t.Errorf("%s has no case", name)
		}
	}
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-12*math.Abs(want)+1e-15 }
	for _, c := range f.Schedulers {
		t.Run(c.Name, func(t *testing.T) {
			build := func() (Optimizer, EpochScheduler) {
				opt, err := New(c.Optimizer, nil, c.OptimizerArgs)
				if err != nil {
					t.Fatal(err)
				}
				s, err := NewScheduler(c.Scheduler, opt, c.Args)
				if err != nil {
					t.Fatal(err)
				}
				return opt, s
			}
			mom := func(opt Optimizer) float64 { m, _ := opt.(momentumOpt).momentum(); return m }
			opt, s := build()
			if !near(opt.LR(), c.LR0) {
				t.Fatalf("lr after construction %v, want %v", opt.LR(), c.LR0)
			}
			if c.Momentum0 != nil && !near(mom(opt), *c.Momentum0) {
				t.Fatalf("momentum after construction %v, want %v", mom(opt), *c.Momentum0)
			}
			var ropt Optimizer
			var rs EpochScheduler
			for i, want := range c.LRs {
				if i == 10 {
					ropt, rs = build()
					if err := ropt.LoadState(opt.State()); err != nil {
						t.Fatal(err)
					}
					rs.LoadState(s.State())
				}
				s.Step(0)
				if got := opt.LR(); !near(got, want) {
					t.Fatalf("step %d: lr %v, want %v", i+1, got, want)
				}
				if s.LR() != opt.LR() {
					t.Fatalf("step %d: the scheduler reports lr %v, the optimizer has %v", i+1, s.LR(), opt.LR())
				}
				if c.Momenta != nil && !near(mom(opt), c.Momenta[i]) {
					t.Fatalf("step %d: momentum %v, want %v", i+1, mom(opt), c.Momenta[i])
				}
				if rs != nil {
					rs.Step(0)
					if ropt.LR() != opt.LR() {
						t.Fatalf("step %d after a state round trip: lr %v, want %v", i+1, ropt.LR(), opt.LR())
					}
					if c.Momenta != nil && mom(ropt) != mom(opt) {
						t.Fatalf("step %d after a state round trip: momentum %v, want %v", i+1, mom(ropt), mom(opt))
					}
				}
			}
		})
	}
}

// TestMoreSchedulerErrors checks what PyTorch refuses and what cannot be
// carried over.
func TestMoreSchedulerErrors(t *testing.T) {
	for _, c := range []struct{ opt, sched, raw, want string }{
		{"Adam", "CyclicLR", `{"base_lr": 0.1, "max_lr": 1}`, "cycle_momentum needs an optimizer with a momentum"},
		{"SGD", "OneCycleLR", `{"max_lr": 0.1}`, "give total_steps, or epochs and steps_per_epoch"},
		{"SGD", "OneCycleLR", `{"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}`, "phase 1 empty"},
		{"SGD", "OneCycleLR", `{"max_lr": 0.1, "total_steps": 0}`, "total_steps: expected"},
		{"SGD", "CyclicLR", `{"base_lr": 0.1, "max_lr": 1, "scale_fn": "x"}`, `scale_fn: expected one of "constant", "halving", "exponential" or null`},
		{"SGD", "LinearLR", `{"start_factor": 0}`, "start_factor: expected"},
		{"SGD", "ConstantLR", `{"factor": 1.5}`, "factor: expected"},
		{"SGD", "MultiStepLR", `{}`, "milestones is required"},
		{"SGD", "SequentialLR", `{"schedulers": [{"type": "StepLR", "step_size": 2}], "milestones": [3]}`, "1 milestones for 1 schedulers"},
		{"SGD", "SequentialLR", `{"schedulers": [{"type": "StepLR", "step_size": 2}, {"type": "StepLR"}], "milestones": [3]}`, "schedulers[1]: StepLR: step_size is required"},
		{"SGD", "ChainedScheduler", `{"schedulers": [{"type": "ReduceLROnPlateau"}]}`, "cannot be nested"},
		{"SGD", "ChainedScheduler", `{"schedulers": [{"gamma": 0.1}]}`, `schedulers[0]: expected an object with a "type"`},
		{"SGD", "ChainedScheduler", `{"schedulers": [{"type": "StepLRR", "step_size": 1}]}`, `did you mean "StepLR"`},
		{"SGD", "ChainedScheduler", `{"schedulers": []}`, "schedulers is empty"},
		{"SGD", "CosineAnnealingWarmRestarts", `{"T_0": 0}`, "T_0: expected"},
		{"SGD", "LambdaLR", `{}`, "lr_lambda is required"},
		{"SGD", "LambdaLR", `{"lr_lambda": "lambda e: 0.9 ** e"}`, "lr_lambda"},
		{"SGD", "LambdaLR", `{"lr_lambda": "linear_decay"}`, `"linear_decay" needs total_epochs`},
		{"SGD", "LambdaLR", `{"lr_lambda": "warmup_cosine", "warmup_epochs": 0, "total_epochs": 5}`, "warmup_epochs: expected"},
	} {
		opt, err := New(c.opt, nil, json.RawMessage(`{"lr": 0.1}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewScheduler(c.sched, opt, json.RawMessage(c.raw))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, expected an error containing %q", c.sched, c.raw, err, c.want)
		}
	}
}

// TestZeroTotalIters checks total_iters 0, which PyTorch accepts: the
// factor of epoch 0 stays (ConstantLR, LinearLR) and PolynomialLR does
// nothing; restarted inside SequentialLR, ConstantLR's closed form is the
// base rate, and LinearLR and PolynomialLR are refused (PyTorch divides by
// zero there). The rates are PyTorch 1.13's.
func TestZeroTotalIters(t *testing.T) {
	for _, c := range []struct {
		name string
		want float64
	}{{"ConstantLR", 0.5 / 3}, {"LinearLR", 0.5 / 3}, {"PolynomialLR", 0.5}} {
		opt, _ := New("SGD", nil, json.RawMessage(`{"lr": 0.5}`))
		s, err := NewScheduler(c.name, opt, json.RawMessage(`{"total_iters": 0}`))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			s.Step(0)
		}
		if math.Abs(opt.LR()-c.want) > 1e-15 {
			t.Errorf("%s total_iters 0: lr %v, want %v", c.name, opt.LR(), c.want)
		}
		opt, _ = New("SGD", nil, json.RawMessage(`{"lr": 0.5}`))
		s, err = NewScheduler("SequentialLR", opt, json.RawMessage(`{"schedulers": [{"type": "StepLR", "step_size": 1, "gamma": 0.5}, {"type": "`+c.name+`", "total_iters": 0}], "milestones": [2]}`))
		if c.name != "ConstantLR" {
			if err == nil || !strings.Contains(err.Error(), "schedulers[1]: total_iters is 0") {
				t.Errorf("%s total_iters 0 in SequentialLR: %v", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			s.Step(0)
		}
		if opt.LR() != 0.5 {
			t.Errorf("ConstantLR total_iters 0 restarted: lr %v, want 0.5", opt.LR())
		}
	}
}
