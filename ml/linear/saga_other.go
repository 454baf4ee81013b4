//go:build !amd64 || purego

package linear

// useSagaAVX is false: no assembly here.
var useSagaAVX = false

// fused4 runs the fused pass for 3 classes (weights at stride 4).
func (u *sagaUpdate) fused4(w, sumGrad, x, xn, diff, sums []float64) {
	sums[0], sums[1], sums[2] = u.fused3(w, sumGrad, x, xn, diff[0], diff[1], diff[2])
}
