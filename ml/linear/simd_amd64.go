//go:build amd64 && !purego

package linear

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2+FMA kernels for dot and axpy.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dotAVX2(x, y *float64, n int) float64

//go:noescape
func axpyAVX2(alpha float64, x, y *float64, n int)

// dot returns Σ x[i]·y[i]; y must be at least as long as x.
func dot(x, y []float64) float64 {
	n := len(x)
	y = y[:n]
	if !useAVX2 || n < 16 {
		return dotGeneric(x, y)
	}
	m := n &^ 15
	s := dotAVX2(&x[0], &y[0], m)
	for i := m; i < n; i++ {
		s += x[i] * y[i]
	}
	return s
}

// axpy sets y[i] += alpha·x[i]; y must be at least as long as x.
func axpy(alpha float64, x, y []float64) {
	n := len(x)
	y = y[:n]
	if !useAVX2 || n < 16 {
		axpyGeneric(alpha, x, y)
		return
	}
	m := n &^ 15
	axpyAVX2(alpha, &x[0], &y[0], m)
	for i := m; i < n; i++ {
		y[i] += alpha * x[i]
	}
}
