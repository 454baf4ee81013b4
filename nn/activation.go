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

// reluBackward computes dst (+)= gy where y > 0 with tensor.ReLUGrad,
// which masks the gradient without a data-dependent branch (the signs of
// activations are random and a branch mispredicts half the time).
func reluBackward(dst, gy, y []float32, acc bool) {
	tensor.ReLUGrad(dst[:len(y)], gy[:len(y)], y, acc)
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
	Dim *int `json:"dim" nullable:"true" type:"int" help:"dimension of the softmax (null: PyTorch's implicit choice, 0 for 0-, 1- and 3-d inputs, 1 otherwise)"`
	inplaceParam
}

// dim is p's dimension for an input of shape in: dim, or PyTorch's
// implicit choice when it is null (_get_softmax_dim, which warns).
func (p SoftmaxParams) dim(in []int) int {
	if p.Dim != nil {
		return *p.Dim
	}
	return (&Softmin{}).dim(len(in))
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
	registerLayer("Softmax", "softmax along a dimension", func() SoftmaxParams { return SoftmaxParams{} },
		func(p SoftmaxParams, c *layerCtx) (Module, error) { return &Softmax{Dim: p.dim(c.in)}, nil })
	registerLayer("LogSoftmax", "log of the softmax along a dimension (pair with NLLLoss)", func() SoftmaxParams { return SoftmaxParams{} },
		func(p SoftmaxParams, c *layerCtx) (Module, error) { return &LogSoftmax{Dim: p.dim(c.in)}, nil })
}

// pointwiseOp is an elementwise activation: f computes y from x, df the
// derivative dy/dx from x and y; p holds the op's parameters (n.f of the
// node).
type pointwiseOp struct {
	name string
	f    func(x float32, p *[4]float32) float32
	df   func(x, y float32, p *[4]float32) float32
}

// pointwise applies op to x elementwise.
func (g *Graph) pointwise(x *Var, op *pointwiseOp, p [4]float32) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(x.Data)
	for i, v := range x.Data.Data {
		out.Data[i] = op.f(v, &p)
	}
	n := g.newNode(out, pointwiseBack, x, nil, nil)
	n.ctx, n.f = op, p
	return n
}

func pointwiseBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	op := n.ctx.(*pointwiseOp)
	ga, x, y, gy := n.a.grad(), n.a.Data.Data, n.Data.Data, n.Grad.Data
	for i, v := range x {
		ga[i] += gy[i] * op.df(v, y[i], &n.f)
	}
}

func exp32(v float32) float32   { return float32(math.Exp(float64(v))) }
func log1p32(v float32) float32 { return float32(math.Log1p(float64(v))) }
func tanh32(v float32) float32  { return float32(math.Tanh(float64(v))) }

