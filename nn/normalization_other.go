//go:build !amd64 || purego

package nn

func bnScaleShift(dst, src []float32, sc, sh float32) { bnScaleShiftGeneric(dst, src, sc, sh) }

func bnGrad(dst, src, d []float32, k, m, is, mdy, mdyx float32, acc bool) {
	bnGradGeneric(dst, src, d, k, m, is, mdy, mdyx, acc)
}
