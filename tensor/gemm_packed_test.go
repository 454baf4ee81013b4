package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmPackedA checks that GemmPackedA gives GemmSerial's products bit
// for bit, for every kernel this CPU can run, with op(A) transposed or
// not, shapes past the cache blocks and the register tiles, short
// reductions, one-row A, and B and C inside wider matrices.
func TestGemmPackedA(t *testing.T) {
	saved := active
	defer func() { active = saved }()
	for _, cfg := range availableConfigs() {
		active = cfg
		r := rand.New(rand.NewPCG(13, 14))
		shapes := [][3]int{{1, 40, 9}, {cfg.mr, cfg.nr, 7}, {cfg.mr + 1, cfg.nr + 3, 300}, {64, 64, 576},
			{50, 90, 33}, {cfg.mc + 5, 2*cfg.nc + 7, cfg.kc + 3}, {576, 64, 64}, {13, 1, 20}, {7, 48, 600}}
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			for _, transA := range []bool{false, true} {
				for _, beta := range []float32{0, 1, 0.5} {
					name := fmt.Sprintf("%s m=%d n=%d k=%d transA=%v beta=%v", cfg.name, m, n, k, transA, beta)
					lda := k + 3
					if transA {
						lda = m + 2
					}
					ldb, ldc := n+5, n+1
					a := randSlice(r, (max(m, k)+1)*lda)
					b := randSlice(r, k*ldb)
					c0 := randSlice(r, m*ldc)
					want := append([]float32(nil), c0...)
					GemmSerial(transA, false, m, n, k, 1, a, lda, b, ldb, beta, want, ldc)
					p := PackA(transA, m, k, a, lda, make([]float32, PackedASize(m, k)))
					for rep := 0; rep < 2; rep++ {
						got := append([]float32(nil), c0...)
						GemmPackedA(&p, n, 1, b, ldb, beta, got, ldc)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s: c[%d] = %v, GemmSerial gives %v", name, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}
