package nn

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/tensor"
)

// ReLU returns max(x, 0).
func (g *Graph) ReLU(x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(x.Data)
	t := &g.ewT
	*t = ewTask{dst: out.Data, x: x.Data.Data}
	g.parallel(t, 8, len(out.Data)/4)
	return g.newNode(out, reluBack, x, nil, nil)
}

func reluBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, acc := n.a.gradOut()
	t := &n.g.ewT
	*t = ewTask{back: true, acc: acc, dst: ga, gy: n.Grad.Data, y: n.Data.Data}
	n.g.parallel(t, 8, len(ga)/4)
}

// ewTask is a ReLU forward or backward pass over ranges of elements.
type ewTask struct {
	back, acc     bool
	dst, x, gy, y []float32
}

func (t *ewTask) run(part, parts int) {
	lo, hi := span(len(t.dst), part, parts)
	lo, hi = lo&^15, hi&^15
	if part == parts-1 {
		hi = len(t.dst)
	}
	if t.back {
		reluBackward(t.dst[lo:hi], t.gy[lo:hi], t.y[lo:hi], t.acc)
	} else {
		tensor.ReLU(t.dst[lo:hi], t.x[lo:hi])
	}
}

// reluBackward computes dst (+)= gy where y > 0. It masks the gradient's
// bits with the sign of -y (integer arithmetic, no data-dependent branch:
// the signs of activations are random and a branch mispredicts half the
// time).
func reluBackward(dst, gy, y []float32, acc bool) {
	dst = dst[:len(y)]
	gy = gy[:len(y)]
	if acc {
		for i, v := range y {
			b := int32(math.Float32bits(v))
			mask := uint32(((-b) & ^b) >> 31)
			dst[i] += math.Float32frombits(math.Float32bits(gy[i]) & mask)
		}
		return
	}
	for i, v := range y {
		b := int32(math.Float32bits(v))
		mask := uint32(((-b) & ^b) >> 31)
		dst[i] = math.Float32frombits(math.Float32bits(gy[i]) & mask)
	}
}

// LeakyReLU returns x for x > 0 and slope*x otherwise.
func (g *Graph) LeakyReLU(x *Var, slope float32) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(x.Data)
	for i, v := range x.Data.Data {
		if v > 0 {
			out.Data[i] = v
		} else {
			out.Data[i] = v * slope
		}
	}
	n := g.newNode(out, leakyBack, x, nil, nil)
	n.f[0] = slope
	return n
}

func leakyBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, x, gy, s := n.a.grad(), n.a.Data.Data, n.Grad.Data, n.f[0]
	for i, v := range x {
		if v > 0 {
			ga[i] += gy[i]
		} else {
			ga[i] += gy[i] * s
		}
	}
}

// Sigmoid returns 1 / (1 + exp(-x)).
func (g *Graph) Sigmoid(x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(x.Data)
	for i, v := range x.Data.Data {
		out.Data[i] = sigmoid32(v)
	}
	return g.newNode(out, sigmoidBack, x, nil, nil)
}

func sigmoid32(v float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(v))))
}

func sigmoidBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, y, gy := n.a.grad(), n.Data.Data, n.Grad.Data
	for i, v := range y {
		ga[i] += gy[i] * v * (1 - v)
	}
}

// Tanh returns the hyperbolic tangent of x.
func (g *Graph) Tanh(x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(x.Data)
	for i, v := range x.Data.Data {
		out.Data[i] = float32(math.Tanh(float64(v)))
	}
	return g.newNode(out, tanhBack, x, nil, nil)
}

func tanhBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, y, gy := n.a.grad(), n.Data.Data, n.Grad.Data
	for i, v := range y {
		ga[i] += gy[i] * (1 - v*v)
	}
}

// GELU returns x*Φ(x) with the exact error function (tanh false, PyTorch's
// default approximate="none") or its tanh approximation (tanh true).
func (g *Graph) GELU(x *Var, tanh bool) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(x.Data)
	for i, v := range x.Data.Data {
		out.Data[i] = float32(gelu(float64(v), tanh))
	}
	n := g.newNode(out, geluBack, x, nil, nil)
	n.ints[0] = 0
	if tanh {
		n.ints[0] = 1
	}
	return n
}

const sqrt2OverPi = 0.7978845608028654

func gelu(x float64, tanh bool) float64 {
	if tanh {
		return 0.5 * x * (1 + math.Tanh(sqrt2OverPi*(x+0.044715*x*x*x)))
	}
	return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
}

func geluGrad(x float64, tanh bool) float64 {
	if tanh {
		inner := sqrt2OverPi * (x + 0.044715*x*x*x)
		t := math.Tanh(inner)
		return 0.5*(1+t) + 0.5*x*(1-t*t)*sqrt2OverPi*(1+3*0.044715*x*x)
	}
	cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
	return cdf + x*pdf
}

func geluBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, x, gy, th := n.a.grad(), n.a.Data.Data, n.Grad.Data, n.ints[0] == 1
	for i, v := range x {
		ga[i] += gy[i] * float32(geluGrad(float64(v), th))
	}
}

