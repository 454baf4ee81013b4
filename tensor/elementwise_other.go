//go:build !amd64 || purego

package tensor

func axpy(alpha float32, x, y []float32)      { axpyGeneric(alpha, x, y) }
func add(dst, a, b []float32)                 { addGeneric(dst, a, b) }
func sub(dst, a, b []float32)                 { subGeneric(dst, a, b) }
func mul(dst, a, b []float32)                 { mulGeneric(dst, a, b) }
func relu(dst, x []float32)                   { reluGeneric(dst, x) }
func reluGrad(dst, gy, y []float32, acc bool) { reluGradGeneric(dst, gy, y, acc) }
func sum(x []float32) float32                 { return sumGeneric(x) }
func dot(x, y []float32) float32              { return dotGeneric(x, y) }
func exp(dst, x []float32)                    { expGeneric(dst, x) }
