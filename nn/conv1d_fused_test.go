package nn

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// conv1dNet is two Conv1d, ReLU, MaxPool1d blocks, Flatten and Linear,
// the layers of bench/nn's cnn1d model with smaller sizes.
func conv1dNet(t *testing.T, rng *rand.Rand, c, o1, o2, k1, k2, pad1, pad2, L int, bias bool, ceil bool) []Module {
	t.Helper()
	a, err := NewConvNd(1, false, c, o1, []int{k1}, ConvNdOptions{Padding: []int{pad1}}, bias, rng)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewConvNd(1, false, o1, o2, []int{k2}, ConvNdOptions{Padding: []int{pad2}}, bias, rng)
	if err != nil {
		t.Fatal(err)
	}
	pool := func() *PoolNd {
		m, err := newPoolNd(&PoolNd{Kind: "max", Dims: 1, CeilMode: ceil}, []int{2}, []int{2}, []int{0}, []int{1})
		if err != nil {
			t.Fatal(err)
		}
		return m.(*PoolNd)
	}
	l1 := pool().win([]int{1, 1, convOut(L, k1, pad1, 1, 1)}).out[2]
	l2 := pool().win([]int{1, 1, convOut(l1, k2, pad2, 1, 1)}).out[2]
	return []Module{a, &ReLU{}, pool(), b, &ReLU{}, pool(), NewFlatten(), NewLinear(o2*l2, 3, true, rng)}
}

// runConv1dNet runs one training step of layers on x, inside a Sequential
// (fused) or layer by layer, and returns the output, the input gradient,
// every parameter's gradient and whether the first block took the fused
// path.
func runConv1dNet(t *testing.T, fused bool, layers []Module, x *tensor.Tensor) (out, gx []float32, grads [][]float32, took bool) {
	t.Helper()
	g := NewGraph()
	for _, l := range layers {
		ZeroGrad(l)
	}
	xv := g.Input(x)
	var y *Var
	if fused {
		h := NewSequential(layers[:3]...).Forward(g, xv)
		took = h.back != nil && reflect.ValueOf(h.back).Pointer() == reflect.ValueOf(conv1dFusedBack).Pointer()
		y = NewSequential(layers[3:]...).Forward(g, h)
	} else {
		y = xv
		for _, l := range layers {
			y = l.Forward(g, y)
		}
	}
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if err := g.Backward(g.Sum(g.Mul(y, y))); err != nil {
		t.Fatal(err)
	}
	out = append(out, y.Data.Data...)
	gx = append(gx, xv.Grad.Data...)
	for _, l := range layers {
		for _, p := range l.Parameters() {
			var gd []float32
			if p.Var.Grad != nil {
				gd = append(gd, p.Var.Grad.Data...)
			}
			grads = append(grads, gd)
		}
	}
	return
}

