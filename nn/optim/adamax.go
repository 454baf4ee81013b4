package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

func init() { register("Adamax", "Adam with the infinity norm", DefaultAdamax, NewAdamax) }

// AdamaxConfig holds torch.optim.Adamax's hyperparameters (PyTorch 1.13).
type AdamaxConfig struct {
	LR          float64    `json:"lr" min:"0" help:"learning rate"`
	Betas       [2]float64 `json:"betas" min:"0" lt:"1" help:"decay rates of the first moment and of the infinity norm, each in [0, 1)"`
	Eps         float64    `json:"eps" min:"0" help:"added to the infinity norm"`
	WeightDecay float64    `json:"weight_decay" min:"0" help:"L2 penalty"`
	Maximize    bool       `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
}

// DefaultAdamax returns Adamax's defaults: lr 2e-3, betas (0.9, 0.999),
// eps 1e-8.
func DefaultAdamax() AdamaxConfig {
	return AdamaxConfig{LR: 2e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

// Adamax is torch.optim.Adamax (Kingma and Ba, section 7.1):
//
//	m = β₁m + (1-β₁)g;  u = max(β₂u, |g|+ε);  p -= lr/(1-β₁ᵗ)·m/u
type Adamax struct {
	base
	cfg   AdamaxConfig
	steps []int
	b     bufs
}

// NewAdamax returns an Adamax optimizer.
func NewAdamax(params []*nn.Var, cfg AdamaxConfig) (*Adamax, error) {
	if !(cfg.LR >= 0) || !(cfg.Eps >= 0) || !(cfg.WeightDecay >= 0) ||
		!(cfg.Betas[0] >= 0 && cfg.Betas[0] < 1) || !(cfg.Betas[1] >= 0 && cfg.Betas[1] < 1) {
		return nil, fmt.Errorf("optim: Adamax: lr %v, eps %v and weight_decay %v must be non-negative and betas %v in [0, 1)", cfg.LR, cfg.Eps, cfg.WeightDecay, cfg.Betas)
	}
	return &Adamax{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, steps: make([]int, len(params)),
		b: newBufs(len(params), "exp_avg", "exp_inf")}, nil
}

// Step applies one update, in float32 as PyTorch's single-tensor Adamax.
func (o *Adamax) Step() {
	b1, b2 := o.cfg.Betas[0], o.cfg.Betas[1]
	fb1, ob1, fb2, eps, wd := float32(b1), float32(1-b1), float32(b2), float32(o.cfg.Eps), float32(o.cfg.WeightDecay)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		o.steps[i]++
		w, g := p.Data.Data, o.gradOf(p)
		m, _ := o.b.get(0, i, p, 0)
		u, _ := o.b.get(1, i, p, 0)
		m, u = m[:len(w)], u[:len(w)]
		clr := float32(-(o.lr / (1 - math.Pow(b1, float64(o.steps[i])))))
		for j, gv := range g {
			if wd != 0 {
				gv += wd * w[j]
			}
			m[j] = m[j]*fb1 + ob1*gv
			u[j] = max(u[j]*fb2, abs32(gv)+eps)
			w[j] += clr * m[j] / u[j]
		}
	}
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

// State returns the moment and norm estimates, step counts and learning
// rate.
func (o *Adamax) State() *State {
	s := newState()
	s.Scalars["kind.Adamax"] = 1
	s.Scalars["lr"] = o.lr
	saveSteps(s, o.steps)
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *Adamax) LoadState(s *State) error {
	if err := checkKind(s, "Adamax"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	loadSteps(s, o.steps)
	o.lr = s.Scalars["lr"]
	return nil
}
