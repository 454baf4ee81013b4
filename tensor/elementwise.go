package tensor

import (
	"fmt"
	"math"
)

// The slice kernels below work on raw float32 slices. Unless stated
// otherwise dst may alias an input (in-place use is fine), and they panic when
// the lengths disagree: that is a programming error in the caller. Axpy, Add,
// Sub, Mul, ReLU, Sum and Dot use AVX2 assembly on amd64 when the CPU has it.

func checkLen(op string, n int, others ...int) {
	for _, m := range others {
		if m != n {
			panic(fmt.Sprintf("tensor.%s: slice lengths %d and %d differ", op, n, m))
		}
	}
}

// Axpy computes y += alpha*x.
func Axpy(alpha float32, x, y []float32) {
	checkLen("Axpy", len(x), len(y))
	if len(x) == 0 || alpha == 0 {
		return
	}
	axpy(alpha, x, y)
}

func axpyGeneric(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Scale computes x *= alpha in place.
func Scale(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// Fill sets every element of x to v.
func Fill(x []float32, v float32) {
	if v == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] = v
	}
}

// Add computes dst = a + b element-wise.
func Add(dst, a, b []float32) {
	checkLen("Add", len(dst), len(a), len(b))
	add(dst, a, b)
}

// Sub computes dst = a - b element-wise.
func Sub(dst, a, b []float32) {
	checkLen("Sub", len(dst), len(a), len(b))
	sub(dst, a, b)
}

// Mul computes dst = a * b element-wise.
func Mul(dst, a, b []float32) {
	checkLen("Mul", len(dst), len(a), len(b))
	mul(dst, a, b)
}

// Div computes dst = a / b element-wise.
func Div(dst, a, b []float32) {
	checkLen("Div", len(dst), len(a), len(b))
	b = b[:len(a)]
	dst = dst[:len(a)]
	for i, v := range a {
		dst[i] = v / b[i]
	}
}

func addGeneric(dst, a, b []float32) {
	b = b[:len(a)]
	dst = dst[:len(a)]
	for i, v := range a {
		dst[i] = v + b[i]
	}
}

func subGeneric(dst, a, b []float32) {
	b = b[:len(a)]
	dst = dst[:len(a)]
	for i, v := range a {
		dst[i] = v - b[i]
	}
}

func mulGeneric(dst, a, b []float32) {
	b = b[:len(a)]
	dst = dst[:len(a)]
	for i, v := range a {
		dst[i] = v * b[i]
	}
}

// AddScalar computes dst = a + s.
func AddScalar(dst, a []float32, s float32) {
	checkLen("AddScalar", len(dst), len(a))
	dst = dst[:len(a)]
	for i, v := range a {
		dst[i] = v + s
	}
}

// MulScalar computes dst = a * s.
func MulScalar(dst, a []float32, s float32) {
	checkLen("MulScalar", len(dst), len(a))
	dst = dst[:len(a)]
	for i, v := range a {
		dst[i] = v * s
	}
}

// AddRowVector adds the vector v to every row of the row-major matrix a
// (len(a)/len(v) rows of len(v) columns): dst[i,j] = a[i,j] + v[j]. It is the
// bias add of a linear layer.
func AddRowVector(dst, a, v []float32) {
	checkLen("AddRowVector", len(dst), len(a))
	n := len(v)
	if n == 0 || len(a)%n != 0 {
		panic(fmt.Sprintf("tensor.AddRowVector: %d values do not split into rows of %d", len(a), n))
	}
	for i := 0; i < len(a); i += n {
		add(dst[i:i+n], a[i:i+n], v)
	}
}

// AddColVector adds v[i] to every element of row i of the row-major matrix a
// (len(v) rows): dst[i,j] = a[i,j] + v[i]. It is the per-channel bias add of a
// convolution laid out as channels x pixels.
func AddColVector(dst, a, v []float32) {
	checkLen("AddColVector", len(dst), len(a))
	m := len(v)
	if m == 0 || len(a)%m != 0 {
		panic(fmt.Sprintf("tensor.AddColVector: %d values do not split into %d rows", len(a), m))
	}
	n := len(a) / m
	for i, s := range v {
		AddScalar(dst[i*n:(i+1)*n], a[i*n:(i+1)*n], s)
	}
}

