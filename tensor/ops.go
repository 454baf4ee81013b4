package tensor

import (
	"fmt"
	"slices"
)

// Shape errors in the Tensor methods below are programming errors (tensors
// are internal to the library): they panic with a message naming the
// operation and both shapes. Every method returns a new tensor and leaves its
// operands unchanged.

// BroadcastShapes returns the shape that a and b broadcast to under NumPy's
// rules: shapes are aligned at their last dimension and each pair of sizes
// must be equal or contain a 1.
func BroadcastShapes(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 1; i <= n; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db || db == 1:
			out[n-i] = da
		case da == 1:
			out[n-i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast: dimension %d is %d against %d", a, b, -i, da, db)
		}
	}
	return out, nil
}

// binop selects the element-wise operation of broadcast.
type binop int

const (
	opAdd binop = iota
	opSub
	opMul
	opDiv
)

var binopNames = [...]string{"Add", "Sub", "Mul", "Div"}

// apply runs op on equal-length slices.
func (op binop) apply(dst, a, b []float32) {
	switch op {
	case opAdd:
		add(dst, a, b)
	case opSub:
		sub(dst, a, b)
	case opMul:
		mul(dst, a, b)
	default:
		b = b[:len(a)]
		dst = dst[:len(a)]
		for i, v := range a {
			dst[i] = v / b[i]
		}
	}
}

// applyScalarRight runs dst = a op s.
func (op binop) applyScalarRight(dst, a []float32, s float32) {
	switch op {
	case opAdd:
		AddScalar(dst, a, s)
	case opSub:
		AddScalar(dst, a, -s)
	case opMul:
		MulScalar(dst, a, s)
	default:
		dst = dst[:len(a)]
		for i, v := range a {
			dst[i] = v / s
		}
	}
}

// applyScalarLeft runs dst = s op b.
func (op binop) applyScalarLeft(dst []float32, s float32, b []float32) {
	dst = dst[:len(b)]
	switch op {
	case opAdd:
		AddScalar(dst, b, s)
	case opMul:
		MulScalar(dst, b, s)
	case opSub:
		for i, v := range b {
			dst[i] = s - v
		}
	default:
		for i, v := range b {
			dst[i] = s / v
		}
	}
}

// broadcast computes op(t, o) with NumPy broadcasting.
func broadcast(op binop, t, o *Tensor) *Tensor {
	if slices.Equal(t.Shape, o.Shape) {
		out := New(t.Shape...)
		op.apply(out.Data, t.Data, o.Data)
		return out
	}
	shape, err := BroadcastShapes(t.Shape, o.Shape)
	if err != nil {
		panic("tensor." + binopNames[op] + ": " + err.Error())
	}
	out := New(shape...)
	if len(out.Data) == 0 {
		return out
	}
	// Drop output dimensions of size 1: they change no offsets.
	fa, fb := broadcastStrides(t.Shape, len(shape)), broadcastStrides(o.Shape, len(shape))
	var dims, sa, sb []int
	for i, d := range shape {
		if d != 1 {
			dims, sa, sb = append(dims, d), append(sa, fa[i]), append(sb, fb[i])
		}
	}
	if len(dims) == 0 {
		op.apply(out.Data, t.Data, o.Data)
		return out
	}
	// The inner run is the last dimension, merged with the ones before it
	// while each operand stays contiguous (stride 1) or constant (stride 0)
	// across them. At most one operand is constant: the output has size > 1.
	last := len(dims) - 1
	aConst, bConst := sa[last] == 0, sb[last] == 0
	inner := dims[last]
	d := last
	for d > 0 {
		i := d - 1
		okA := (aConst && sa[i] == 0) || (!aConst && sa[i] == inner)
		okB := (bConst && sb[i] == 0) || (!bConst && sb[i] == inner)
		if !okA || !okB {
			break
		}
		inner *= dims[i]
		d--
	}
	outer := len(out.Data) / inner
	idx := make([]int, d)
	offA, offB := 0, 0
	for k := 0; k < outer; k++ {
		dst := out.Data[k*inner : (k+1)*inner]
		switch {
		case aConst:
			op.applyScalarLeft(dst, t.Data[offA], o.Data[offB:offB+inner])
		case bConst:
			op.applyScalarRight(dst, t.Data[offA:offA+inner], o.Data[offB])
		default:
			op.apply(dst, t.Data[offA:offA+inner], o.Data[offB:offB+inner])
		}
		// Advance the multi-index over dimensions 0..d-1.
		for i := d - 1; i >= 0; i-- {
			idx[i]++
			offA += sa[i]
			offB += sb[i]
			if idx[i] < dims[i] {
				break
			}
			offA -= sa[i] * dims[i]
			offB -= sb[i] * dims[i]
			idx[i] = 0
		}
	}
	return out
}

