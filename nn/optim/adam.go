package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

// AdamConfig holds torch.optim.Adam's and AdamW's hyperparameters.
type AdamConfig struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
	AMSGrad     bool       `json:"amsgrad"`
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
	return &Adam{base: base{params: params, lr: cfg.LR}, cfg: cfg, decoupled: decoupled, steps: make([]int, len(params)),
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
		w, g := p.Data.Data, p.Grad.Data[:len(p.Data.Data)]
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

// RMSpropConfig holds torch.optim.RMSprop's hyperparameters.
type RMSpropConfig struct {
	LR          float64 `json:"lr"`
	Alpha       float64 `json:"alpha"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"`
	Momentum    float64 `json:"momentum"`
	Centered    bool    `json:"centered"`
}

// DefaultRMSprop returns RMSprop's defaults: lr 1e-2, alpha 0.99, eps 1e-8.
func DefaultRMSprop() RMSpropConfig {
	return RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}
}

// RMSprop divides the gradient by a running root mean square of recent
// gradients (torch.optim.RMSprop).
type RMSprop struct {
	base
	cfg RMSpropConfig
	b   bufs
}

// NewRMSprop returns an RMSprop optimizer.
func NewRMSprop(params []*nn.Var, cfg RMSpropConfig) (*RMSprop, error) {
	if !(cfg.LR >= 0) || !(cfg.Eps >= 0) || !(cfg.WeightDecay >= 0) || !(cfg.Momentum >= 0) || !(cfg.Alpha >= 0) {
		return nil, fmt.Errorf("optim: RMSprop: lr %v, alpha %v, eps %v, weight_decay %v and momentum %v must be non-negative", cfg.LR, cfg.Alpha, cfg.Eps, cfg.WeightDecay, cfg.Momentum)
	}
	return &RMSprop{base: base{params: params, lr: cfg.LR}, cfg: cfg, b: newBufs(len(params), "square_avg", "momentum_buffer", "grad_avg")}, nil
}

// Step applies one update.
func (o *RMSprop) Step() {
	lr, alpha, oa, eps, wd, mom := float32(o.lr), float32(o.cfg.Alpha), float32(1-o.cfg.Alpha), float32(o.cfg.Eps), float32(o.cfg.WeightDecay), float32(o.cfg.Momentum)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		w, g := p.Data.Data, p.Grad.Data[:len(p.Data.Data)]
		sq, _ := o.b.get(0, i, p, 0)
		var buf, ga []float32
		if mom > 0 {
			buf, _ = o.b.get(1, i, p, 0)
		}
		if o.cfg.Centered {
			ga, _ = o.b.get(2, i, p, 0)
		}
		for j, gv := range g {
			if wd != 0 {
				gv += wd * w[j]
			}
			sq[j] = sq[j]*alpha + oa*gv*gv
			var avg float32
			if ga != nil {
				ga[j] = ga[j]*alpha + oa*gv
				avg = float32(math.Sqrt(float64(sq[j]-ga[j]*ga[j]))) + eps
			} else {
				avg = float32(math.Sqrt(float64(sq[j]))) + eps
			}
			if buf != nil {
				buf[j] = buf[j]*mom + gv/avg
				w[j] -= lr * buf[j]
			} else {
				w[j] -= lr * (gv / avg)
			}
		}
	}
}

// State returns the running averages and the learning rate.
func (o *RMSprop) State() *State {
	s := newState()
	s.Scalars["kind.RMSprop"] = 1
	s.Scalars["lr"] = o.lr
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *RMSprop) LoadState(s *State) error {
	if err := checkKind(s, "RMSprop"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	o.lr = s.Scalars["lr"]
	return nil
}

// AdagradConfig holds torch.optim.Adagrad's hyperparameters.
type AdagradConfig struct {
	LR                      float64 `json:"lr"`
	LRDecay                 float64 `json:"lr_decay"`
	WeightDecay             float64 `json:"weight_decay"`
	InitialAccumulatorValue float64 `json:"initial_accumulator_value"`
	Eps                     float64 `json:"eps"`
}

// DefaultAdagrad returns Adagrad's defaults: lr 1e-2, eps 1e-10.
func DefaultAdagrad() AdagradConfig { return AdagradConfig{LR: 1e-2, Eps: 1e-10} }

// Adagrad scales each coordinate by the root of its summed squared
// gradients (torch.optim.Adagrad).
type Adagrad struct {
	base
	cfg   AdagradConfig
	steps []int
	b     bufs
}

// NewAdagrad returns an Adagrad optimizer.
func NewAdagrad(params []*nn.Var, cfg AdagradConfig) (*Adagrad, error) {
	if !(cfg.LR >= 0) || !(cfg.LRDecay >= 0) || !(cfg.WeightDecay >= 0) || !(cfg.InitialAccumulatorValue >= 0) || !(cfg.Eps >= 0) {
		return nil, fmt.Errorf("optim: Adagrad: lr %v, lr_decay %v, weight_decay %v, initial_accumulator_value %v and eps %v must be non-negative", cfg.LR, cfg.LRDecay, cfg.WeightDecay, cfg.InitialAccumulatorValue, cfg.Eps)
	}
	return &Adagrad{base: base{params: params, lr: cfg.LR}, cfg: cfg, steps: make([]int, len(params)), b: newBufs(len(params), "sum")}, nil
}

// Step applies one update.
func (o *Adagrad) Step() {
	eps, wd := float32(o.cfg.Eps), float32(o.cfg.WeightDecay)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		o.steps[i]++
		clr := float32(o.lr / (1 + float64(o.steps[i]-1)*o.cfg.LRDecay))
		w, g := p.Data.Data, p.Grad.Data[:len(p.Data.Data)]
		sum, _ := o.b.get(0, i, p, float32(o.cfg.InitialAccumulatorValue))
		for j, gv := range g {
			if wd != 0 {
				gv += wd * w[j]
			}
			sum[j] += gv * gv
			std := float32(math.Sqrt(float64(sum[j]))) + eps
			w[j] -= clr * (gv / std)
		}
	}
}

// State returns the accumulators, step counts and learning rate.
func (o *Adagrad) State() *State {
	s := newState()
	s.Scalars["kind.Adagrad"] = 1
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
func (o *Adagrad) LoadState(s *State) error {
	if err := checkKind(s, "Adagrad"); err != nil {
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
