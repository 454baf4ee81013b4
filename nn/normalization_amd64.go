//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

var useBNAVX2 = cpu.X86.HasAVX2

//go:noescape
func bnScaleShiftAVX2(dst, src *float32, n int, sc, sh float32)

//go:noescape
func bnGradAVX2(dst, src, d *float32, n int, k, m, is, mdy, mdyx float32, acc bool)

// bnScaleShift sets dst[i] = src[i]*sc + sh.
func bnScaleShift(dst, src []float32, sc, sh float32) {
	src = src[:len(dst)]
	v := 0
	if useBNAVX2 && len(dst) >= 8 {
		v = len(dst) &^ 7
		bnScaleShiftAVX2(&dst[0], &src[0], v, sc, sh)
	}
	bnScaleShiftGeneric(dst[v:], src[v:], sc, sh)
}

// bnGrad stores (or adds, when acc) k*(d[i]-mdy-(src[i]-m)*is*mdyx) into
// dst.
func bnGrad(dst, src, d []float32, k, m, is, mdy, mdyx float32, acc bool) {
	src, d = src[:len(dst)], d[:len(dst)]
	v := 0
	if useBNAVX2 && len(dst) >= 8 {
		v = len(dst) &^ 7
		bnGradAVX2(&dst[0], &src[0], &d[0], v, k, m, is, mdy, mdyx, acc)
	}
	bnGradGeneric(dst[v:], src[v:], d[v:], k, m, is, mdy, mdyx, acc)
}
