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

type fixTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

type fixture struct {
	P0         fixTensor `json:"p0"`
	Target     fixTensor `json:"target"`
	Coef       fixTensor `json:"coef"`
	Optimizers []struct {
		Name       string          `json:"name"`
		Optimizer  string          `json:"optimizer"`
		Args       json.RawMessage `json:"args"`
		Trajectory []fixTensor     `json:"trajectory"`
	} `json:"optimizers"`
	Schedulers []struct {
		Name    string         `json:"name"`
		Args    map[string]any `json:"args"`
		Metrics []float64      `json:"metrics"`
		LRs     []float64      `json:"lrs"`
	} `json:"schedulers"`
	Clip struct {
		GradA fixTensor `json:"grad_a"`
		GradB fixTensor `json:"grad_b"`
		Cases []struct {
			MaxNorm float64   `json:"max_norm"`
			Total   float64   `json:"total"`
			A       fixTensor `json:"a"`
			B       fixTensor `json:"b"`
		} `json:"cases"`
	} `json:"clip"`
}

func load(t *testing.T) *fixture {
	b, err := os.ReadFile("testdata/optim.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

// TestOptimizersMatchPyTorch runs 10 steps on sum(coef*(p-target)^2) and
// compares every iterate with PyTorch's. Tolerance 2e-5 relative plus 2e-6
// absolute: the gradient is formed in a different order of float32
// operations and the differences compound over the steps.
func TestOptimizersMatchPyTorch(t *testing.T) {
	f := load(t)
	for _, c := range f.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			p := nn.NewParam(&tensor.Tensor{Shape: f.P0.Shape, Data: append([]float32(nil), f.P0.Data...)})
			opt, err := New(c.Optimizer, []*nn.Var{p}, c.Args)
			if err != nil {
				t.Fatal(err)
			}
			for step, want := range c.Trajectory {
				opt.ZeroGrad()
				p.Grad = tensorLike(p)
				for i, v := range p.Data.Data {
					p.Grad.Data[i] = 2 * f.Coef.Data[i] * (v - f.Target.Data[i])
				}
				opt.Step()
				for i, w := range want.Data {
					if d := math.Abs(float64(p.Data.Data[i] - w)); d > 2e-6+2e-5*math.Abs(float64(w)) {
						t.Fatalf("step %d: p[%d] = %v, want %v", step+1, i, p.Data.Data[i], w)
					}
				}
			}
			// A state round trip resumes identically.
			st := opt.State()
			opt2, _ := New(c.Optimizer, []*nn.Var{p}, c.Args)
			if err := opt2.LoadState(st); err != nil {
				t.Fatal(err)
			}
			if got := opt2.State(); len(got.Tensors) != len(st.Tensors) || got.Scalars["lr"] != st.Scalars["lr"] {
				t.Errorf("state round trip: %d tensors, want %d", len(got.Tensors), len(st.Tensors))
			}
		})
	}
}

func tensorLike(p *nn.Var) *tensor.Tensor {
	if p.Grad != nil {
		return p.Grad
	}
	return tensor.New(p.Data.Shape...)
}

type lrHolder struct {
	base
}

func (lrHolder) Step()                  {}
func (lrHolder) State() *State          { return nil }
func (lrHolder) LoadState(*State) error { return nil }

