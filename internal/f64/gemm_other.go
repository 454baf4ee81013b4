//go:build !amd64 || purego

package f64

// gemmNNAsm reports false: there are no assembly kernels on this platform.
func gemmNNAsm(m, n, k int, a []float64, rs, ks int, b []float64, ldb int, c []float64, ldc int, acc bool) bool {
	return false
}

func reluAsm(x []float64) bool { return false }

func reluGradAsm(a, delta []float64) bool { return false }

func gemmDotsAsm(m, n, k int, a []float64, lda int, bt []float64, ldbt int, c []float64, ldc int, acc bool) bool {
	return false
}

// useAVX512 is false: there are no assembly kernels on this platform.
var useAVX512 = false