// broadcastStrides returns the element strides of a contiguous tensor of the
// given shape viewed with nd dimensions, with stride 0 along broadcast
// (size-1 or missing) dimensions.
func broadcastStrides(shape []int, nd int) []int {
	st := make([]int, nd)
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		j := nd - len(shape) + i
		if shape[i] != 1 {
			st[j] = s
		}
		s *= shape[i]
	}
	return st
}

// Add returns t + o with NumPy broadcasting; it panics if the shapes do not
// broadcast.
func (t *Tensor) Add(o *Tensor) *Tensor { return broadcast(opAdd, t, o) }

// Sub returns t - o with NumPy broadcasting; it panics if the shapes do not
// broadcast.
func (t *Tensor) Sub(o *Tensor) *Tensor { return broadcast(opSub, t, o) }

// Mul returns t * o element-wise with NumPy broadcasting; it panics if the
// shapes do not broadcast.
func (t *Tensor) Mul(o *Tensor) *Tensor { return broadcast(opMul, t, o) }

// Div returns t / o element-wise with NumPy broadcasting; it panics if the
// shapes do not broadcast.
func (t *Tensor) Div(o *Tensor) *Tensor { return broadcast(opDiv, t, o) }

// SumTo reduces t to shape by summing over the dimensions that broadcasting
// would have expanded: the gradient of a broadcast operand. shape must
// broadcast to t's shape; it panics otherwise.
func (t *Tensor) SumTo(shape ...int) *Tensor {
	if slices.Equal(t.Shape, shape) {
		return t.Clone()
	}
	if b, err := BroadcastShapes(shape, t.Shape); err != nil || !slices.Equal(b, t.Shape) {
		panic(fmt.Sprintf("tensor.SumTo: shape %v does not broadcast to %v", shape, t.Shape))
	}
	out := New(shape...)
	nd := len(t.Shape)
	st := broadcastStrides(shape, nd)
	// Walk t in order; the matching output offset follows the strides.
	inner := t.Shape[nd-1]
	innerStride := st[nd-1]
	outer := len(t.Data) / max(inner, 1)
	idx := make([]int, nd-1)
	off := 0
	for k := 0; k < outer; k++ {
		src := t.Data[k*inner : (k+1)*inner]
		if innerStride == 0 {
			out.Data[off] += Sum(src)
		} else {
			axpy(1, src, out.Data[off:off+inner])
		}
		for i := nd - 2; i >= 0; i-- {
			idx[i]++
			off += st[i]
			if idx[i] < t.Shape[i] {
				break
			}
			off -= st[i] * t.Shape[i]
			idx[i] = 0
		}
	}
	return out
}

// Sum returns the sum of all elements.
func (t *Tensor) Sum() float32 { return Sum(t.Data) }

// Mean returns the mean of all elements (NaN for an empty tensor).
func (t *Tensor) Mean() float32 { return Sum(t.Data) / float32(len(t.Data)) }

// normAxis resolves a possibly negative axis.
func (t *Tensor) normAxis(op string, axis int) int {
	a := axis
	if a < 0 {
		a += len(t.Shape)
	}
	if a < 0 || a >= len(t.Shape) {
		panic(fmt.Sprintf("tensor.%s: axis %d out of range for shape %v", op, axis, t.Shape))
	}
	return a
}

// SumAxis sums over one axis (negative counts from the end). With keepDim
// the axis stays with size 1, otherwise it is removed.
func (t *Tensor) SumAxis(axis int, keepDim bool) *Tensor {
	a := t.normAxis("SumAxis", axis)
	outer := Numel(t.Shape[:a])
	n := t.Shape[a]
	inner := Numel(t.Shape[a+1:])
	shape := slices.Clone(t.Shape)
	if keepDim {
		shape[a] = 1
	} else {
		shape = slices.Delete(shape, a, a+1)
	}
	out := New(shape...)
	for o := 0; o < outer; o++ {
		dst := out.Data[o*inner : (o+1)*inner]
		base := o * n * inner
		if inner == 1 {
			dst[0] = Sum(t.Data[base : base+n])
			continue
		}
		for i := 0; i < n; i++ {
			axpy(1, t.Data[base+i*inner:base+(i+1)*inner], dst)
		}
	}
	return out
}

