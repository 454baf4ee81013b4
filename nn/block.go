package nn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/mlforge/mlforge/internal/budget"
)

// Composition blocks for networks written by hand in a layer list:
//
//	{"type": "Residual", "body": [...], "shortcut": [...]}
//	    body(x) + shortcut(x); without "shortcut" (or with an empty list)
//	    body(x) + x. A ResNet basic block with a downsampling shortcut:
//	    {"type": "Residual",
//	     "body": [{"type": "Conv2d", "out_channels": 128, "kernel_size": 3, "stride": 2, "padding": 1, "bias": false},
//	              {"type": "BatchNorm2d"}, {"type": "ReLU"},
//	              {"type": "Conv2d", "out_channels": 128, "kernel_size": 3, "padding": 1, "bias": false},
//	              {"type": "BatchNorm2d"}],
//	     "shortcut": [{"type": "Conv2d", "out_channels": 128, "kernel_size": 1, "stride": 2, "bias": false},
//	                  {"type": "BatchNorm2d"}]},
//	    {"type": "ReLU"}
//	{"type": "Add", "branches": [[...], [...], ...]}
//	    the sum of the branches' outputs (an empty branch is the input).
//	{"type": "Concat", "branches": [[...], [...], ...], "dim": 1}
//	    the branches' outputs joined along dim (as torch.cat; 1, the
//	    channels, by default; negative counts from the end; not the batch).
//
// Every branch sees the block's input. State_dict names follow PyTorch's
// nesting, as if each list were an nn.Sequential attribute of the block:
// layer 3 a Residual gives "3.body.0.weight", "3.shortcut.1.running_mean";
// an Add or Concat gives "3.branches.0.2.weight" (branch 0, its layer 2).

// Child is a named submodule of a Stack.
type Child struct {
	// Name prefixes the child's state_dict keys ("conv1", "layer1", "0");
	// "" puts its keys directly in the parent's (the child's own names are
	// already the parent's, as for the layers of a torchvision block).
	Name   string
	Module Module
}

// Stack applies named submodules in order, like a torch.nn.Module whose
// forward calls its attributes one after the other (torchvision's ResNet,
// VGG, ...). Its state_dict keys are the children's prefixed by their
// names.
type Stack struct {
	Children []Child
	// Type is the class name LayerName reports ("ResNet18", "Sequential").
	Type string

	layers []Module // the children's modules, for fusion
}

// NewStack returns a Stack of the children.
func NewStack(typ string, children ...Child) *Stack {
	s := &Stack{Children: children, Type: typ}
	for _, c := range children {
		s.layers = append(s.layers, c.Module)
	}
	return s
}

// Forward applies the children in order, fusing runs of layers as
// Sequential does.
func (s *Stack) Forward(g *Graph, x *Var) *Var {
	for i := 0; i < len(s.layers); i++ {
		if y, n := g.fuse(s.layers[i:], x); n > 0 {
			x = y
			i += n - 1
			continue
		}
		x = s.layers[i].Forward(g, x)
	}
	return x
}

// Parameters returns the children's parameters under their names.
func (s *Stack) Parameters() []Param {
	var out []Param
	for _, c := range s.Children {
		out = append(out, prefixed(c.Name, c.Module)...)
	}
	return out
}

// Train sets the mode of every child.
func (s *Stack) Train(on bool) {
	for _, c := range s.Children {
		c.Module.Train(on)
	}
}

// OutShape chains the children's shapes.
func (s *Stack) OutShape(in []int) ([]int, error) {
	for _, c := range s.Children {
		out, err := c.Module.OutShape(in)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", c.Name, LayerName(c.Module), err)
		}
		in = out
	}
	return in, nil
}

// Name returns the Stack's type.
func (s *Stack) Name() string { return s.Type }

func (s *Stack) allocate(rng *rand.Rand) {
	for _, c := range s.Children {
		allocate(c.Module, rng)
	}
}

// prefixed returns m's parameters with name+"." before each key.
func prefixed(name string, m Module) []Param {
	ps := m.Parameters()
	if name == "" {
		return ps
	}
	out := make([]Param, len(ps))
	for i, p := range ps {
		p.Name = name + "." + p.Name
		out[i] = p
	}
	return out
}

