//go:build !amd64 || purego

package f64

// There are no assembly kernels on this platform.
var useAVX512, useAVX2 = false, false

func hasKernels() bool { return false }

func gemmNNAsm(m, n, k int, a []float64, rs, ks int, b []float64, ldb int, c []float64, ldc int, acc bool) bool {
	return false
}

func gemmDotsAsm(m, n, k int, a []float64, lda int, bt []float64, ldbt int, c []float64, ldc int, acc bool) bool {
	return false
}

func reluAsm(x []float64) int { return 0 }

func reluGradAsm(a, delta []float64) int { return 0 }
