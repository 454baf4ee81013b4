package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAddReLUFused checks Residual's fused addition and ReLU against Add
// followed by ReLU, bit for bit: outputs and the gradients of both inputs
// (a leaf, which accumulates, and an intermediate, written first), on
// sizes around the parallel split and the vector widths, with a second
// Backward of the same tape.
func TestAddReLUFused(t *testing.T) {
	defer func() { addReLUOff = false }()
	rng := rand.New(rand.NewPCG(9, 10))
	for _, shape := range [][]int{{3, 5}, {2, 4, 7, 3}, {64, 64, 2, 2}, {8, 64, 8, 8}, {1, 3, 33, 65}} {
		x := randParam(rng, 1, shape...)
		w := randParam(rng, 1, shape...)
		r := &Residual{Body: &ReLU{}, Post: &ReLU{}}
		for leaf := 0; leaf < 2; leaf++ {
			var runs [2][][]float32
			for off := 0; off < 2; off++ {
				addReLUOff = off == 1
				g := NewGraph()
				// The shortcut is x*w (an intermediate, also the body's
				// input) or the leaf x itself.
				in := x
				if leaf == 0 {
					in = g.Mul(x, w)
				}
				y := r.Forward(g, in)
				// in is used after the block too, so its gradient already
				// holds a term when the block's backward adds to it.
				loss := g.Add(g.Sum(g.Mul(y, w)), g.Sum(g.Mul(in, w)))
				out := [][]float32{append([]float32(nil), y.Data.Data...)}
				for pass := 0; pass < 2; pass++ {
					x.ZeroGrad()
					w.ZeroGrad()
					if err := g.Backward(loss); err != nil {
						t.Fatal(err)
					}
					out = append(out, append([]float32(nil), x.Grad.Data...), append([]float32(nil), w.Grad.Data...))
				}
				runs[off] = out
			}
			for i := range runs[0] {
				for j, v := range runs[0][i] {
					if u := runs[1][i][j]; math.Float32bits(u) != math.Float32bits(v) && !(u == 0 && v == 0) {
						t.Fatalf("%v leaf %d: result %d element %d is %v fused, %v unfused", shape, leaf, i, j, v, u)
					}
				}
			}
		}
	}
}
