package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// Linear computes y = x Wᵀ + b over the last dimension of x.
type Linear struct {
	InFeatures, OutFeatures int
	// Weight is out_features x in_features.
	Weight *Var
	// Bias has out_features elements, or is nil.
	Bias *Var
	// hasBias says whether allocate makes a bias.
	hasBias bool
}

// NewLinear returns a Linear layer initialised like PyTorch's, drawing from
// rng.
func NewLinear(in, out int, bias bool, rng *rand.Rand) *Linear {
	l := &Linear{InFeatures: in, OutFeatures: out, hasBias: bias}
	l.allocate(rng)
	return l
}

// allocate makes the weights of a layer described by its fields.
func (l *Linear) allocate(rng *rand.Rand) {
	l.Weight = NewParam(tensor.New(l.OutFeatures, l.InFeatures))
	var b *tensor.Tensor
	if l.hasBias {
		b = tensor.New(l.OutFeatures)
		l.Bias = NewParam(b)
	}
	initLinearLike(l.Weight.Data, b, rng)
}

// sizes counts the parameters allocate makes.
func (l *Linear) sizes() (params, buffers int64) {
	n := mul(l.OutFeatures, l.InFeatures)
	if l.hasBias {
		n = budget.Add(n, int64(l.OutFeatures))
	}
	return n, 0
}

// Forward applies the layer.
func (l *Linear) Forward(g *Graph, x *Var) *Var { return g.Linear(x, l.Weight, l.Bias) }

// Parameters returns weight and bias.
func (l *Linear) Parameters() []Param {
	ps := []Param{{Name: "weight", Var: l.Weight, Trainable: true}}
	if l.Bias != nil {
		ps = append(ps, Param{Name: "bias", Var: l.Bias, Trainable: true})
	}
	return ps
}

// Train has no effect.
func (l *Linear) Train(bool) {}

// OutShape replaces the last dimension by out_features.
func (l *Linear) OutShape(in []int) ([]int, error) {
	if len(in) == 0 || in[len(in)-1] != l.InFeatures {
		return nil, shapeErr("Linear", fmt.Sprintf("(*, %d)", l.InFeatures), in)
	}
	out := append([]int(nil), in...)
	out[len(out)-1] = l.OutFeatures
	return out, nil
}

// Name returns "Linear".
func (l *Linear) Name() string { return "Linear" }

// Linear computes x Wᵀ + b for x of shape (*, in), W of shape (out, in) and
// b of shape (out) or nil, with a fused backward pass.
func (g *Graph) Linear(x, w, b *Var) *Var {
	return g.linear(x, w, b, false)
}

// linear is Linear, followed by an in-place ReLU when relu is true (the
// fused Linear, ReLU of a Sequential).
func (g *Graph) linear(x, w, b *Var, relu bool) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if w.Data.Dim() != 2 || x.Data.Dim() == 0 || x.Data.Shape[x.Data.Dim()-1] != w.Data.Shape[1] {
		return g.fail("Linear: input of shape %v does not match weight of shape %v (expected (*, %d))", x.Data.Shape, w.Data.Shape, w.Data.Shape[len(w.Data.Shape)-1])
	}
	out, in := w.Data.Shape[0], w.Data.Shape[1]
	if b != nil && len(b.Data.Data) != out {
		return g.fail("Linear: bias of shape %v, expected (%d)", b.Data.Shape, out)
	}
	rows := len(x.Data.Data) / max(in, 1)
	y := g.bufLike(x.Data)
	y.Data = y.Data[:0]
	if cap(y.Data) < rows*out {
		y.Data = make([]float32, rows*out)
	}
	y.Data = y.Data[:rows*out]
	y.Shape[len(y.Shape)-1] = out
	yd := y.Data
	if out <= linearDotMaxOut && in >= linearDotMinIn {
		// Few outputs over long rows (a classifier head): inner products
		// of each input row with each weight row; a GEMM would waste most
		// of its register tile and repack the weight every call.
		t := &g.linT
		*t = linearDotTask{x: x.Data.Data, w: w.Data.Data, y: yd, rows: rows, in: in, out: out}
		if b != nil {
			t.b = b.Data.Data
		}
		g.parallel(t, 8, rows*out*in)
		return g.linearNode(y, x, w, b, relu)
	}
	if b != nil {
		bd := b.Data.Data
		for r := 0; r < rows; r++ {
			copy(yd[r*out:(r+1)*out], bd)
		}
		tensor.Gemm(false, true, rows, out, in, 1, x.Data.Data, in, w.Data.Data, in, 1, yd, out)
	} else {
		tensor.Gemm(false, true, rows, out, in, 1, x.Data.Data, in, w.Data.Data, in, 0, yd, out)
	}
	return g.linearNode(y, x, w, b, relu)
}