// Residual is body(x) + shortcut(x), then Post when set (torchvision's
// blocks end with a ReLU after the addition). A nil Shortcut is the
// identity.
type Residual struct {
	Body, Shortcut, Post Module
	// BodyName and ShortcutName prefix the state_dict keys ("body",
	// "shortcut"; torchvision's blocks use "" and "downsample").
	BodyName, ShortcutName string
	// Type is the class name LayerName reports.
	Type string
}

// Forward returns Post(body(x) + shortcut(x)).
func (r *Residual) Forward(g *Graph, x *Var) *Var {
	s := x
	if r.Shortcut != nil {
		s = r.Shortcut.Forward(g, x)
	}
	body := r.Body.Forward(g, x)
	if _, relu := r.Post.(*ReLU); relu && !addReLUOff && g.err == nil && sameShape(body.Data.Shape, s.Data.Shape) {
		return g.addReLU(body, s)
	}
	y := g.Add(body, s)
	if r.Post != nil {
		y = r.Post.Forward(g, y)
	}
	return y
}

// Parameters returns the body's and the shortcut's parameters.
func (r *Residual) Parameters() []Param {
	out := prefixed(r.BodyName, r.Body)
	if r.Shortcut != nil {
		out = append(out, prefixed(r.ShortcutName, r.Shortcut)...)
	}
	return out
}

// Train sets the mode of both paths.
func (r *Residual) Train(on bool) {
	r.Body.Train(on)
	if r.Shortcut != nil {
		r.Shortcut.Train(on)
	}
	if r.Post != nil {
		r.Post.Train(on)
	}
}

// OutShape checks that both paths give the same shape.
func (r *Residual) OutShape(in []int) ([]int, error) {
	out, err := r.Body.OutShape(in)
	if err != nil {
		return nil, err
	}
	s := in
	if r.Shortcut != nil {
		if s, err = r.Shortcut.OutShape(in); err != nil {
			return nil, err
		}
	}
	if !sameShape(out, s) {
		what := "the input"
		if r.Shortcut != nil {
			what = "the shortcut's output"
		}
		return nil, fmt.Errorf("%s: the body's output has shape %v but %s has shape %v; they must be equal to be added (add a \"shortcut\" such as a 1x1 Conv2d with the body's stride)", r.Type, out, what, s)
	}
	if r.Post != nil {
		return r.Post.OutShape(out)
	}
	return out, nil
}

// Name returns the Residual's type.
func (r *Residual) Name() string { return r.Type }

func (r *Residual) allocate(rng *rand.Rand) {
	allocate(r.Body, rng)
	if r.Shortcut != nil {
		allocate(r.Shortcut, rng)
	}
}

// Branches applies every branch to the input and adds their outputs
// (Concat false) or joins them along Dim (Concat true). A nil branch is
// the identity.
type Branches struct {
	Branches []Module
	// Names prefix the branches' state_dict keys ("branches.0"; "" for
	// none).
	Names  []string
	Concat bool
	// Dim is the dimension Concat joins along, batch included (1:
	// channels); negative counts from the end.
	Dim int
	// Type is the class name LayerName reports.
	Type string
}

func (b *Branches) branch(g *Graph, i int, x *Var) *Var {
	if b.Branches[i] == nil {
		return x
	}
	return b.Branches[i].Forward(g, x)
}

// Forward adds or concatenates the branches' outputs.
func (b *Branches) Forward(g *Graph, x *Var) *Var {
	y := b.branch(g, 0, x)
	for i := 1; i < len(b.Branches); i++ {
		z := b.branch(g, i, x)
		if b.Concat {
			y = g.Concat(y, z, b.Dim)
		} else {
			y = g.Add(y, z)
		}
	}
	return y
}

// Parameters returns the branches' parameters under their names.
func (b *Branches) Parameters() []Param {
	var out []Param
	for i, m := range b.Branches {
		if m != nil {
			out = append(out, prefixed(b.Names[i], m)...)
		}
	}
	return out
}

// Train sets the mode of every branch.
func (b *Branches) Train(on bool) {
	for _, m := range b.Branches {
		if m != nil {
			m.Train(on)
		}
	}
}

