//go:build !amd64 || purego

package neighbors

// useAsm is false: this build has no assembly kernel.
const useAsm = false

// distMask runs the portable kernel; see distMaskGo.
func distMask(k int, a, b, yy, thr []float64, np int, mask []byte) {
	distMaskGo(k, a, b, yy, thr, np, mask)
}

// lanes runs the portable lanes kernel; see lanesGo.
func lanes(m metric, x, b []float64, np int, thr float64, out []float64, mask []byte) {
	lanesGo(m, x, b, np, thr, out, mask)
}
