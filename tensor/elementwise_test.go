package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// lengths exercise the vector bodies (32 and 8 wide) and every tail.
var lengths = []int{0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 100, 1000, 1031}

func TestBinaryKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	type kern struct {
		name string
		fn   func(dst, a, b []float32)
		ref  func(a, b float32) float32
	}
	ks := []kern{
		{"Add", Add, func(a, b float32) float32 { return a + b }},
		{"Sub", Sub, func(a, b float32) float32 { return a - b }},
		{"Mul", Mul, func(a, b float32) float32 { return a * b }},
		{"Div", Div, func(a, b float32) float32 { return a / b }},
	}
	for _, k := range ks {
		for _, n := range lengths {
			a, b := randSlice(r, n), randSlice(r, n)
			dst := make([]float32, n)
			k.fn(dst, a, b)
			for i := range dst {
				if want := k.ref(a[i], b[i]); dst[i] != want {
					t.Fatalf("%s n=%d: [%d] = %v, want %v", k.name, n, i, dst[i], want)
				}
			}
			// In place: dst aliases a.
			k.fn(a, a, b)
			for i := range dst {
				if a[i] != dst[i] {
					t.Fatalf("%s in place n=%d: [%d] = %v, want %v", k.name, n, i, a[i], dst[i])
				}
			}
		}
	}
}

func TestAxpyScaleReLU(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, n := range lengths {
		x, y := randSlice(r, n), randSlice(r, n)
		want := make([]float32, n)
		for i := range want {
			// FMA rounds once, a*x+y twice: allow one rounding of y's size.
			want[i] = y[i] + 0.5*x[i]
		}
		Axpy(0.5, x, y)
		for i := range y {
			if d := math.Abs(float64(y[i] - want[i])); d > 1e-6*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("Axpy n=%d: [%d] = %v, want %v", n, i, y[i], want[i])
			}
		}
		if n > 0 {
			x[0] = float32(math.NaN())
		}
		dst := make([]float32, n)
		ReLU(dst, x)
		for i, v := range x {
			w := v
			if v < 0 {
				w = 0
			}
			if dst[i] != w && !(v != v && dst[i] != dst[i]) {
				t.Fatalf("ReLU n=%d: [%d] = %v for %v", n, i, dst[i], v)
			}
		}
		g := randSlice(r, n)
		ReLUBackward(dst, g, x)
		for i := range dst {
			if (x[i] > 0 && dst[i] != g[i]) || (!(x[i] > 0) && dst[i] != 0) {
				t.Fatalf("ReLUBackward n=%d: [%d] = %v for x=%v g=%v", n, i, dst[i], x[i], g[i])
			}
		}
	}
}

func TestSumDot(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, n := range lengths {
		x, y := randSlice(r, n), randSlice(r, n)
		var s, d, mag float64
		for i := range x {
			s += float64(x[i])
			d += float64(x[i]) * float64(y[i])
			mag += math.Abs(float64(x[i])) * (1 + math.Abs(float64(y[i])))
		}
		// Float32 accumulation: error bounded by n*eps*sum|terms|.
		tol := float64(n+1) * 0x1p-24 * mag
		if got := Sum(x); math.Abs(float64(got)-s) > tol {
			t.Errorf("Sum n=%d = %v, want %v", n, got, s)
		}
		if got := Dot(x, y); math.Abs(float64(got)-d) > tol {
			t.Errorf("Dot n=%d = %v, want %v", n, got, d)
		}
	}
}

// ulpDiff returns the distance in float32 units in the last place.
func ulpDiff(a, b float32) int {
	if a == b {
		return 0
	}
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia < 0 {
		ia = math.MinInt32 - ia
	}
	if ib < 0 {
		ib = math.MinInt32 - ib
	}
	d := ia - ib
	if d < 0 {
		d = -d
	}
	return int(d)
}