// linearNode records a Linear result y, applying the fused ReLU to it first
// when relu is true.
func (g *Graph) linearNode(y *tensor.Tensor, x, w, b *Var, relu bool) *Var {
	if !relu {
		return g.newNode(y, linearBack, x, w, b)
	}
	tensor.ReLU(y.Data, y.Data)
	return g.newNode(y, linearReLUBack, x, w, b)
}

// linearReLUBack masks the gradient where the ReLU output is not positive,
// into scratch (the node's own gradient stays as a ReLU's would be), and
// runs Linear's backward pass on it.
func linearReLUBack(n *Var) {
	gy := n.g.buf(len(n.Grad.Data)).Data
	reluBackward(gy, n.Grad.Data, n.Data.Data, false)
	linearBackFrom(n, gy)
}

func linearBack(n *Var) { linearBackFrom(n, n.Grad.Data) }

// linearBackFrom propagates the output gradient gy of the Linear node n.
func linearBackFrom(n *Var, gy []float32) {
	x, w, b := n.a, n.b, n.c
	out, in := w.Data.Shape[0], w.Data.Shape[1]
	rows := len(x.Data.Data) / max(in, 1)
	if x.requiresGrad {
		tensor.Gemm(false, false, rows, in, out, 1, gy, out, w.Data.Data, in, 1, x.grad(), in)
	}
	if w.requiresGrad {
		tensor.Gemm(true, false, out, in, rows, 1, gy, out, x.Data.Data, in, 1, w.grad(), in)
	}
	if b != nil && b.requiresGrad {
		gb := b.grad()
		for r := 0; r < rows; r++ {
			axpy(gb, 1, gy[r*out:(r+1)*out])
		}
	}
}

// Linear layers with at most linearDotMaxOut outputs and at least
// linearDotMinIn inputs compute their forward pass as inner products.
const (
	linearDotMaxOut = 16
	linearDotMinIn  = 64
)

// linearDotTask computes y = x Wᵀ + b by inner products over a range of
// rows.
type linearDotTask struct {
	x, w, b, y    []float32
	rows, in, out int
}

func (t *linearDotTask) run(part, parts int) {
	lo, hi := span(t.rows, part, parts)
	in, out := t.in, t.out
	for r := lo; r < hi; r++ {
		xr := t.x[r*in : (r+1)*in]
		yr := t.y[r*out : (r+1)*out]
		for o := range yr {
			v := tensor.Dot(xr, t.w[o*in:(o+1)*in])
			if t.b != nil {
				v += t.b[o]
			}
			yr[o] = v
		}
	}
}

// LinearParams are torch.nn.Linear's keyword arguments.
type LinearParams struct {
	InFeatures  int  `json:"in_features" auto:"true" min:"1" help:"size of each input sample"`
	OutFeatures int  `json:"out_features" required:"true" min:"1" nlabels:"true" help:"size of each output sample"`
	Bias        bool `json:"bias" help:"learn an additive bias"`
}

func init() {
	registerLayer("Linear", "y = x Wᵀ + b over the last dimension", func() LinearParams { return LinearParams{Bias: true} },
		func(p LinearParams, c *layerCtx) (Module, error) {
			in, err := orAuto(p.InFeatures, "in_features", c.lastDim)
			if err != nil {
				return nil, err
			}
			if in < 1 {
				return nil, fmt.Errorf("in_features %d and out_features %d must be positive", in, p.OutFeatures)
			}
			return &Linear{InFeatures: in, OutFeatures: p.OutFeatures, hasBias: p.Bias}, nil
		})
}

// Identity returns its input, like torch.nn.Identity.
type Identity struct{ noParams }

// Forward returns x.
func (*Identity) Forward(_ *Graph, x *Var) *Var { return x }

// OutShape returns in.
func (*Identity) OutShape(in []int) ([]int, error) { return in, nil }

// Name returns "Identity".
func (*Identity) Name() string { return "Identity" }

func init() {
	registerLayer("Identity", "the input unchanged (a placeholder)", func() struct{} { return struct{}{} },
		func(struct{}, *layerCtx) (Module, error) { return &Identity{}, nil })
}

