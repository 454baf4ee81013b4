package nn

import (
	"fmt"
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

// TestConvChunked checks that the chunked forward and column-gradient
// phases of the batched Conv2d (GEMMs over a few images' columns at a
// time) give the batched GEMMs' outputs and gradients bit for bit, with
// stride 2, padding, dilation, 1x1 kernels, a bias, odd sizes and a last
// chunk shorter than the others; and on a second Backward of the tape.
func TestConvChunked(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := []struct {
		x, w []int
		opt  ConvOptions
		bias bool
	}{
		{[]int{6, 3, 8, 8}, []int{4, 3, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
		{[]int{5, 4, 4, 4}, []int{6, 4, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
		{[]int{7, 3, 9, 7}, []int{5, 3, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, false},
		{[]int{4, 5, 6, 6}, []int{3, 5, 1, 1}, ConvOptions{}, true},
		{[]int{3, 2, 10, 10}, []int{4, 2, 5, 5}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{2, 2}}, true},
		{[]int{9, 3, 5, 5}, []int{2, 3, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
		{[]int{4, 3, 7, 5}, []int{2, 3, 3, 2}, ConvOptions{Padding: [2]int{1, 0}, Dilation: [2]int{2, 1}}, true},
		{[]int{32, 4, 2, 2}, []int{3, 4, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, false},
	}
	defer func() { convChunkOff = false }()
	for _, c := range cases {
		name := fmt.Sprintf("x %v w %v %+v bias %v", c.x, c.w, c.opt, c.bias)
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
		oh := tensor.ConvOutSize(c.x[2], c.w[2], opt.Padding[0], opt.Stride[0], opt.Dilation[0])
		ow := tensor.ConvOutSize(c.x[3], c.w[3], opt.Padding[1], opt.Stride[1], opt.Dilation[1])
		convChunkOff = false
		if convChunk(c.x[0], oh*ow, c.w[0]) == 0 {
			t.Fatalf("%s: not on the chunked path", name)
		}
		var runs [2][][]float32
		for off := 0; off < 2; off++ {
			convChunkOff = off == 1
			g := NewGraph()
			y := g.Conv2d(x, w, b, c.opt)
			loss := g.Sum(g.Mul(y, y))
			out := [][]float32{append([]float32(nil), y.Data.Data...)}
			for pass := 0; pass < 2; pass++ {
				for _, l := range leaves {
					l.ZeroGrad()
				}
				if err := g.Backward(loss); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, l := range leaves {
					out = append(out, append([]float32(nil), l.Grad.Data...))
				}
			}
			runs[off] = out
		}
		for i := range runs[0] {
			for j, v := range runs[0][i] {
				if u := runs[1][i][j]; math.Float32bits(u) != math.Float32bits(v) {
					t.Fatalf("%s: result %d element %d is %v chunked, %v batched", name, i, j, v, u)
				}
			}
		}
	}
}

// TestConvChunkSizes pins convChunk's choices: chunks of at least 64
// columns that fill whole 32-column register tiles (or nearly), none for
// maps whose chunks would waste more than a sixteenth of the tiles or for
// batches narrow next to the weight.
func TestConvChunkSizes(t *testing.T) {
	for _, c := range []struct{ N, L, O, want int }{
		{64, 64, 64, 1}, {64, 16, 128, 4}, {64, 256, 64, 1}, {64, 1, 8, 64}, {64, 20, 8, 8},
		{64, 25, 8, 5}, {64, 196, 32, 0}, {64, 100, 8, 0}, {64, 4, 256, 0}, {64, 324, 8, 0},
	} {
		if got := convChunk(c.N, c.L, c.O); got != c.want {
			t.Errorf("convChunk(N %d, L %d, O %d) = %d, want %d", c.N, c.L, c.O, got, c.want)
		}
	}
}