// SumRowsInto adds the rows of the row-major matrix a (rows of len(dst)
// columns) into dst: dst[j] += sum_i a[i,j]. It is the bias gradient of a
// linear layer.
func SumRowsInto(dst, a []float32) {
	n := len(dst)
	if n == 0 || len(a)%n != 0 {
		panic(fmt.Sprintf("tensor.SumRowsInto: %d values do not split into rows of %d", len(a), n))
	}
	for i := 0; i < len(a); i += n {
		axpy(1, a[i:i+n], dst)
	}
}

// SumColsInto adds the row sums of the row-major matrix a (len(dst) rows)
// into dst: dst[i] += sum_j a[i,j]. It is the bias gradient of a convolution
// laid out as channels x pixels.
func SumColsInto(dst, a []float32) {
	m := len(dst)
	if m == 0 || len(a)%m != 0 {
		panic(fmt.Sprintf("tensor.SumColsInto: %d values do not split into %d rows", len(a), m))
	}
	n := len(a) / m
	for i := range dst {
		dst[i] += Sum(a[i*n : (i+1)*n])
	}
}

// ReLU computes dst = max(x, 0); NaN stays NaN as in PyTorch.
func ReLU(dst, x []float32) {
	checkLen("ReLU", len(dst), len(x))
	relu(dst, x)
}

func reluGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// ReLUGrad is a ReLU's backward pass from its output y: dst = gy where y
// is positive and 0 elsewhere, or with acc dst += gy where y is positive.
// Positive means y's bits, read as an int32, are positive: y > 0, or a NaN
// with the sign bit clear (NaN's gradient passes, -0's does not).
func ReLUGrad(dst, gy, y []float32, acc bool) {
	checkLen("ReLUGrad", len(dst), len(gy), len(y))
	reluGrad(dst, gy, y, acc)
}

// reluGradGeneric is ReLUGrad in Go: the mask is the sign bit of -b & ^b
// for y's bits b (integer arithmetic, no data-dependent branch).
func reluGradGeneric(dst, gy, y []float32, acc bool) {
	dst = dst[:len(y)]
	gy = gy[:len(y)]
	if acc {
		for i, v := range y {
			b := int32(math.Float32bits(v))
			mask := uint32(((-b) & ^b) >> 31)
			dst[i] += math.Float32frombits(math.Float32bits(gy[i]) & mask)
		}
		return
	}
	for i, v := range y {
		b := int32(math.Float32bits(v))
		mask := uint32(((-b) & ^b) >> 31)
		dst[i] = math.Float32frombits(math.Float32bits(gy[i]) & mask)
	}
}

// ReLUBackward computes dst = grad where x > 0 and 0 elsewhere, x being the
// ReLU's input (or output: both are positive at the same places).
func ReLUBackward(dst, grad, x []float32) {
	checkLen("ReLUBackward", len(dst), len(grad), len(x))
	x = x[:len(grad)]
	dst = dst[:len(grad)]
	for i, g := range grad {
		if x[i] > 0 {
			dst[i] = g
		} else {
			dst[i] = 0
		}
	}
}

// Sigmoid computes dst = 1/(1+exp(-x)), through the vector Exp in chunks.
// It saturates to exactly 0 below about -88.7, where exp(-x) overflows.
func Sigmoid(dst, x []float32) {
	checkLen("Sigmoid", len(dst), len(x))
	var buf [256]float32
	for i := 0; i < len(x); i += len(buf) {
		xs := x[i:min(i+len(buf), len(x))]
		t := buf[:len(xs)]
		MulScalar(t, xs, -1)
		exp(t, t)
		d := dst[i : i+len(xs)]
		for j, v := range t {
			d[j] = 1 / (1 + v)
		}
	}
}

