package f64

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

type kernelLevel struct {
	name         string
	avx512, avx2 bool
}

// kernelLevels lists the kernel sets this CPU can run, best first, down to
// the portable code.
func kernelLevels() []kernelLevel {
	var l []kernelLevel
	if useAVX512 {
		l = append(l, kernelLevel{"avx512", true, false})
	}
	if useAVX2 {
		l = append(l, kernelLevel{"avx2", false, true})
	}
	return append(l, kernelLevel{"portable", false, false})
}

// naive is the textbook triple loop.
func naive(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				var av, bv float64
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = s
			} else {
				c[i*ldc+j] = s + beta*c[i*ldc+j]
			}
		}
	}
}

func random(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 2*rng.Float64() - 1
	}
	return x
}

// TestGemm compares Gemm with the triple loop on every transpose, shapes
// around the 4 × 16 tile and the 256 depth of a pass, padded strides and
// beta 0, 1 and 0.5, to 1e-12 relative to k (only the order of the sums
// differs). Every kernel set the CPU has runs, and the portable code.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {3, 5, 2}, {4, 16, 7}, {5, 17, 9}, {200, 100, 64}, {197, 10, 100}, {64, 100, 200}, {9, 33, 300}, {7, 3, 600}, {2, 40, 0}, {40, 3, 300}, {33, 1, 5}, {35, 15, 9}, {64, 7, 1}, {1, 100, 60}, {60, 100, 1}, {1, 1, 60}, {100, 1, 1}}
	saved512, saved2 := useAVX512, useAVX2
	defer func() { useAVX512, useAVX2 = saved512, saved2 }()
	for _, level := range kernelLevels() {
		useAVX512, useAVX2 = level.avx512, level.avx2
		generic := level.name
		for _, sh := range shapes {
			m, n, k := sh[0], sh[1], sh[2]
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, beta := range []float64{0, 1, 0.5} {
						ar, ac := m, k
						if tA {
							ar, ac = k, m
						}
						br, bc := k, n
						if tB {
							br, bc = n, k
						}
						lda, ldb, ldc := ac+1, bc+2, n+3
						a := random(rng, max(ar*lda, 1))
						b := random(rng, max(br*ldb, 1))
						c := random(rng, m*ldc)
						if beta == 0 {
							for i := range c {
								c[i] = math.NaN()
							}
						}
						want := append([]float64(nil), c...)
						naive(tA, tB, m, n, k, a, lda, b, ldb, beta, want, ldc)
						Gemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
						for i := range m {
							for j := range ldc {
								got, w := c[i*ldc+j], want[i*ldc+j]
								if j >= n {
									if !(math.IsNaN(got) && math.IsNaN(w)) && got != w {
										t.Fatalf("kernels=%s %v: wrote C[%d,%d] past the n columns", generic, sh, i, j)
									}
									continue
								}
								if math.Abs(got-w) > 1e-12*float64(k+1) {
									t.Fatalf("kernels=%s %v tA=%v tB=%v beta=%v: C[%d,%d] = %v, want %v", generic, sh, tA, tB, beta, i, j, got, w)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestGemmGenericTiles checks that the portable path, which hands gonum's
// Dgemm one tile of C at a time so that it stays serial, gives bit for bit
// what one Dgemm call over the whole product gives (its parallel path for
// these shapes), with A read as stored and transposed, beta 0 and 1, and
// tiles cut in both dimensions; and that it allocates nothing.
func TestGemmGenericTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range [][3]int{{130, 400, 70}, {65, 193, 3}, {64, 192, 300}, {1, 500, 5}, {500, 1, 7}, {257, 20, 1}, {3, 1000, 64}} {
		m, n, k := sh[0], sh[1], sh[2]
		for _, tA := range []bool{false, true} {
			for _, acc := range []bool{false, true} {
				ar, ac := m, k
				if tA {
					ar, ac = k, m
				}
				lda, ldb, ldc := ac+1, n+2, n+3
				a := random(rng, ar*lda)
				b := random(rng, k*ldb)
				c := random(rng, m*ldc)
				want := append([]float64(nil), c...)
				tr, beta := blas.NoTrans, 0.0
				if tA {
					tr = blas.Trans
				}
				if acc {
					beta = 1
				}
				blas64.Implementation().Dgemm(tr, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, beta, want, ldc)
				rs, ks := lda, 1
				if tA {
					rs, ks = 1, lda
				}
				gemmNNGeneric(m, n, k, a, rs, ks, b, ldb, c, ldc, acc)
				for i := range c {
					if math.Float64bits(c[i]) != math.Float64bits(want[i]) {
						t.Fatalf("%v tA=%v acc=%v: C[%d,%d] = %v, want %v from one Dgemm", sh, tA, acc, i/ldc, i%ldc, c[i], want[i])
					}
				}
				if n := testing.AllocsPerRun(5, func() { gemmNNGeneric(m, n, k, a, rs, ks, b, ldb, c, ldc, acc) }); n != 0 {
					t.Errorf("%v tA=%v acc=%v: %v allocations per product, want 0", sh, tA, acc, n)
				}
			}
		}
	}
}

// BenchmarkGemm times the perceptrons' shapes with every kernel set; the
// MB/s column reads as flop/s·4e-6 (SetBytes is 8·m·n·k).
func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	saved512, saved2 := useAVX512, useAVX2
	defer func() { useAVX512, useAVX2 = saved512, saved2 }()
	for _, level := range kernelLevels() {
		for _, sh := range []struct {
			name    string
			tA, tB  bool
			m, n, k int
		}{
			{"forward200x100x64", false, false, 200, 100, 64},
			{"gradW64x100x200", true, false, 64, 100, 200},
			{"delta200x100x10", false, true, 200, 100, 10},
			{"out200x10x100", false, false, 200, 10, 100},
			{"gradW100x3x200", true, false, 100, 3, 200},
		} {
			b.Run(level.name+"/"+sh.name, func(b *testing.B) {
				useAVX512, useAVX2 = level.avx512, level.avx2
				a := random(rng, sh.m*sh.k)
				bb := random(rng, sh.k*sh.n)
				c := make([]float64, sh.m*sh.n)
				lda, ldb := sh.k, sh.n
				if sh.tA {
					lda = sh.m
				}
				if sh.tB {
					ldb = sh.k
				}
				b.SetBytes(int64(8 * sh.m * sh.n * sh.k))
				for b.Loop() {
					Gemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, a, lda, bb, ldb, 0, c, sh.n)
				}
			})
		}
	}
}
