package f64

import (
	"math"
	"testing"
)

// TestRelu checks both ReLU kernels against the scalar rule on every length
// up to 70 (the 32-, 16- and 8-wide loops and the masked tails), with NaNs,
// signed zeros and infinities, and that nothing past the length changes.
func TestRelu(t *testing.T) {
	vals := []float64{-1.5, 2, 0, math.Copysign(0, -1), math.NaN(), math.Inf(-1), math.Inf(1), -3e-300, 7}
	saved512, saved2 := useAVX512, useAVX2
	defer func() { useAVX512, useAVX2 = saved512, saved2 }()
	for _, level := range kernelLevels() {
		useAVX512, useAVX2 = level.avx512, level.avx2
		generic := level.name
		for n := 0; n <= 70; n++ {
			x := make([]float64, n+3)
			d := make([]float64, n+3)
			for i := range x {
				x[i] = vals[(i*5+n)%len(vals)]
				d[i] = float64(i + 1)
			}
			a := append([]float64(nil), x...)
			ReluGrad(a[:n], d)
			Relu(x[:n])
			for i := range x {
				want, wantD := a[i], float64(i+1)
				if i < n {
					if a[i] < 0 {
						want = 0
					}
					if a[i] <= 0 {
						wantD = 0
					}
				}
				if !(x[i] == want || math.IsNaN(x[i]) && math.IsNaN(want)) {
					t.Fatalf("kernels=%s n=%d: Relu x[%d] = %v, want %v", generic, n, i, x[i], want)
				}
				if d[i] != wantD {
					t.Fatalf("kernels=%s n=%d: ReluGrad delta[%d] = %v (a %v), want %v", generic, n, i, d[i], a[i], wantD)
				}
			}
		}
	}
}