// SigmoidBackward computes dst = grad * y * (1 - y), y being the sigmoid's
// output.
func SigmoidBackward(dst, grad, y []float32) {
	checkLen("SigmoidBackward", len(dst), len(grad), len(y))
	y = y[:len(grad)]
	dst = dst[:len(grad)]
	for i, g := range grad {
		dst[i] = g * y[i] * (1 - y[i])
	}
}

// Tanh computes dst = tanh(x) to a few ulp, with the exponentials of a
// chunk computed by the vector Exp.
func Tanh(dst, x []float32) {
	checkLen("Tanh", len(dst), len(x))
	var buf [256]float32
	for i := 0; i < len(x); i += len(buf) {
		xs := x[i:min(i+len(buf), len(x))]
		t := buf[:len(xs)]
		for j, v := range xs {
			if v < 0 {
				v = -v
			}
			t[j] = 2 * min(v, 9)
		}
		exp(t, t)
		d := dst[i : i+len(xs)]
		for j, v := range xs {
			d[j] = tanhFromExp(v, t[j])
		}
	}
}

// tanhFromExp returns tanh(x) given e = exp(2*min(|x|, 9)).
func tanhFromExp(x, e float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	if a < 0.625 || a > 9 || x != x {
		return tanhf(x)
	}
	r := 1 - 2/(e+1)
	if x < 0 {
		return -r
	}
	return r
}

// tanhf is a float32 tanh accurate to a few ulp: an odd polynomial near 0
// (where 1-2/(e^2x+1) would cancel) and the exponential form elsewhere.
func tanhf(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	switch {
	case a < 0.625:
		// Cephes tanhf minimax polynomial, relative error ~2e-7 on |x| < 0.625.
		z := x * x
		return x + x*z*((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)
	case a > 9:
		// tanh(9) rounds to 1 in float32.
		if x > 0 {
			return 1
		}
		if x < 0 {
			return -1
		}
		return x // NaN
	}
	r := 1 - 2/(Expf(2*a)+1)
	if x < 0 {
		return -r
	}
	return r
}

// TanhBackward computes dst = grad * (1 - y*y), y being the tanh's output.
func TanhBackward(dst, grad, y []float32) {
	checkLen("TanhBackward", len(dst), len(grad), len(y))
	y = y[:len(grad)]
	dst = dst[:len(grad)]
	for i, g := range grad {
		dst[i] = g * (1 - y[i]*y[i])
	}
}

// Exp computes dst = exp(x) with Expf's accuracy, 8 lanes at a time with
// AVX2 where available.
func Exp(dst, x []float32) {
	checkLen("Exp", len(dst), len(x))
	exp(dst, x)
}

func expGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = Expf(v)
	}
}

