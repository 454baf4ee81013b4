package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

func randParam(rng *rand.Rand, scale float64, shape ...int) *Var {
	t := tensor.New(shape...)
	Normal(t, 0, scale, rng)
	return NewParam(t)
}

// fdCheck compares the gradients Backward computes for leaves with central
// finite differences of L = sum(out * R) for a fixed random R. The forward
// pass runs in float32, so the step is 1e-2 and the tolerance 2e-3 absolute
// plus 2e-2 relative: rounding contributes about 1e-7*|L|/h and truncation
// about h² times the third derivative.
func fdCheck(t *testing.T, name string, leaves []*Var, build func(g *Graph) *Var) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	g := NewGraph()
	out := build(g)
	if g.Err() != nil {
		t.Fatalf("%s: %v", name, g.Err())
	}
	r := tensor.New(out.Data.Shape...)
	Normal(r, 0, 1, rng)
	loss := g.Sum(g.Mul(out, g.Const(r)))
	for _, l := range leaves {
		l.ZeroGrad()
	}
	if err := g.Backward(loss); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	eval := func() float64 {
		ig := NewInferenceGraph()
		o := build(ig)
		var s float64
		for i, v := range o.Data.Data {
			s += float64(v) * float64(r.Data[i])
		}
		return s
	}
	const h = 1e-2
	for li, l := range leaves {
		if l.Grad == nil {
			t.Errorf("%s: leaf %d got no gradient", name, li)
			continue
		}
		ana := append([]float32(nil), l.Grad.Data...)
		n := len(l.Data.Data)
		for k := 0; k < min(n, 24); k++ {
			i := k
			if n > 24 {
				i = rng.IntN(n)
			}
			old := l.Data.Data[i]
			l.Data.Data[i] = old + h
			fp := eval()
			l.Data.Data[i] = old - h
			fm := eval()
			l.Data.Data[i] = old
			num := (fp - fm) / (2 * h)
			if d := math.Abs(num - float64(ana[i])); d > 2e-3+2e-2*math.Abs(num) {
				t.Errorf("%s: leaf %d element %d: backward %v, finite difference %v", name, li, i, ana[i], num)
			}
		}
	}
}

func TestFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x2 := randParam(rng, 1, 4, 5)
	w := randParam(rng, 0.5, 3, 5)
	b := randParam(rng, 0.5, 3)
	fdCheck(t, "Linear", []*Var{x2, w, b}, func(g *Graph) *Var { return g.Linear(x2, w, b) })

	a, c := randParam(rng, 1, 3, 4), randParam(rng, 1, 4, 2)
	fdCheck(t, "MatMul", []*Var{a, c}, func(g *Graph) *Var { return g.MatMul(a, c) })
	a2, v := randParam(rng, 1, 3, 4), randParam(rng, 1, 4)
	fdCheck(t, "Add/Mul/Sub/Scale", []*Var{a, a2, v}, func(g *Graph) *Var {
		return g.Scale(g.Sub(g.Mul(g.Add(a, v), a2), a), 1.5)
	})
	fdCheck(t, "Sum/Mean/Reshape", []*Var{a}, func(g *Graph) *Var {
		return g.Add(g.Reshape(a, 2, -1), g.Add(g.Sum(a), g.Mean(g.Mul(a, a))))
	})

	x4 := randParam(rng, 1, 2, 4, 7, 6)
	cw := randParam(rng, 0.5, 6, 2, 3, 2)
	cb := randParam(rng, 0.5, 6)
	opt := ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 2}, Groups: 2}
	fdCheck(t, "Conv2d", []*Var{x4, cw, cb}, func(g *Graph) *Var { return g.Conv2d(x4, cw, cb, opt) })
	tw := randParam(rng, 0.5, 4, 3, 3, 2)
	tb := randParam(rng, 0.5, 6)
	topt := ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 0}, OutputPadding: [2]int{1, 0}, Groups: 2}
	fdCheck(t, "ConvTranspose2d", []*Var{x4, tw, tb}, func(g *Graph) *Var { return g.ConvTranspose2d(x4, tw, tb, topt) })

	// Pooling inputs are spread out so that no window has a near tie.
	xp := NewParam(tensor.New(2, 3, 6, 5))
	perm := rng.Perm(len(xp.Data.Data))
	for i, p := range perm {
		xp.Data.Data[i] = float32(p) * 0.1
	}
	fdCheck(t, "MaxPool2d", []*Var{xp}, func(g *Graph) *Var {
		return g.MaxPool2d(xp, PoolOptions{KernelSize: [2]int{3, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, CeilMode: true})
	})
	fdCheck(t, "MaxPool2d fast", []*Var{xp}, func(g *Graph) *Var {
		return g.MaxPool2d(xp, PoolOptions{KernelSize: [2]int{2, 2}})
	})
	fdCheck(t, "AvgPool2d", []*Var{xp}, func(g *Graph) *Var {
		return g.AvgPool2d(xp, PoolOptions{KernelSize: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true}, false)
	})
	fdCheck(t, "AdaptiveAvgPool2d", []*Var{xp}, func(g *Graph) *Var { return g.AdaptiveAvgPool2d(xp, [2]int{4, 3}) })

	bn, _ := NewBatchNorm(2, 3, 1e-5, 0.1, true, true)
	Normal(bn.Weight.Data, 1, 0.3, rng)
	Normal(bn.Bias.Data, 0, 0.3, rng)
	xb := randParam(rng, 1, 4, 3, 2, 2)
	fdCheck(t, "BatchNorm2d", []*Var{xb, bn.Weight, bn.Bias}, func(g *Graph) *Var { return bn.Forward(g, xb) })
	ln, _ := NewLayerNorm([]int{2, 2}, 1e-5, true)
	Normal(ln.Weight.Data, 1, 0.3, rng)
	Normal(ln.Bias.Data, 0, 0.3, rng)
	fdCheck(t, "LayerNorm", []*Var{xb, ln.Weight, ln.Bias}, func(g *Graph) *Var { return ln.Forward(g, xb) })

	xa := randParam(rng, 1.5, 3, 5)
	fdCheck(t, "activations", []*Var{xa}, func(g *Graph) *Var {
		y := g.Add(g.Sigmoid(xa), g.Tanh(xa))
		y = g.Add(y, g.GELU(xa, false))
		y = g.Add(y, g.GELU(xa, true))
		y = g.Add(y, g.LeakyReLU(xa, 0.1))
		y = g.Add(y, g.Softmax(xa, 0))
		return g.Add(y, g.LogSoftmax(xa, 1))
	})
	xe := randParam(rng, 1, 4, 3, 2)
	tgt := tensor.FromSlice([]float32{0, 2, 1, -100, 2, 2, 1, 0}, 4, 2)
	ce := &CrossEntropyLoss{Weight: []float32{0.5, 1, 2}, IgnoreIndex: -100, LabelSmoothing: 0.2}
	fdCheck(t, "CrossEntropyLoss", []*Var{xe}, func(g *Graph) *Var { return ce.Forward(g, xe, g.Const(tgt)) })
	yb := tensor.FromSlice([]float32{1, 0, 0, 1, 1, 0, 0.5, 1, 0, 1, 0, 0}, 3, 4)
	ybl := tensor.FromSlice([]float32{1, 0, 0, 1, 1, 0, 0.5, 1, 0, 1, 0, 0, 1, 1, 0.2}, 3, 5)
	bce := &BCEWithLogitsLoss{PosWeight: []float32{1, 2, 0.5, 3, 1.5}}
	fdCheck(t, "BCEWithLogitsLoss", []*Var{xa}, func(g *Graph) *Var { return bce.Forward(g, xa, g.Const(ybl)) })
	xs := randParam(rng, 1, 3, 4)
	fdCheck(t, "BCELoss", []*Var{xs}, func(g *Graph) *Var {
		return (&BCELoss{Reduction: "sum"}).Forward(g, g.Sigmoid(xs), g.Const(yb))
	})
	fdCheck(t, "MSE+SmoothL1", []*Var{xs}, func(g *Graph) *Var {
		return g.Add((&MSELoss{}).Forward(g, xs, g.Const(yb)), (&SmoothL1Loss{Beta: 0.3}).Forward(g, xs, g.Const(yb)))
	})
	drng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 1)) }
	fdCheck(t, "Dropout", []*Var{xs}, func(g *Graph) *Var { return g.Dropout(xs, 0.4, drng()) })
}

func tensorOf(v ...float32) *tensor.Tensor { return tensor.FromSlice(v, len(v)) }