// softmaxDims splits a shape around dim into (outer, size, inner).
func softmaxDims(shape []int, dim int) (outer, d, inner int, ok bool) {
	nd := len(shape)
	if nd == 0 {
		return 1, 1, 1, dim == 0 || dim == -1
	}
	if dim < 0 {
		dim += nd
	}
	if dim < 0 || dim >= nd {
		return 0, 0, 0, false
	}
	outer, inner = 1, 1
	for i := 0; i < dim; i++ {
		outer *= shape[i]
	}
	for i := dim + 1; i < nd; i++ {
		inner *= shape[i]
	}
	return outer, shape[dim], inner, true
}

// Softmax normalises exp(x) along dim (negative counts from the end).
func (g *Graph) Softmax(x *Var, dim int) *Var { return g.softmax(x, dim, false) }

// LogSoftmax returns log(Softmax(x, dim)), computed stably.
func (g *Graph) LogSoftmax(x *Var, dim int) *Var { return g.softmax(x, dim, true) }

func (g *Graph) softmax(x *Var, dim int, log bool) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	outer, d, inner, ok := softmaxDims(x.Data.Shape, dim)
	if !ok {
		return g.fail("Softmax: dim %d out of range for shape %v", dim, x.Data.Shape)
	}
	out := g.bufLike(x.Data)
	softmaxForward(x.Data.Data, out.Data, outer, d, inner, log)
	n := g.newNode(out, softmaxBack, x, nil, nil)
	n.ints[0], n.ints[1], n.ints[2] = outer, d, inner
	n.ints[3] = 0
	if log {
		n.ints[3] = 1
	}
	return n
}

// softmaxForward writes the (log-)softmax of x along the middle axis of an
// (outer, d, inner) layout into y.
func softmaxForward(x, y []float32, outer, d, inner int, log bool) {
	for o := 0; o < outer; o++ {
		base := o * d * inner
		for in := 0; in < inner; in++ {
			m := float32(math.Inf(-1))
			for j := 0; j < d; j++ {
				if v := x[base+j*inner+in]; v > m {
					m = v
				}
			}
			var s float64
			for j := 0; j < d; j++ {
				e := math.Exp(float64(x[base+j*inner+in] - m))
				if !log {
					y[base+j*inner+in] = float32(e)
				}
				s += e
			}
			if log {
				ls := float32(math.Log(s))
				for j := 0; j < d; j++ {
					y[base+j*inner+in] = x[base+j*inner+in] - m - ls
				}
			} else {
				inv := 1 / s
				for j := 0; j < d; j++ {
					k := base + j*inner + in
					y[k] = float32(float64(y[k]) * inv)
				}
			}
		}
	}
}

func softmaxBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	outer, d, inner, log := n.ints[0], n.ints[1], n.ints[2], n.ints[3] == 1
	ga, y, gy := n.a.grad(), n.Data.Data, n.Grad.Data
	for o := 0; o < outer; o++ {
		base := o * d * inner
		for in := 0; in < inner; in++ {
			var s float32
			for j := 0; j < d; j++ {
				k := base + j*inner + in
				if log {
					s += gy[k]
				} else {
					s += gy[k] * y[k]
				}
			}
			for j := 0; j < d; j++ {
				k := base + j*inner + in
				if log {
					ga[k] += gy[k] - float32(math.Exp(float64(y[k])))*s
				} else {
					ga[k] += y[k] * (gy[k] - s)
				}
			}
		}
	}
}

// ReLU is the rectified linear unit module.
type ReLU struct{ noParams }

// Forward applies max(x, 0).
func (*ReLU) Forward(g *Graph, x *Var) *Var { return g.ReLU(x) }

// OutShape returns in.
func (*ReLU) OutShape(in []int) ([]int, error) { return in, nil }

// Name returns "ReLU".
func (*ReLU) Name() string { return "ReLU" }

// LeakyReLU is max(x, 0) + negative_slope*min(x, 0).
type LeakyReLU struct {
	noParams
	NegativeSlope float32
}

// NewLeakyReLU returns a LeakyReLU; PyTorch's default slope is 0.01.
func NewLeakyReLU(slope float32) *LeakyReLU { return &LeakyReLU{NegativeSlope: slope} }

// Forward applies the activation.
func (l *LeakyReLU) Forward(g *Graph, x *Var) *Var { return g.LeakyReLU(x, l.NegativeSlope) }

// OutShape returns in.
func (*LeakyReLU) OutShape(in []int) ([]int, error) { return in, nil }

// Name returns "LeakyReLU".
func (*LeakyReLU) Name() string { return "LeakyReLU" }

// Sigmoid is the logistic function module.
type Sigmoid struct{ noParams }

// Forward applies 1/(1+exp(-x)).
func (*Sigmoid) Forward(g *Graph, x *Var) *Var { return g.Sigmoid(x) }

// OutShape returns in.
func (*Sigmoid) OutShape(in []int) ([]int, error) { return in, nil }

// Name returns "Sigmoid".
func (*Sigmoid) Name() string { return "Sigmoid" }

// Tanh is the hyperbolic tangent module.
type Tanh struct{ noParams }