// The activations below follow PyTorch 1.13's CPU kernels, including the
// value of the derivative at the kinks (hardtanh_backward,
// hardswish_backward, softshrink_backward, threshold_backward, ...).
var (
	hardswishOp = &pointwiseOp{name: "Hardswish",
		f: func(x float32, _ *[4]float32) float32 { return x * min(max(x+3, 0), 6) / 6 },
		df: func(x, _ float32, _ *[4]float32) float32 {
			switch {
			case x < -3:
				return 0
			case x < 3:
				return x/3 + 0.5
			}
			return 1
		}}
	hardsigmoidOp = &pointwiseOp{name: "Hardsigmoid",
		f: func(x float32, _ *[4]float32) float32 { return min(max(x+3, 0), 6) / 6 },
		df: func(x, _ float32, _ *[4]float32) float32 {
			if x > -3 && x < 3 {
				return 1.0 / 6
			}
			return 0
		}}
	mishOp = &pointwiseOp{name: "Mish",
		f: func(x float32, _ *[4]float32) float32 { return x * tanh32(log1p32(exp32(x))) },
		df: func(x, _ float32, _ *[4]float32) float32 {
			s := sigmoid32(x)
			t := tanh32(log1p32(exp32(x)))
			return t + x*s*(1-t*t)
		}}
	siluOp = &pointwiseOp{name: "SiLU",
		f: func(x float32, _ *[4]float32) float32 { return x * sigmoid32(x) },
		df: func(x, _ float32, _ *[4]float32) float32 {
			s := sigmoid32(x)
			return s * (1 + x*(1-s))
		}}
	// softplusOp: p[0] is beta, p[1] the threshold above which it is linear.
	softplusOp = &pointwiseOp{name: "Softplus",
		f: func(x float32, p *[4]float32) float32 {
			if x*p[0] > p[1] {
				return x
			}
			return log1p32(exp32(x*p[0])) / p[0]
		},
		df: func(x, _ float32, p *[4]float32) float32 {
			if x*p[0] > p[1] {
				return 1
			}
			z := exp32(x * p[0])
			return z / (z + 1)
		}}
	// hardtanhOp: p[0] and p[1] are min_val and max_val.
	hardtanhOp = &pointwiseOp{name: "Hardtanh",
		f: func(x float32, p *[4]float32) float32 { return min(max(x, p[0]), p[1]) },
		df: func(x, _ float32, p *[4]float32) float32 {
			if x <= p[0] || x >= p[1] {
				return 0
			}
			return 1
		}}
	logSigmoidOp = &pointwiseOp{name: "LogSigmoid",
		f: func(x float32, _ *[4]float32) float32 { return min(x, 0) - log1p32(exp32(-abs32(x))) },
		df: func(x, _ float32, _ *[4]float32) float32 {
			z := exp32(-abs32(x))
			if x < 0 {
				return 1 - z/(1+z)
			}
			return z / (1 + z)
		}}
	tanhshrinkOp = &pointwiseOp{name: "Tanhshrink",
		f: func(x float32, _ *[4]float32) float32 { return x - tanh32(x) },
		df: func(x, _ float32, _ *[4]float32) float32 {
			t := tanh32(x)
			return t * t
		}}
	// softshrinkOp and hardshrinkOp: p[0] is lambd.
	softshrinkOp = &pointwiseOp{name: "Softshrink",
		f: func(x float32, p *[4]float32) float32 {
			switch {
			case x > p[0]:
				return x - p[0]
			case x < -p[0]:
				return x + p[0]
			}
			return 0
		},
		df: shrinkGrad}
	hardshrinkOp = &pointwiseOp{name: "Hardshrink",
		f: func(x float32, p *[4]float32) float32 {
			if x >= -p[0] && x <= p[0] {
				return 0
			}
			return x
		},
		df: shrinkGrad}
	// thresholdOp: p[0] is the threshold, p[1] the value below it.
	thresholdOp = &pointwiseOp{name: "Threshold",
		f: func(x float32, p *[4]float32) float32 {
			if x > p[0] {
				return x
			}
			return p[1]
		},
		df: func(x, _ float32, p *[4]float32) float32 {
			if x > p[0] {
				return 1
			}
			return 0
		}}
)