func TestExpfSigmoidTanh(t *testing.T) {
	worstExp, worstTanh, worstSig := 0, 0, 0
	for x := float32(-104); x <= 89; x += 0.0137 {
		if u := ulpDiff(Expf(x), float32(math.Exp(float64(x)))); u > worstExp && math.Exp(float64(x)) > 1e-37 {
			worstExp = u
		}
		if x > -20 && x < 20 {
			out := make([]float32, 1)
			Tanh(out, []float32{x})
			if u := ulpDiff(out[0], float32(math.Tanh(float64(x)))); u > worstTanh {
				worstTanh = u
			}
			Sigmoid(out, []float32{x})
			if u := ulpDiff(out[0], float32(1/(1+math.Exp(-float64(x))))); u > worstSig {
				worstSig = u
			}
		}
	}
	// Cephes expf is documented at about 1 ulp; allow 2 for the float32
	// range reduction, and 4 for tanh and sigmoid which add a division.
	if worstExp > 2 || worstTanh > 4 || worstSig > 4 {
		t.Errorf("worst ulp error: exp %d, tanh %d, sigmoid %d", worstExp, worstTanh, worstSig)
	}
	if Expf(89) != float32(math.Inf(1)) || Expf(-200) != 0 || Expf(float32(math.NaN())) == Expf(float32(math.NaN())) {
		t.Error("Expf special values wrong")
	}
	// Subnormal results: exp(-100) is about 3.7e-44.
	if got, want := Expf(-100), float32(math.Exp(-100)); ulpDiff(got, want) > 1 {
		t.Errorf("Expf(-100) = %v, want %v", got, want)
	}
}

func TestSoftmaxRows(t *testing.T) {
	x := []float32{1, 2, 3, 1000, 1001, 1002, -5, -5, -5}
	sm := make([]float32, 9)
	lsm := make([]float32, 9)
	SoftmaxRows(sm, x, 3)
	LogSoftmaxRows(lsm, x, 3)
	for row := 0; row < 3; row++ {
		xr := x[row*3 : row*3+3]
		m := math.Max(float64(xr[0]), math.Max(float64(xr[1]), float64(xr[2])))
		var s float64
		for _, v := range xr {
			s += math.Exp(float64(v) - m)
		}
		for j, v := range xr {
			want := math.Exp(float64(v)-m) / s
			if d := math.Abs(float64(sm[row*3+j]) - want); d > 1e-6 {
				t.Errorf("softmax[%d,%d] = %v, want %v", row, j, sm[row*3+j], want)
			}
			wl := float64(v) - m - math.Log(s)
			if d := math.Abs(float64(lsm[row*3+j]) - wl); d > 1e-5*(1+math.Abs(wl)) {
				t.Errorf("log_softmax[%d,%d] = %v, want %v", row, j, lsm[row*3+j], wl)
			}
		}
	}
}