// Forward applies tanh.
func (*Tanh) Forward(g *Graph, x *Var) *Var { return g.Tanh(x) }

// OutShape returns in.
func (*Tanh) OutShape(in []int) ([]int, error) { return in, nil }

// Name returns "Tanh".
func (*Tanh) Name() string { return "Tanh" }

// GELU is the Gaussian error linear unit; Approximate is "none" (exact,
// PyTorch's default; "" means the same) or "tanh".
type GELU struct {
	noParams
	Approximate string
}

// Forward applies GELU.
func (l *GELU) Forward(g *Graph, x *Var) *Var { return g.GELU(x, l.Approximate == "tanh") }

// OutShape returns in, or an error for an unknown Approximate.
func (l *GELU) OutShape(in []int) ([]int, error) {
	if l.Approximate != "" && l.Approximate != "none" && l.Approximate != "tanh" {
		return nil, fmt.Errorf("GELU approximate is %q, expected \"none\" or \"tanh\"", l.Approximate)
	}
	return in, nil
}

// Name returns "GELU".
func (*GELU) Name() string { return "GELU" }

// Softmax normalises along Dim.
type Softmax struct {
	noParams
	Dim int
}

// Forward applies softmax along Dim.
func (l *Softmax) Forward(g *Graph, x *Var) *Var { return g.Softmax(x, l.Dim) }

// OutShape checks Dim and returns in.
func (l *Softmax) OutShape(in []int) ([]int, error) {
	if _, _, _, ok := softmaxDims(in, l.Dim); !ok {
		return nil, fmt.Errorf("Softmax dim %d is out of range for input of shape %v", l.Dim, in)
	}
	return in, nil
}

// Name returns "Softmax".
func (*Softmax) Name() string { return "Softmax" }

// LogSoftmax is log(Softmax) along Dim.
type LogSoftmax struct {
	noParams
	Dim int
}

// Forward applies log-softmax along Dim.
func (l *LogSoftmax) Forward(g *Graph, x *Var) *Var { return g.LogSoftmax(x, l.Dim) }

// OutShape checks Dim and returns in.
func (l *LogSoftmax) OutShape(in []int) ([]int, error) {
	if _, _, _, ok := softmaxDims(in, l.Dim); !ok {
		return nil, fmt.Errorf("LogSoftmax dim %d is out of range for input of shape %v", l.Dim, in)
	}
	return in, nil
}

// Name returns "LogSoftmax".
func (*LogSoftmax) Name() string { return "LogSoftmax" }

// inplaceParam is the inplace flag PyTorch's activations take; the
// operations here never work in place, which gives the same values.
type inplaceParam struct {
	Inplace bool `json:"inplace" help:"accepted for PyTorch compatibility"`
}

// LeakyReLUParams are torch.nn.LeakyReLU's keyword arguments.
type LeakyReLUParams struct {
	NegativeSlope float64 `json:"negative_slope" help:"slope for negative inputs"`
	inplaceParam
}

// GELUParams are torch.nn.GELU's keyword arguments.
type GELUParams struct {
	Approximate string `json:"approximate" enum:"none,tanh" help:"tanh approximation or exact"`
	inplaceParam
}

// SoftmaxParams are torch.nn.Softmax's and LogSoftmax's keyword arguments
// (inplace is accepted as it always was).
type SoftmaxParams struct {
	Dim int `json:"dim" help:"dimension of the softmax"`
	inplaceParam
}

// registerActivation adds an activation whose only parameter is inplace.
func registerActivation(name, doc string, m func() Module) {
	registerLayer(name, doc, func() inplaceParam { return inplaceParam{} },
		func(inplaceParam, *layerCtx) (Module, error) { return m(), nil })
}

func init() {
	registerActivation("ReLU", "max(0, x)", func() Module { return &ReLU{} })
	registerActivation("Sigmoid", "1 / (1 + exp(-x))", func() Module { return &Sigmoid{} })
	registerActivation("Tanh", "hyperbolic tangent", func() Module { return &Tanh{} })
	registerLayer("LeakyReLU", "max(0, x) + negative_slope · min(0, x)", func() LeakyReLUParams { return LeakyReLUParams{NegativeSlope: 0.01} },
		func(p LeakyReLUParams, _ *layerCtx) (Module, error) {
			return &LeakyReLU{NegativeSlope: float32(p.NegativeSlope)}, nil
		})
	registerLayer("GELU", "Gaussian error linear unit", func() GELUParams { return GELUParams{Approximate: "none"} },
		func(p GELUParams, _ *layerCtx) (Module, error) { return &GELU{Approximate: p.Approximate}, nil })
	registerLayer("Softmax", "softmax along a dimension", func() SoftmaxParams { return SoftmaxParams{Dim: -1} },
		func(p SoftmaxParams, _ *layerCtx) (Module, error) { return &Softmax{Dim: p.Dim}, nil })
	registerLayer("LogSoftmax", "log of the softmax along a dimension (pair with NLLLoss)", func() SoftmaxParams { return SoftmaxParams{Dim: -1} },
		func(p SoftmaxParams, _ *layerCtx) (Module, error) { return &LogSoftmax{Dim: p.Dim}, nil })
}
