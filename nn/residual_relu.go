package nn

import "github.com/mlforge/mlforge/tensor"

// addReLUOff turns the fused addition and ReLU of Residual off (tests
// compare it with Add followed by ReLU).
var addReLUOff bool

// addReLU is ReLU(Add(a, b)) for a and b of the same shape in one node:
// the sum and its ReLU in one pass over the elements on the cores, and in
// the backward pass the ReLU's mask applied straight into both inputs'
// gradients. The elements take the same operations (and the same vector
// or scalar paths: the ranges are ReLU's) as the two nodes'; the only
// difference is that a gradient written first instead of added to zero
// keeps a -0.
func (g *Graph) addReLU(a, b *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out := g.bufLike(a.Data)
	t := &g.addT
	*t = addReLUTask{dst: out.Data, x: a.Data.Data, y: b.Data.Data}
	g.parallelFine(t, 8, len(out.Data)/4)
	*t = addReLUTask{}
	return g.newNode(out, addReLUBack, a, b, nil)
}

func addReLUBack(n *Var) {
	t := &n.g.addT
	*t = addReLUTask{back: true, gy: n.Grad.Data, y: n.Data.Data}
	if n.a.requiresGrad {
		t.ga, t.accA = n.a.gradOut()
	}
	if n.b.requiresGrad {
		t.gb, t.accB = n.b.gradOut()
	}
	if t.ga != nil || t.gb != nil {
		n.g.parallelFine(t, 8, len(t.y)/4)
	}
	*t = addReLUTask{}
}

// addReLUTask is addReLU's forward or backward pass over ranges of
// elements (ewTask's ranges).
type addReLUTask struct {
	back, accA, accB bool
	dst, x, y, gy    []float32
	ga, gb           []float32
}

func (t *addReLUTask) run(part, parts int) {
	n := len(t.y)
	lo, hi := span(n, part, parts)
	lo, hi = lo&^15, hi&^15
	if part == parts-1 {
		hi = n
	}
	if !t.back {
		addTo(t.dst[lo:hi], t.x[lo:hi], t.y[lo:hi])
		tensor.ReLU(t.dst[lo:hi], t.dst[lo:hi])
		return
	}
	if t.ga != nil {
		tensor.ReLUGrad(t.ga[lo:hi], t.gy[lo:hi], t.y[lo:hi], t.accA)
	}
	if t.gb != nil {
		tensor.ReLUGrad(t.gb[lo:hi], t.gy[lo:hi], t.y[lo:hi], t.accB)
	}
}
