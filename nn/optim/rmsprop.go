package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

func init() { register("RMSprop", "RMSprop", DefaultRMSprop, NewRMSprop) }

// RMSpropConfig holds torch.optim.RMSprop's hyperparameters.
type RMSpropConfig struct {
	LR          float64 `json:"lr" min:"0" help:"learning rate"`
	Alpha       float64 `json:"alpha" min:"0" max:"1" help:"smoothing constant"`
	Eps         float64 `json:"eps" min:"0" help:"added to the denominator"`
	WeightDecay float64 `json:"weight_decay" min:"0" help:"L2 penalty"`
	Momentum    float64 `json:"momentum" min:"0" help:"momentum factor"`
	Centered    bool    `json:"centered" help:"normalize by the estimated variance"`
	Maximize    bool    `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
	Differentiable
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
	return &RMSprop{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, b: newBufs(len(params), "square_avg", "momentum_buffer", "grad_avg")}, nil
}

// Step applies one update.
func (o *RMSprop) Step() {
	lr, alpha, oa, eps, wd, mom := float32(o.lr), float32(o.cfg.Alpha), float32(1-o.cfg.Alpha), float32(o.cfg.Eps), float32(o.cfg.WeightDecay), float32(o.cfg.Momentum)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		w, g := p.Data.Data, o.gradOf(p)
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
