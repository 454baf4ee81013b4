package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// SELU's constants, as PyTorch writes them.
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

// ELU, CELU and SELU follow PyTorch 1.13's elu kernels: for x ≤ 0 the
// value is scale·alpha·(exp(x·inputScale) - 1) and the derivative
// scale·alpha·inputScale·exp(x·inputScale) (so at x = 0 it is the left
// derivative, as in elu_backward); p holds alpha, scale and inputScale.
var eluOp = &pointwiseOp{name: "ELU",
	f: func(x float32, p *[4]float32) float32 {
		if x > 0 {
			return x * p[1]
		}
		return float32(float64(p[1]) * float64(p[0]) * math.Expm1(float64(x)*float64(p[2])))
	},
	df: func(x, _ float32, p *[4]float32) float32 {
		if x > 0 {
			return p[1]
		}
		return float32(float64(p[1]) * float64(p[0]) * float64(p[2]) * math.Exp(float64(x)*float64(p[2])))
	}}

// AlphaParams are torch.nn.ELU's and CELU's keyword arguments.
type AlphaParams struct {
	Alpha float64 `json:"alpha" help:"the value approached for large negative inputs is -alpha"`
	inplaceParam
}

// PReLUParams are torch.nn.PReLU's keyword arguments.
type PReLUParams struct {
	NumParameters int     `json:"num_parameters" min:"1" help:"1 (one slope) or the number of channels (dimension 1)"`
	Init          float64 `json:"init" help:"the initial slope"`
}

// RReLUParams are torch.nn.RReLU's keyword arguments.
type RReLUParams struct {
	Lower float64 `json:"lower" help:"lower bound of the random slope"`
	Upper float64 `json:"upper" help:"upper bound of the random slope (≥ lower)"`
	inplaceParam
}

// GLUParams are torch.nn.GLU's keyword arguments.
type GLUParams struct {
	Dim int `json:"dim" help:"the dimension split in halves"`
}

// SoftminParams are torch.nn.Softmin's keyword arguments.
type SoftminParams struct {
	Dim *int `json:"dim" nullable:"true" type:"int" help:"dimension of the softmin (null: PyTorch's implicit choice, 0 for 0-, 1- and 3-d inputs, 1 otherwise)"`
}

func init() {
	registerLayer("ELU", "x above 0, alpha · (exp(x) - 1) below", func() AlphaParams { return AlphaParams{Alpha: 1} },
		func(p AlphaParams, _ *layerCtx) (Module, error) {
			return &Pointwise{op: eluOp, name: "ELU", p: [4]float32{float32(p.Alpha), 1, 1}}, nil
		})
	registerLayer("CELU", "max(0, x) + min(0, alpha · (exp(x / alpha) - 1))", func() AlphaParams { return AlphaParams{Alpha: 1} },
		func(p AlphaParams, _ *layerCtx) (Module, error) {
			if p.Alpha == 0 {
				return nil, fmt.Errorf("alpha is 0, expected a non-zero number (CELU divides by it)")
			}
			return &Pointwise{op: eluOp, name: "CELU", p: [4]float32{float32(p.Alpha), 1, float32(1 / p.Alpha)}}, nil
		})
	registerActivation("SELU", "scale · ELU(x, alpha) with the self-normalising constants", func() Module {
		return &Pointwise{op: eluOp, name: "SELU", p: [4]float32{seluAlpha, seluScale, 1}}
	})
	registerLayer("PReLU", "max(0, x) + weight · min(0, x), with a learnt slope (per channel)",
		func() PReLUParams { return PReLUParams{NumParameters: 1, Init: 0.25} },
		func(p PReLUParams, _ *layerCtx) (Module, error) {
			return &PReLU{NumParameters: p.NumParameters, Init: float32(p.Init)}, nil
		})
	registerLayer("RReLU", "leaky ReLU with a random slope in [lower, upper] in training, (lower + upper) / 2 in evaluation",
		func() RReLUParams { return RReLUParams{Lower: 1.0 / 8, Upper: 1.0 / 3} },
		func(p RReLUParams, _ *layerCtx) (Module, error) {
			if !(p.Upper >= p.Lower) {
				return nil, fmt.Errorf("upper %v must be at least lower %v", p.Upper, p.Lower)
			}
			return &RReLU{Lower: p.Lower, Upper: p.Upper}, nil
		})
	registerLayer("GLU", "gated linear unit: a · sigmoid(b) for the halves a, b of dim", func() GLUParams { return GLUParams{Dim: -1} },
		func(p GLUParams, _ *layerCtx) (Module, error) { return &GLU{Dim: p.Dim}, nil })
	registerLayer("Softmin", "softmax of -x along a dimension", func() SoftminParams { return SoftminParams{} },
		func(p SoftminParams, _ *layerCtx) (Module, error) { return &Softmin{Dim: p.Dim}, nil })
	registerLayer("Softmax2d", "softmax over the channels of (N, C, H, W) or (C, H, W)", func() struct{} { return struct{}{} },
		func(struct{}, *layerCtx) (Module, error) { return &Softmax2d{}, nil })
}

