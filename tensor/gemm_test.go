package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// checkGemmCase runs Gemm and gemmRef on the same inputs and compares them.
// Tolerance: both sum k float32 products in different orders, so each may be
// off by about k*eps*sum|a*b|; we allow 4*k*eps*(sum|a||b|) per element plus
// the beta*C term, where eps = 2^-24.
func checkGemmCase(t *testing.T, r *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32, pad int) {
	t.Helper()
	checkGemmWith(t, Gemm, r, transA, transB, m, n, k, alpha, beta, pad)
}

// checkGemmWith is checkGemmCase for the product gemm.
func checkGemmWith(t *testing.T, gemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int),
	r *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32, pad int) {
	t.Helper()
	lda, ldb, ldc := k+pad, n+pad, n+pad
	ar, br := m, k
	if transA {
		lda, ar = m+pad, k
	}
	if transB {
		ldb, br = k+pad, n
	}
	a := randSlice(r, max(ar*lda, 1))
	b := randSlice(r, max(br*ldb, 1))
	c := randSlice(r, max(m*ldc, 1))
	want := append([]float32(nil), c...)
	got := append([]float32(nil), c...)
	gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, got, ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			idx := i*ldc + j
			if j >= n {
				if got[idx] != c[idx] {
					t.Fatalf("%v: wrote outside C at (%d,%d)", caseName(transA, transB, m, n, k, alpha, beta, pad), i, j)
				}
				continue
			}
			var mag float64
			for p := 0; p < k; p++ {
				var av, bv float32
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
				mag += math.Abs(float64(av) * float64(bv))
			}
			tol := 4*float64(k+2)*0x1p-24*(math.Abs(float64(alpha))*mag+math.Abs(float64(beta*c[idx]))) + 1e-30
			if d := math.Abs(float64(got[idx] - want[idx])); !(d <= tol) {
				t.Fatalf("%v: C[%d,%d] = %v, want %v (tol %g)", caseName(transA, transB, m, n, k, alpha, beta, pad), i, j, got[idx], want[idx], tol)
			}
		}
	}
}

func caseName(transA, transB bool, m, n, k int, alpha, beta float32, pad int) string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%v beta=%v pad=%d", transA, transB, m, n, k, alpha, beta, pad)
}

func TestGemmShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 32, 33, 47}
	for _, m := range sizes {
		for _, n := range sizes {
			for _, k := range []int{0, 1, 4, 9, 30} {
				tA, tB := r.IntN(2) == 1, r.IntN(2) == 1
				pad := r.IntN(3)
				checkGemmCase(t, r, tA, tB, m, n, k, 1, 0, pad)
			}
		}
	}
}

func TestGemmAlphaBetaTrans(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.5, -2}, {-1.5, 0.25}, {0, 3}, {2, 1}} {
				checkGemmCase(t, r, tA, tB, 29, 70, 45, ab[0], ab[1], 3)
				// Single row or column of C: the vector (gemv) paths.
				checkGemmCase(t, r, tA, tB, 1, 70, 45, ab[0], ab[1], 2)
				checkGemmCase(t, r, tA, tB, 29, 1, 45, ab[0], ab[1], 2)
			}
		}
	}
}

// TestGemmBlocking covers sizes beyond one cache block in every dimension
// and the parallel path.
func TestGemmBlocking(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	shapes := [][3]int{{200, 700, 400}, {64, 676, 576}, {1, 1500, 900}, {700, 3, 400}, {130, 130, 130}}
	if testing.Short() {
		shapes = shapes[1:2]
	}
	for i, s := range shapes {
		checkGemmCase(t, r, i%2 == 1, i%3 == 1, s[0], s[1], s[2], 1, 0.5, 1)
	}
}