// OutShape checks that the branches' shapes add or concatenate.
func (b *Branches) OutShape(in []int) ([]int, error) {
	var out []int
	for i, m := range b.Branches {
		s := in
		if m != nil {
			var err error
			if s, err = m.OutShape(in); err != nil {
				return nil, fmt.Errorf("branches[%d]: %w", i, err)
			}
		}
		if i == 0 {
			out = append([]int(nil), s...)
			continue
		}
		if !b.Concat {
			if !sameShape(out, s) {
				return nil, fmt.Errorf("%s: branches[%d] outputs shape %v but branches[0] outputs %v; added outputs must have equal shapes", b.Type, i, s, out)
			}
			continue
		}
		d, err := catDim(b.Dim, len(out))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Type, err)
		}
		if len(s) != len(out) {
			return nil, fmt.Errorf("%s: branches[%d] outputs shape %v but branches[0] outputs %v; they must have the same number of dimensions", b.Type, i, s, out)
		}
		for k := range s {
			if k != d && s[k] != out[k] {
				return nil, fmt.Errorf("%s: branches[%d] outputs shape %v but the others %v; all dimensions but dim %d must be equal", b.Type, i, s, out, b.Dim)
			}
		}
		out[d] += s[d]
	}
	return out, nil
}

// Name returns the block's type.
func (b *Branches) Name() string { return b.Type }

func (b *Branches) allocate(rng *rand.Rand) {
	for _, m := range b.Branches {
		if m != nil {
			allocate(m, rng)
		}
	}
}

// catDim resolves a concatenation dimension for rank-n tensors.
func catDim(dim, n int) (int, error) {
	d := dim
	if d < 0 {
		d += n
	}
	if d < 1 || d >= n {
		return 0, fmt.Errorf("dim is %d, expected a dimension in [1, %d) or [-%d, -1] of outputs with %d dimensions (0, the batch, cannot be joined)", dim, n, n-1, n)
	}
	return d, nil
}

// Concat joins a and b along dim (batch included, negative from the end),
// as torch.cat([a, b], dim); all other dimensions must be equal.
func (g *Graph) Concat(a, b *Var, dim int) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	as, bs := a.Data.Shape, b.Data.Shape
	d, err := catDim(dim, len(as))
	if err != nil || len(as) != len(bs) {
		return g.fail("Concat: shapes %v and %v along dim %d", as, bs, dim)
	}
	for k := range as {
		if k != d && as[k] != bs[k] {
			return g.fail("Concat: shapes %v and %v differ outside dim %d", as, bs, dim)
		}
	}
	outer := 1
	for _, v := range as[:d] {
		outer *= v
	}
	inner := 1
	for _, v := range as[d+1:] {
		inner *= v
	}
	na, nb := as[d]*inner, bs[d]*inner
	shape := append([]int(nil), as...)
	shape[d] += bs[d]
	y := g.buf(shape...)
	yd, ad, bd := y.Data, a.Data.Data, b.Data.Data
	for o := range outer {
		copy(yd[o*(na+nb):], ad[o*na:(o+1)*na])
		copy(yd[o*(na+nb)+na:], bd[o*nb:(o+1)*nb])
	}
	n := g.newNode(y, concatBack, a, b, nil)
	n.ints[0], n.ints[1], n.ints[2] = outer, na, nb
	return n
}

func concatBack(n *Var) {
	outer, na, nb := n.ints[0], n.ints[1], n.ints[2]
	gy := n.Grad.Data
	if n.a.requiresGrad {
		ga := n.a.grad()
		for o := range outer {
			axpy(ga[o*na:(o+1)*na], 1, gy[o*(na+nb):o*(na+nb)+na])
		}
	}
	if n.b.requiresGrad {
		gb := n.b.grad()
		for o := range outer {
			axpy(gb[o*nb:(o+1)*nb], 1, gy[o*(na+nb)+na:(o+1)*(na+nb)])
		}
	}
}

// ResidualParams are a Residual block's parameters.
type ResidualParams struct {
	Body     []LayerSpec `json:"body" type:"list" required:"true" help:"the layers whose output is added to the input (or to the shortcut's output)"`
	Shortcut []LayerSpec `json:"shortcut" type:"list" help:"layers applied to the input before the addition, e.g. a 1x1 Conv2d and BatchNorm2d to downsample (default: the input itself)"`
}

