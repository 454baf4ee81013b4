package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
)

func init() { register("Adagrad", "Adagrad", DefaultAdagrad, NewAdagrad) }

// AdagradConfig holds torch.optim.Adagrad's hyperparameters.
type AdagradConfig struct {
	LR                      float64 `json:"lr" min:"0" help:"learning rate"`
	LRDecay                 float64 `json:"lr_decay" min:"0" help:"learning rate decay"`
	WeightDecay             float64 `json:"weight_decay" min:"0" help:"L2 penalty"`
	InitialAccumulatorValue float64 `json:"initial_accumulator_value" min:"0" help:"starting sum of squares"`
	Eps                     float64 `json:"eps" min:"0" help:"added to the denominator"`
	Maximize                bool    `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
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
	return &Adagrad{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, steps: make([]int, len(params)), b: newBufs(len(params), "sum")}, nil
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
		w, g := p.Data.Data, o.gradOf(p)
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
	saveSteps(s, o.steps)
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
	loadSteps(s, o.steps)
	o.lr = s.Scalars["lr"]
	return nil
}