// LazyLinearParams are torch.nn.LazyLinear's keyword arguments: Linear's
// but in_features, which is always inferred from the input.
type LazyLinearParams struct {
	OutFeatures int  `json:"out_features" required:"true" min:"1" nlabels:"true" help:"size of each output sample"`
	Bias        bool `json:"bias" help:"learn an additive bias"`
}

func init() {
	registerLayer("LazyLinear", "Linear whose in_features is inferred from the input", func() LazyLinearParams { return LazyLinearParams{Bias: true} },
		func(p LazyLinearParams, c *layerCtx) (Module, error) {
			in, err := c.lastDim("in_features")
			if err != nil {
				return nil, err
			}
			if in < 1 {
				return nil, fmt.Errorf("in_features %d inferred from the input must be positive", in)
			}
			return &Linear{InFeatures: in, OutFeatures: p.OutFeatures, hasBias: p.Bias}, nil
		})
}

// Bilinear computes y = x1ᵀ A x2 + b for two inputs, like
// torch.nn.Bilinear: x1 of shape (*, in1_features) and x2 of shape (*,
// in2_features) give (*, out_features). It takes two inputs, so it runs
// through Forward2; a plain layer list, which passes one tensor from
// layer to layer, refuses it when planned.
type Bilinear struct {
	In1Features, In2Features, OutFeatures int
	// Weight is out_features x in1_features x in2_features.
	Weight *Var
	// Bias has out_features elements, or is nil.
	Bias    *Var
	hasBias bool
}

// NewBilinear returns a Bilinear initialised like PyTorch's (uniform in
// ±1/sqrt(in1_features)), drawing from rng.
func NewBilinear(in1, in2, out int, bias bool, rng *rand.Rand) *Bilinear {
	b := &Bilinear{In1Features: in1, In2Features: in2, OutFeatures: out, hasBias: bias}
	b.allocate(rng)
	return b
}

// allocate makes the weights.
func (b *Bilinear) allocate(rng *rand.Rand) {
	b.Weight = NewParam(tensor.New(b.OutFeatures, b.In1Features, b.In2Features))
	bound := 1 / math.Sqrt(float64(b.In1Features))
	Uniform(b.Weight.Data, -bound, bound, rng)
	if b.hasBias {
		b.Bias = NewParam(tensor.New(b.OutFeatures))
		Uniform(b.Bias.Data, -bound, bound, rng)
	}
}

// sizes counts the parameters allocate makes.
func (b *Bilinear) sizes() (params, buffers int64) {
	n := mul(b.OutFeatures, b.In1Features, b.In2Features)
	if b.hasBias {
		n = budget.Add(n, int64(b.OutFeatures))
	}
	return n, 0
}

// Parameters returns weight and bias.
func (b *Bilinear) Parameters() []Param {
	ps := []Param{{Name: "weight", Var: b.Weight, Trainable: true}}
	if b.Bias != nil {
		ps = append(ps, Param{Name: "bias", Var: b.Bias, Trainable: true})
	}
	return ps
}

// Train has no effect.
func (b *Bilinear) Train(bool) {}

// Name returns "Bilinear".
func (b *Bilinear) Name() string { return "Bilinear" }

// OutShape returns the output shape for a first input of shape in (the
// second has the same leading dimensions and in2_features last).
func (b *Bilinear) OutShape(in []int) ([]int, error) {
	if len(in) == 0 || in[len(in)-1] != b.In1Features {
		return nil, shapeErr("Bilinear", fmt.Sprintf("(*, %d) for its first input", b.In1Features), in)
	}
	out := append([]int(nil), in...)
	out[len(out)-1] = b.OutFeatures
	return out, nil
}

// Forward fails: Bilinear takes two inputs (Forward2).
func (b *Bilinear) Forward(g *Graph, x *Var) *Var {
	return g.fail("Bilinear takes two inputs (x1, x2): call Forward2")
}

// Forward2 applies the layer to x1 and x2.
func (b *Bilinear) Forward2(g *Graph, x1, x2 *Var) *Var { return g.Bilinear(x1, x2, b.Weight, b.Bias) }