// PReLU is max(0, x) + a·min(0, x) with learnt slopes a, one or one per
// channel (dimension 1; torch.nn.PReLU, state_dict key "weight").
type PReLU struct {
	noMode
	NumParameters int
	Init          float32
	Weight        *Var
}

// NewPReLU returns a PReLU with num slopes set to init (PyTorch's defaults:
// 1 and 0.25).
func NewPReLU(num int, init float32) (*PReLU, error) {
	if num < 1 {
		return nil, fmt.Errorf("PReLU: num_parameters is %d, expected at least 1", num)
	}
	p := &PReLU{NumParameters: num, Init: init}
	p.allocate(nil)
	return p, nil
}

func (p *PReLU) allocate(*rand.Rand) {
	w := tensor.New(p.NumParameters)
	for i := range w.Data {
		w.Data[i] = p.Init
	}
	p.Weight = NewParam(w)
}

func (p *PReLU) sizes() (params, buffers int64) { return budget.Mul(1, int64(p.NumParameters)), 0 }

// Name returns "PReLU".
func (*PReLU) Name() string { return "PReLU" }

// Parameters returns the slopes under "weight".
func (p *PReLU) Parameters() []Param {
	return []Param{{Name: "weight", Var: p.Weight, Trainable: true}}
}

// OutShape checks the channels against NumParameters.
func (p *PReLU) OutShape(in []int) ([]int, error) {
	if p.NumParameters > 1 && (len(in) < 2 || in[1] != p.NumParameters) {
		return nil, shapeErr("PReLU", fmt.Sprintf("(N, %d, ...) for num_parameters %d", p.NumParameters, p.NumParameters), in)
	}
	return in, nil
}

// Forward applies the slopes.
func (p *PReLU) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := p.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	inner, C := 1, p.NumParameters
	if C > 1 {
		inner = mulInts(x.Data.Shape[2:])
	}
	out := g.bufLike(x.Data)
	w := p.Weight.Data.Data
	for i, v := range x.Data.Data {
		if v > 0 {
			out.Data[i] = v
		} else {
			out.Data[i] = w[(i/inner)%C] * v
		}
	}
	n := g.newNode(out, preluBack, x, p.Weight, nil)
	n.ints[0], n.ints[1] = inner, C
	return n
}

func mulInts(xs []int) int {
	n := 1
	for _, v := range xs {
		n *= v
	}
	return n
}

func preluBack(n *Var) {
	x, wv := n.a, n.b
	inner, C := n.ints[0], n.ints[1]
	w, gy := wv.Data.Data, n.Grad.Data
	var gx, gw []float32
	if x.requiresGrad {
		gx = x.grad()
	}
	if wv.requiresGrad {
		gw = wv.grad()
	}
	for i, v := range x.Data.Data {
		c := (i / inner) % C
		if v > 0 {
			if gx != nil {
				gx[i] += gy[i]
			}
			continue
		}
		if gx != nil {
			gx[i] += gy[i] * w[c]
		}
		if gw != nil {
			gw[c] += gy[i] * v
		}
	}
}

// RReLU is the randomized leaky ReLU (torch.nn.RReLU): in training each
// element at or below 0 is multiplied by a slope drawn uniformly from
// [Lower, Upper]; in evaluation by (Lower + Upper)/2. Its random numbers
// come from its own generator.
type RReLU struct {
	mode
	noGradParams
	Lower, Upper float64
	rng          *rand.Rand
}

func (r *RReLU) allocate(rng *rand.Rand) {
	if r.rng == nil {
		r.rng = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	}
}

// Name returns "RReLU".
func (*RReLU) Name() string { return "RReLU" }

// OutShape returns in.
func (*RReLU) OutShape(in []int) ([]int, error) { return in, nil }