func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return max(0, min(len(a), len(b))-1)
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestFusedConv1dReLUPool checks that a Sequential's fused Conv1d, ReLU,
// MaxPool1d(2) gives the unfused layers' outputs and gradients bit for bit
// (the same products in the same order) on odd and even lengths, kernels,
// paddings, with and without bias and ceil_mode, and that the geometries
// the fused path does not handle still give the same results.
func TestFusedConv1dReLUPool(t *testing.T) {
	cases := []struct {
		n, c, o1, o2, k1, k2, pad1, pad2, L int
		bias, ceil, fast                    bool
	}{
		{4, 4, 32, 64, 5, 5, 2, 2, 196, true, false, true}, // the benchmark's blocks, smaller batch
		{3, 6, 6, 7, 3, 5, 1, 2, 23, true, false, true},
		{2, 3, 9, 5, 7, 3, 0, 1, 40, false, false, true},
		{5, 6, 3, 10, 4, 2, 3, 0, 17, true, true, true},
		{1, 17, 2, 3, 1, 1, 1, 0, 9, true, false, true},
		{3, 9, 4, 4, 2, 2, 0, 1, 31, true, true, true},
		{20, 8, 40, 12, 3, 3, 1, 1, 50, true, false, true}, // more chunks than parts
		{2, 60, 4, 9, 5, 3, 2, 1, 21, true, false, true},   // K1 = 301: two reduction blocks
		{2, 60, 4, 9, 5, 3, 2, 1, 80, true, false, true},   // the same, panels inside a sample
		{2, 4, 9, 3, 5, 3, 2, 1, 1100, false, false, true}, // 1100 positions a sample: column blocks
		{2, 2, 4, 3, 3, 3, 1, 1, 12, true, false, false},   // K1 = 7: the per-image path
		{2, 4, 3, 3, 5, 1, 2, 1, 2, true, false, false},    // taps that only meet padding
	}
	for ci, tc := range cases {
		rng := rand.New(rand.NewPCG(uint64(ci), 11))
		layers := conv1dNet(t, rng, tc.c, tc.o1, tc.o2, tc.k1, tc.k2, tc.pad1, tc.pad2, tc.L, tc.bias, tc.ceil)
		x := tensor.New(tc.n, tc.c, tc.L)
		Uniform(x, -1, 1, rng)
		for i := 0; i < len(x.Data); i += 5 {
			x.Data[i] = 0.25 // ties
		}
		// A sample of zeros: its convolution is the bias alone, with ties
		// in every window (and negative values that ReLU zeroes).
		clear(x.Data[:tc.c*tc.L])
		o1, x1, g1, took := runConv1dNet(t, true, layers, x)
		o2, x2, g2, _ := runConv1dNet(t, false, layers, x)
		if took != tc.fast {
			t.Fatalf("case %d: fused path taken %v, expected %v", ci, took, tc.fast)
		}
		if i := sameBits(o1, o2); i >= 0 {
			t.Fatalf("case %d: output %d: fused %v, unfused %v", ci, i, o1[i], o2[i])
		}
		if i := sameBits(x1, x2); i >= 0 {
			t.Fatalf("case %d: input gradient %d: fused %v, unfused %v", ci, i, x1[i], x2[i])
		}
		for p := range g2 {
			if i := sameBits(g1[p], g2[p]); i >= 0 {
				t.Fatalf("case %d: parameter %d gradient %d: fused %v, unfused %v", ci, p, i, g1[p][i], g2[p][i])
			}
		}
	}
}

// TestFusedConv1dFrozen checks the fused path with a frozen bias (taken)
// and a frozen weight (the unfused layers, the per-image convolution)
// against the layers one by one.
func TestFusedConv1dFrozen(t *testing.T) {
	for ci, freeze := range []string{"bias", "weight"} {
		rng := rand.New(rand.NewPCG(uint64(ci), 12))
		layers := conv1dNet(t, rng, 4, 8, 6, 5, 3, 2, 1, 37, true, false)
		c := layers[0].(*ConvNd)
		if freeze == "bias" {
			c.Bias.SetRequiresGrad(false)
		} else {
			c.Weight.SetRequiresGrad(false)
		}
		x := tensor.New(3, 4, 37)
		Uniform(x, -1, 1, rng)
		o1, x1, g1, took := runConv1dNet(t, true, layers, x)
		o2, x2, g2, _ := runConv1dNet(t, false, layers, x)
		if took != (freeze == "bias") {
			t.Fatalf("frozen %s: fused path taken %v", freeze, took)
		}
		if i := sameBits(o1, o2); i >= 0 {
			t.Fatalf("frozen %s: output %d: fused %v, unfused %v", freeze, i, o1[i], o2[i])
		}
		if i := sameBits(x1, x2); i >= 0 {
			t.Fatalf("frozen %s: input gradient %d: fused %v, unfused %v", freeze, i, x1[i], x2[i])
		}
		for p := range g2 {
			if len(g1[p]) != len(g2[p]) {
				t.Fatalf("frozen %s: parameter %d: %d and %d gradient values", freeze, p, len(g1[p]), len(g2[p]))
			}
			if i := sameBits(g1[p], g2[p]); i >= 0 {
				t.Fatalf("frozen %s: parameter %d gradient %d: fused %v, unfused %v", freeze, p, i, g1[p][i], g2[p][i])
			}
		}
	}
}