func shrinkGrad(x, _ float32, p *[4]float32) float32 {
	if x >= -p[0] && x <= p[0] {
		return 0
	}
	return 1
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

// Pointwise is an elementwise activation layer: Hardswish, Hardsigmoid,
// Mish, SiLU, Softplus, Hardtanh, ReLU6, LogSigmoid, Tanhshrink,
// Softshrink, Hardshrink or Threshold, with its parameters (beta and
// threshold, min_val and max_val, lambd, threshold and value).
type Pointwise struct {
	noParams
	op *pointwiseOp
	// name is the PyTorch class name (ReLU6 is a Hardtanh).
	name string
	p    [4]float32
}

// Forward applies the activation.
func (a *Pointwise) Forward(g *Graph, x *Var) *Var { return g.pointwise(x, a.op, a.p) }

// OutShape returns in.
func (*Pointwise) OutShape(in []int) ([]int, error) { return in, nil }

// Name returns the PyTorch class name.
func (a *Pointwise) Name() string { return a.name }

// SoftplusParams are torch.nn.Softplus's keyword arguments.
type SoftplusParams struct {
	Beta      float64 `json:"beta" gt:"0" help:"the scale: log(1 + exp(beta·x)) / beta"`
	Threshold float64 `json:"threshold" help:"above beta·x > threshold the function is x"`
}

// HardtanhParams are torch.nn.Hardtanh's keyword arguments.
type HardtanhParams struct {
	MinVal float64 `json:"min_val" help:"the lower end of the linear region"`
	MaxVal float64 `json:"max_val" help:"the upper end of the linear region (> min_val)"`
	inplaceParam
	// PyTorch 1.13's deprecated names of min_val and max_val, which they
	// replace when given (with a warning there).
	MinValue *float64 `json:"min_value" nullable:"true" type:"float" help:"deprecated name of min_val (replaces it when given)"`
	MaxValue *float64 `json:"max_value" nullable:"true" type:"float" help:"deprecated name of max_val (replaces it when given)"`
}

// SoftshrinkParams are torch.nn.Softshrink's keyword arguments.
type SoftshrinkParams struct {
	Lambd float64 `json:"lambd" min:"0" help:"the half-width of the region set to 0"`
}

// HardshrinkParams are torch.nn.Hardshrink's keyword arguments (PyTorch
// does not bound lambd here: a negative one sets nothing to 0).
type HardshrinkParams struct {
	Lambd float64 `json:"lambd" help:"the half-width of the region set to 0"`
}

// ThresholdParams are torch.nn.Threshold's keyword arguments.
type ThresholdParams struct {
	Threshold float64 `json:"threshold" required:"true" help:"values at or below it are replaced"`
	Value     float64 `json:"value" required:"true" help:"the replacement"`
	inplaceParam
}

func init() {
	simple := func(name, doc string, op *pointwiseOp, inplace bool) {
		m := func() Module { return &Pointwise{op: op, name: name} }
		if inplace {
			registerActivation(name, doc, m)
			return
		}
		registerLayer(name, doc, func() struct{} { return struct{}{} }, func(struct{}, *layerCtx) (Module, error) { return m(), nil })
	}
	simple("Hardswish", "x · ReLU6(x + 3) / 6", hardswishOp, true)
	simple("Hardsigmoid", "ReLU6(x + 3) / 6", hardsigmoidOp, true)
	simple("Mish", "x · tanh(softplus(x))", mishOp, true)
	simple("SiLU", "x · sigmoid(x), also called swish", siluOp, true)
	simple("LogSigmoid", "log(1 / (1 + exp(-x)))", logSigmoidOp, false)
	simple("Tanhshrink", "x - tanh(x)", tanhshrinkOp, false)
	registerActivation("ReLU6", "min(max(0, x), 6)", func() Module { return &Pointwise{op: hardtanhOp, name: "ReLU6", p: [4]float32{0, 6}} })
	registerLayer("Softplus", "log(1 + exp(beta · x)) / beta, linear above the threshold", func() SoftplusParams { return SoftplusParams{Beta: 1, Threshold: 20} },
		func(p SoftplusParams, _ *layerCtx) (Module, error) {
			return &Pointwise{op: softplusOp, name: "Softplus", p: [4]float32{float32(p.Beta), float32(p.Threshold)}}, nil
		})
	registerLayer("Hardtanh", "x clamped to [min_val, max_val]", func() HardtanhParams { return HardtanhParams{MinVal: -1, MaxVal: 1} },
		func(p HardtanhParams, _ *layerCtx) (Module, error) {
			if p.MinValue != nil {
				p.MinVal = *p.MinValue
			}
			if p.MaxValue != nil {
				p.MaxVal = *p.MaxValue
			}
			if !(p.MaxVal > p.MinVal) {
				return nil, fmt.Errorf("max_val %v must be greater than min_val %v", p.MaxVal, p.MinVal)
			}
			return &Pointwise{op: hardtanhOp, name: "Hardtanh", p: [4]float32{float32(p.MinVal), float32(p.MaxVal)}}, nil
		})
	registerLayer("Softshrink", "x - lambd above lambd, x + lambd below -lambd, 0 between", func() SoftshrinkParams { return SoftshrinkParams{Lambd: 0.5} },
		func(p SoftshrinkParams, _ *layerCtx) (Module, error) {
			return &Pointwise{op: softshrinkOp, name: "Softshrink", p: [4]float32{float32(p.Lambd)}}, nil
		})
	registerLayer("Hardshrink", "x outside [-lambd, lambd], 0 inside", func() HardshrinkParams { return HardshrinkParams{Lambd: 0.5} },
		func(p HardshrinkParams, _ *layerCtx) (Module, error) {
			return &Pointwise{op: hardshrinkOp, name: "Hardshrink", p: [4]float32{float32(p.Lambd)}}, nil
		})
	registerLayer("Threshold", "x above threshold, value otherwise", func() ThresholdParams { return ThresholdParams{} },
		func(p ThresholdParams, _ *layerCtx) (Module, error) {
			return &Pointwise{op: thresholdOp, name: "Threshold", p: [4]float32{float32(p.Threshold), float32(p.Value)}}, nil
		})
}
