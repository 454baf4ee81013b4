// Package nn is define-by-run automatic differentiation over float32 tensors
// and the PyTorch-style layers, losses and initialisations built on it.
//
// A Graph records the operations of one forward pass on a tape; Backward
// walks the tape in reverse and accumulates gradients into the parameters'
// Grad tensors, as PyTorch does, until ZeroGrad clears them. A Graph owns an
// arena of buffers that Reset recycles, so a training loop that runs the same
// model step after step reuses every activation, gradient and scratch buffer
// and allocates nothing in the steady state:
//
//	g := nn.NewGraph()
//	for step := range steps {
//		g.Reset()
//		loss := lossFn.Forward(g, model.Forward(g, g.Const(x)), g.Const(y))
//		if err := g.Backward(loss); err != nil { ... }
//		opt.Step()
//		opt.ZeroGrad()
//	}
//
// There is no global state: gradient recording is a property of the Graph
// (NewInferenceGraph records nothing), and train/eval is a property of each
// Module, so models can train concurrently in separate goroutines as long as
// each goroutine uses its own Graph and its own Modules.
package nn

import (
	"errors"
	"fmt"

	"github.com/mlforge/mlforge/tensor"
)

// backFn propagates a node's Grad into its parents' Grad. Backward functions
// are plain top-level functions (never closures) so recording a node
// allocates nothing.
type backFn func(n *Var)

// Var is a node of the computation: a tensor value, its gradient and, for
// the result of an operation, how to propagate that gradient to the inputs.
// Parameters are leaf Vars made by NewParam; they live as long as the module
// that owns them. Vars returned by operations belong to their Graph and are
// recycled by Graph.Reset.
type Var struct {
	// Data is the value.
	Data *tensor.Tensor
	// Grad is the gradient of the loss with respect to Data, the same shape
	// as Data. For a parameter it is allocated by the first Backward that
	// reaches it and accumulates until ZeroGrad; it is nil before that.
	Grad *tensor.Tensor

	requiresGrad bool
	leaf         bool
	gradSet      bool // an intermediate Grad holds this pass's values

	g       *Graph
	back    backFn
	a, b, c *Var // parents
	ctx     any  // op context: usually the module that made the node
	s1, s2  *tensor.Tensor
	idx     []int32
	ints    [10]int
	f       [4]float32
}

// NewParam returns a leaf Var that owns t and requires a gradient.
func NewParam(t *tensor.Tensor) *Var {
	return &Var{Data: t, requiresGrad: true, leaf: true}
}

// NewBuffer returns a leaf Var that owns t and needs no gradient, for state
// such as BatchNorm's running statistics.
func NewBuffer(t *tensor.Tensor) *Var {
	return &Var{Data: t, leaf: true}
}

// RequiresGrad reports whether gradients flow to v.
func (v *Var) RequiresGrad() bool { return v.requiresGrad }

// SetRequiresGrad freezes (false) or unfreezes (true) a leaf Var. It has no
// effect on the result of an operation.
func (v *Var) SetRequiresGrad(on bool) {
	if v.leaf {
		v.requiresGrad = on
	}
}

// Shape returns the shape of the value.
func (v *Var) Shape() []int { return v.Data.Shape }

// Item returns the only element of a one-element value.
func (v *Var) Item() float32 {
	if len(v.Data.Data) != 1 {
		panic(fmt.Sprintf("nn.Var.Item: value has shape %v, not one element", v.Data.Shape))
	}
	return v.Data.Data[0]
}

// ZeroGrad sets v's gradient to zero, keeping its buffer.
func (v *Var) ZeroGrad() {
	if v.Grad != nil {
		clear(v.Grad.Data)
	}
}

// grad returns v's gradient slice for accumulation, allocating it for a
// leaf on first use and zeroing it for an intermediate result on the first
// write of a backward pass.
func (v *Var) grad() []float32 {
	if v.leaf {
		if v.Grad == nil {
			v.Grad = &tensor.Tensor{Shape: append([]int(nil), v.Data.Shape...), Data: make([]float32, len(v.Data.Data))}
		}
		return v.Grad.Data
	}
	if !v.gradSet {
		clear(v.Grad.Data)
		v.gradSet = true
	}
	return v.Grad.Data
}

