package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

func init() { register("NAdam", "Adam with Nesterov momentum", DefaultNAdam, NewNAdam) }

// NAdamConfig holds torch.optim.NAdam's hyperparameters (PyTorch 1.13).
type NAdamConfig struct {
	LR            float64    `json:"lr" min:"0" help:"learning rate"`
	Betas         [2]float64 `json:"betas" min:"0" lt:"1" help:"decay rates of the moment estimates, each in [0, 1)"`
	Eps           float64    `json:"eps" min:"0" help:"added to the denominator"`
	WeightDecay   float64    `json:"weight_decay" min:"0" help:"L2 penalty"`
	MomentumDecay float64    `json:"momentum_decay" min:"0" help:"decay of the momentum schedule μₜ = β₁(1 - ½·0.96^(t·momentum_decay))"`
	Foreach
}

// DefaultNAdam returns NAdam's defaults: lr 2e-3, betas (0.9, 0.999), eps
// 1e-8, no weight decay, momentum_decay 4e-3.
func DefaultNAdam() NAdamConfig {
	return NAdamConfig{LR: 2e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, MomentumDecay: 4e-3}
}

// NAdam is Adam with Nesterov momentum (torch.optim.NAdam, after Dozat,
// "Incorporating Nesterov Momentum into Adam"): the momentum coefficient
// follows the schedule μₜ, and each step mixes the gradient and the first
// moment estimate with weights from μₜ and μₜ₊₁.
type NAdam struct {
	base
	cfg   NAdamConfig
	steps []int
	// muProduct holds Πμᵢ per parameter, in float32 as PyTorch keeps it.
	muProduct []float32
	b         bufs
}

// NewNAdam returns a NAdam optimizer.
func NewNAdam(params []*nn.Var, cfg NAdamConfig) (*NAdam, error) {
	if !(cfg.LR >= 0) || !(cfg.Eps >= 0) || !(cfg.WeightDecay >= 0) || !(cfg.MomentumDecay >= 0) ||
		!(cfg.Betas[0] >= 0 && cfg.Betas[0] < 1) || !(cfg.Betas[1] >= 0 && cfg.Betas[1] < 1) {
		return nil, fmt.Errorf("optim: NAdam: lr %v, eps %v, weight_decay %v and momentum_decay %v must be non-negative and betas %v in [0, 1)",
			cfg.LR, cfg.Eps, cfg.WeightDecay, cfg.MomentumDecay, cfg.Betas)
	}
	mp := make([]float32, len(params))
	for i := range mp {
		mp[i] = 1
	}
	return &NAdam{base: base{params: params, lr: cfg.LR}, cfg: cfg, steps: make([]int, len(params)), muProduct: mp,
		b: newBufs(len(params), "exp_avg", "exp_avg_sq")}, nil
}

// Step applies one update, as PyTorch 1.13's single-tensor NAdam does,
// in float32 with the scalars in float64.
func (o *NAdam) Step() {
	b1, b2 := o.cfg.Betas[0], o.cfg.Betas[1]
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
		bc2 := 1 - math.Pow(b2, step)
		mu := b1 * (1 - 0.5*math.Pow(0.96, step*o.cfg.MomentumDecay))
		muNext := b1 * (1 - 0.5*math.Pow(0.96, (step+1)*o.cfg.MomentumDecay))
		o.muProduct[i] *= float32(mu)
		// PyTorch 1.13 multiplies by μₜ a second time here (2.0 does not);
		// the reference is 1.13.
		muProductNext := o.muProduct[i] * float32(mu) * float32(muNext)
		gradW := float32(-o.lr * (1 - mu) / (1 - float64(o.muProduct[i])))
		avgW := float32(-o.lr * muNext / (1 - float64(muProductNext)))
		wd, eps := float32(o.cfg.WeightDecay), float32(o.cfg.Eps)
		fb1, fb2, ob1, ob2, fbc2 := float32(b1), float32(b2), float32(1-b1), float32(1-b2), float32(bc2)
		for j, gv := range g {
			if wd != 0 {
				gv += wd * w[j]
			}
			m[j] = m[j]*fb1 + ob1*gv
			v[j] = v[j]*fb2 + ob2*gv*gv
			denom := float32(math.Sqrt(float64(v[j]/fbc2))) + eps
			w[j] += gradW * gv / denom // addcdiv: value·t1/t2
			w[j] += avgW * m[j] / denom
		}
	}
}

// State returns the moment estimates, step counts, μ products and learning
// rate.
func (o *NAdam) State() *State {
	s := newState()
	s.Scalars["kind.NAdam"] = 1
	s.Scalars["lr"] = o.lr
	for i, st := range o.steps {
		if st > 0 {
			s.Scalars[fmt.Sprintf("%d.step", i)] = float64(st)
			s.Scalars[fmt.Sprintf("%d.mu_product", i)] = float64(o.muProduct[i])
		}
	}
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *NAdam) LoadState(s *State) error {
	if err := checkKind(s, "NAdam"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	for i := range o.steps {
		o.steps[i] = int(s.Scalars[fmt.Sprintf("%d.step", i)])
		o.muProduct[i] = 1
		if mp, ok := s.Scalars[fmt.Sprintf("%d.mu_product", i)]; ok {
			if !(mp > 0 && mp <= 1) {
				return fmt.Errorf("optim: state %d.mu_product is %v, expected a number in (0, 1]", i, mp)
			}
			o.muProduct[i] = float32(mp)
		}
	}
	o.lr = s.Scalars["lr"]
	return nil
}
