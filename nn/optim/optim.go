// Package optim holds the optimizers (SGD, Adam, AdamW, RMSprop, Adagrad,
// NAdam, Adadelta, Adamax, ASGD, RAdam, Rprop, LBFGS),
// learning-rate schedulers and gradient clipping, with PyTorch's update
// rules, defaults and hyperparameter names.
package optim

import (
	"fmt"
	"math"
	"strings"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient.
	Step()
	// ZeroGrad clears the parameters' gradients.
	ZeroGrad()
	// LR returns the current learning rate.
	LR() float64
	// SetLR sets the learning rate (schedulers call it).
	SetLR(lr float64)
	// State returns the optimizer's state (buffers and step counts) as
	// copies, for checkpoints.
	State() *State
	// LoadState restores a State taken from an optimizer of the same kind
	// over parameters of the same shapes.
	LoadState(s *State) error
}

// State is an optimizer's or scheduler's resumable state: tensors named
// "<param index>.<buffer>" (e.g. "0.momentum_buffer", "3.exp_avg") and
// scalars (e.g. "lr", "0.step").
type State struct {
	Tensors map[string]*tensor.Tensor
	Scalars map[string]float64
}

func newState() *State {
	return &State{Tensors: map[string]*tensor.Tensor{}, Scalars: map[string]float64{}}
}

// base holds what every optimizer shares.
type base struct {
	params []*nn.Var
	lr     float64
	// maximize negates the gradients (PyTorch's maximize=True).
	maximize bool
	neg      []float32
	zero     [][]float32 // ZeroGrad's stretches
}

// gradOf returns p's gradient, negated into a scratch buffer when the
// optimizer maximizes (as PyTorch's grad = -grad, without touching
// p.Grad).
func (b *base) gradOf(p *nn.Var) []float32 {
	g := p.Grad.Data[:len(p.Data.Data)]
	if !b.maximize {
		return g
	}
	if cap(b.neg) < len(g) {
		b.neg = make([]float32, len(g))
	}
	n := b.neg[:len(g)]
	for j, v := range g {
		n[j] = -v
	}
	return n
}

// ZeroGrad clears the gradients, in stretches on the cores when there are
// many of them (a large network's millions of values).
func (b *base) ZeroGrad() {
	total := 0
	for _, p := range b.params {
		if p.Grad != nil {
			total += len(p.Grad.Data)
		}
	}
	if total < 1<<18 {
		for _, p := range b.params {
			p.ZeroGrad()
		}
		return
	}
	const stretch = 1 << 16
	b.zero = b.zero[:0]
	for _, p := range b.params {
		if p.Grad == nil {
			continue
		}
		g := p.Grad.Data
		for lo := 0; lo < len(g); lo += stretch {
			b.zero = append(b.zero, g[lo:min(len(g), lo+stretch)])
		}
	}
	z := b.zero
	tensor.ParallelFor(len(z), func(i int) { clear(z[i]) })
}

// LR returns the learning rate.
func (b *base) LR() float64 { return b.lr }

// SetLR sets the learning rate.
func (b *base) SetLR(lr float64) { b.lr = lr }

// bufs is a per-parameter set of named state tensors, allocated lazily.
type bufs struct {
	names []string
	t     [][]*tensor.Tensor // [name][param]
}

func newBufs(n int, names ...string) bufs {
	b := bufs{names: names, t: make([][]*tensor.Tensor, len(names))}
	for i := range names {
		b.t[i] = make([]*tensor.Tensor, n)
	}
	return b
}

// get returns buffer k of parameter i, allocating it (filled with init) on
// first use; fresh reports whether it was just allocated.
func (b *bufs) get(k, i int, p *nn.Var, init float32) (t []float32, fresh bool) {
	if b.t[k][i] == nil {
		nt := tensor.New(p.Data.Shape...)
		if init != 0 {
			for j := range nt.Data {
				nt.Data[j] = init
			}
		}
		b.t[k][i] = nt
		fresh = true
	}
	return b.t[k][i].Data, fresh
}

func (b *bufs) save(s *State) {
	for k, name := range b.names {
		for i, t := range b.t[k] {
			if t != nil {
				s.Tensors[fmt.Sprintf("%d.%s", i, name)] = t.Clone()
			}
		}
	}
}

func (b *bufs) load(s *State, params []*nn.Var) error {
	for k, name := range b.names {
		for i, p := range params {
			t, ok := s.Tensors[fmt.Sprintf("%d.%s", i, name)]
			if !ok {
				b.t[k][i] = nil
				continue
			}
			if len(t.Data) != len(p.Data.Data) {
				return fmt.Errorf("optim: state %d.%s has %d values, expected %d (shape %v)", i, name, len(t.Data), len(p.Data.Data), p.Data.Shape)
			}
			b.t[k][i] = &tensor.Tensor{Shape: append([]int(nil), p.Data.Shape...), Data: append([]float32(nil), t.Data...)}
		}
	}
	return nil
}

func checkKind(s *State, kind string) error {
	if s == nil {
		return fmt.Errorf("optim: nil state")
	}
	var k string
	for name, v := range s.Scalars {
		if strings.HasPrefix(name, "kind.") && v == 1 {
			k = strings.TrimPrefix(name, "kind.")
		}
	}
	if k != kind {
		return fmt.Errorf("optim: state is for optimizer %q, expected %q", k, kind)
	}
	return nil
}

// ClipGradNorm scales the gradients of params so that their global L2 norm
// is at most maxNorm, like torch.nn.utils.clip_grad_norm_, and returns the
// norm before clipping. Parameters without a gradient are skipped.
func ClipGradNorm(params []*nn.Var, maxNorm float64) float64 {
	var ss float64
	for _, p := range params {
		if p.Grad == nil {
			continue
		}
		for _, g := range p.Grad.Data {
			ss += float64(g) * float64(g)
		}
	}
	total := math.Sqrt(ss)
	coef := maxNorm / (total + 1e-6)
	if coef < 1 {
		c := float32(coef)
		for _, p := range params {
			if p.Grad == nil {
				continue
			}
			for i := range p.Grad.Data {
				p.Grad.Data[i] *= c
			}
		}
	}
	return total
}
