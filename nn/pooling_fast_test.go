package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMaxPool3s2MatchesScan checks the 3x3, stride 2, padding 1 and the
// 2x2, stride 2 fast paths against the general window scan, values and positions bit for bit, on
// odd and even planes with ties, signed zeros, -Inf and NaN.
func TestMaxPool3s2MatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 11))
	nan := float32(math.NaN())
	negz := float32(math.Copysign(0, -1))
	pool := []float32{0, negz, 1, -1, 2, float32(math.Inf(-1)), float32(math.Inf(1)), nan, 0.5}
	// ResNet's stem (3x3, stride 2, padding 1) and the common 2x2 window.
	opts := []PoolOptions{
		{KernelSize: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}},
		{KernelSize: [2]int{2, 2}, Stride: [2]int{2, 2}},
	}
	for trial := 0; trial < 2000; trial++ {
		opt := opts[trial%2]
		opt.normalize()
		H, W := 1+rng.IntN(16), 1+rng.IntN(16)
		if opt.Padding[0] == 0 {
			H, W = max(H, 2), max(W, 2)
		}
		planes := 1 + rng.IntN(3)
		x := make([]float32, planes*H*W)
		for i := range x {
			switch rng.IntN(4) {
			case 0:
				x[i] = pool[rng.IntN(len(pool))]
				if x[i] != x[i] && rng.IntN(4) != 0 {
					x[i] = 3 // keep NaN rare
				}
			default:
				x[i] = float32(rng.IntN(5)) - 2
			}
		}
		oh, ow, err := opt.outDims("MaxPool2d", []int{1, planes, H, W})
		if err != nil {
			t.Fatal(err)
		}
		run := func(general bool) ([]float32, []int32) {
			y := make([]float32, planes*oh*ow)
			idx := make([]int32, len(y))
			tk := poolTask{x: x, y: y, idx: idx, record: true, planes: planes, H: H, W: W, oh: oh, ow: ow, opt: opt, general: general}
			tk.run(0, 1)
			return y, idx
		}
		y0, i0 := run(true)
		y1, i1 := run(false)
		b0, b1 := make([]uint32, len(y0)), make([]uint32, len(y1))
		for i := range y0 {
			b0[i], b1[i] = math.Float32bits(y0[i]), math.Float32bits(y1[i])
		}
		if !slices.Equal(b0, b1) || !slices.Equal(i0, i1) {
			t.Fatalf("%dx%d: fast path differs:\nscan %v %v\nfast %v %v", H, W, y0, i0, y1, i1)
		}
	}
}

// BenchmarkMaxPoolStem pools a ResNet18 stem's (64, 64, 16, 16) output.
func BenchmarkMaxPoolStem(b *testing.B) {
	for _, general := range []bool{true, false} {
		name := "fast"
		if general {
			name = "scan"
		}
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			planes, H, W := 64*64, 16, 16
			x := make([]float32, planes*H*W)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			opt := PoolOptions{KernelSize: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
			opt.normalize()
			y := make([]float32, planes*64)
			idx := make([]int32, len(y))
			tk := poolTask{x: x, y: y, idx: idx, record: true, planes: planes, H: H, W: W, oh: 8, ow: 8, opt: opt, general: general}
			for b.Loop() {
				tk.run(0, 1)
			}
		})
	}
}