// TestSchedulersMatchPyTorch compares the learning rate after each step
// with PyTorch's to 1e-12 relative (both compute in float64).
func TestSchedulersMatchPyTorch(t *testing.T) {
	f := load(t)
	for _, c := range f.Schedulers {
		t.Run(c.Name, func(t *testing.T) {
			opt := &lrHolder{base{lr: 0.5}}
			var step func(i int)
			num := func(k string) float64 { return c.Args[k].(float64) }
			switch c.Name {
			case "step":
				s, err := NewStepLR(opt, int(num("step_size")), num("gamma"))
				if err != nil {
					t.Fatal(err)
				}
				step = func(int) { s.Step() }
			case "exponential":
				s, _ := NewExponentialLR(opt, num("gamma"))
				step = func(int) { s.Step() }
			case "cosine":
				s, _ := NewCosineAnnealingLR(opt, int(num("T_max")), num("eta_min"))
				step = func(int) { s.Step() }
			default:
				s := NewReduceLROnPlateau(opt)
				for k, v := range c.Args {
					switch k {
					case "patience":
						s.Patience = int(v.(float64))
					case "cooldown":
						s.Cooldown = int(v.(float64))
					case "factor":
						s.Factor = v.(float64)
					case "min_lr":
						s.MinLR = v.(float64)
					case "mode":
						s.Mode = v.(string)
					case "threshold":
						s.Threshold = v.(float64)
					case "threshold_mode":
						s.ThresholdMode = v.(string)
					}
				}
				if err := s.Validate(); err != nil {
					t.Fatal(err)
				}
				step = func(i int) { s.Step(c.Metrics[i]) }
			}
			for i, want := range c.LRs {
				step(i)
				if got := opt.LR(); math.Abs(got-want) > 1e-12*math.Abs(want) {
					t.Fatalf("step %d: lr %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

// TestClipGradNorm compares with torch.nn.utils.clip_grad_norm_ (1e-5
// relative: PyTorch sums the squares in float32).
func TestClipGradNorm(t *testing.T) {
	f := load(t)
	for _, c := range f.Clip.Cases {
		a := nn.NewParam(tensor.New(f.Clip.GradA.Shape...))
		b := nn.NewParam(tensor.New(f.Clip.GradB.Shape...))
		a.Grad = &tensor.Tensor{Shape: f.Clip.GradA.Shape, Data: append([]float32(nil), f.Clip.GradA.Data...)}
		b.Grad = &tensor.Tensor{Shape: f.Clip.GradB.Shape, Data: append([]float32(nil), f.Clip.GradB.Data...)}
		total := ClipGradNorm([]*nn.Var{a, b}, c.MaxNorm)
		if math.Abs(total-c.Total) > 1e-5*c.Total {
			t.Errorf("max_norm %v: total %v, want %v", c.MaxNorm, total, c.Total)
		}
		for i, w := range c.A.Data {
			if math.Abs(float64(a.Grad.Data[i]-w)) > 1e-6+1e-5*math.Abs(float64(w)) {
				t.Fatalf("max_norm %v: a[%d] = %v, want %v", c.MaxNorm, i, a.Grad.Data[i], w)
			}
		}
		for i, w := range c.B.Data {
			if math.Abs(float64(b.Grad.Data[i]-w)) > 1e-6+1e-5*math.Abs(float64(w)) {
				t.Fatalf("max_norm %v: b[%d] = %v, want %v", c.MaxNorm, i, b.Grad.Data[i], w)
			}
		}
	}
}

func TestNewErrors(t *testing.T) {
	p := []*nn.Var{nn.NewParam(tensor.New(2))}
	cases := map[string]string{
		`Adamm|{}`:                      `unknown optimizer "Adamm" (did you mean "Adam"?)`,
		`SGD|{}`:                        `optim: SGD: lr is required`,
		`SGD|{"lr":0.1,"momentun":0.9}`: `optim: SGD: unknown parameter "momentun" (did you mean "momentum"?)`,
		`Adam|{"lr":-1}`:                `optim: Adam: lr: expected a number ≥ 0, got -1`,
		`Adam|{"betas":[0.9]}`:          `optim: Adam: betas: expected a list of numbers each ≥ 0 and < 1, got [0.9]`,
		`AdamW|{"betas":[0.9, 1]}`:      `optim: AdamW: betas: expected a list of numbers each ≥ 0 and < 1, got 1`,
		`SGD|{"lr":"0.1"}`:              `optim: SGD: lr: expected a number ≥ 0, got "0.1"`,
		`SGD|[1]`:                       `optim: SGD: params: expected an object, got [1]`,
	}
	for in, want := range cases {
		var name, raw string
		for i := range in {
			if in[i] == '|' {
				name, raw = in[:i], in[i+1:]
				break
			}
		}
		_, err := New(name, p, json.RawMessage(raw))
		if err == nil || !contains(err.Error(), want) {
			t.Errorf("New(%s, %s) error %v, want it to contain %q", name, raw, err, want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestNewSchedulerErrors(t *testing.T) {
	opt, _ := NewSGD(nil, SGDConfig{LR: 0.1})
	cases := map[string]string{
		`StepLr|{"step_size":2}`:                        `unknown scheduler "StepLr" (did you mean "StepLR"?)`,
		`StepLR|{}`:                                     `step_size is required`,
		`StepLR|{"step_size":2,"gama":0.5}`:             `unknown parameter "gama" (did you mean "gamma"?)`,
		`ReduceLROnPlateau|{"mode":"maximum"}`:          `optim: ReduceLROnPlateau: mode: expected one of "min", "max", got "maximum"`,
		`CosineAnnealingLR|{"T_max":0}`:                 `optim: CosineAnnealingLR: T_max: expected an integer ≥ 1, got 0`,
		`StepLR|{"step_size":2,"last_epoch":3}`:         `optim: StepLR: last_epoch: expected one of -1, got 3`,
		`StepLR|{"step_size":2,"last_epoch":-1}`:        ``,
		`ReduceLROnPlateau|{"patience":2,"factor":0.5}`: ``,
	}
	for in, want := range cases {
		i := strings.IndexByte(in, '|')
		_, err := NewScheduler(in[:i], opt, json.RawMessage(in[i+1:]))
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}
