package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

// AdamConfig holds torch.optim.Adam's and AdamW's hyperparameters.
type AdamConfig struct {
	LR          float64    `json:"lr" min:"0" help:"learning rate"`
	Betas       [2]float64 `json:"betas" min:"0" lt:"1" help:"decay rates of the moment estimates, each in [0, 1)"`
	Eps         float64    `json:"eps" min:"0" help:"added to the denominator"`
	WeightDecay float64    `json:"weight_decay" min:"0" help:"L2 penalty"`
	AMSGrad     bool       `json:"amsgrad" help:"the AMSGrad variant"`
	Maximize    bool       `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
	Capturable
	Differentiable
	Fused
}

// adamWConfig is AdamConfig as AdamW documents it (its weight decay is
// decoupled); adamW and adam convert between the two.
type adamWConfig struct {
	LR          float64    `json:"lr" min:"0" help:"learning rate"`
	Betas       [2]float64 `json:"betas" min:"0" lt:"1" help:"decay rates of the moment estimates, each in [0, 1)"`
	Eps         float64    `json:"eps" min:"0" help:"added to the denominator"`
	WeightDecay float64    `json:"weight_decay" min:"0" help:"decoupled weight decay"`
	AMSGrad     bool       `json:"amsgrad" help:"the AMSGrad variant"`
	Maximize    bool       `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
	Capturable
}

func init() {
	register("Adam", "Adam", DefaultAdam, NewAdam)
	register("AdamW", "Adam with decoupled weight decay", func() adamWConfig { return adamW(DefaultAdamW()) },
		func(params []*nn.Var, c adamWConfig) (*Adam, error) { return NewAdamW(params, c.adam()) })
}

// adamW is c as AdamW's keyword arguments (PyTorch 1.13's AdamW has no
// differentiable or fused).
func adamW(c AdamConfig) adamWConfig {
	return adamWConfig{LR: c.LR, Betas: c.Betas, Eps: c.Eps, WeightDecay: c.WeightDecay, AMSGrad: c.AMSGrad, Maximize: c.Maximize,
		Foreach: c.Foreach, Capturable: c.Capturable}
}

// adam is c as AdamConfig.
func (c adamWConfig) adam() AdamConfig {
	return AdamConfig{LR: c.LR, Betas: c.Betas, Eps: c.Eps, WeightDecay: c.WeightDecay, AMSGrad: c.AMSGrad, Maximize: c.Maximize,
		Foreach: c.Foreach, Capturable: c.Capturable}
}

// DefaultAdam returns Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps
// 1e-8, no weight decay.
func DefaultAdam() AdamConfig {
	return AdamConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

// DefaultAdamW returns AdamW's defaults: Adam's with weight_decay 1e-2.
func DefaultAdamW() AdamConfig {
	c := DefaultAdam()
	c.WeightDecay = 1e-2
	return c
}

// Adam is the Adam optimizer (torch.optim.Adam) or, with decoupled weight
// decay, AdamW (torch.optim.AdamW).
type Adam struct {
	base
	cfg       AdamConfig
	decoupled bool
	steps     []int
	b         bufs
}

func newAdam(name string, params []*nn.Var, cfg AdamConfig, decoupled bool) (*Adam, error) {
	if !(cfg.LR >= 0) || !(cfg.Eps >= 0) || !(cfg.WeightDecay >= 0) ||
		!(cfg.Betas[0] >= 0 && cfg.Betas[0] < 1) || !(cfg.Betas[1] >= 0 && cfg.Betas[1] < 1) {
		return nil, fmt.Errorf("optim: %s: lr %v, eps %v and weight_decay %v must be non-negative and betas %v in [0, 1)", name, cfg.LR, cfg.Eps, cfg.WeightDecay, cfg.Betas)
	}
	return &Adam{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, decoupled: decoupled, steps: make([]int, len(params)),
		b: newBufs(len(params), "exp_avg", "exp_avg_sq", "max_exp_avg_sq")}, nil
}

// NewAdam returns an Adam optimizer (L2 weight decay added to the gradient).
func NewAdam(params []*nn.Var, cfg AdamConfig) (*Adam, error) {
	return newAdam("Adam", params, cfg, false)
}

// NewAdamW returns an AdamW optimizer (decoupled weight decay).
func NewAdamW(params []*nn.Var, cfg AdamConfig) (*Adam, error) {
	return newAdam("AdamW", params, cfg, true)
}

func (o *Adam) kind() string {
	if o.decoupled {
		return "AdamW"
	}
	return "Adam"
}

// Step applies one update.
func (o *Adam) Step() {
	b1, b2 := o.cfg.Betas[0], o.cfg.Betas[1]
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		o.steps[i]++
		step := float64(o.steps[i])
		w, g := p.Data.Data, o.gradOf(p)
		if o.decoupled && o.cfg.WeightDecay != 0 {
			f := float32(1 - o.lr*o.cfg.WeightDecay)
			for j := range w {
				w[j] *= f
			}
		}
		m, _ := o.b.get(0, i, p, 0)
		v, _ := o.b.get(1, i, p, 0)
		var vmax []float32
		if o.cfg.AMSGrad {
			vmax, _ = o.b.get(2, i, p, 0)
		}
		bc1 := 1 - math.Pow(b1, step)
		bc2 := 1 - math.Pow(b2, step)
		stepSize := float32(o.lr / bc1)
		bc2s := float32(math.Sqrt(bc2))
		eps, wd := float32(o.cfg.Eps), float32(o.cfg.WeightDecay)
		fb1, fb2, ob1, ob2 := float32(b1), float32(b2), float32(1-b1), float32(1-b2)
		m, v = m[:len(w)], v[:len(w)]
		if vmax == nil && (o.decoupled || wd == 0) {
			adamUpdate(w, g, m, v, fb1, ob1, fb2, ob2, bc2s, eps, stepSize)
			continue
		}
		for j, gv := range g {
			if !o.decoupled && wd != 0 {
				gv += wd * w[j]
			}
			m[j] = m[j]*fb1 + ob1*gv
			v[j] = v[j]*fb2 + ob2*gv*gv
			s := v[j]
			if vmax != nil {
				if s > vmax[j] {
					vmax[j] = s
				}
				s = vmax[j]
			}
			denom := float32(math.Sqrt(float64(s)))/bc2s + eps
			w[j] -= stepSize * (m[j] / denom)
		}
	}
}

// adamUpdateGo is Adam's update without weight decay or AMSGrad, the loop
// of Step with those terms left out: the vector kernel's reference.
func adamUpdateGo(w, g, m, v []float32, b1, ob1, b2, ob2, bc2s, eps, step float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for j, gv := range g {
		m[j] = m[j]*b1 + ob1*gv
		v[j] = v[j]*b2 + ob2*gv*gv
		denom := float32(math.Sqrt(float64(v[j])))/bc2s + eps
		w[j] -= step * (m[j] / denom)
	}
}

// State returns the moment estimates, step counts and learning rate.
func (o *Adam) State() *State {
	s := newState()
	s.Scalars["kind."+o.kind()] = 1
	s.Scalars["lr"] = o.lr
	for i, st := range o.steps {
		if st > 0 {
			s.Scalars[fmt.Sprintf("%d.step", i)] = float64(st)
		}
	}
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *Adam) LoadState(s *State) error {
	if err := checkKind(s, o.kind()); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	for i := range o.steps {
		o.steps[i] = int(s.Scalars[fmt.Sprintf("%d.step", i)])
	}
	o.lr = s.Scalars["lr"]
	return nil
}
