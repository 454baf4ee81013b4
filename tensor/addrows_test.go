package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAddRowsAsAxpy checks AddRows against Axpy(1, ...) row by row, bit for
// bit, with signed zeros, NaNs and infinities among the values, for row
// lengths around the vector width.
func TestAddRowsAsAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45}
	val := func() float32 {
		if rng.IntN(4) == 0 {
			return special[rng.IntN(len(special))]
		}
		return float32(rng.NormFloat64())
	}
	for _, cols := range []int{1, 5, 7, 8, 9, 14, 15, 16, 17, 28, 33} {
		rows, sld, dld := 5, cols+2, cols+1
		src := make([]float32, (rows-1)*sld+cols)
		dst := make([]float32, (rows-1)*dld+cols+3)
		for i := range src {
			src[i] = val()
		}
		for i := range dst {
			dst[i] = val()
		}
		want := append([]float32(nil), dst...)
		for r := range rows {
			Axpy(1, src[r*sld:r*sld+cols], want[r*dld:r*dld+cols])
		}
		AddRows(dst, dld, src, sld, rows, cols)
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) && !(dst[i] != dst[i] && want[i] != want[i]) {
				t.Fatalf("cols %d: value %d is %v, want %v", cols, i, dst[i], want[i])
			}
		}
	}
}
