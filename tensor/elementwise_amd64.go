//go:build amd64 && !purego

package tensor

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 element-wise kernels. They are used on AVX-512
// machines too: these loops are bound by memory, not by vector width.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

//go:noescape
func addAVX2(dst, a, b *float32, n int)

//go:noescape
func subAVX2(dst, a, b *float32, n int)

//go:noescape
func mulAVX2(dst, a, b *float32, n int)

//go:noescape
func reluAVX2(dst, x *float32, n int)

//go:noescape
func reluGradAVX2(dst, gy, y *float32, n int)

//go:noescape
func reluGradAccAVX2(dst, gy, y *float32, n int)

//go:noescape
func expAVX2(dst, x *float32, n int) int

//go:noescape
func sumAVX2(x *float32, n int) float32

//go:noescape
func dotAVX2(x, y *float32, n int) float32

// vecMin is the length below which the Go loop beats the call overhead.
const vecMin = 16

func axpy(alpha float32, x, y []float32) {
	n := len(x)
	if !useAVX2 || n < vecMin {
		axpyGeneric(alpha, x, y)
		return
	}
	y = y[:n]
	v := n &^ 7
	axpyAVX2(alpha, &x[0], &y[0], v)
	axpyGeneric(alpha, x[v:], y[v:])
}

func add(dst, a, b []float32) {
	n := len(a)
	if !useAVX2 || n < vecMin {
		addGeneric(dst, a, b)
		return
	}
	dst, b = dst[:n], b[:n]
	v := n &^ 7
	addAVX2(&dst[0], &a[0], &b[0], v)
	addGeneric(dst[v:], a[v:], b[v:])
}

func sub(dst, a, b []float32) {
	n := len(a)
	if !useAVX2 || n < vecMin {
		subGeneric(dst, a, b)
		return
	}
	dst, b = dst[:n], b[:n]
	v := n &^ 7
	subAVX2(&dst[0], &a[0], &b[0], v)
	subGeneric(dst[v:], a[v:], b[v:])
}

func mul(dst, a, b []float32) {
	n := len(a)
	if !useAVX2 || n < vecMin {
		mulGeneric(dst, a, b)
		return
	}
	dst, b = dst[:n], b[:n]
	v := n &^ 7
	mulAVX2(&dst[0], &a[0], &b[0], v)
	mulGeneric(dst[v:], a[v:], b[v:])
}

func relu(dst, x []float32) {
	n := len(x)
	if !useAVX2 || n < vecMin {
		reluGeneric(dst, x)
		return
	}
	dst = dst[:n]
	v := n &^ 7
	reluAVX2(&dst[0], &x[0], v)
	reluGeneric(dst[v:], x[v:])
}

func reluGrad(dst, gy, y []float32, acc bool) {
	n := len(y)
	if !useAVX2 || n < vecMin {
		reluGradGeneric(dst, gy, y, acc)
		return
	}
	dst, gy = dst[:n], gy[:n]
	v := n &^ 7
	if acc {
		reluGradAccAVX2(&dst[0], &gy[0], &y[0], v)
	} else {
		reluGradAVX2(&dst[0], &gy[0], &y[0], v)
	}
	reluGradGeneric(dst[v:], gy[v:], y[v:], acc)
}

func sum(x []float32) float32 {
	n := len(x)
	if !useAVX2 || n < vecMin {
		return sumGeneric(x)
	}
	v := n &^ 31
	return sumAVX2(&x[0], v) + sumGeneric(x[v:])
}

func dot(x, y []float32) float32 {
	n := len(x)
	if !useAVX2 || n < vecMin {
		return dotGeneric(x, y)
	}
	y = y[:n]
	v := n &^ 31
	return dotAVX2(&x[0], &y[0], v) + dotGeneric(x[v:], y[v:])
}

func exp(dst, x []float32) {
	n := len(x)
	if !useAVX2 || n < 8 {
		expGeneric(dst, x)
		return
	}
	dst = dst[:n]
	v := n &^ 7
	for i := 0; i < v; {
		i += expAVX2(&dst[i], &x[i], v-i)
		if i < v {
			// A block with a NaN or a value near the ends of the range.
			expGeneric(dst[i:i+8], x[i:i+8])
			i += 8
		}
	}
	expGeneric(dst[v:], x[v:])
}