// Expf is a float32 exp with at most 2 ulp error: x = n*ln2 + r with
// |r| <= ln2/2, exp(r) by a degree-6 minimax polynomial (Cephes expf), and
// 2^n put into the exponent bits. It overflows to +Inf above 88.72, flushes
// to 0 below -103.97 and returns NaN for NaN.
func Expf(x float32) float32 {
	const (
		hi    = 88.72283905206835
		lo    = -103.97207708
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	switch {
	case x > hi:
		return float32(math.Inf(1))
	case x < lo:
		return 0
	case x != x:
		return x
	}
	fx := x * log2e
	n := int32(fx)
	if fx < 0 && float32(n) != fx {
		n--
	}
	if fx-float32(n) > 0.5 {
		n++
	}
	z := float32(n)
	r := x - z*c1 - z*c2
	r2 := r * r
	y := ((((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r+5.0000001201e-1)*r2 + r + 1)
	// Scale by 2^n in two steps so that n down to -150 stays representable.
	if n < -126 {
		y *= math.Float32frombits(uint32(n+126+127) << 23)
		return y * math.Float32frombits(uint32(-126+127)<<23)
	}
	if n > 127 {
		y *= 2
		n--
	}
	return y * math.Float32frombits(uint32(n+127)<<23)
}

// Sum returns the sum of x, accumulated in float32 lanes (pairwise-like
// error growth on the vector path).
func Sum(x []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	return sum(x)
}

func sumGeneric(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Dot returns sum_i x[i]*y[i].
func Dot(x, y []float32) float32 {
	checkLen("Dot", len(x), len(y))
	if len(x) == 0 {
		return 0
	}
	return dot(x, y)
}

func dotGeneric(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Max returns the largest element of x (NaN if any element is NaN); it
// panics on an empty slice.
func Max(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v > m || v != v {
			m = v
			if v != v {
				return v
			}
		}
	}
	return m
}

// rowMax is Max for SoftmaxRows: four running maxima without a branch on
// the data, then the first NaN if any. Among zeros of both signs it may
// pick another than Max does, which x - max cannot tell apart (only ±0
// minus ±0 differs, and exp of either zero is 1).
func rowMax(x []float32) float32 {
	if len(x) < 8 {
		return Max(x)
	}
	m0, m1, m2, m3 := x[0], x[1], x[2], x[3]
	nan := m0 != m0 || m1 != m1 || m2 != m2 || m3 != m3
	i := 4
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		m0, m1, m2, m3 = max(m0, v[0]), max(m1, v[1]), max(m2, v[2]), max(m3, v[3])
	}
	for ; i < len(x); i++ {
		m0 = max(m0, x[i])
	}
	m := max(max(m0, m1), max(m2, m3))
	if nan || m != m {
		return Max(x)
	}
	return m
}

// ArgMax returns the index of the first largest element of x (of the first
// NaN, if any, as PyTorch does); it panics on an empty slice.
func ArgMax(x []float32) int {
	best, m := 0, x[0]
	if m != m {
		return 0
	}
	for i, v := range x[1:] {
		if v != v {
			return i + 1
		}
		if v > m {
			best, m = i+1, v
		}
	}
	return best
}

func rowsOf(op string, n, cols int) int {
	if cols <= 0 || n%cols != 0 {
		panic(fmt.Sprintf("tensor.%s: %d values do not split into rows of %d", op, n, cols))
	}
	return n / cols
}

// MaxRows writes the maximum of each row of the row-major matrix x (rows of
// cols values) into dst, which has one element per row.
func MaxRows(dst, x []float32, cols int) {
	rows := rowsOf("MaxRows", len(x), cols)
	checkLen("MaxRows", len(dst), rows)
	for i := range dst {
		dst[i] = Max(x[i*cols : (i+1)*cols])
	}
}

// ArgMaxRows writes the index of the maximum of each row of x into dst.
func ArgMaxRows(dst []int, x []float32, cols int) {
	rows := rowsOf("ArgMaxRows", len(x), cols)
	checkLen("ArgMaxRows", len(dst), rows)
	for i := range dst {
		dst[i] = ArgMax(x[i*cols : (i+1)*cols])
	}
}

// SoftmaxRows writes the softmax of each row of x (rows of cols values) into
// dst, subtracting the row maximum first so that large inputs do not
// overflow.
func SoftmaxRows(dst, x []float32, cols int) {
	rows := rowsOf("SoftmaxRows", len(x), cols)
	checkLen("SoftmaxRows", len(dst), len(x))
	for i := 0; i < rows; i++ {
		xr := x[i*cols : (i+1)*cols]
		dr := dst[i*cols : (i+1)*cols]
		AddScalar(dr, xr, -rowMax(xr))
		exp(dr, dr)
		Scale(1/Sum(dr), dr)
	}
}

// LogSoftmaxRows writes the log-softmax of each row of x into dst, computed
// as x - max - log(sum(exp(x - max))).
func LogSoftmaxRows(dst, x []float32, cols int) {
	rows := rowsOf("LogSoftmaxRows", len(x), cols)
	checkLen("LogSoftmaxRows", len(dst), len(x))
	for i := 0; i < rows; i++ {
		xr := x[i*cols : (i+1)*cols]
		dr := dst[i*cols : (i+1)*cols]
		m := Max(xr)
		AddScalar(dr, xr, -m)
		exp(dr, dr)
		lse := m + float32(math.Log(float64(Sum(dr))))
		AddScalar(dr, xr, -lse)
	}
}
