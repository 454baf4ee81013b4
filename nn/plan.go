package nn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/param"
)

// A layer's declaration (its constructor in the registry) reads its
// parameters and returns the layer without weights: the fields alone give
// its output shape (OutShape) and the number of parameters it will hold
// (sizes). Weights are made only by allocate, when a network is built for
// training or loading, so that a plan (validation, budgets) never
// allocates in proportion to the spec.

// allocator is a layer whose weights (or generator) are made after
// planning.
type allocator interface{ allocate(rng *rand.Rand) }

// sizer is a layer with parameters: it counts the trainable parameters and
// buffer elements that allocate makes, from its fields (saturating, see
// budget.Mul).
type sizer interface {
	sizes() (params, buffers int64)
}

// workspacer is a layer that keeps more than its output for the backward
// pass: it counts those elements for one sample.
type workspacer interface{ workspace(in, out []int) int64 }

// allocate makes the weights of a planned layer, and of a Sequential's
// layers in order.
func allocate(m Module, rng *rand.Rand) {
	if s, ok := m.(*Sequential); ok {
		for _, l := range s.Layers {
			allocate(l, rng)
		}
		return
	}
	if a, ok := m.(allocator); ok {
		a.allocate(rng)
	}
}

// MaxElements bounds the number of elements of any planned output and the
// parameters of any layer (2^40, 4 TB of float32): beyond it a spec is an
// error whatever the budget, and sizes stay far from overflowing.
const MaxElements = 1 << 40

// maxDepth bounds the nesting of Sequentials in a spec.
const maxDepth = 32

// mul multiplies sizes, saturating (see budget.Mul).
func mul(xs ...int) int64 {
	v := make([]int64, len(xs))
	for i, x := range xs {
		v[i] = int64(x)
	}
	return budget.Mul(v...)
}

// LayerPlan is one planned layer.
type LayerPlan struct {
	Index int    `json:"index"`
	Type  string `json:"type"`
	// OutShape is the layer's output shape for the plan's input.
	OutShape []int `json:"out_shape"`
	// Params counts the trainable parameters and Buffers the other state
	// (running statistics).
	Params  int64 `json:"params"`
	Buffers int64 `json:"buffers,omitempty"`
	// Activations counts the elements a training step keeps for the
	// backward pass for the plan's input: the output, plus workspaces such
	// as a convolution's columns or a recurrent layer's gates.
	Activations int64 `json:"activations"`
	// Param is the parameter that makes the layer big, relative to the
	// layer ("out_features", or "layers[2].hidden_size" in a nested
	// Sequential); "" when the layer has no size parameter.
	Param string `json:"-"`
}

// Path returns the layer's field path in the layer list:
// "layers[3].out_features", or "layers[3]" when Param is empty.
func (l LayerPlan) Path() string {
	p := fmt.Sprintf("layers[%d]", l.Index)
	if l.Param != "" {
		p += "." + l.Param
	}
	return p
}

// NetPlan is a network computed from its layer specs without allocating
// weights: every layer's output shape and size, and the totals.
type NetPlan struct {
	Layers []LayerPlan
	// InShape is the input shape planned for (batch dimension included) and
	// OutShape the network's output shape.
	InShape, OutShape []int
	// Params, Buffers and Activations sum the layers' (saturating).
	Params, Buffers, Activations int64

	seq *Sequential // the layers without weights
}

// PlanError is a layer whose sizes are beyond any machine (more than
// MaxElements parameters or output elements). Path names the layer and,
// when known, the parameter: "layers[3].out_features".
type PlanError struct {
	Path string
	Msg  string
}

func (e *PlanError) Error() string { return e.Path + ": " + e.Msg }

// BadInput marks the error as caused by the spec.
func (e *PlanError) BadInput() bool { return true }

// Plan reads the layer specs for inputs of shape in (batch dimension
// included, filling "auto" sizes as Build does) and returns every layer's
// output shape and parameter count without allocating any weight. Its
// errors are Build's: each names the layer as "layers[i]: ", and sizes
// beyond any machine are a *PlanError naming the parameter.
func Plan(specs []LayerSpec, in []int) (*NetPlan, error) {
	return planLayers(specs, in, 0)
}