func TestGemmBetaZeroOverwritesNaN(t *testing.T) {
	m, n, k := 19, 37, 11
	r := rand.New(rand.NewPCG(7, 8))
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	for _, kk := range []int{0, k} {
		for _, mn := range [][2]int{{m, n}, {1, n}, {m, 1}} {
			m, n := mn[0], mn[1]
			c := make([]float32, m*n)
			for i := range c {
				c[i] = float32(math.NaN())
			}
			Gemm(false, true, m, n, kk, 1, a, k, b, k, 0, c, n)
			for i, v := range c {
				if v != v {
					t.Fatalf("%dx%dx%d: C[%d] is NaN after beta=0", m, n, kk, i)
				}
			}
		}
		c := make([]float32, m*n)
		for i := range c {
			c[i] = float32(math.NaN())
		}
		Gemm(false, false, m, n, kk, 1, a, k, b, n, 0, c, n)
		for i, v := range c {
			if v != v {
				t.Fatalf("k=%d: C[%d] is NaN after beta=0", kk, i)
			}
		}
	}
	// With beta != 0 a NaN in C must propagate.
	c := make([]float32, m*n)
	c[5] = float32(math.NaN())
	Gemm(false, false, m, n, k, 1, a, k, b, n, 1, c, n)
	if c[5] == c[5] {
		t.Fatal("NaN in C with beta=1 did not propagate")
	}
}

func TestGemmKernels(t *testing.T) {
	// Every kernel this CPU can run, including the pure-Go one, must agree
	// with the reference.
	saved := active
	defer func() { active = saved }()
	for _, cfg := range availableConfigs() {
		active = cfg
		r := rand.New(rand.NewPCG(9, 10))
		for _, s := range [][3]int{{1, 1, 1}, {cfg.mr, cfg.nr, 7}, {cfg.mr + 1, cfg.nr + 1, 300}, {50, 90, 33}, {cfg.mc + 5, cfg.nc + 7, cfg.kc + 3}} {
			if testing.Short() && s[0] > 100 {
				continue
			}
			for _, tr := range [][2]bool{{false, false}, {true, true}} {
				checkGemmCase(t, r, tr[0], tr[1], s[0], s[1], s[2], 1.25, 0.75, 2)
			}
		}
	}
}

// TestGemmConfigs checks the blocking invariants gemmSerial relies on: MC
// and NC whole numbers of register tiles.
func TestGemmConfigs(t *testing.T) {
	for _, c := range availableConfigs() {
		if c.mc%c.mr != 0 || c.nc%c.nr != 0 || c.kc <= 0 {
			t.Errorf("%s: mc=%d nc=%d kc=%d do not fit tiles %dx%d", c.name, c.mc, c.nc, c.kc, c.mr, c.nr)
		}
	}
	if KernelName() == "" {
		t.Error("no kernel selected")
	}
}

func TestGemmPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("short C did not panic")
		}
	}()
	Gemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
}

func TestGemmAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][3]int{{64, 128, 576}, {512, 512, 512}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
		Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		allocs := testing.AllocsPerRun(20, func() {
			Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		})
		// sync.Pool may drop a buffer at a GC; more than that is a leak.
		if allocs > 0.5 {
			t.Errorf("%dx%dx%d: %v allocations per Gemm, want 0", m, n, k, allocs)
		}
	}
}

func benchGemm(b *testing.B, transA, transB bool, m, n, k int) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	b.ReportAllocs()
	for b.Loop() {
		Gemm(transA, transB, m, n, k, 1, x, lda, y, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {2048, 2048, 2048}, {32, 676, 9}, {64, 121, 288}, {64, 128, 576}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]), func(b *testing.B) { benchGemm(b, false, false, s[0], s[1], s[2]) })
	}
	// The two backward GEMMs of a 3x3 convolution from 64 to 64 channels on
	// 26x26 pixels: weight gradient dY * cols^T and column gradient W^T * dY.
	b.Run("dW_64x576x676_tB", func(b *testing.B) { benchGemm(b, false, true, 64, 576, 676) })
	b.Run("dX_576x676x64_tA", func(b *testing.B) { benchGemm(b, true, false, 576, 676, 64) })
	b.Run("fwd_64x676x576", func(b *testing.B) { benchGemm(b, false, false, 64, 676, 576) })
}