// BranchesParams are an Add block's parameters.
type BranchesParams struct {
	Branches [][]LayerSpec `json:"branches" type:"list" required:"true" help:"a list of layer lists, each applied to the input (an empty list is the input itself)"`
}

// ConcatParams are a Concat block's parameters.
type ConcatParams struct {
	Branches [][]LayerSpec `json:"branches" type:"list" required:"true" help:"a list of layer lists, each applied to the input (an empty list is the input itself)"`
	Dim      int           `json:"dim" help:"the dimension to join along, batch included (1: channels); negative counts from the end"`
}

// planNested plans a nested layer list whose errors name it (field, e.g.
// "body" or "branches[1]") and adds its sizes to sum.
func planNested(field string, specs []LayerSpec, c *layerCtx, sum *NetPlan) (*Sequential, []int, error) {
	pl, err := planLayers(specs, c.in, c.depth+1)
	if err != nil {
		if pe, ok := err.(*PlanError); ok {
			return nil, nil, &PlanError{Path: field + "." + pe.Path, Msg: pe.Msg}
		}
		return nil, nil, fmt.Errorf("%s.%w", field, err)
	}
	sum.add(pl)
	return pl.seq, pl.OutShape, nil
}

// add sums a nested plan's sizes and layers into p.
func (p *NetPlan) add(q *NetPlan) {
	p.Params = budget.Add(p.Params, q.Params)
	p.Buffers = budget.Add(p.Buffers, q.Buffers)
	p.Activations = budget.Add(p.Activations, q.Activations)
	p.Layers = append(p.Layers, q.Layers...)
}

func init() {
	registerLayer("Residual", "body(x) + x, or body(x) + shortcut(x): a residual block of nested layer lists", func() ResidualParams { return ResidualParams{} },
		func(p ResidualParams, c *layerCtx) (Module, error) {
			sum := &NetPlan{}
			if len(p.Body) == 0 {
				return nil, fmt.Errorf("body is empty, expected at least one layer")
			}
			body, out, err := planNested("body", p.Body, c, sum)
			if err != nil {
				return nil, err
			}
			r := &Residual{Body: body, BodyName: "body", ShortcutName: "shortcut", Type: "Residual"}
			if len(p.Shortcut) > 0 {
				if r.Shortcut, _, err = planNested("shortcut", p.Shortcut, c, sum); err != nil {
					return nil, err
				}
			}
			sum.Activations = budget.Add(sum.Activations, mul(out...)) // the sum
			c.nested = sum
			return r, nil
		})
	branches := func(typ string, lists [][]LayerSpec, cat bool, dim int, c *layerCtx) (Module, error) {
		if len(lists) < 2 {
			return nil, fmt.Errorf("branches has %d list(s), expected at least 2", len(lists))
		}
		sum := &NetPlan{}
		b := &Branches{Concat: cat, Dim: dim, Type: typ}
		var total int64
		for i, l := range lists {
			b.Names = append(b.Names, "branches."+strconv.Itoa(i))
			if len(l) == 0 {
				b.Branches = append(b.Branches, nil)
				continue
			}
			m, out, err := planNested(fmt.Sprintf("branches[%d]", i), l, c, sum)
			if err != nil {
				return nil, err
			}
			b.Branches = append(b.Branches, m)
			total = budget.Add(total, mul(out...))
		}
		sum.Activations = budget.Add(sum.Activations, total) // the result (and Concat's pairwise joins, at most as large)
		c.nested = sum
		return b, nil
	}
	registerLayer("Add", "the sum of several nested layer lists applied to the same input", func() BranchesParams { return BranchesParams{} },
		func(p BranchesParams, c *layerCtx) (Module, error) { return branches("Add", p.Branches, false, 0, c) })
	registerLayer("Concat", "several nested layer lists applied to the same input, joined along dim (torch.cat)", func() ConcatParams { return ConcatParams{Dim: 1} },
		func(p ConcatParams, c *layerCtx) (Module, error) {
			return branches("Concat", p.Branches, true, p.Dim, c)
		})
}

// spec builds a LayerSpec from a type and alternating keys and values
// (for the named architectures).
func spec(typ string, kv ...any) LayerSpec {
	s := LayerSpec{"type": mustJSON(typ)}
	for i := 0; i+1 < len(kv); i += 2 {
		s[kv[i].(string)] = mustJSON(kv[i+1])
	}
	return s
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