// Build allocates the planned network's weights, drawing from rng in layer
// order. A plan builds once: a second call returns the same network.
func (p *NetPlan) Build(rng *rand.Rand) *Sequential {
	if !p.built() {
		allocate(p.seq, rng)
	}
	return p.seq
}

// built reports whether Build has run (the first layer with weights has
// them).
func (p *NetPlan) built() bool {
	for _, ps := range p.seq.Parameters() {
		return ps.Var != nil
	}
	return false
}

func planLayers(specs []LayerSpec, in []int, depth int) (*NetPlan, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("Sequential layers nested more than %d deep", maxDepth)
	}
	pl := &NetPlan{InShape: append([]int(nil), in...), seq: &Sequential{}}
	shape := pl.InShape
	for i, spec := range specs {
		m, out, lp, err := planLayer(spec, shape, depth, append([]Module{}, pl.seq.Layers...)...)
		if err != nil {
			var pe *PlanError
			if errors.As(err, &pe) {
				return nil, &PlanError{Path: fmt.Sprintf("layers[%d].%s", i, pe.Path), Msg: pe.Msg}
			}
			return nil, fmt.Errorf("layers[%d]: %w", i, err)
		}
		lp.Index = i
		pl.seq.Layers = append(pl.seq.Layers, m)
		pl.Layers = append(pl.Layers, lp)
		pl.Params = budget.Add(pl.Params, lp.Params)
		pl.Buffers = budget.Add(pl.Buffers, lp.Buffers)
		pl.Activations = budget.Add(pl.Activations, lp.Activations)
		shape = out
	}
	pl.OutShape = shape
	return pl, nil
}

// planLayer reads one layer spec for an input of shape in and returns the
// layer without weights, its output shape and its plan. A *PlanError's
// Path is relative to the layer ("out_features").
func planLayer(spec LayerSpec, in []int, depth int, prev ...Module) (Module, []int, LayerPlan, error) {
	var typ string
	raw, ok := spec["type"]
	if !ok {
		return nil, nil, LayerPlan{}, fmt.Errorf("missing \"type\", expected one of %s", strings.Join(LayerTypes(), ", "))
	}
	if err := json.Unmarshal(raw, &typ); err != nil {
		return nil, nil, LayerPlan{}, fmt.Errorf("\"type\" must be a string, got %s", raw)
	}
	cls, err := layerTypes.Lookup(typ)
	if err != nil {
		le := err.(*param.LookupError)
		return nil, nil, LayerPlan{}, fmt.Errorf("unknown layer type %q%s, expected one of %s", typ, le.Hint, strings.Join(le.Known, ", "))
	}
	cfg, largest, err := decodeLayer(cls, spec)
	var m Module
	c := &layerCtx{in: in, depth: depth, prev: prev}
	if err == nil {
		m, err = cls.New(cfg, c)
	}
	if err != nil {
		var pe *PlanError
		if errors.As(err, &pe) {
			return nil, nil, LayerPlan{}, pe
		}
		if strings.HasPrefix(err.Error(), typ+": ") { // a constructor's own error names the layer
			return nil, nil, LayerPlan{}, err
		}
		return nil, nil, LayerPlan{}, fmt.Errorf("%s: %w", typ, err)
	}
	out, err := m.OutShape(in)
	if err != nil {
		return nil, nil, LayerPlan{}, err
	}
	lp := LayerPlan{Type: LayerName(m), OutShape: out, Param: largest}
	if pl := c.nested; pl != nil {
		lp.Params, lp.Buffers, lp.Activations = pl.Params, pl.Buffers, pl.Activations
		if h := pl.heaviest(func(l LayerPlan) int64 { return budget.Add(l.Params, l.Buffers, l.Activations) }); h >= 0 {
			lp.Param = pl.Layers[h].Path()
		}
	} else {
		if s, ok := m.(sizer); ok {
			lp.Params, lp.Buffers = s.sizes()
		}
		lp.Activations = mul(out...)
		if w, ok := m.(workspacer); ok && len(in) > 0 {
			lp.Activations = budget.Add(lp.Activations, budget.Mul(w.workspace(in, out), int64(max(in[0], 1))))
		}
	}
	if n := budget.Add(lp.Params, lp.Buffers); n > MaxElements {
		return nil, nil, LayerPlan{}, &PlanError{Path: lp.Param, Msg: fmt.Sprintf("%s would hold %s parameters, more than 2^40: beyond any machine", typ, countOrMore(n))}
	}
	if n := mul(out...); n > MaxElements {
		return nil, nil, LayerPlan{}, &PlanError{Path: lp.Param, Msg: fmt.Sprintf("%s outputs shape %v, more than 2^40 elements: beyond any machine", typ, out)}
	}
	return m, out, lp, nil
}