// TestNestedParallel runs parallel Gemms inside parallelFor bodies, which
// occupy the helper goroutines: the inner calls must not wait for helpers
// that will never come.
func TestNestedParallel(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	m, n, k := 96, 160, 64
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	want := make([]float32, m*n)
	gemmRef(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	outs := make([][]float32, 8)
	parallelFor(len(outs), func(i int) {
		outs[i] = make([]float32, m*n)
		Gemm(false, false, m, n, k, 1, a, k, b, n, 0, outs[i], n)
	})
	for i, c := range outs {
		if !approxEqual(c, want, 1e-3) {
			t.Fatalf("call %d differs from the reference", i)
		}
	}
}

// TestGemmShortK checks the in-place (strided) kernel path of every kernel
// configuration that has one against the plain product: reductions of 1 to
// 40 and around shortK, row and column counts off the tile (and one past
// an NC block), both transposes, padded strides, and alpha and beta.
func TestGemmShortK(t *testing.T) {
	ran := false
	for _, cfg := range availableConfigs() {
		if cfg.strided == nil {
			continue
		}
		ran = true
		cfg := cfg
		short := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			gemmShortK(&cfg, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}
		r := rand.New(rand.NewPCG(11, 12))
		ks := []int{shortK - 1, shortK}
		for k := 1; k <= 40; k++ {
			ks = append(ks, k)
		}
		ms := []int{1, 2, cfg.mr - 1, cfg.mr, cfg.mr + 1, 2*cfg.mr + 1, 49}
		ns := []int{1, 3, cfg.nr - 1, cfg.nr, cfg.nr + 1, 2*cfg.nr + 5, 49}
		ab := [][2]float32{{1, 0}, {1, 1}, {0.5, -2}}
		for _, k := range ks {
			for _, m := range ms {
				for _, n := range ns {
					for tr := range 4 {
						x := ab[(k+m+n+tr)%len(ab)]
						checkGemmWith(t, short, r, tr&1 == 1, tr&2 == 2, m, n, k, x[0], x[1], (k+tr)%3)
					}
				}
			}
		}
		// Past one NC block of columns, and the shapes of bench/nn's cnn1d
		// (K = 21) and attention (49 x 49 x 16).
		for tr := range 4 {
			checkGemmWith(t, short, r, tr&1 == 1, tr&2 == 2, 13, cfg.nc+cfg.nr+3, 7, 1, 0.5, 1)
			checkGemmWith(t, short, r, tr&1 == 1, tr&2 == 2, 32, 3*cfg.nc/2, 21, 1, 0, 0)
			checkGemmWith(t, short, r, tr&1 == 1, tr&2 == 2, 49, 49, 16, 0.25, 0, 175)
		}
	}
	if !ran {
		t.Skip("no kernel with a strided form on this CPU")
	}
}

// TestGemmPackedLongK covers the packed path above shortK: row counts
// around the 6- and 8-row panels (the vector packA6 reads two rows past a
// panel where A has them), both transposes, padded strides.
func TestGemmPackedLongK(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, k := range []int{shortK + 1, 72, 100, 257} {
		for _, m := range []int{1, 5, 6, 7, 8, 12, 13, 49} {
			for _, n := range []int{1, 15, 16, 17, 49} {
				for tr := range 4 {
					checkGemmCase(t, r, tr&1 == 1, tr&2 == 2, m, n, k, 1, float32(tr%2), (k+m)%3)
				}
			}
		}
	}
}

// TestPackA6 checks packA6 against packA6Go with A and the buffer ending
// right at the panel, or one, two or more rows and floats past it.
func TestPackA6(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, kc := range []int{1, 7, 8, 9, 16, 23, 64, 65} {
		for _, lda := range []int{kc, kc + 3} {
			for extraRows := range 4 {
				for extraP := range 4 {
					a := randSlice(r, (5+extraRows)*lda+kc)
					want := make([]float32, 6*kc+extraP)
					got := make([]float32, 6*kc+extraP)
					packA6Go(a, lda, kc, want)
					packA6(a, lda, kc, got)
					for i := range 6 * kc {
						if got[i] != want[i] {
							t.Fatalf("kc=%d lda=%d rows+%d p+%d: p[%d] = %v, want %v", kc, lda, extraRows, extraP, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
