package images

import "github.com/mlforge/mlforge/tensor"

func scalar(v float32) *tensor.Tensor { return &tensor.Tensor{Shape: []int{}, Data: []float32{v}} }
