package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

func init() {
	register("Adadelta", "Adadelta: the step scaled by running averages of squared updates and gradients", DefaultAdadelta, NewAdadelta)
}

// AdadeltaConfig holds torch.optim.Adadelta's hyperparameters (PyTorch
// 1.13).
type AdadeltaConfig struct {
	LR          float64 `json:"lr" min:"0" help:"coefficient that scales delta before it is applied"`
	Rho         float64 `json:"rho" min:"0" max:"1" help:"decay of the running averages"`
	Eps         float64 `json:"eps" min:"0" help:"added inside the square roots"`
	WeightDecay float64 `json:"weight_decay" min:"0" help:"L2 penalty"`
	Maximize    bool    `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
}

// DefaultAdadelta returns Adadelta's defaults: lr 1, rho 0.9, eps 1e-6.
func DefaultAdadelta() AdadeltaConfig { return AdadeltaConfig{LR: 1, Rho: 0.9, Eps: 1e-6} }

// Adadelta is torch.optim.Adadelta (Zeiler, "ADADELTA: An Adaptive
// Learning Rate Method"):
//
//	v = ρv + (1-ρ)g²;  δ = √(u+ε)/√(v+ε)·g;  u = ρu + (1-ρ)δ²;  p -= lr·δ
type Adadelta struct {
	base
	cfg AdadeltaConfig
	b   bufs
}

// NewAdadelta returns an Adadelta optimizer.
func NewAdadelta(params []*nn.Var, cfg AdadeltaConfig) (*Adadelta, error) {
	if !(cfg.LR >= 0) || !(cfg.Eps >= 0) || !(cfg.WeightDecay >= 0) || !(cfg.Rho >= 0 && cfg.Rho <= 1) {
		return nil, fmt.Errorf("optim: Adadelta: lr %v, eps %v and weight_decay %v must be non-negative and rho %v in [0, 1]", cfg.LR, cfg.Eps, cfg.WeightDecay, cfg.Rho)
	}
	return &Adadelta{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, b: newBufs(len(params), "square_avg", "acc_delta")}, nil
}

// Step applies one update, in float32 as PyTorch's single-tensor Adadelta.
func (o *Adadelta) Step() {
	lr, rho, orho, eps, wd := float32(o.lr), float32(o.cfg.Rho), float32(1-o.cfg.Rho), float32(o.cfg.Eps), float32(o.cfg.WeightDecay)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		w, g := p.Data.Data, o.gradOf(p)
		sq, _ := o.b.get(0, i, p, 0)
		acc, _ := o.b.get(1, i, p, 0)
		sq, acc = sq[:len(w)], acc[:len(w)]
		for j, gv := range g {
			if wd != 0 {
				gv += wd * w[j]
			}
			sq[j] = sq[j]*rho + orho*gv*gv
			std := sqrt32(sq[j] + eps)
			d := sqrt32(acc[j]+eps) / std * gv
			acc[j] = acc[j]*rho + orho*d*d
			w[j] += -lr * d
		}
	}
}

func sqrt32(v float32) float32 { return float32(math.Sqrt(float64(v))) }

// State returns the running averages and the learning rate.
func (o *Adadelta) State() *State {
	s := newState()
	s.Scalars["kind.Adadelta"] = 1
	s.Scalars["lr"] = o.lr
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *Adadelta) LoadState(s *State) error {
	if err := checkKind(s, "Adadelta"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	o.lr = s.Scalars["lr"]
	return nil
}