// MeanAxis averages over one axis, like SumAxis.
func (t *Tensor) MeanAxis(axis int, keepDim bool) *Tensor {
	out := t.SumAxis(axis, keepDim)
	n := t.Shape[t.normAxis("MeanAxis", axis)]
	Scale(1/float32(n), out.Data)
	return out
}

// Transpose2D returns the transpose of a 2-D tensor; it panics for other
// ranks.
func Transpose2D(t *Tensor) *Tensor {
	if len(t.Shape) != 2 {
		panic(fmt.Sprintf("tensor.Transpose2D: want a 2-D tensor, got shape %v", t.Shape))
	}
	r, c := t.Shape[0], t.Shape[1]
	out := New(c, r)
	Transpose(out.Data, t.Data, r, c)
	return out
}

// Transpose writes the transpose of the r x c row-major matrix src into dst
// (c x r). It works in 32 x 32 blocks so that both sides stay in cache.
func Transpose(dst, src []float32, r, c int) {
	if len(src) < r*c || len(dst) < r*c {
		panic(fmt.Sprintf("tensor.Transpose: %dx%d needs %d values, have src %d dst %d", r, c, r*c, len(src), len(dst)))
	}
	const bs = 32
	for i0 := 0; i0 < r; i0 += bs {
		i1 := min(i0+bs, r)
		for j0 := 0; j0 < c; j0 += bs {
			j1 := min(j0+bs, c)
			for i := i0; i < i1; i++ {
				row := src[i*c+j0 : i*c+j1]
				for j, v := range row {
					dst[(j0+j)*r+i] = v
				}
			}
		}
	}
}

// MatMul returns the matrix product of a and b:
//   - 2-D (m x k) times 2-D (k x n) gives m x n;
//   - 3-D (batch x m x k) times 3-D (batch x k x n) gives batch x m x n;
//   - 3-D (batch x m x k) times 2-D (k x n) gives batch x m x n (one GEMM).
//
// It panics on other ranks or mismatched sizes.
func MatMul(a, b *Tensor) *Tensor {
	switch {
	case len(a.Shape) == 2 && len(b.Shape) == 2:
		m, k, n := a.Shape[0], a.Shape[1], b.Shape[1]
		checkInner(a, b, k, b.Shape[0])
		out := New(m, n)
		Gemm(false, false, m, n, k, 1, a.Data, k, b.Data, n, 0, out.Data, n)
		return out
	case len(a.Shape) == 3 && len(b.Shape) == 2:
		bt, m, k, n := a.Shape[0], a.Shape[1], a.Shape[2], b.Shape[1]
		checkInner(a, b, k, b.Shape[0])
		out := New(bt, m, n)
		Gemm(false, false, bt*m, n, k, 1, a.Data, k, b.Data, n, 0, out.Data, n)
		return out
	case len(a.Shape) == 3 && len(b.Shape) == 3:
		bt, m, k, n := a.Shape[0], a.Shape[1], a.Shape[2], b.Shape[2]
		checkInner(a, b, k, b.Shape[1])
		if b.Shape[0] != bt {
			panic(fmt.Sprintf("tensor.MatMul: batch sizes differ: %v and %v", a.Shape, b.Shape))
		}
		out := New(bt, m, n)
		GemmBatched(false, false, bt, m, n, k, 1, a.Data, k, m*k, b.Data, n, k*n, 0, out.Data, n, m*n)
		return out
	}
	panic(fmt.Sprintf("tensor.MatMul: unsupported ranks: %v times %v", a.Shape, b.Shape))
}

func checkInner(a, b *Tensor, ka, kb int) {
	if ka != kb {
		panic(fmt.Sprintf("tensor.MatMul: inner dimensions differ: %v times %v", a.Shape, b.Shape))
	}
}

// GemmBatched runs batch independent products C_i = alpha*op(A_i)*op(B_i) +
// beta*C_i, where A_i starts at a[i*strideA] (likewise B_i and C_i) and
// each follows Gemm's conventions. Small products run concurrently over
// GOMAXPROCS goroutines; large ones are parallelised inside Gemm.
func GemmBatched(transA, transB bool, batch, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC int) {
	if batch <= 0 {
		return
	}
	if gemmThreads(m, n, k) > 1 || batch == 1 {
		for i := 0; i < batch; i++ {
			Gemm(transA, transB, m, n, k, alpha, a[i*strideA:], lda, b[i*strideB:], ldb, beta, c[i*strideC:], ldc)
		}
		return
	}
	parallelFor(batch, func(i int) {
		Gemm(transA, transB, m, n, k, alpha, a[i*strideA:], lda, b[i*strideB:], ldb, beta, c[i*strideC:], ldc)
	})
}
