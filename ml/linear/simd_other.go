//go:build !amd64 || purego

package linear

// dot returns Σ x[i]·y[i]; y must be at least as long as x.
func dot(x, y []float64) float64 { return dotGeneric(x, y[:len(x)]) }

// axpy sets y[i] += alpha·x[i]; y must be at least as long as x.
func axpy(alpha float64, x, y []float64) { axpyGeneric(alpha, x, y[:len(x)]) }