func TestSoftmaxLongRows(t *testing.T) {
	// Rows long enough for the vector exp, with a -Inf (masked) entry.
	r := rand.New(rand.NewPCG(29, 30))
	cols := 100
	x := randSlice(r, 3*cols)
	for i := range x {
		x[i] *= 30
	}
	x[cols+7] = float32(math.Inf(-1))
	sm, lsm := make([]float32, len(x)), make([]float32, len(x))
	SoftmaxRows(sm, x, cols)
	LogSoftmaxRows(lsm, x, cols)
	for row := 0; row < 3; row++ {
		xr := x[row*cols : (row+1)*cols]
		m := math.Inf(-1)
		for _, v := range xr {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range xr {
			s += math.Exp(float64(v) - m)
		}
		for j, v := range xr {
			want := math.Exp(float64(v)-m) / s
			// float32 exp (2 ulp) and float32 sums of 100 terms.
			if d := math.Abs(float64(sm[row*cols+j]) - want); d > 1e-6+1e-5*want {
				t.Fatalf("softmax[%d,%d] = %v, want %v", row, j, sm[row*cols+j], want)
			}
			wl := float64(v) - m - math.Log(s)
			if math.IsInf(wl, -1) {
				if !math.IsInf(float64(lsm[row*cols+j]), -1) {
					t.Fatalf("log_softmax of -Inf = %v", lsm[row*cols+j])
				}
				continue
			}
			if d := math.Abs(float64(lsm[row*cols+j]) - wl); d > 1e-5*(1+math.Abs(wl)) {
				t.Fatalf("log_softmax[%d,%d] = %v, want %v", row, j, lsm[row*cols+j], wl)
			}
		}
	}
}

func TestRowHelpers(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6} // 2 x 3
	dst := make([]float32, 6)
	AddRowVector(dst, a, []float32{10, 20, 30})
	if want := []float32{11, 22, 33, 14, 25, 36}; !equal(dst, want) {
		t.Errorf("AddRowVector = %v, want %v", dst, want)
	}
	AddColVector(dst, a, []float32{10, 20})
	if want := []float32{11, 12, 13, 24, 25, 26}; !equal(dst, want) {
		t.Errorf("AddColVector = %v, want %v", dst, want)
	}
	rs := []float32{1, 1, 1}
	SumRowsInto(rs, a)
	if want := []float32{6, 8, 10}; !equal(rs, want) {
		t.Errorf("SumRowsInto = %v, want %v", rs, want)
	}
	cs := []float32{0, 1}
	SumColsInto(cs, a)
	if want := []float32{6, 16}; !equal(cs, want) {
		t.Errorf("SumColsInto = %v, want %v", cs, want)
	}
	mx := make([]float32, 2)
	MaxRows(mx, []float32{1, 5, 2, -3, -1, -2}, 3)
	am := make([]int, 2)
	ArgMaxRows(am, []float32{1, 5, 5, -3, -1, -2}, 3)
	if !equal(mx, []float32{5, -1}) || am[0] != 1 || am[1] != 1 {
		t.Errorf("MaxRows = %v, ArgMaxRows = %v", mx, am)
	}
	nan := float32(math.NaN())
	if ArgMax([]float32{1, nan, 3}) != 1 || Max([]float32{1, nan, 3}) == Max([]float32{1, nan, 3}) {
		t.Error("NaN must win Max/ArgMax as in PyTorch")
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func BenchmarkAxpy(b *testing.B) {
	x, y := make([]float32, 4096), make([]float32, 4096)
	b.SetBytes(3 * 4 * 4096)
	for b.Loop() {
		Axpy(0.5, x, y)
	}
}

func BenchmarkAdd(b *testing.B) {
	x, y := make([]float32, 4096), make([]float32, 4096)
	b.SetBytes(3 * 4 * 4096)
	for b.Loop() {
		Add(y, x, y)
	}
}

func BenchmarkReLU(b *testing.B) {
	x := make([]float32, 4096)
	b.SetBytes(2 * 4 * 4096)
	for b.Loop() {
		ReLU(x, x)
	}
}

func BenchmarkDot(b *testing.B) {
	x := make([]float32, 4096)
	b.SetBytes(2 * 4 * 4096)
	for b.Loop() {
		Dot(x, x)
	}
}

func BenchmarkExp(b *testing.B) {
	x, y := make([]float32, 4096), make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/20 - 5
	}
	b.SetBytes(2 * 4 * 4096)
	for b.Loop() {
		Exp(y, x)
	}
}

func TestExpVector(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, n := range lengths {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.Float64()*220 - 110)
		}
		if n > 20 {
			x[3], x[12], x[19] = float32(math.NaN()), 88.5, -87.5
		}
		got := make([]float32, n)
		Exp(got, x)
		for i, v := range x {
			want := Expf(v)
			// Same algorithm; FMA contraction may change the last bit.
			if ulpDiff(got[i], want) > 1 && !(v != v && got[i] != got[i]) {
				t.Fatalf("Exp n=%d: exp(%v) = %v, want %v", n, v, got[i], want)
			}
		}
	}
}

