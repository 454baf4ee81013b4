package tensor_test

import (
	"fmt"

	"github.com/mlforge/mlforge/tensor"
)

func ExampleGemm() {
	// C (2x2) = A (2x3) * B (3x2).
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{7, 8, 9, 10, 11, 12}
	c := make([]float32, 4)
	tensor.Gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [58 64 139 154]
}

func ExampleTensor_Add() {
	// A bias row broadcast over a batch of two rows.
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	bias := tensor.FromSlice([]float32{10, 20, 30}, 3)
	y := x.Add(bias)
	fmt.Println(y.Shape, y.Data)
	// Output: [2 3] [11 22 33 14 25 36]
}

func ExampleTensor_SumTo() {
	// The gradient of a broadcast bias sums over the batch.
	g := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(g.SumTo(3).Data)
	// Output: [5 7 9]
}

func ExampleMatMul() {
	a := tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := tensor.FromSlice([]float32{5, 6, 7, 8}, 2, 2)
	fmt.Println(tensor.MatMul(a, b).Data)
	// Output: [19 22 43 50]
}

func ExampleIm2col() {
	// A 1-channel 3x3 image and a 2x2 kernel, stride 1, no padding: four
	// output pixels, one row per kernel tap.
	img := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	cols := make([]float32, 4*4)
	tensor.Im2col(img, 1, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, cols)
	for r := 0; r < 4; r++ {
		fmt.Println(cols[r*4 : r*4+4])
	}
	// Output:
	// [1 2 4 5]
	// [2 3 5 6]
	// [4 5 7 8]
	// [5 6 8 9]
}

func ExampleSoftmaxRows() {
	x := []float32{0, 0, 1000, 1000}
	p := make([]float32, 4)
	tensor.SoftmaxRows(p, x, 2)
	fmt.Println(p)
	// Output: [0.5 0.5 0.5 0.5]
}
