// Package tensor provides float32 N-dimensional arrays (contiguous,
// row-major) and the numeric kernels that neural networks run on: GEMM,
// im2col, element-wise operations and reductions.
//
// The kernels come in three layers:
//   - Gemm (and GemmBatched, MatMul): a Goto/BLIS-style blocked matrix
//     product with register-tiled micro-kernels in Go assembly, AVX-512
//     (8x32 tiles) or AVX2+FMA (6x16), picked at start-up from the CPU's
//     features, and a portable pure-Go kernel used on other architectures,
//     on CPUs without AVX2, and with the purego build tag. KernelName says
//     which one runs. CGO is never needed.
//   - Slice kernels (Axpy, Add, Mul, ReLU, Sum, Dot, Exp, SoftmaxRows, ...)
//     on raw []float32, the simple ones in AVX2 assembly.
//   - Tensor methods (Add, Sub, Mul, Div with NumPy broadcasting, SumTo,
//     SumAxis, MeanAxis) that allocate their result.
//
// Tensors are internal to the library, so shape mismatches are programming
// errors: the functions panic with a message naming the operation and the
// shapes instead of returning an error. Large GEMMs run on up to GOMAXPROCS
// goroutines; everything else runs on the caller's goroutine. Steady-state
// Gemm calls do not allocate.
package tensor

import "fmt"

// Tensor is a contiguous row-major float32 array. The zero value is an empty
// tensor. Data and Shape are exported so kernels and autograd can work on the
// raw slices; code that changes Shape must keep len(Data) == Numel(Shape).
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zero-filled tensor of the given shape.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, Numel(shape))}
}

// FromSlice wraps data (not copied) in a tensor of the given shape. It panics
// if the sizes disagree: that is a programming error.
func FromSlice(data []float32, shape ...int) *Tensor {
	if len(data) != Numel(shape) {
		panic(fmt.Sprintf("tensor.FromSlice: %d values for shape %v", len(data), shape))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

// Numel returns the number of elements of a shape.
func Numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return len(t.Data) }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return len(t.Shape) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Reshape returns a tensor sharing t's data with a new shape; one dimension
// may be -1 and is inferred.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	s := append([]int(nil), shape...)
	infer, n := -1, 1
	for i, d := range s {
		if d == -1 {
			infer = i
		} else {
			n *= d
		}
	}
	if infer >= 0 && n > 0 {
		s[infer] = len(t.Data) / n
	}
	if Numel(s) != len(t.Data) {
		panic(fmt.Sprintf("tensor.Reshape: cannot view %v as %v", t.Shape, shape))
	}
	return &Tensor{Shape: s, Data: t.Data}
}