func TestTanhVector(t *testing.T) {
	x := make([]float32, 1000)
	for i := range x {
		x[i] = float32(i-500) / 40
	}
	x[3] = float32(math.NaN())
	got := make([]float32, len(x))
	Tanh(got, x)
	for i, v := range x {
		want := float32(math.Tanh(float64(v)))
		if v != v {
			if got[i] == got[i] {
				t.Fatalf("tanh(NaN) = %v", got[i])
			}
			continue
		}
		// Same bound as TestExpfSigmoidTanh.
		if u := ulpDiff(got[i], want); u > 4 {
			t.Fatalf("tanh(%v) = %v, want %v (%d ulp)", v, got[i], want, u)
		}
	}
}

func BenchmarkTanh(b *testing.B) {
	x, y := make([]float32, 4096), make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/20 - 5
	}
	b.SetBytes(2 * 4 * 4096)
	for b.Loop() {
		Tanh(y, x)
	}
}

func BenchmarkSigmoid(b *testing.B) {
	x, y := make([]float32, 4096), make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/20 - 5
	}
	b.SetBytes(2 * 4 * 4096)
	for b.Loop() {
		Sigmoid(y, x)
	}
}

// TestReLUGrad checks ReLUGrad (the vector form on amd64) against its Go
// form over lengths around the vector widths, with zeros of both signs,
// NaNs of both signs and infinities among the outputs, with and without
// accumulation.
func TestReLUGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), -float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, -1e-45}
	for n := 0; n <= 100; n++ {
		y := make([]float32, n)
		gy := make([]float32, n)
		for i := range y {
			y[i] = float32(r.NormFloat64())
			if r.IntN(4) == 0 {
				y[i] = special[r.IntN(len(special))]
			}
			gy[i] = float32(r.NormFloat64())
		}
		for _, acc := range []bool{false, true} {
			base := make([]float32, n)
			for i := range base {
				base[i] = float32(r.NormFloat64())
			}
			want := append([]float32(nil), base...)
			got := append([]float32(nil), base...)
			reluGradGeneric(want, gy, y, acc)
			ReLUGrad(got, gy, y, acc)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d acc=%v: dst[%d] = %v, want %v (y %v, gy %v)", n, acc, i, got[i], want[i], y[i], gy[i])
				}
			}
		}
	}
}

// BenchmarkRowMax compares Max and SoftmaxRows's rowMax on attention-sized
// rows (49 scores).
func BenchmarkRowMax(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x := randSlice(r, 49*256)
	for _, f := range []struct {
		name string
		fn   func([]float32) float32
	}{{"Max", Max}, {"rowMax", rowMax}} {
		b.Run(f.name, func(b *testing.B) {
			var s float32
			for range b.N {
				for i := 0; i < len(x); i += 49 {
					s += f.fn(x[i : i+49])
				}
			}
			_ = s
		})
	}
}

// TestSoftmaxRowsRowMax checks that SoftmaxRows with rowMax gives what it
// gave with Max, bit for bit, on rows of 1 to 70 values with zeros of both
// signs, infinities and NaNs among them.
func TestSoftmaxRowsRowMax(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for cols := 1; cols <= 70; cols++ {
		for trial := range 20 {
			x := randSlice(r, cols)
			for i := range x {
				if r.IntN(8) == 0 || (trial%4 == 0 && r.IntN(2) == 0) {
					x[i] = special[r.IntN(len(special))]
				}
			}
			want := make([]float32, cols)
			AddScalar(want, x, -Max(x))
			exp(want, want)
			Scale(1/Sum(want), want)
			got := make([]float32, cols)
			SoftmaxRows(got, x, cols)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("cols=%d %v: [%d] = %v, want %v", cols, x, i, got[i], want[i])
				}
			}
		}
	}
}
