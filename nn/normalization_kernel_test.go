package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchNormKernelsMatchGeneric checks bnScaleShift and bnGrad (vector
// kernels where the CPU has them) against the scalar loops bit for bit on
// every length up to 70, both stored and added gradients.
func TestBatchNormKernelsMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	r := func() float32 { return float32(rng.NormFloat64()) * 3 }
	for n := 0; n <= 70; n++ {
		src, d, base := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range src {
			src[i], d[i], base[i] = r(), r(), r()
		}
		sc, sh := r(), r()
		a, b := make([]float32, n), make([]float32, n)
		bnScaleShift(a, src, sc, sh)
		bnScaleShiftGeneric(b, src, sc, sh)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("scale-shift n=%d [%d]: %v, want %v", n, i, a[i], b[i])
			}
		}
		k, m, is, mdy, mdyx := r(), r(), r(), r(), r()
		for _, acc := range []bool{false, true} {
			copy(a, base)
			copy(b, base)
			bnGrad(a, src, d, k, m, is, mdy, mdyx, acc)
			bnGradGeneric(b, src, d, k, m, is, mdy, mdyx, acc)
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Fatalf("grad n=%d acc=%v [%d]: %v, want %v", n, acc, i, a[i], b[i])
				}
			}
		}
	}
}
