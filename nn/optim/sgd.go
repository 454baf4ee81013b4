package optim

import (
	"fmt"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

func init() {
	register("SGD", "stochastic gradient descent with optional (Nesterov) momentum", func() SGDConfig { return SGDConfig{} }, NewSGD)
}

// SGDConfig holds torch.optim.SGD's hyperparameters.
// It has no default learning rate: New requires lr.
type SGDConfig struct {
	LR          float64 `json:"lr" required:"true" min:"0" help:"learning rate"`
	Momentum    float64 `json:"momentum" min:"0" help:"momentum factor"`
	Dampening   float64 `json:"dampening" min:"0" help:"dampening of the momentum"`
	WeightDecay float64 `json:"weight_decay" min:"0" help:"L2 penalty"`
	Nesterov    bool    `json:"nesterov" help:"Nesterov momentum (needs a momentum and zero dampening)"`
	Maximize    bool    `json:"maximize" help:"maximize the objective instead of minimizing it"`
	Foreach
	Differentiable
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay, following torch.optim.SGD:
//
//	d = g + wd·p;  buf = d (first step) or momentum·buf + (1-dampening)·d
//	d = d + momentum·buf (Nesterov) or buf;  p -= lr·d
type SGD struct {
	base
	cfg    SGDConfig
	b      bufs
	chunks []sgdChunk
}

// sgdChunk is a stretch of one parameter for the parallel momentum update.
type sgdChunk struct{ w, g, buf []float32 }

// sgdChunkLen is the length of the stretches Step updates side by side: a
// multiple of 8, so that each element takes the same (vector or scalar)
// path of sgdMomentum as in one pass over its parameter.
const sgdChunkLen = 1 << 16

// NewSGD returns an SGD optimizer over params.
func NewSGD(params []*nn.Var, cfg SGDConfig) (*SGD, error) {
	if !(cfg.LR >= 0) || !(cfg.Momentum >= 0) || !(cfg.WeightDecay >= 0) {
		return nil, fmt.Errorf("optim: SGD: lr %v, momentum %v and weight_decay %v must be non-negative", cfg.LR, cfg.Momentum, cfg.WeightDecay)
	}
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		return nil, fmt.Errorf("optim: SGD: nesterov momentum requires a momentum and zero dampening")
	}
	return &SGD{base: base{params: params, lr: cfg.LR, maximize: cfg.Maximize}, cfg: cfg, b: newBufs(len(params), "momentum_buffer")}, nil
}

// Step applies one update.
func (o *SGD) Step() {
	lr, mom, damp, wd := float32(o.lr), float32(o.cfg.Momentum), float32(1-o.cfg.Dampening), float32(o.cfg.WeightDecay)
	if o.stepParallel(lr, mom, damp, wd) {
		return
	}
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		w, g := p.Data.Data, o.gradOf(p)
		if mom == 0 {
			if wd == 0 {
				for j, gv := range g {
					w[j] -= lr * gv
				}
			} else {
				for j, gv := range g {
					w[j] -= lr * (gv + wd*w[j])
				}
			}
			continue
		}
		buf, fresh := o.b.get(0, i, p, 0)
		buf = buf[:len(w)]
		if !fresh && wd == 0 && !o.cfg.Nesterov {
			// The common case, in one vector pass: buf = momentum*buf +
			// (1-dampening)*g; p -= lr*buf.
			sgdMomentum(w, g, buf, lr, mom, damp)
			continue
		}
		for j, gv := range g {
			d := gv
			if wd != 0 {
				d += wd * w[j]
			}
			if fresh {
				buf[j] = d
			} else {
				buf[j] = mom*buf[j] + damp*d
			}
			if o.cfg.Nesterov {
				d += mom * buf[j]
			} else {
				d = buf[j]
			}
			w[j] -= lr * d
		}
	}
}

// sgdSerialOnly turns stepParallel off (tests compare it with the serial
// loop).
var sgdSerialOnly bool

// stepParallel is Step's common case (momentum, no weight decay, no
// Nesterov, every buffer past its first step) over all the parameters'
// elements in stretches on the cores; the element-wise update gives the
// same values as one pass. It reports false, doing nothing, in any other
// case.
func (o *SGD) stepParallel(lr, mom, damp, wd float32) bool {
	if sgdSerialOnly || mom == 0 || wd != 0 || o.cfg.Nesterov || o.maximize {
		return false
	}
	total := 0
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		if o.b.t[0][i] == nil {
			return false
		}
		total += len(p.Data.Data)
	}
	if total < 2*sgdChunkLen {
		return false
	}
	o.chunks = o.chunks[:0]
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		w, g := p.Data.Data, o.gradOf(p)
		buf, _ := o.b.get(0, i, p, 0)
		buf = buf[:len(w)]
		for lo := 0; lo < len(w); lo += sgdChunkLen {
			hi := min(len(w), lo+sgdChunkLen)
			o.chunks = append(o.chunks, sgdChunk{w[lo:hi], g[lo:hi], buf[lo:hi]})
		}
	}
	chunks := o.chunks
	tensor.ParallelFor(len(chunks), func(j int) {
		c := chunks[j]
		sgdMomentum(c.w, c.g, c.buf, lr, mom, damp)
	})
	return true
}

// State returns the momentum buffers and the learning rate.
func (o *SGD) State() *State {
	s := newState()
	s.Scalars["kind.SGD"] = 1
	s.Scalars["lr"] = o.lr
	o.b.save(s)
	return s
}

// LoadState restores a State from State.
func (o *SGD) LoadState(s *State) error {
	if err := checkKind(s, "SGD"); err != nil {
		return err
	}
	if err := o.b.load(s, o.params); err != nil {
		return err
	}
	o.lr = s.Scalars["lr"]
	return nil
}

// sgdMomentumGeneric is sgdMomentum's portable loop.
func sgdMomentumGeneric(w, g, buf []float32, lr, mom, damp float32) {
	g, buf = g[:len(w)], buf[:len(w)]
	for j := range w {
		b := mom*buf[j] + damp*g[j]
		buf[j] = b
		w[j] -= lr * b
	}
}
