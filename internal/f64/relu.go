package f64

// Relu sets x[i] = max(x[i], 0), keeping NaNs (like numpy's maximum).
func Relu(x []float64) {
	for i := reluAsm(x); i < len(x); i++ {
		if x[i] < 0 {
			x[i] = 0
		}
	}
}

// ReluGrad zeroes delta[i] where a[i] ≤ 0: the back-propagation of a ReLU
// through its output a. delta must be at least as long as a.
func ReluGrad(a, delta []float64) {
	delta = delta[:len(a)]
	for i := reluGradAsm(a, delta); i < len(a); i++ {
		if a[i] <= 0 {
			delta[i] = 0
		}
	}
}
