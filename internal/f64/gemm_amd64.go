//go:build amd64 && !purego

package f64

//go:generate go run asmgen.go

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512 kernels and useAVX2 the AVX2+FMA ones when
// AVX-512 is missing; without either the portable code runs.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// hasKernels reports whether assembly kernels run on this CPU.
func hasKernels() bool { return useAVX512 || useAVX2 }

// lanes256 gives the lane masks of the AVX2 kernels: the 8 masks starting
// at lanes256[8-w] select the first w of 8 lanes.
var lanes256 = [16]int64{-1, -1, -1, -1, -1, -1, -1, -1}

//go:noescape
func kernel4x16AVX512(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask int, acc bool)

//go:noescape
func kernel3x16AVX512(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask int, acc bool)

//go:noescape
func kernel2x16AVX512(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask int, acc bool)

//go:noescape
func kernel1x16AVX512(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask int, acc bool)

//go:noescape
func kernel4x8AVX2(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask *int64, acc bool)

//go:noescape
func kernel3x8AVX2(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask *int64, acc bool)

//go:noescape
func kernel2x8AVX2(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask *int64, acc bool)

//go:noescape
func kernel1x8AVX2(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask *int64, acc bool)

// gemmNNAsm runs the assembly kernels over C (m × n) = or += A·B with
// A[i,p] at a[i·rs + p·ks] and B row-major; it reports false when the CPU
// has none. kc columns of A are taken per pass, so that a 16-wide (8-wide
// with AVX2) panel of B stays in the L1 cache across the row blocks.
func gemmNNAsm(m, n, k int, a []float64, rs, ks int, b []float64, ldb int, c []float64, ldc int, acc bool) bool {
	switch {
	case useAVX512:
		for p0 := 0; p0 < k; p0 += kc {
			kk := min(kc, k-p0)
			ac := acc || p0 > 0
			for j0 := 0; j0 < n; j0 += 16 {
				mask := 1<<min(16, n-j0) - 1
				bp := &b[p0*ldb+j0]
				i := 0
				for ; i+4 <= m; i += 4 {
					kernel4x16AVX512(kk, &a[i*rs+p0*ks], rs, ks, bp, ldb, &c[i*ldc+j0], ldc, mask, ac)
				}
				switch m - i {
				case 3:
					kernel3x16AVX512(kk, &a[i*rs+p0*ks], rs, ks, bp, ldb, &c[i*ldc+j0], ldc, mask, ac)
				case 2:
					kernel2x16AVX512(kk, &a[i*rs+p0*ks], rs, ks, bp, ldb, &c[i*ldc+j0], ldc, mask, ac)
				case 1:
					kernel1x16AVX512(kk, &a[i*rs+p0*ks], rs, ks, bp, ldb, &c[i*ldc+j0], ldc, mask, ac)
				}
			}
		}
		return true
	case useAVX2:
		for p0 := 0; p0 < k; p0 += kc {
			kk := min(kc, k-p0)
			ac := acc || p0 > 0
			for j0 := 0; j0 < n; j0 += 8 {
				mask := &lanes256[8-min(8, n-j0)]
				bp := &b[p0*ldb+j0]
				i := 0
				for ; i+4 <= m; i += 4 {
					kernel4x8AVX2(kk, &a[i*rs+p0*ks], rs, ks, bp, ldb, &c[i*ldc+j0], ldc, mask, ac)
				}
				switch m - i {
				case 3:
					kernel3x8AVX2(kk, &a[i*rs+p0*ks], rs, ks, bp, ldb, &c[i*ldc+j0], ldc, mask, ac)
				case 2:
					kernel2x8AVX2(kk, &a[i*rs+p0*ks], rs, ks, bp, ldb, &c[i*ldc+j0], ldc, mask, ac)
				case 1:
					kernel1x8AVX2(kk, &a[i*rs+p0*ks], rs, ks, bp, ldb, &c[i*ldc+j0], ldc, mask, ac)
				}
			}
		}
		return true
	}
	return false
}

//go:noescape
func dot4AVX512(k int, a *float64, lda int, b *float64, c *float64, ldc int, acc bool)

//go:noescape
func dot1AVX512(k int, a *float64, lda int, b *float64, c *float64, ldc int, acc bool)

//go:noescape
func dot4AVX2(k int, a *float64, lda int, b *float64, c *float64, ldc int, acc bool, tail *int64)

//go:noescape
func dot1AVX2(k int, a *float64, lda int, b *float64, c *float64, ldc int, acc bool, tail *int64)

// gemmDotsAsm computes C (m × n) = or += A·Btᵀ for row-major A (m × k) and
// Bt (n × k) as m·n dot products of rows, four rows of A at a time; it
// reports false when the CPU has no kernels.
func gemmDotsAsm(m, n, k int, a []float64, lda int, bt []float64, ldbt int, c []float64, ldc int, acc bool) bool {
	switch {
	case useAVX512:
		i := 0
		for ; i+4 <= m; i += 4 {
			for j := range n {
				dot4AVX512(k, &a[i*lda], lda, &bt[j*ldbt], &c[i*ldc+j], ldc, acc)
			}
		}
		for ; i < m; i++ {
			for j := range n {
				dot1AVX512(k, &a[i*lda], lda, &bt[j*ldbt], &c[i*ldc+j], ldc, acc)
			}
		}
		return true
	case useAVX2:
		tail := &lanes256[8-k%4]
		i := 0
		for ; i+4 <= m; i += 4 {
			for j := range n {
				dot4AVX2(k, &a[i*lda], lda, &bt[j*ldbt], &c[i*ldc+j], ldc, acc, tail)
			}
		}
		for ; i < m; i++ {
			for j := range n {
				dot1AVX2(k, &a[i*lda], lda, &bt[j*ldbt], &c[i*ldc+j], ldc, acc, tail)
			}
		}
		return true
	}
	return false
}

//go:noescape
func reluAVX512(x *float64, n int)

//go:noescape
func reluGradAVX512(a, delta *float64, n int)

//go:noescape
func reluAVX2(x *float64, n int)

//go:noescape
func reluGradAVX2(a, delta *float64, n int)

// reluAsm applies Relu to x with a kernel and reports how many leading
// elements it did (all of them with AVX-512, a multiple of 4 with AVX2).
func reluAsm(x []float64) int {
	switch n := len(x); {
	case n == 0:
		return 0
	case useAVX512:
		reluAVX512(&x[0], n)
		return n
	case useAVX2 && n >= 4:
		reluAVX2(&x[0], n&^3)
		return n &^ 3
	}
	return 0
}

// reluGradAsm applies ReluGrad with a kernel and reports how many leading
// elements it did.
func reluGradAsm(a, delta []float64) int {
	switch n := len(a); {
	case n == 0:
		return 0
	case useAVX512:
		reluGradAVX512(&a[0], &delta[0], n)
		return n
	case useAVX2 && n >= 4:
		reluGradAVX2(&a[0], &delta[0], n&^3)
		return n &^ 3
	}
	return 0
}
