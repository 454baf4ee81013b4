package tensor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// naiveBroadcast computes op element by element from multi-indices.
func naiveBroadcast(op binop, a, b *Tensor) *Tensor {
	shape, err := BroadcastShapes(a.Shape, b.Shape)
	if err != nil {
		panic(err)
	}
	out := New(shape...)
	idx := make([]int, len(shape))
	at := func(t *Tensor) float32 {
		off := 0
		for i, d := range t.Shape {
			j := len(shape) - len(t.Shape) + i
			v := idx[j]
			if d == 1 {
				v = 0
			}
			off = off*d + v
		}
		return t.Data[off]
	}
	for k := range out.Data {
		r := k
		for i := len(shape) - 1; i >= 0; i-- {
			idx[i] = r % shape[i]
			r /= shape[i]
		}
		x, y := at(a), at(b)
		switch op {
		case opAdd:
			out.Data[k] = x + y
		case opSub:
			out.Data[k] = x - y
		case opMul:
			out.Data[k] = x * y
		default:
			out.Data[k] = x / y
		}
	}
	return out
}

func randTensor(r *rand.Rand, shape ...int) *Tensor {
	return FromSlice(randSlice(r, Numel(shape)), shape...)
}

func TestBroadcastOps(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	pairs := [][2][]int{
		{{2, 3}, {2, 3}},
		{{4, 3}, {3}},
		{{4, 3}, {4, 1}},
		{{3}, {4, 3}},
		{{4, 1}, {1, 5}},
		{{2, 3, 4, 5}, {1, 3, 1, 1}},
		{{2, 3, 4, 5}, {3, 1, 5}},
		{{1}, {2, 3}},
		{{2, 3}, {}},
		{{5, 1, 4}, {1, 6, 1}},
		{{2, 1, 3, 1}, {4, 1, 5}},
		{{1, 1}, {1}},
		{{0, 3}, {3}},
	}
	for _, p := range pairs {
		a, b := randTensor(r, p[0]...), randTensor(r, p[1]...)
		for op, name := range binopNames {
			var got *Tensor
			switch binop(op) {
			case opAdd:
				got = a.Add(b)
			case opSub:
				got = a.Sub(b)
			case opMul:
				got = a.Mul(b)
			default:
				got = a.Div(b)
			}
			want := naiveBroadcast(binop(op), a, b)
			if !slices.Equal(got.Shape, want.Shape) || !equal(got.Data, want.Data) {
				t.Fatalf("%s %v %v: got %v %v, want %v %v", name, p[0], p[1], got.Shape, got.Data, want.Shape, want.Data)
			}
		}
	}
}

func TestBroadcastMismatchPanics(t *testing.T) {
	defer func() {
		r := recover()
		msg := fmt.Sprint(r)
		if r == nil || !strings.Contains(msg, "tensor.Add") || !strings.Contains(msg, "[2 3]") || !strings.Contains(msg, "[4]") {
			t.Fatalf("panic = %v", r)
		}
	}()
	New(2, 3).Add(New(4))
}

func TestSumToAndAxis(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	x := randTensor(r, 2, 3, 4)
	// SumTo(1,3,1) must equal summing axes 0 and 2.
	got := x.SumTo(1, 3, 1)
	want := x.SumAxis(0, true).SumAxis(2, true)
	if !slices.Equal(got.Shape, []int{1, 3, 1}) || !approxEqual(got.Data, want.Data, 1e-5) {
		t.Fatalf("SumTo = %v %v, want %v", got.Shape, got.Data, want.Data)
	}
	got = x.SumTo(4)
	for j := 0; j < 4; j++ {
		var s float32
		for i := 0; i < 6; i++ {
			s += x.Data[i*4+j]
		}
		if d := got.Data[j] - s; d > 1e-5 || d < -1e-5 {
			t.Fatalf("SumTo(4)[%d] = %v, want %v", j, got.Data[j], s)
		}
	}
	s1 := x.SumAxis(1, false)
	if !slices.Equal(s1.Shape, []int{2, 4}) {
		t.Fatalf("SumAxis shape %v", s1.Shape)
	}
	for i := 0; i < 2; i++ {
		for k := 0; k < 4; k++ {
			var s float32
			for j := 0; j < 3; j++ {
				s += x.Data[(i*3+j)*4+k]
			}
			if d := s1.Data[i*4+k] - s; d > 1e-5 || d < -1e-5 {
				t.Fatalf("SumAxis(1)[%d,%d] = %v, want %v", i, k, s1.Data[i*4+k], s)
			}
		}
	}
	m := x.MeanAxis(-1, false)
	if !slices.Equal(m.Shape, []int{2, 3}) || !approxEqual(m.Data, scaled(x.SumAxis(2, false).Data, 0.25), 1e-6) {
		t.Fatalf("MeanAxis = %v", m.Data)
	}
	if d := x.Mean() - x.Sum()/24; d > 1e-6 || d < -1e-6 {
		t.Fatal("Mean != Sum/n")
	}
}

func scaled(x []float32, s float32) []float32 {
	out := slices.Clone(x)
	Scale(s, out)
	return out
}

func approxEqual(a, b []float32, tol float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if d := a[i] - b[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

func TestTransposeMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	a := randTensor(r, 37, 70)
	at := Transpose2D(a)
	for i := 0; i < 37; i++ {
		for j := 0; j < 70; j++ {
			if at.Data[j*37+i] != a.Data[i*70+j] {
				t.Fatalf("Transpose2D wrong at %d,%d", i, j)
			}
		}
	}
	b := randTensor(r, 70, 9)
	c := MatMul(a, b)
	want := make([]float32, 37*9)
	gemmRef(false, false, 37, 9, 70, 1, a.Data, 70, b.Data, 9, 0, want, 9)
	if !slices.Equal(c.Shape, []int{37, 9}) || !approxEqual(c.Data, want, 1e-4) {
		t.Fatal("MatMul 2-D differs from gemmRef")
	}
	a3 := randTensor(r, 5, 6, 7)
	b3 := randTensor(r, 5, 7, 8)
	c3 := MatMul(a3, b3)
	for i := 0; i < 5; i++ {
		w := make([]float32, 48)
		gemmRef(false, false, 6, 8, 7, 1, a3.Data[i*42:], 7, b3.Data[i*56:], 8, 0, w, 8)
		if !approxEqual(c3.Data[i*48:(i+1)*48], w, 1e-4) {
			t.Fatalf("MatMul 3-D batch %d differs", i)
		}
	}
	b2 := randTensor(r, 7, 8)
	c32 := MatMul(a3, b2)
	if !slices.Equal(c32.Shape, []int{5, 6, 8}) {
		t.Fatalf("MatMul 3-D x 2-D shape %v", c32.Shape)
	}
	for i := 0; i < 5; i++ {
		w := make([]float32, 48)
		gemmRef(false, false, 6, 8, 7, 1, a3.Data[i*42:], 7, b2.Data, 8, 0, w, 8)
		if !approxEqual(c32.Data[i*48:(i+1)*48], w, 1e-4) {
			t.Fatalf("MatMul 3-D x 2-D batch %d differs", i)
		}
	}
}