// Bilinear computes y[n, o] = Σ x1[n, i] w[o, i, j] x2[n, j] + b[o] for x1
// (*, in1), x2 (*, in2) with the same leading dimensions, w (out, in1,
// in2) and b (out) or nil.
func (g *Graph) Bilinear(x1, x2, w, b *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	s1, s2, ws := x1.Data.Shape, x2.Data.Shape, w.Data.Shape
	if len(ws) != 3 || len(s1) == 0 || len(s1) != len(s2) || !sameShape(s1[:len(s1)-1], s2[:len(s2)-1]) || s1[len(s1)-1] != ws[1] || s2[len(s2)-1] != ws[2] {
		return g.fail("Bilinear: inputs of shapes %v and %v do not match weight of shape %v (expected (*, %d) and (*, %d))", s1, s2, ws, ws[1], ws[2])
	}
	O, I, J := ws[0], ws[1], ws[2]
	if b != nil && len(b.Data.Data) != O {
		return g.fail("Bilinear: bias of shape %v, expected (%d)", b.Data.Shape, O)
	}
	N := len(x1.Data.Data) / max(I, 1)
	out := append([]int(nil), s1...)
	out[len(out)-1] = O
	y := g.buf(out...)
	tmp := g.buf(N * J).Data
	for o := range O {
		tensor.Gemm(false, false, N, J, I, 1, x1.Data.Data, I, w.Data.Data[o*I*J:(o+1)*I*J], J, 0, tmp, J)
		for n := range N {
			v := tensor.Dot(tmp[n*J:(n+1)*J], x2.Data.Data[n*J:(n+1)*J])
			if b != nil {
				v += b.Data.Data[o]
			}
			y.Data[n*O+o] = v
		}
	}
	node := g.newNode(y, bilinearBack, x1, x2, w)
	if !node.requiresGrad && !g.noGrad && b != nil && b.requiresGrad {
		// Only the bias (not a parent of the node) needs a gradient.
		node.requiresGrad = true
		node.back, node.a, node.b, node.c = bilinearBack, x1, x2, w
	}
	node.ctx = b
	return node
}

func bilinearBack(n *Var) {
	x1, x2, w := n.a, n.b, n.c
	ws := w.Data.Shape
	O, I, J := ws[0], ws[1], ws[2]
	N := len(x1.Data.Data) / max(I, 1)
	gy := n.Grad.Data
	if b, ok := n.ctx.(*Var); ok && b != nil && b.requiresGrad {
		gb := b.grad()
		for i := range N {
			for o := range O {
				gb[o] += gy[i*O+o]
			}
		}
	}
	// s holds gy[:, o] times x1 (for the weight and x2's gradient) or x2.
	s := n.g.buf(N * max(I, J)).Data
	for o := range O {
		wo := w.Data.Data[o*I*J : (o+1)*I*J]
		if w.requiresGrad || x2.requiresGrad {
			for i := range N {
				g := gy[i*O+o]
				for k := range I {
					s[i*I+k] = g * x1.Data.Data[i*I+k]
				}
			}
			if w.requiresGrad {
				tensor.Gemm(true, false, I, J, N, 1, s, I, x2.Data.Data, J, 1, w.grad()[o*I*J:(o+1)*I*J], J)
			}
			if x2.requiresGrad {
				tensor.Gemm(false, false, N, J, I, 1, s, I, wo, J, 1, x2.grad(), J)
			}
		}
		if x1.requiresGrad {
			for i := range N {
				g := gy[i*O+o]
				for k := range J {
					s[i*J+k] = g * x2.Data.Data[i*J+k]
				}
			}
			tensor.Gemm(false, true, N, I, J, 1, s, J, wo, J, 1, x1.grad(), I)
		}
	}
}

// BilinearParams are torch.nn.Bilinear's keyword arguments.
type BilinearParams struct {
	In1Features int  `json:"in1_features" required:"true" min:"1" help:"size of each first input sample"`
	In2Features int  `json:"in2_features" required:"true" min:"1" help:"size of each second input sample"`
	OutFeatures int  `json:"out_features" required:"true" min:"1" nlabels:"true" help:"size of each output sample"`
	Bias        bool `json:"bias" help:"learn an additive bias"`
}

func init() {
	registerLayer("Bilinear", "y = x1ᵀ A x2 + b of two inputs (not in a plain layer list, which gives one)", func() BilinearParams { return BilinearParams{Bias: true} },
		func(p BilinearParams, c *layerCtx) (Module, error) {
			if c.prev != nil {
				return nil, fmt.Errorf("Bilinear: takes two inputs (x1, x2), but a layer list passes one tensor from layer to layer: use it where two inputs are given, or Linear for one")
			}
			return &Bilinear{In1Features: p.In1Features, In2Features: p.In2Features, OutFeatures: p.OutFeatures, hasBias: p.Bias}, nil
		})
}
