package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

func init() {
	register("Rprop", "resilient backpropagation: per-coordinate steps from the signs of the gradients", DefaultRprop, NewRprop)
}

// RpropConfig holds torch.optim.Rprop's hyperparameters (PyTorch 1.13,
// which has no weight_decay for Rprop).
type RpropConfig struct {
	LR        float64    `json:"lr" min:"0" help:"initial step size"`
	Etas      [2]float64 `json:"etas" gt:"0" help:"(etaminus, etaplus): step size factors, 0 < etaminus < 1 < etaplus"`
	StepSizes [2]float64 `json:"step_sizes" help:"(min, max) step sizes (clamped to min, then to max, as torch.clamp)"`
	Maximize  bool       `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
}

// DefaultRprop returns Rprop's defaults: lr 1e-2, etas (0.5, 1.2),
// step_sizes (1e-6, 50).
func DefaultRprop() RpropConfig {
	return RpropConfig{LR: 1e-2, Etas: [2]float64{0.5, 1.2}, StepSizes: [2]float64{1e-6, 50}}
}

// Rprop is torch.optim.Rprop: each coordinate's step size grows by etaplus
// while its gradient keeps its sign and shrinks by etaminus when it flips
// (that step is skipped and the gradient forgotten), within step_sizes;
// p -= sign(g)·step.
type Rprop struct {
	base
	cfg RpropConfig
	b   bufs
}

// NewRprop returns an Rprop optimizer.
func NewRprop(params []*nn.Var, cfg RpropConfig) (*Rprop, error) {
	// PyTorch checks lr and etas only.
	if !(cfg.LR >= 0) || !(cfg.Etas[0] > 0 && cfg.Etas[0] < 1 && cfg.Etas[1] > 1) || math.IsNaN(cfg.StepSizes[0]+cfg.StepSizes[1]) {
		return nil, fmt.Errorf("optim: Rprop: lr %v must be non-negative, etas %v satisfy 0 < etaminus < 1 < etaplus and step_sizes %v be numbers", cfg.LR, cfg.Etas, cfg.StepSizes)
	}
	return &Rprop{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, b: newBufs(len(params), "prev", "step_size")}, nil
}

// Step applies one update. The learning rate only sets the initial step
// sizes, as in PyTorch.
func (o *Rprop) Step() {
	em, ep := float32(o.cfg.Etas[0]), float32(o.cfg.Etas[1])
	lo, hi := float32(o.cfg.StepSizes[0]), float32(o.cfg.StepSizes[1])
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		w, g := p.Data.Data, o.gradOf(p)
		prev, _ := o.b.get(0, i, p, 0)
		ss, _ := o.b.get(1, i, p, float32(o.lr))
		prev, ss = prev[:len(w)], ss[:len(w)]
		for j, gv := range g {
			f := float32(1)
			switch s := gv * prev[j]; {
			case s > 0:
				f = ep
			case s < 0:
				f = em
			}
			ss[j] = min(max(ss[j]*f, lo), hi)
			if f == em {
				gv = 0
			}
			switch {
			case gv > 0:
				w[j] -= ss[j]
			case gv < 0:
				w[j] += ss[j]
			}
			prev[j] = gv
		}
	}
}

// State returns the previous gradients, step sizes and learning rate.
func (o *Rprop) State() *State {
	s := newState()
	s.Scalars["kind.Rprop"] = 1
	s.Scalars["lr"] = o.lr
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *Rprop) LoadState(s *State) error {
	if err := checkKind(s, "Rprop"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	o.lr = s.Scalars["lr"]
	return nil
}
