package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

func init() {
	register("RAdam", "Adam with a rectified adaptive learning rate", DefaultRAdam, NewRAdam)
}

// RAdamConfig holds torch.optim.RAdam's hyperparameters (PyTorch 1.13,
// which has no maximize for RAdam).
type RAdamConfig struct {
	LR          float64    `json:"lr" min:"0" help:"learning rate"`
	Betas       [2]float64 `json:"betas" min:"0" lt:"1" help:"decay rates of the moment estimates, each in [0, 1)"`
	Eps         float64    `json:"eps" min:"0" help:"added to the denominator"`
	WeightDecay float64    `json:"weight_decay" min:"0" help:"L2 penalty"`
	Foreach
}

// DefaultRAdam returns RAdam's defaults: lr 1e-3, betas (0.9, 0.999), eps
// 1e-8.
func DefaultRAdam() RAdamConfig {
	return RAdamConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

// RAdam is torch.optim.RAdam (Liu et al., "On the Variance of the Adaptive
// Learning Rate and Beyond"): while the approximated length of the simple
// moving average ρₜ is at most 5 it takes momentum steps; beyond, Adam
// steps scaled by the rectification term.
type RAdam struct {
	base
	cfg   RAdamConfig
	steps []int
	b     bufs
}

// NewRAdam returns a RAdam optimizer.
func NewRAdam(params []*nn.Var, cfg RAdamConfig) (*RAdam, error) {
	if !(cfg.LR >= 0) || !(cfg.Eps >= 0) || !(cfg.WeightDecay >= 0) ||
		!(cfg.Betas[0] >= 0 && cfg.Betas[0] < 1) || !(cfg.Betas[1] >= 0 && cfg.Betas[1] < 1) {
		return nil, fmt.Errorf("optim: RAdam: lr %v, eps %v and weight_decay %v must be non-negative and betas %v in [0, 1)", cfg.LR, cfg.Eps, cfg.WeightDecay, cfg.Betas)
	}
	return &RAdam{base: base{params: params, lr: cfg.LR}, cfg: cfg, steps: make([]int, len(params)),
		b: newBufs(len(params), "exp_avg", "exp_avg_sq")}, nil
}

// Step applies one update, in float32 as PyTorch's single-tensor RAdam.
func (o *RAdam) Step() {
	b1, b2 := o.cfg.Betas[0], o.cfg.Betas[1]
	fb1, ob1, fb2, ob2, eps, wd := float32(b1), float32(1-b1), float32(b2), float32(1-b2), float32(o.cfg.Eps), float32(o.cfg.WeightDecay)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		o.steps[i]++
		step := float64(o.steps[i])
		w, g := p.Data.Data, o.gradOf(p)
		m, _ := o.b.get(0, i, p, 0)
		v, _ := o.b.get(1, i, p, 0)
		m, v = m[:len(w)], v[:len(w)]
		bc1 := 1 - math.Pow(b1, step)
		bc2 := 1 - math.Pow(b2, step)
		rhoInf := 2/(1-b2) - 1
		rhoT := rhoInf - 2*step*math.Pow(b2, step)/bc2
		rectified := rhoT > 5
		var rect float64
		if rectified {
			rect = math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
		}
		fbc1, flr, frect, sbc2 := float32(bc1), float32(o.lr), float32(rect), float32(math.Sqrt(bc2))
		for j, gv := range g {
			if wd != 0 {
				gv += wd * w[j]
			}
			m[j] = m[j]*fb1 + ob1*gv
			v[j] = v[j]*fb2 + ob2*gv*gv
			mc := m[j] / fbc1
			if rectified {
				adaptive := sbc2 / (sqrt32(v[j]) + eps)
				w[j] -= mc * flr * adaptive * frect
			} else {
				w[j] -= mc * flr
			}
		}
	}
}

// State returns the moment estimates, step counts and learning rate.
func (o *RAdam) State() *State {
	s := newState()
	s.Scalars["kind.RAdam"] = 1
	s.Scalars["lr"] = o.lr
	saveSteps(s, o.steps)
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *RAdam) LoadState(s *State) error {
	if err := checkKind(s, "RAdam"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	loadSteps(s, o.steps)
	o.lr = s.Scalars["lr"]
	return nil
}
