package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// runConvReLUPool trains one step of Conv2d, ReLU, MaxPool2d(2) and a Sum
// of the squares, either inside a Sequential (fused) or layer by layer
// (unfused), and returns the output, the input gradient and the weight and
// bias gradients.
func runConvReLUPool(t *testing.T, fused bool, x *tensor.Tensor, c *Conv2d, pool *MaxPool2d) (out, gx, gw, gb []float32) {
	t.Helper()
	g := NewGraph()
	ZeroGrad(c)
	xv := g.Input(x)
	var y *Var
	if fused {
		y = NewSequential(c, &ReLU{}, pool).Forward(g, xv)
	} else {
		y = pool.Forward(g, g.ReLU(c.Forward(g, xv)))
	}
	if err := g.Backward(g.Sum(g.Mul(y, y))); err != nil {
		t.Fatal(err)
	}
	out = append(out, y.Data.Data...)
	gx = append(gx, xv.Grad.Data...)
	gw = append(gw, c.Weight.Grad.Data...)
	if c.Bias != nil {
		gb = append(gb, c.Bias.Grad.Data...)
	}
	return
}

// TestFusedConvReLUPool checks that Sequential's fused Conv2d, ReLU,
// MaxPool2d gives the unfused layers' output and gradients over several
// geometries. The bias may be added before or after the products
// (tolerance 1e-6 relative on outputs); gradients may sum in another order
// (tolerance 1e-5 relative).
func TestFusedConvReLUPool(t *testing.T) {
	cases := []struct {
		n, c, h, w, o, k int
		opt              ConvOptions
		bias             bool
	}{
		{3, 1, 12, 12, 4, 3, ConvOptions{}, true},
		{2, 3, 11, 9, 5, 3, ConvOptions{Padding: [2]int{1, 1}}, true},
		{2, 2, 10, 10, 3, 3, ConvOptions{Stride: [2]int{2, 1}, Dilation: [2]int{1, 2}}, false},
		{2, 4, 6, 8, 3, 1, ConvOptions{}, true},
		{5, 1, 28, 28, 32, 3, ConvOptions{}, true},
		{2, 3, 9, 9, 40, 3, ConvOptions{Padding: [2]int{1, 1}}, true},
		// Stride 1 with unequal padding and dilation: the wide form.
		{2, 2, 12, 14, 4, 3, ConvOptions{Padding: [2]int{2, 1}, Dilation: [2]int{2, 1}}, true},
		{3, 16, 14, 14, 32, 3, ConvOptions{Padding: [2]int{1, 1}}, false},
	}
	for ci, tc := range cases {
		rng := rand.New(rand.NewPCG(uint64(ci), 9))
		c, err := NewConv2d(tc.c, tc.o, [2]int{tc.k, tc.k}, tc.opt, tc.bias, rng)
		if err != nil {
			t.Fatal(err)
		}
		pool, _ := NewMaxPool2d(PoolOptions{KernelSize: [2]int{2, 2}})
		x := tensor.New(tc.n, tc.c, tc.h, tc.w)
		Uniform(x, -1, 1, rng)
		// Ties, to check the choice of the first maximum.
		for i := 0; i < len(x.Data); i += 7 {
			x.Data[i] = 0.25
		}
		o1, x1, w1, b1 := runConvReLUPool(t, true, x, c, pool)
		o2, x2, w2, b2 := runConvReLUPool(t, false, x, c, pool)
		for i := range o2 {
			if d := math.Abs(float64(o1[i] - o2[i])); d > 1e-6*(1+math.Abs(float64(o2[i]))) {
				t.Fatalf("case %d: output %d: fused %v, unfused %v", ci, i, o1[i], o2[i])
			}
		}
		for name, p := range map[string][2][]float32{"input": {x1, x2}, "weight": {w1, w2}, "bias": {b1, b2}} {
			for i := range p[1] {
				if d := math.Abs(float64(p[0][i] - p[1][i])); d > 1e-5*(1+math.Abs(float64(p[1][i]))) {
					t.Fatalf("case %d: %s gradient %d: fused %v, unfused %v", ci, name, i, p[0][i], p[1][i])
				}
			}
		}
	}
}

