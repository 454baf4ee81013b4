package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCol2volIsAdjoint checks <Vol2col(x), c> = <x, Col2vol(c)> for
// random volumes, columns and geometries (strides, padding, dilation).
func TestCol2volIsAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		var g Geom3
		var in [3]int
		for i := range 3 {
			g.Kernel[i], g.Stride[i], g.Dil[i], g.Pad[i] = 1+rng.IntN(3), 1+rng.IntN(2), 1+rng.IntN(2), rng.IntN(2)
			in[i] = 1 + rng.IntN(6)
		}
		out := g.Out(in)
		if out[0] < 1 || out[1] < 1 || out[2] < 1 {
			continue
		}
		c := 1 + rng.IntN(3)
		x := make([]float32, c*in[0]*in[1]*in[2])
		cols := make([]float32, c*g.Kernel[0]*g.Kernel[1]*g.Kernel[2]*out[0]*out[1]*out[2])
		r := make([]float32, len(cols))
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range r {
			r[i] = float32(rng.NormFloat64())
		}
		Vol2col(x, c, in, g, cols)
		back := make([]float32, len(x))
		Col2vol(r, c, in, g, back)
		var a, b float64
		for i := range cols {
			a += float64(cols[i]) * float64(r[i])
		}
		for i := range x {
			b += float64(x[i]) * float64(back[i])
		}
		if math.Abs(a-b) > 1e-4*(1+math.Abs(a)) {
			t.Fatalf("trial %d, geometry %+v input %v: <Vol2col(x), r> = %v, <x, Col2vol(r)> = %v", trial, g, in, a, b)
		}
	}
}
