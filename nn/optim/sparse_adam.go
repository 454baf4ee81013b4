package optim

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/param"
)

// SparseAdamConfig holds torch.optim.SparseAdam's hyperparameters.
type SparseAdamConfig struct {
	LR       float64    `json:"lr" gt:"0" help:"learning rate"`
	Betas    [2]float64 `json:"betas" min:"0" lt:"1" help:"decay rates of the moment estimates, each in [0, 1)"`
	Eps      float64    `json:"eps" gt:"0" help:"added to the denominator"`
	Maximize bool       `json:"maximize" help:"maximize the objective instead of minimizing it"`
}

// DefaultSparseAdam returns SparseAdam's defaults: lr 1e-3, betas (0.9,
// 0.999), eps 1e-8.
func DefaultSparseAdam() SparseAdamConfig {
	return SparseAdamConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

func init() {
	register("SparseAdam", "Adam for sparse gradients (Embedding with sparse true): only the rows looked up are updated, their moments alone decayed",
		DefaultSparseAdam, NewSparseAdam)
}

// SparseAdam is torch.optim.SparseAdam: Adam on the rows present in a
// sparse gradient. PyTorch's Embedding(sparse=True) gives the rows looked
// up; here the gradient is dense and a row is present when its gradient
// has a value other than zero (a row looked up whose gradients summed to
// exactly zero is skipped here and decayed in PyTorch; the padding row
// is absent from both). The moments of the absent rows are not decayed
// and their weights do not move; the step count is the parameter's, one
// per Step in which it has a gradient, as PyTorch's state["step"].
//
// Every parameter must have a sparse gradient (nn.SparseGrad), as PyTorch
// refuses dense ones; NewSparseAdam checks it.
type SparseAdam struct {
	base
	cfg   SparseAdamConfig
	steps []int
	b     bufs
	rows  []int // scratch: the present rows of one parameter
}

// NewSparseAdam returns a SparseAdam over params, which must all have
// sparse gradients (the weights of Embedding layers with sparse true).
func NewSparseAdam(params []*nn.Var, cfg SparseAdamConfig) (*SparseAdam, error) {
	if !(cfg.LR > 0) || !(cfg.Eps > 0) || !(cfg.Betas[0] >= 0 && cfg.Betas[0] < 1) || !(cfg.Betas[1] >= 0 && cfg.Betas[1] < 1) {
		return nil, fmt.Errorf("optim: SparseAdam: lr %v and eps %v must be positive and betas %v in [0, 1)", cfg.LR, cfg.Eps, cfg.Betas)
	}
	for i, p := range params {
		if !nn.SparseGrad(p) {
			return nil, fmt.Errorf("optim: SparseAdam: parameter %d has a dense gradient; SparseAdam takes only sparse gradients, the weights of Embedding layers with \"sparse\": true (PyTorch: SparseAdam does not support dense gradients, please consider Adam instead)", i)
		}
	}
	return &SparseAdam{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, steps: make([]int, len(params)),
		b: newBufs(len(params), "exp_avg", "exp_avg_sq")}, nil
}

// Step applies one update to the present rows of every parameter with a
// gradient, as torch.optim._functional.sparse_adam: for a present row,
//
//	m' = m + (g - m)(1 - β₁), v' = v + (g² - v)(1 - β₂)
//	w -= lr·√(1-β₂ᵗ)/(1-β₁ᵗ) · m' / (√v' + eps)
func (o *SparseAdam) Step() {
	b1, b2 := o.cfg.Betas[0], o.cfg.Betas[1]
	ob1, ob2, eps := float32(1-b1), float32(1-b2), float32(o.cfg.Eps)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		o.steps[i]++
		step := float64(o.steps[i])
		w, g := p.Data.Data, o.gradOf(p)
		d := 1
		if s := p.Data.Shape; len(s) > 1 {
			d = len(w) / max(s[0], 1)
		}
		o.rows = o.rows[:0]
		for r := 0; r*d < len(g); r++ {
			for _, v := range g[r*d : (r+1)*d] {
				if v != 0 {
					o.rows = append(o.rows, r)
					break
				}
			}
		}
		if len(o.rows) == 0 {
			continue // PyTorch skips an empty gradient
		}
		m, _ := o.b.get(0, i, p, 0)
		v, _ := o.b.get(1, i, p, 0)
		stepSize := float32(o.lr * math.Sqrt(1-math.Pow(b2, step)) / (1 - math.Pow(b1, step)))
		for _, r := range o.rows {
			for j := r * d; j < (r+1)*d; j++ {
				gv := g[j]
				um := (gv - m[j]) * ob1
				uv := (gv*gv - v[j]) * ob2
				nm := um + m[j]
				nv := uv + v[j]
				m[j], v[j] = nm, nv
				w[j] += -stepSize * (nm / (float32(math.Sqrt(float64(nv))) + eps))
			}
		}
	}
}

// State returns the moment estimates, step counts and learning rate.
func (o *SparseAdam) State() *State {
	s := newState()
	s.Scalars["kind.SparseAdam"] = 1
	s.Scalars["lr"] = o.lr
	saveSteps(s, o.steps)
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *SparseAdam) LoadState(s *State) error {
	if err := checkKind(s, "SparseAdam"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	loadSteps(s, o.steps)
	o.lr = s.Scalars["lr"]
	return nil
}

// CheckGrads checks, before a network is built, that the optimizer name
// (with its keyword arguments raw) takes the network's gradients as
// PyTorch's does: sparse says some trainable parameters have sparse
// gradients (Embedding with sparse true), dense that some have dense ones.
// SparseAdam takes only sparse gradients; SGD and Adagrad take sparse ones
// without weight_decay, LBFGS takes them (as dense); the others refuse
// them. The error says which and what to change.
func CheckGrads(name string, raw json.RawMessage, sparse, dense bool) error {
	if name == "SparseAdam" {
		if dense {
			return fmt.Errorf("SparseAdam takes only sparse gradients, those of Embedding layers with \"sparse\": true, and this network has parameters with dense gradients (PyTorch: SparseAdam does not support dense gradients, please consider Adam instead)")
		}
		return nil
	}
	if !sparse {
		return nil
	}
	switch name {
	case "SGD", "Adagrad":
		c, err := optimizers.Lookup(name)
		if err != nil {
			return nil
		}
		cfg, err := c.Decode(raw, param.Options{})
		if err != nil {
			return nil // reported where the optimizer is validated
		}
		wd := 0.0
		switch v := cfg.(type) {
		case *SGDConfig:
			wd = v.WeightDecay
		case *AdagradConfig:
			wd = v.WeightDecay
		}
		if wd != 0 {
			return fmt.Errorf("%s's weight_decay does not apply to sparse gradients (an Embedding with \"sparse\": true), as in PyTorch; set weight_decay to 0 or sparse to false", name)
		}
		return nil
	case "LBFGS":
		return nil
	}
	return fmt.Errorf("%s does not support sparse gradients (an Embedding with \"sparse\": true), as in PyTorch; use SparseAdam, SGD or Adagrad, or set sparse to false", name)
}