// TestFusedInference checks the fused path on an inference graph (no
// positions recorded) against a training graph's output.
func TestFusedInference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	c, _ := NewConv2d(2, 6, [2]int{3, 3}, ConvOptions{}, true, rng)
	pool, _ := NewMaxPool2d(PoolOptions{KernelSize: [2]int{2, 2}})
	m := NewSequential(c, &ReLU{}, pool)
	x := tensor.New(3, 2, 9, 9)
	Uniform(x, -1, 1, rng)
	a := m.Forward(NewInferenceGraph(), NewInferenceGraph().Const(x))
	g := NewGraph()
	b := m.Forward(g, g.Const(x))
	for i := range b.Data.Data {
		if a.Data.Data[i] != b.Data.Data[i] {
			t.Fatalf("output %d: inference %v, training %v", i, a.Data.Data[i], b.Data.Data[i])
		}
	}
}

// TestReluPool2Kernel checks the vector 2x2 ReLU-max-pool kernel against
// the portable loop, bit for bit, on odd and even sizes, rows of more than
// 16 windows, ties, zeros, negative values and -0.
func TestReluPool2Kernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, sz := range [][3]int{{1, 2, 2}, {3, 5, 7}, {2, 26, 26}, {4, 9, 40}, {2, 4, 66}, {1, 3, 33}} {
		O, oh, ow := sz[0], sz[1], sz[2]
		src := make([]float32, O*oh*ow)
		for i := range src {
			switch rng.IntN(6) {
			case 0:
				src[i] = 0.5
			case 1:
				src[i] = float32(math.Copysign(0, -1))
			default:
				src[i] = rng.Float32()*2 - 1
			}
		}
		P := (oh / 2) * (ow / 2)
		d1, d2 := make([]float32, O*P), make([]float32, O*P)
		i1, i2 := make([]int32, O*P), make([]int32, O*P)
		reluPool2(d1, i1, src, O, oh, ow)
		reluPool2Go(d2, i2, src, O, oh, ow)
		for i := range d2 {
			if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) || (d2[i] > 0 && i1[i] != i2[i]) {
				t.Fatalf("%v: output %d: %v at %d, want %v at %d", sz, i, d1[i], i1[i], d2[i], i2[i])
			}
		}
		reluPool2(d1, nil, src, O, oh, ow)
		for i := range d2 {
			if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
				t.Fatalf("%v without positions: output %d: %v, want %v", sz, i, d1[i], d2[i])
			}
		}
	}
}

// TestConvSmallKKernel checks the register-blocked short-reduction
// convolution against the portable row updates. Tolerance 1e-6 relative:
// the portable path's tails round the product and the sum separately.
func TestConvSmallKKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, sz := range [][3]int{{4, 1, 5}, {6, 9, 17}, {32, 9, 676}, {8, 16, 16}, {5, 3, 40}} {
		O, K, L := sz[0], sz[1], sz[2]
		w, b, col := make([]float32, O*K), make([]float32, O), make([]float32, K*L)
		for _, s := range [][]float32{w, b, col} {
			for i := range s {
				s[i] = rng.Float32()*2 - 1
			}
		}
		o1, o2 := make([]float32, O*L), make([]float32, O*L)
		convSmallK(o1, w, b, col, O, K, L)
		convSmallKGo(o2, w, b, col, O, K, L)
		for i := range o2 {
			if math.Abs(float64(o1[i]-o2[i])) > 1e-6*(1+math.Abs(float64(o2[i]))) {
				t.Fatalf("%v: output %d: %v, want %v", sz, i, o1[i], o2[i])
			}
		}
	}
}

// TestLinearDotPath checks a Linear layer with few outputs (computed by
// inner products) against float64 sums, with and without bias. Tolerance
// 1e-5 relative plus 1e-6: float32 sums of up to 600 products.
func TestLinearDotPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, sz := range [][3]int{{7, 600, 10}, {64, 128, 16}, {3, 64, 1}} {
		rows, in, out := sz[0], sz[1], sz[2]
		for _, bias := range []bool{true, false} {
			l := NewLinear(in, out, bias, rng)
			x := tensor.New(rows, in)
			Uniform(x, -1, 1, rng)
			g := NewGraph()
			y := l.Forward(g, g.Const(x))
			for r := 0; r < rows; r++ {
				for o := 0; o < out; o++ {
					var want float64
					if bias {
						want = float64(l.Bias.Data.Data[o])
					}
					for i := 0; i < in; i++ {
						want += float64(x.Data[r*in+i]) * float64(l.Weight.Data.Data[o*in+i])
					}
					if got := float64(y.Data.Data[r*out+o]); math.Abs(got-want) > 1e-5*math.Abs(want)+1e-6 {
						t.Fatalf("%v bias %v: y[%d,%d] = %v, want %v", sz, bias, r, o, got, want)
					}
				}
			}
		}
	}
}

