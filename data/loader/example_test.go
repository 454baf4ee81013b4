package loader_test

import (
	"context"
	"fmt"

	"github.com/mlforge/mlforge/data/loader"
	"github.com/mlforge/mlforge/tensor"
)

func ExampleDataLoader() {
	// Ten samples of two features; the targets are the sample numbers.
	x := tensor.New(10, 2)
	y := tensor.New(10)
	for i := range 10 {
		x.Data[2*i], x.Data[2*i+1] = float32(i), float32(-i)
		y.Data[i] = float32(i)
	}
	ds, err := loader.NewTensorDataset(x, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	l := &loader.DataLoader{Dataset: ds, BatchSize: 4, Shuffle: true, Seed: 7, DropLast: true}
	for epoch := range 2 {
		for b, err := range l.Batches(context.Background(), epoch) {
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println("epoch", epoch, b.X.Shape, b.Y.Data)
		}
	}
	// Output:
	// epoch 0 [4 2] [5 9 7 6]
	// epoch 0 [4 2] [1 8 3 2]
	// epoch 1 [4 2] [8 3 9 5]
	// epoch 1 [4 2] [0 6 1 2]
}

func ExampleIterator() {
	ds, _ := loader.NewTensorDataset(tensor.New(5, 3), nil)
	it, err := (&loader.DataLoader{Dataset: ds, BatchSize: 2}).Iter(context.Background(), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer it.Close()
	for it.Next() {
		b := it.Batch() // valid until the next call to Next
		fmt.Println(b.X.Shape, b.Indices, b.Y == nil)
	}
	fmt.Println(it.Err())
	// Output:
	// [2 3] [0 1] true
	// [2 3] [2 3] true
	// [1 3] [4] true
	// <nil>
}
