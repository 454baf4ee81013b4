//go:build !amd64 || purego

package optim

// sgdMomentum computes buf = mom*buf + damp*g and then w -= lr*buf in one
// pass over the three slices (the same length).
func sgdMomentum(w, g, buf []float32, lr, mom, damp float32) {
	sgdMomentumGeneric(w, g, buf, lr, mom, damp)
}
