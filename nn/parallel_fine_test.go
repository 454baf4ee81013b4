package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestParallelFineSameBits checks that the batched Conv2d's phases split
// into parallelFine's many claimed parts give the outputs and gradients of
// parallel's one part per CPU bit for bit, on ResNet-like shapes big enough
// to be split (chunked and batched GEMM paths, stride 2, a bias).
func TestParallelFineSameBits(t *testing.T) {
	workers.once.Do(startWorkers)
	if workers.n < 2 {
		t.Skip("one CPU: parallelFine runs one part")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		x, w []int
		opt  ConvOptions
		bias bool
	}{
		{[]int{64, 8, 16, 16}, []int{16, 8, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
		{[]int{64, 16, 8, 8}, []int{32, 16, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, true},
		{[]int{64, 32, 4, 4}, []int{128, 32, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
		{[]int{64, 64, 2, 2}, []int{128, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
		{[]int{64, 32, 4, 4}, []int{64, 32, 1, 1}, ConvOptions{Stride: [2]int{2, 2}}, true},
		{[]int{64, 64, 2, 2}, []int{128, 64, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, true},
		{[]int{37, 8, 9, 9}, []int{16, 8, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
	}
	defer func() { fineOff = false }()
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
		var runs [2][][]float32
		for off := 0; off < 2; off++ {
			fineOff = off == 1
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
					t.Fatalf("%s: result %d element %d is %v fine, %v one part per CPU", name, i, j, v, u)
				}
			}
		}
	}
}

// TestParallelFineBlockSameBits does the same for a ResNet basic block's
// other layers: BatchNorm (training statistics), the residual add and
// ReLU, and MaxPool2d, forward and backward.
func TestParallelFineBlockSameBits(t *testing.T) {
	workers.once.Do(startWorkers)
	if workers.n < 2 {
		t.Skip("one CPU: parallelFine runs one part")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range [][]int{{64, 64, 8, 8}, {64, 128, 4, 4}, {64, 512, 1, 1}, {64, 64, 16, 16}, {33, 10, 12, 12}} {
		name := fmt.Sprintf("x %v", s)
		x := randParam(rng, 1, s...)
		r := randParam(rng, 1, s...)
		var runs [2][][]float32
		for off := 0; off < 2; off++ {
			fineOff = off == 1
			bn, err := NewBatchNorm(2, s[1], 1e-5, 0.1, true, true)
			if err != nil {
				t.Fatal(err)
			}
			pool, err := NewMaxPool2d(PoolOptions{KernelSize: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}})
			if err != nil {
				t.Fatal(err)
			}
			g := NewGraph()
			y := pool.Forward(g, g.addReLU(bn.Forward(g, x), r))
			loss := g.Sum(g.Mul(y, y))
			x.ZeroGrad()
			r.ZeroGrad()
			if err := g.Backward(loss); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			runs[off] = [][]float32{y.Data.Data, x.Grad.Data, r.Grad.Data}
			for _, p := range bn.Parameters() {
				if p.Var.Grad != nil {
					runs[off] = append(runs[off], p.Var.Grad.Data)
				}
				runs[off] = append(runs[off], p.Var.Data.Data)
			}
			for i := range runs[off] {
				runs[off][i] = append([]float32(nil), runs[off][i]...)
			}
		}
		for i := range runs[0] {
			for j, v := range runs[0][i] {
				if u := runs[1][i][j]; math.Float32bits(u) != math.Float32bits(v) {
					t.Fatalf("%s: result %d element %d is %v fine, %v one part per CPU", name, i, j, v, u)
				}
			}
		}
	}
}
