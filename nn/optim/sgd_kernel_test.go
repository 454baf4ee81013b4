package optim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSGDMomentumKernel checks the vector SGD kernel against its portable
// loop at lengths around the vector widths. Tolerance: 1e-6 relative, for
// the fused multiply-adds of the vector path.
func TestSGDMomentumKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 33, 100, 1001} {
		w, g, b := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range w {
			w[i], g[i], b[i] = rng.Float32()-0.5, rng.Float32()-0.5, rng.Float32()-0.5
		}
		w2, b2 := append([]float32(nil), w...), append([]float32(nil), b...)
		sgdMomentum(w, g, b, 0.01, 0.9, 0.75)
		sgdMomentumGeneric(w2, g, b2, 0.01, 0.9, 0.75)
		for i := range w {
			if math.Abs(float64(w[i]-w2[i])) > 1e-6*(1+math.Abs(float64(w2[i]))) || math.Abs(float64(b[i]-b2[i])) > 1e-6*(1+math.Abs(float64(b2[i]))) {
				t.Fatalf("n=%d i=%d: w %v buf %v, want %v %v", n, i, w[i], b[i], w2[i], b2[i])
			}
		}
	}
}