// gradOut returns v's gradient slice and whether the caller must add to it
// (true) or may overwrite it (false: the first write to an intermediate
// result in this backward pass). Kernels that can overwrite save a pass of
// zeroing.
func (v *Var) gradOut() ([]float32, bool) {
	if v.leaf {
		return v.grad(), true
	}
	if v.gradSet {
		return v.Grad.Data, true
	}
	v.gradSet = true
	return v.Grad.Data, false
}

// Graph is the tape of one forward pass plus an arena of reusable buffers.
// A Graph is not safe for concurrent use; give each goroutine its own.
type Graph struct {
	noGrad bool

	nodes []*Var // tape, in creation order (includes constants)
	nnode int
	bufs  []*tensor.Tensor
	nbuf  int
	ibufs [][]int32
	nibuf int
	views []*tensor.Tensor
	nview int

	err  error
	dead *Var

	par     *partCall // the claim state of parallel, reused
	convT   convTask
	convB   convBatchTask
	convW   convWeightTask
	ewT     ewTask
	poolT   poolTask
	poolNdT maxPlanesTask
	dropT   dropMaskTask
	lnT     layerNormTask
	fuseT   fusedConvTask
	linT    linearDotTask
	bnT     batchNormTask
	addT    addReLUTask
	scratch []*tensor.Tensor // per-part gradient accumulators
}

// NewGraph returns a Graph that records operations for Backward.
func NewGraph() *Graph { return &Graph{} }

// NewInferenceGraph returns a Graph that records nothing: no gradients, no
// saved activations. Use it for evaluation and prediction.
func NewInferenceGraph() *Graph { return &Graph{noGrad: true} }

// NoGrad reports whether the graph records nothing for Backward.
func (g *Graph) NoGrad() bool { return g.noGrad }

// SetNoGrad switches gradient recording off (true) or on (false) for the
// operations that follow.
func (g *Graph) SetNoGrad(on bool) { g.noGrad = on }

// Reset forgets the recorded operations and makes every buffer available
// again. Vars and tensors returned by earlier operations become invalid.
func (g *Graph) Reset() {
	for _, n := range g.nodes[:g.nnode] {
		n.a, n.b, n.c, n.ctx = nil, nil, nil, nil
	}
	g.nnode, g.nbuf, g.nibuf, g.nview = 0, 0, 0, 0
	g.err = nil
}

// Err returns the first error met by an operation since the last Reset: a
// shape mismatch or an invalid value such as a class index out of range.
// Once an error is recorded every later operation returns a placeholder.
func (g *Graph) Err() error { return g.err }

// fail records err (the first one wins) and returns the placeholder node.
func (g *Graph) fail(format string, args ...any) *Var {
	if g.err == nil {
		g.err = fmt.Errorf("nn: "+format, args...)
	}
	return g.deadVar()
}

func (g *Graph) deadVar() *Var {
	if g.dead == nil {
		g.dead = &Var{Data: tensor.New(1), g: g}
	}
	return g.dead
}

// buf returns a tensor of the given shape from the arena; its contents are
// arbitrary.
func (g *Graph) buf(shape ...int) *tensor.Tensor {
	n := tensor.Numel(shape)
	if g.nbuf == len(g.bufs) {
		g.bufs = append(g.bufs, &tensor.Tensor{})
	}
	t := g.bufs[g.nbuf]
	g.nbuf++
	if cap(t.Data) < n {
		t.Data = make([]float32, n)
	}
	t.Data = t.Data[:n]
	t.Shape = append(t.Shape[:0], shape...)
	return t
}

// bufLike returns an arena tensor shaped like t.
func (g *Graph) bufLike(t *tensor.Tensor) *tensor.Tensor {
	n := len(t.Data)
	if g.nbuf == len(g.bufs) {
		g.bufs = append(g.bufs, &tensor.Tensor{})
	}
	b := g.bufs[g.nbuf]
	g.nbuf++
	if cap(b.Data) < n {
		b.Data = make([]float32, n)
	}
	b.Data = b.Data[:n]
	b.Shape = append(b.Shape[:0], t.Shape...)
	return b
}

