//go:build amd64 && !purego

package f64

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512 micro-kernels.
var useAVX512 = cpu.X86.HasAVX512F

//go:noescape
func kernel4x16AVX512(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask int, acc bool)

//go:noescape
func kernel3x16AVX512(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask int, acc bool)

//go:noescape
func kernel2x16AVX512(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask int, acc bool)

//go:noescape
func kernel1x16AVX512(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask int, acc bool)

// gemmNNAsm runs the AVX-512 kernels over C (m × n) = or += A·B with
// A[i,p] at a[i·rs + p·ks] and B row-major; it reports false when the CPU
// lacks AVX-512. kc ≥ 1 columns of A are taken per pass, so that a 16-wide
// panel of B stays in the L1 cache across the row blocks.
func gemmNNAsm(m, n, k int, a []float64, rs, ks int, b []float64, ldb int, c []float64, ldc int, acc bool) bool {
	if !useAVX512 {
		return false
	}
	for p0 := 0; p0 < k; p0 += kc {
		kk := min(kc, k-p0)
		ac := acc || p0 > 0
		for j0 := 0; j0 < n; j0 += 16 {
			w := min(16, n-j0)
			mask := 1<<w - 1
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
}

//go:noescape
func dot4AVX512(k int, a *float64, lda int, b *float64, c *float64, ldc int, acc bool)

//go:noescape
func dot1AVX512(k int, a *float64, lda int, b *float64, c *float64, ldc int, acc bool)

// gemmDotsAsm computes C (m × n) = or += A·Btᵀ for row-major A (m × k) and
// Bt (n × k) as m·n dot products of rows, four rows of A at a time; it
// reports false when the CPU lacks AVX-512.
func gemmDotsAsm(m, n, k int, a []float64, lda int, bt []float64, ldbt int, c []float64, ldc int, acc bool) bool {
	if !useAVX512 {
		return false
	}
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
}

//go:noescape
func reluAVX512(x *float64, n int)

//go:noescape
func reluGradAVX512(a, delta *float64, n int)

func reluAsm(x []float64) bool {
	if !useAVX512 {
		return false
	}
	if len(x) > 0 {
		reluAVX512(&x[0], len(x))
	}
	return true
}

func reluGradAsm(a, delta []float64) bool {
	if !useAVX512 {
		return false
	}
	if len(a) > 0 {
		reluGradAVX512(&a[0], &delta[0], len(a))
	}
	return true
}
