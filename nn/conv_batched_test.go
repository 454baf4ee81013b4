package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestConvBatched checks the batched training path of Conv2d (one GEMM
// over the whole batch, kernel taps that only meet padding left out)
// against the per-image inference path and finite differences, on maps
// small enough for taps to drop out, and that a second Backward on the same
// tape (which unfolds the input again) gives the same gradients.
func TestConvBatched(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name   string
		x, w   []int
		opt    ConvOptions
		bias   bool
		pruned bool
	}{
		{"1x1 map, 3x3 kernel", []int{3, 3, 1, 1}, []int{4, 3, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true, true},
		{"2x2 map, stride 2", []int{2, 3, 2, 2}, []int{5, 3, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, false, true},
		{"1x3 map (rows only)", []int{2, 2, 1, 3}, []int{3, 2, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true, true},
		{"5x4 map, dilation", []int{2, 2, 5, 4}, []int{3, 2, 3, 3}, ConvOptions{Padding: [2]int{2, 1}, Dilation: [2]int{2, 1}}, true, false},
	}
	for _, c := range cases {
		x := randParam(rng, 1, c.x...)
		w := randParam(rng, 0.5, c.w...)
		var b *Var
		leaves := []*Var{x, w}
		if c.bias {
			b = randParam(rng, 0.5, c.w[0])
			leaves = append(leaves, b)
		}
		opt := c.opt
		opt.normalize()
		_, code := convTaps(c.x[2], c.x[3], c.w[2], c.w[3], opt.Padding[0], opt.Padding[1], opt.Stride[0], opt.Stride[1], opt.Dilation[0], opt.Dilation[1])
		if (code != 1) != c.pruned {
			t.Errorf("%s: taps code %d, want pruned %v", c.name, code, c.pruned)
		}
		if tp := decodeTaps(code, c.w[2], c.w[3]); c.pruned && tp.KI1-tp.KI0 == c.w[2] && tp.KJ1-tp.KJ0 == c.w[3] {
			t.Errorf("%s: taps %v are the whole kernel", c.name, tp)
		}
		g, ig := NewGraph(), NewInferenceGraph()
		y, want := g.Conv2d(x, w, b, c.opt), ig.Conv2d(x, w, b, c.opt)
		if g.Err() != nil || ig.Err() != nil {
			t.Fatalf("%s: %v %v", c.name, g.Err(), ig.Err())
		}
		for i, v := range want.Data.Data {
			if d := math.Abs(float64(y.Data.Data[i] - v)); d > 1e-5 {
				t.Fatalf("%s: output %d is %v, the per-image path gives %v", c.name, i, y.Data.Data[i], v)
			}
		}
		fdCheck(t, c.name, leaves, func(g *Graph) *Var { return g.Conv2d(x, w, b, c.opt) })

		loss := g.Sum(g.Mul(y, y))
		var first [][]float32
		for pass := 0; pass < 2; pass++ {
			for _, l := range leaves {
				l.ZeroGrad()
			}
			if err := g.Backward(loss); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for li, l := range leaves {
				if pass == 0 {
					first = append(first, append([]float32(nil), l.Grad.Data...))
					continue
				}
				for i, v := range l.Grad.Data {
					if v != first[li][i] {
						t.Fatalf("%s: second Backward: leaf %d element %d is %v, first gave %v", c.name, li, i, v, first[li][i])
					}
				}
			}
		}
	}
	if lo, hi, ok := tensor.ValidTaps(1, 3, 1, 1, 1); lo != 1 || hi != 2 || !ok {
		t.Errorf("ValidTaps(1, 3, pad 1) = %d, %d, %v, want 1, 2, true", lo, hi, ok)
	}
}