// Forward applies the slopes: random ones in training.
func (r *RReLU) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if r.eval || r.rng == nil {
		if !r.eval {
			return g.fail("RReLU: no random generator (build it with NewLayer or Build)")
		}
		return g.LeakyReLU(x, float32((r.Lower+r.Upper)/2))
	}
	out, noise := g.bufLike(x.Data), g.bufLike(x.Data)
	lo, span := r.Lower, r.Upper-r.Lower
	for i, v := range x.Data.Data {
		s := float32(1)
		if v <= 0 {
			s = float32(lo + span*r.rng.Float64())
		}
		noise.Data[i] = s
		out.Data[i] = v * s
	}
	n := g.newNode(out, dropoutBack, x, nil, nil) // the gradient is gy · noise
	n.s1 = noise
	return n
}

// GLU splits its input in halves a and b along Dim and returns a·σ(b)
// (torch.nn.GLU).
type GLU struct {
	noParams
	Dim int
}

// Name returns "GLU".
func (*GLU) Name() string { return "GLU" }

// OutShape halves Dim, which must be even.
func (l *GLU) OutShape(in []int) ([]int, error) {
	d := l.Dim
	if d < 0 {
		d += len(in)
	}
	if d < 0 || d >= len(in) {
		return nil, fmt.Errorf("GLU: dim %d out of range for an input of shape %v", l.Dim, in)
	}
	if in[d]%2 != 0 {
		return nil, fmt.Errorf("GLU: dimension %d of the input %v has odd size %d, expected an even size to halve", l.Dim, in, in[d])
	}
	out := append([]int(nil), in...)
	out[d] /= 2
	return out, nil
}

// Forward applies the gate.
func (l *GLU) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	shape, err := l.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	outer, d, inner, _ := softmaxDims(x.Data.Shape, l.Dim)
	h := d / 2
	out := g.buf(shape...)
	xd := x.Data.Data
	for o := 0; o < outer; o++ {
		for j := 0; j < h; j++ {
			for in := 0; in < inner; in++ {
				a := xd[(o*d+j)*inner+in]
				b := xd[(o*d+j+h)*inner+in]
				out.Data[(o*h+j)*inner+in] = a * sigmoid32(b)
			}
		}
	}
	n := g.newNode(out, gluBack, x, nil, nil)
	n.ints[0], n.ints[1], n.ints[2] = outer, d, inner
	return n
}

func gluBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	outer, d, inner := n.ints[0], n.ints[1], n.ints[2]
	h := d / 2
	gx, xd, gy := n.a.grad(), n.a.Data.Data, n.Grad.Data
	for o := 0; o < outer; o++ {
		for j := 0; j < h; j++ {
			for in := 0; in < inner; in++ {
				ia, ib := (o*d+j)*inner+in, (o*d+j+h)*inner+in
				s := sigmoid32(xd[ib])
				up := gy[(o*h+j)*inner+in]
				gx[ia] += up * s
				gx[ib] += up * xd[ia] * s * (1 - s)
			}
		}
	}
}

// Softmin is the softmax of -x along Dim (torch.nn.Softmin); a nil Dim is
// PyTorch's implicit choice.
type Softmin struct {
	noParams
	Dim *int
}

// Name returns "Softmin".
func (*Softmin) Name() string { return "Softmin" }

func (l *Softmin) dim(nd int) int {
	if l.Dim != nil {
		return *l.Dim
	}
	if nd == 0 || nd == 1 || nd == 3 {
		return 0
	}
	return 1
}

// OutShape checks the dimension.
func (l *Softmin) OutShape(in []int) ([]int, error) {
	if _, _, _, ok := softmaxDims(in, l.dim(len(in))); !ok {
		return nil, fmt.Errorf("Softmin: dim %d out of range for an input of shape %v", l.dim(len(in)), in)
	}
	return in, nil
}

// Forward applies Softmin.
func (l *Softmin) Forward(g *Graph, x *Var) *Var {
	return g.Softmax(g.Scale(x, -1), l.dim(x.Data.Dim()))
}

// Softmax2d is the softmax over the channels, dimension -3, of a (N, C, H,
// W) or (C, H, W) input (torch.nn.Softmax2d).
type Softmax2d struct{ noParams }

// Name returns "Softmax2d".
func (*Softmax2d) Name() string { return "Softmax2d" }

// OutShape checks for a 3-d or 4-d input.
func (*Softmax2d) OutShape(in []int) ([]int, error) {
	if len(in) != 3 && len(in) != 4 {
		return nil, shapeErr("Softmax2d", "(N, C, H, W) or (C, H, W)", in)
	}
	return in, nil
}

// Forward applies the softmax over the channels.
func (l *Softmax2d) Forward(g *Graph, x *Var) *Var {
	if _, err := l.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	return g.Softmax(x, -3)
}

// workspace counts the slopes RReLU keeps for the backward pass, per
// sample.
func (*RReLU) workspace(in, _ []int) int64 { return mul(in[1:]...) }