// TestConvGradSmallKKernel checks the register-blocked weight-gradient
// kernel against inner products for every K from 1 to 16, with and without
// the bias sums. Tolerance 1e-5 relative plus 1e-5: float32 sums of up to
// 700 products in different orders.
func TestConvGradSmallKKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for K := 1; K <= 16; K++ {
		for _, sz := range [][2]int{{3, 5}, {2, 16}, {5, 37}, {32, 676}} {
			O, L := sz[0], sz[1]
			dy, col := make([]float32, O*L), make([]float32, K*L)
			for _, s := range [][]float32{dy, col} {
				for i := range s {
					s[i] = rng.Float32()*2 - 1
				}
			}
			w1, w2 := make([]float32, O*K), make([]float32, O*K)
			b1, b2 := make([]float32, O), make([]float32, O)
			for i := range w1 {
				w1[i] = float32(i)
				w2[i] = float32(i)
			}
			convGradSmallK(w1, b1, dy, col, O, K, L)
			convGradSmallKGo(w2, b2, dy, col, O, K, L)
			convGradSmallK(w1, nil, dy, col, O, K, L)
			convGradSmallKGo(w2, nil, dy, col, O, K, L)
			for name, p := range map[string][2][]float32{"weight": {w1, w2}, "bias": {b1, b2}} {
				for i := range p[1] {
					if math.Abs(float64(p[0][i]-p[1][i])) > 1e-5*(1+math.Abs(float64(p[1][i]))) {
						t.Fatalf("K=%d %v: %s %d: %v, want %v", K, sz, name, i, p[0][i], p[1][i])
					}
				}
			}
		}
	}
}

// TestFusedLinearReLU checks Sequential's fused Linear, ReLU against the
// layers run one by one: the same output, input, weight and bias gradients
// (tolerance 0: the same operations in the same order), and the output's
// own gradient left as the unfused ReLU's (not masked).
func TestFusedLinearReLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for _, sz := range [][3]int{{5, 20, 7}, {64, 100, 10}, {3, 8, 30}} {
		rows, in, out := sz[0], sz[1], sz[2]
		l := NewLinear(in, out, true, rng)
		x, c := tensor.New(rows, in), tensor.New(rows, out)
		Uniform(x, -1, 1, rng)
		Uniform(c, -1, 1, rng)
		run := func(fused bool) [][]float32 {
			ZeroGrad(l)
			g := NewGraph()
			xv := g.Input(x)
			var y *Var
			if fused {
				y = NewSequential(l, &ReLU{}).Forward(g, xv)
			} else {
				y = g.ReLU(l.Forward(g, xv))
			}
			if err := g.Backward(g.Sum(g.Mul(y, g.Const(c)))); err != nil {
				t.Fatal(err)
			}
			var res [][]float32
			for _, s := range [][]float32{y.Data.Data, y.Grad.Data, xv.Grad.Data, l.Weight.Grad.Data, l.Bias.Grad.Data} {
				res = append(res, append([]float32(nil), s...))
			}
			return res
		}
		a, b := run(true), run(false)
		for k, name := range []string{"output", "output gradient", "input gradient", "weight gradient", "bias gradient"} {
			for i := range b[k] {
				if a[k][i] != b[k][i] {
					t.Fatalf("%v: %s %d: fused %v, unfused %v", sz, name, i, a[k][i], b[k][i])
				}
			}
		}
	}
}

// BenchmarkReluPool2Ld times the wide form's pooling of the mnist spec
// network's second convolution (32 planes of 14 rows of 16, 14 used).
func BenchmarkReluPool2Ld(b *testing.B) {
	O, oh, ow, ld := 32, 14, 14, 16
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, O*oh*ld)
	for i := range src {
		src[i] = float32(rng.NormFloat64())
	}
	dst := make([]float32, O*(oh/2)*(ow/2))
	idx := make([]int32, len(dst))
	for range b.N {
		reluPool2Ld(dst, idx, src, O, oh, ow, ld)
	}
}
