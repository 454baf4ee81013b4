//go:build !amd64 || purego

package neighbors

// useAsm is false: this build has no assembly kernel.
const useAsm = false

// distMask runs the portable kernel; see distMaskGo.
func distMask(k int, a, b, yy, thr []float64, np int, mask []byte) {
	distMaskGo(k, a, b, yy, thr, np, mask)
}
