package linear

import (
	"math"
	"testing"
)

// TestDotAxpy checks the kernels (AVX2 where the CPU has it) against plain
// loops for every length up to 100, tails included. Summation order differs:
// 1e-13 relative to Σ|x·y|.
func TestDotAxpy(t *testing.T) {
	for n := 0; n <= 100; n++ {
		x := make([]float64, n)
		y := make([]float64, n+3)
		for i := range x {
			x[i] = math.Sin(float64(i)*1.7) * 3
		}
		for i := range y {
			y[i] = math.Cos(float64(i) * 0.3)
		}
		want, mag := 0.0, 0.0
		for i := range x {
			want += x[i] * y[i]
			mag += math.Abs(x[i] * y[i])
		}
		if got := dot(x, y); math.Abs(got-want) > 1e-13*mag {
			t.Fatalf("n=%d: dot %v, want %v", n, got, want)
		}
		z := append([]float64(nil), y...)
		axpy(0.5, x, z)
		for i := range z {
			w := y[i]
			if i < n {
				w += 0.5 * x[i]
			}
			if math.Abs(z[i]-w) > 1e-15*math.Max(1, math.Abs(w)) {
				t.Fatalf("n=%d: axpy[%d] = %v, want %v", n, i, z[i], w)
			}
		}
	}
}
