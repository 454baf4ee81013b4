package optim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamUpdateKernel checks Adam's vector update against the portable
// loop bit for bit (weights and both moments) over several steps, lengths
// with and without a tail, zero and -0 gradients and a zero second moment.
func TestAdamUpdateKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 8))
	for _, n := range []int{1, 7, 8, 9, 16, 37, 1000} {
		w1, g := make([]float32, n), make([]float32, n)
		m1, v1 := make([]float32, n), make([]float32, n)
		for j := range w1 {
			w1[j] = float32(rng.NormFloat64())
		}
		w2, m2, v2 := append([]float32(nil), w1...), make([]float32, n), make([]float32, n)
		for step := 1; step <= 5; step++ {
			for j := range g {
				switch rng.IntN(8) {
				case 0:
					g[j] = 0
				case 1:
					g[j] = float32(math.Copysign(0, -1))
				default:
					g[j] = float32(rng.NormFloat64()) * 1e-2
				}
			}
			bc1 := 1 - math.Pow(0.9, float64(step))
			bc2s := float32(math.Sqrt(1 - math.Pow(0.999, float64(step))))
			st := float32(1e-3 / bc1)
			adamUpdate(w1, g, m1, v1, 0.9, float32(1-0.9), 0.999, float32(1-0.999), bc2s, 1e-8, st)
			adamUpdateGo(w2, g, m2, v2, 0.9, float32(1-0.9), 0.999, float32(1-0.999), bc2s, 1e-8, st)
			for j := range w2 {
				if math.Float32bits(w1[j]) != math.Float32bits(w2[j]) || math.Float32bits(m1[j]) != math.Float32bits(m2[j]) || math.Float32bits(v1[j]) != math.Float32bits(v2[j]) {
					t.Fatalf("n %d step %d: element %d: w %v m %v v %v, want %v %v %v", n, step, j, w1[j], m1[j], v1[j], w2[j], m2[j], v2[j])
				}
			}
		}
	}
}