func countOrMore(n int64) string {
	if n == 1<<63-1 {
		return "more than 9.2e18"
	}
	return budget.Count(n)
}

// heaviest returns the index of the layer with the largest weight, or -1.
func (p *NetPlan) heaviest(weight func(LayerPlan) int64) int {
	best := -1
	var top int64 = -1
	for i, l := range p.Layers {
		if w := weight(l); w > top {
			best, top = i, w
		}
	}
	return best
}

// OptimizerStates returns how many values per parameter an optimizer keeps
// (PyTorch's state): SGD 1 (the momentum buffer), Adam and AdamW 2 (the
// moment estimates), RMSprop 3 (square average, momentum and, centered,
// the gradient average), Adagrad 1 (the sum of squares), LBFGS 204 (its
// default history of 100 update pairs, the direction, the previous
// gradient, the gradient and the line search's copy of the parameters);
// 2 for any other name.
func OptimizerStates(optimizer string) int {
	switch optimizer {
	case "SGD", "Adagrad":
		return 1
	case "RMSprop":
		return 3
	case "LBFGS": // history_size 100: 2·100 update vectors and 4 more
		return 204
	}
	return 2
}

// WeightBytes estimates the memory of the network's weights and buffers:
// 4 bytes (float32) per value. It is what a model file holds.
func (p *NetPlan) WeightBytes() int64 {
	return budget.Mul(budget.Add(p.Params, p.Buffers), 4)
}

// TrainingBytes estimates the peak memory of training the planned network
// on batches of batch times the plan's input, with an optimizer keeping
// states values per parameter:
//
//	params x 4 bytes x (1 weights + 1 gradients + states)
//	+ buffers x 4 bytes
//	+ activations x batch x 4 bytes x 2 (values and their gradients)
//	+ input elements x batch x 4 bytes
//
// The activations are the layers' outputs and workspaces (LayerPlan).
func (p *NetPlan) TrainingBytes(batch, states int) int64 {
	batch, states = max(batch, 1), max(states, 0)
	return budget.Add(
		budget.Mul(p.Params, 4, int64(2+states)),
		budget.Mul(p.Buffers, 4),
		budget.Mul(p.Activations, int64(batch), 4, 2),
		budget.Mul(mul(p.InShape...), int64(batch), 4),
	)
}

// CheckBudget checks the plan against the limits for training with batch
// size batch and the named optimizer: WeightBytes against MaxModelBytes,
// TrainingBytes against MaxRunMemory. The error is a *budget.Error whose
// Field names the heaviest layer and its size parameter
// ("layers[3].out_features"), relative to the layer list.
func (p *NetPlan) CheckBudget(l budget.Limits, batch int, optimizer string) error {
	return p.CheckBudgetStates(l, batch, optimizer, OptimizerStates(optimizer))
}

// CheckBudgetStates is CheckBudget for an optimizer keeping states values
// per parameter (LBFGS: as its history_size says).
func (p *NetPlan) CheckBudgetStates(l budget.Limits, batch int, optimizer string, states int) error {
	field := func(weight func(LayerPlan) int64) string {
		if h := p.heaviest(weight); h >= 0 {
			return p.Layers[h].Path()
		}
		return "layers"
	}
	need := p.WeightBytes()
	if err := l.CheckModel(field(func(lp LayerPlan) int64 { return budget.Add(lp.Params, lp.Buffers) }), "the network", need,
		countOrMore(budget.Add(p.Params, p.Buffers))+" parameters"); err != nil {
		return err
	}
	need = p.TrainingBytes(batch, states)
	detail := fmt.Sprintf("%s parameters with their gradients and %s's state, activations of %s values per sample for batches of %d",
		countOrMore(p.Params), optimizer, countOrMore(p.Activations), max(batch, 1))
	return l.CheckRun(field(func(lp LayerPlan) int64 {
		return budget.Add(budget.Mul(lp.Params, int64(2+states)), budget.Mul(lp.Activations, int64(max(batch, 1)), 2))
	}), "training the network", need, detail)
}