// TestFusedConv1dInference checks the fused path on an inference graph
// against the unfused layers, bit for bit.
func TestFusedConv1dInference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	layers := conv1dNet(t, rng, 4, 8, 6, 5, 3, 2, 1, 37, true, false)
	x := tensor.New(3, 4, 37)
	Uniform(x, -1, 1, rng)
	g := NewInferenceGraph()
	a := NewSequential(layers...).Forward(g, g.Const(x))
	h := g.Const(x)
	for _, l := range layers {
		h = l.Forward(g, h)
	}
	if i := sameBits(a.Data.Data, h.Data.Data); i >= 0 {
		t.Fatalf("output %d: fused %v, unfused %v", i, a.Data.Data[i], h.Data.Data[i])
	}
}

// TestReluPairs checks ReLU then max of pairs on NaN, -0, ties and
// negative values against ReLU and MaxPool1d's own loops.
func TestReluPairs(t *testing.T) {
	nan := float32(math.NaN())
	negz := float32(math.Copysign(0, -1))
	r := []float32{1, 2, 2, 1, -1, -2, 0, negz, negz, 0, nan, 1, 1, nan, -3, nan, 3, 3, -1, 0.5}
	d := make([]float32, len(r)/2)
	ix := make([]int32, len(d))
	reluPairs(r, d, ix)
	rel := make([]float32, len(r))
	tensor.ReLU(rel, r)
	wd, wi := make([]float32, len(d)), make([]int32, len(d))
	maxPairs(rel, wd, wi, 0)
	if i := sameBits(d, wd); i >= 0 {
		t.Fatalf("pair %d: %v, want %v", i, d[i], wd[i])
	}
	if !reflect.DeepEqual(ix, wi) {
		t.Fatalf("positions %v, want %v", ix, wi)
	}
}

// TestReluPairsKernels checks reluPairs and poolGradPairs (the vector
// kernels where the CPU has them) against their portable loops bit for
// bit, on lengths around the 16-pair step, with NaN of both signs, -0,
// ties and negative values, and -0 gradients.
func TestReluPairsKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	special := []float32{float32(math.NaN()), -float32(math.NaN()), float32(math.Copysign(0, -1)), 0, 0.5, -0.5, float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, n := range []int{1, 7, 15, 16, 17, 31, 32, 33, 49, 98, 100} {
		r := make([]float32, 2*n)
		gy := make([]float32, n)
		for i := range r {
			r[i] = float32(rng.NormFloat64())
			if rng.IntN(4) == 0 {
				r[i] = special[rng.IntN(len(special))]
			}
		}
		for i := range gy {
			gy[i] = float32(rng.NormFloat64())
			if rng.IntN(4) == 0 {
				gy[i] = special[rng.IntN(len(special))]
			}
		}
		d1, d2 := make([]float32, n+1), make([]float32, n+1)
		i1, i2 := make([]int32, n+1), make([]int32, n+1)
		reluPairs(r, d1[:n], i1[:n])
		reluPairsGo(r, d2[:n], i2[:n])
		if i := sameBits(d1, d2); i >= 0 {
			t.Fatalf("n %d: pair %d: %v, want %v", n, i, d1[i], d2[i])
		}
		if !reflect.DeepEqual(i1, i2) {
			t.Fatalf("n %d: positions %v, want %v", n, i1, i2)
		}
		g1, g2 := make([]float32, 2*n+1), make([]float32, 2*n+1)
		g1[2*n], g2[2*n] = 7, 7 // past the end: untouched
		poolGradPairs(g1[:2*n], d2[:n], gy, i2[:n])
		poolGradPairsGo(g2[:2*n], d2[:n], gy, i2[:n])
		if i := sameBits(g1, g2); i >= 0 {
			t.Fatalf("n %d: gradient %d: %v, want %v", n, i, g1[i], g2[i])
		}
		// The unfused layers' gradient: the pooling's on a zeroed buffer,
		// then ReLU's mask of its output.
		want := make([]float32, 2*n)
		for i, j := range i2[:n] {
			want[2*i+int(j&1)] += gy[i]
		}
		rel := make([]float32, 2*n)
		tensor.ReLU(rel, r)
		tensor.ReLUGrad(want, want, rel, false)
		if i := sameBits(g2[:2*n], want); i >= 0 {
			t.Fatalf("n %d: gradient %d: %v, want the layers' %v", n, i, g2[i], want[i])
		}
	}
}
