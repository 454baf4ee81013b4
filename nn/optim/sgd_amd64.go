//go:build amd64 && !purego

package optim

import "golang.org/x/sys/cpu"

// useAVX2 selects the vector SGD kernel.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:generate go run asmgen.go

// sgdMomentumAVX2 runs sgdMomentum over n elements, n a multiple of 8.
//
//go:noescape
func sgdMomentumAVX2(w, grad, buf *float32, n int, lr, mom, damp float32)

// sgdMomentum computes buf = mom*buf + damp*g and then w -= lr*buf in one
// pass over the three slices (the same length).
func sgdMomentum(w, g, buf []float32, lr, mom, damp float32) {
	n := len(w)
	g, buf = g[:n], buf[:n]
	v := 0
	if useAVX2 && n >= 8 {
		v = n &^ 7
		sgdMomentumAVX2(&w[0], &g[0], &buf[0], v, lr, mom, damp)
	}
	sgdMomentumGeneric(w[v:], g[v:], buf[v:], lr, mom, damp)
}