// view returns a tensor header from the arena that shares data, with a
// copy of shape.
func (g *Graph) view(data []float32, shape []int) *tensor.Tensor {
	if g.nview == len(g.views) {
		g.views = append(g.views, &tensor.Tensor{})
	}
	t := g.views[g.nview]
	g.nview++
	t.Data = data
	t.Shape = append(t.Shape[:0], shape...)
	return t
}

// zbuf is buf with zeroed contents.
func (g *Graph) zbuf(shape ...int) *tensor.Tensor {
	t := g.buf(shape...)
	clear(t.Data)
	return t
}

// ibuf returns an int32 scratch slice of length n from the arena.
func (g *Graph) ibuf(n int) []int32 {
	if g.nibuf == len(g.ibufs) {
		g.ibufs = append(g.ibufs, nil)
	}
	s := g.ibufs[g.nibuf]
	if cap(s) < n {
		s = make([]int32, n)
		g.ibufs[g.nibuf] = s
	}
	g.nibuf++
	return s[:n]
}

// newNode appends a node to the tape. It needs a gradient when the graph
// records and any parent needs one.
func (g *Graph) newNode(data *tensor.Tensor, back backFn, a, b, c *Var) *Var {
	if g.nnode == len(g.nodes) {
		g.nodes = append(g.nodes, &Var{})
	}
	n := g.nodes[g.nnode]
	g.nnode++
	req := !g.noGrad && ((a != nil && a.requiresGrad) || (b != nil && b.requiresGrad) || (c != nil && c.requiresGrad))
	*n = Var{Data: data, requiresGrad: req, g: g, ints: n.ints}
	if req {
		n.back, n.a, n.b, n.c = back, a, b, c
	}
	return n
}

// Const wraps t as a constant input of the graph (no gradient). t is not
// copied and must stay unchanged until Backward has run.
func (g *Graph) Const(t *tensor.Tensor) *Var {
	return g.newNode(t, nil, nil, nil, nil)
}

// Input wraps t as an input whose gradient Backward computes (for
// gradients with respect to data, e.g. saliency or gradient checks).
func (g *Graph) Input(t *tensor.Tensor) *Var {
	n := g.newNode(t, nil, nil, nil, nil)
	n.requiresGrad = !g.noGrad
	return n
}

// ErrNoGraph is returned by Backward on a graph that records nothing.
var ErrNoGraph = errors.New("nn: Backward on a graph that records no gradients (inference graph or SetNoGrad)")

// Backward computes the gradient of loss, which must have one element,
// with respect to every Var it depends on. Leaf gradients accumulate (call
// ZeroGrad between steps); gradients of intermediate results are valid until
// Reset.
func (g *Graph) Backward(loss *Var) error {
	if g.err != nil {
		return g.err
	}
	if g.noGrad {
		return ErrNoGraph
	}
	if loss.g != g {
		return errors.New("nn: Backward: the loss was not computed on this graph")
	}
	if len(loss.Data.Data) != 1 {
		return fmt.Errorf("nn: Backward: the loss has shape %v, expected a single element (reduce it with Sum or Mean)", loss.Data.Shape)
	}
	if !loss.requiresGrad {
		return errors.New("nn: Backward: the loss does not depend on any parameter that requires a gradient")
	}
	end := -1
	for i := g.nnode - 1; i >= 0; i-- {
		if g.nodes[i] == loss {
			end = i
			break
		}
	}
	if end < 0 {
		return errors.New("nn: Backward: the loss is not on this graph's tape (was the graph Reset?)")
	}
	for _, n := range g.nodes[:end+1] {
		if n.requiresGrad {
			n.Grad = g.bufLike(n.Data)
			n.gradSet = false
		}
	}
	loss.Grad.Data[0] = 1
	loss.gradSet = true
	for i := end; i >= 0; i-- {
		n := g.nodes[i]
		if n.requiresGrad && n.gradSet && n.back != nil {
			n.back(n)
		}
	}
	// Results no gradient reached (unused outputs, inputs the loss does not
	// depend on) read as zero.
	for _, n := range g.nodes[:end+1] {
		if n.requiresGrad && !n.gradSet {
			clear(n.Grad.Data)
			n.gradSet = true
		}
	}
	return nil
}

// sameShape reports whether two shapes are equal.
func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
