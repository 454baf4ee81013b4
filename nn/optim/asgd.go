package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

func init() { register("ASGD", "averaged stochastic gradient descent", DefaultASGD, NewASGD) }

// ASGDConfig holds torch.optim.ASGD's hyperparameters (PyTorch 1.13).
type ASGDConfig struct {
	LR          float64 `json:"lr" min:"0" help:"learning rate"`
	Lambd       float64 `json:"lambd" help:"decay term"`
	Alpha       float64 `json:"alpha" help:"power for the update of eta"`
	T0          float64 `json:"t0" help:"step at which averaging starts"`
	WeightDecay float64 `json:"weight_decay" min:"0" help:"L2 penalty"`
	Maximize    bool    `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
}

// DefaultASGD returns ASGD's defaults: lr 1e-2, lambd 1e-4, alpha 0.75,
// t0 1e6.
func DefaultASGD() ASGDConfig { return ASGDConfig{LR: 1e-2, Lambd: 1e-4, Alpha: 0.75, T0: 1e6} }

// ASGD is torch.optim.ASGD (Polyak and Juditsky's averaged SGD as PyTorch
// 1.13 implements it):
//
//	p = p·(1 - λη) - η·g;  ax += μ(p - ax) (ax = p while μ = 1)
//	η = lr/(1 + λ·lr·t)^α;  μ = 1/max(1, t - t0)
//
// η and μ are kept in float32, as PyTorch keeps them in 0-d tensors. The
// parameters are updated with η; ax, the average, is kept as state.
type ASGD struct {
	base
	cfg     ASGDConfig
	steps   []int
	eta, mu []float32
	b       bufs
}

// NewASGD returns an ASGD optimizer.
func NewASGD(params []*nn.Var, cfg ASGDConfig) (*ASGD, error) {
	// PyTorch checks lr and weight_decay only.
	if !(cfg.LR >= 0) || !(cfg.WeightDecay >= 0) || math.IsNaN(cfg.Lambd+cfg.Alpha+cfg.T0) {
		return nil, fmt.Errorf("optim: ASGD: lr %v and weight_decay %v must be non-negative and lambd %v, alpha %v and t0 %v numbers", cfg.LR, cfg.WeightDecay, cfg.Lambd, cfg.Alpha, cfg.T0)
	}
	return &ASGD{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, steps: make([]int, len(params)),
		eta: make([]float32, len(params)), mu: make([]float32, len(params)), b: newBufs(len(params), "ax")}, nil
}

// Step applies one update.
func (o *ASGD) Step() {
	wd := float32(o.cfg.WeightDecay)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		if o.steps[i] == 0 {
			o.eta[i], o.mu[i] = float32(o.lr), 1
		}
		o.steps[i]++
		step := float64(o.steps[i])
		w, g := p.Data.Data, o.gradOf(p)
		ax, _ := o.b.get(0, i, p, 0)
		ax = ax[:len(w)]
		eta := float64(o.eta[i])
		decay, neta, mu := float32(1-o.cfg.Lambd*eta), float32(-eta), o.mu[i]
		for j, gv := range g {
			if wd != 0 {
				gv += wd * w[j]
			}
			w[j] *= decay
			w[j] += neta * gv
			if mu != 1 {
				ax[j] += (w[j] - ax[j]) * mu
			} else {
				ax[j] = w[j]
			}
		}
		o.eta[i] = float32(o.lr / math.Pow(1+o.cfg.Lambd*o.lr*step, o.cfg.Alpha))
		o.mu[i] = float32(1 / math.Max(1, step-o.cfg.T0))
	}
}

// State returns the averages, step counts, η, μ and learning rate.
func (o *ASGD) State() *State {
	s := newState()
	s.Scalars["kind.ASGD"] = 1
	s.Scalars["lr"] = o.lr
	for i, st := range o.steps {
		if st > 0 {
			s.Scalars[fmt.Sprintf("%d.step", i)] = float64(st)
			s.Scalars[fmt.Sprintf("%d.eta", i)] = float64(o.eta[i])
			s.Scalars[fmt.Sprintf("%d.mu", i)] = float64(o.mu[i])
		}
	}
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *ASGD) LoadState(s *State) error {
	if err := checkKind(s, "ASGD"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	for i := range o.steps {
		o.steps[i] = int(s.Scalars[fmt.Sprintf("%d.step", i)])
		o.eta[i] = float32(s.Scalars[fmt.Sprintf("%d.eta", i)])
		o.mu[i] = float32(s.Scalars[fmt.Sprintf("%d.mu", i)])
		if o.steps[i] > 0 && !(o.eta[i] >= 0 && o.mu[i] > 0 && o.mu[i] <= 1) {
			return fmt.Errorf("optim: ASGD: state %d.eta %v and %d.mu %v, expected eta ≥ 0 and mu in (0, 1]", i, o.eta[i], i, o.mu[i])
		}
	}
	o.lr = s.Scalars["lr"]
	return nil
}
