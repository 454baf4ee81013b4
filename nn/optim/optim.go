// Package optim holds the optimizers (SGD, Adam, AdamW, RMSprop, Adagrad),
// learning-rate schedulers and gradient clipping, with PyTorch's update
// rules, defaults and hyperparameter names.
package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
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
}

// ZeroGrad clears the gradients.
func (b *base) ZeroGrad() {
	for _, p := range b.params {
		p.ZeroGrad()
	}
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

// Names lists the optimizer names New accepts.
func Names() []string { return []string{"Adagrad", "Adam", "AdamW", "RMSprop", "SGD"} }

// New builds the optimizer called name (PyTorch's class name) over params
// from a JSON object of PyTorch's keyword arguments ({"lr": 0.1,
// "momentum": 0.9}); missing keys take PyTorch's defaults (SGD requires lr).
// Unknown keys are errors with a suggestion.
func New(name string, params []*nn.Var, raw json.RawMessage) (Optimizer, error) {
	var cfg any
	switch name {
	case "SGD":
		c := SGDConfig{LR: math.NaN()}
		cfg = &c
	case "Adam":
		c := DefaultAdam()
		cfg = &c
	case "AdamW":
		c := DefaultAdamW()
		cfg = &c
	case "RMSprop":
		c := DefaultRMSprop()
		cfg = &c
	case "Adagrad":
		c := DefaultAdagrad()
		cfg = &c
	default:
		return nil, fmt.Errorf("optim: unknown optimizer %q%s, expected one of %s", name, suggest.Hint(name, Names()), strings.Join(Names(), ", "))
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := decodeStrict(raw, cfg); err != nil {
			return nil, fmt.Errorf("optim: %s: %w", name, err)
		}
	}
	switch c := cfg.(type) {
	case *SGDConfig:
		if math.IsNaN(c.LR) {
			return nil, fmt.Errorf("optim: SGD: lr is required")
		}
		return NewSGD(params, *c)
	case *AdamConfig:
		if name == "AdamW" {
			return NewAdamW(params, *c)
		}
		return NewAdam(params, *c)
	case *RMSpropConfig:
		return NewRMSprop(params, *c)
	case *AdagradConfig:
		return NewAdagrad(params, *c)
	}
	panic("unreachable")
}

// decodeStrict decodes a JSON object into v, rejecting unknown keys with a
// "did you mean".
func decodeStrict(raw json.RawMessage, v any) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("expected a JSON object of parameters: %v", err)
	}
	known := jsonNames(v)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, n := range known {
			found = found || n == k
		}
		if !found {
			return fmt.Errorf("unknown parameter %q%s, expected one of %s", k, suggest.Hint(k, known), strings.Join(known, ", "))
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("invalid parameters: %v", err)
	}
	return nil
}
