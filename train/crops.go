package train

import (
	"fmt"

	"github.com/mlforge/mlforge/tensor"
)

// A spec whose transforms hold a FiveCrop or TenCrop (images.MultiCrop)
// makes each image ncrops samples: the datasets give one image's crops
// stacked (ncrops x C x H x W) and the loader batches B images. Training
// takes the B*ncrops crops as samples, each with its image's label (so
// batch_size counts images, as torchvision's DataLoader counts them, and
// the network sees batch_size*ncrops crops a step); evaluation and
// prediction average the network's outputs over each image's crops,
// torchvision's recipe
//
//	bs, ncrops, c, h, w = input.size()
//	result = model(input.view(-1, c, h, w))
//	result_avg = result.view(bs, ncrops, -1).mean(1)
//
// so that the loss, the accuracy and the predictions are per image.

// cropRows views x, a batch of B images' k crops (B x k x sample), as
// B*k samples (B*k x sample), without copying.
func cropRows(x *tensor.Tensor, k int) (*tensor.Tensor, error) {
	if len(x.Shape) < 2 || x.Shape[1] != k {
		return nil, fmt.Errorf("a batch of crops has shape %v, want (images, %d, ...)", x.Shape, k)
	}
	return &tensor.Tensor{Shape: append([]int{x.Shape[0] * k}, x.Shape[2:]...), Data: x.Data}, nil
}

// repeatRows repeats each of the B rows of y k times (B*k rows), in buf
// when it is large enough.
func repeatRows(y *tensor.Tensor, k int, buf *tensor.Tensor) *tensor.Tensor {
	B := y.Shape[0]
	per := len(y.Data) / max(B, 1)
	shape := append([]int{B * k}, y.Shape[1:]...)
	if buf == nil || cap(buf.Data) < B*k*per {
		buf = &tensor.Tensor{Data: make([]float32, B*k*per)}
	}
	buf.Shape, buf.Data = shape, buf.Data[:B*k*per]
	for i := range B {
		row := y.Data[i*per : (i+1)*per]
		for j := range k {
			copy(buf.Data[(i*k+j)*per:], row)
		}
	}
	return buf
}

// meanCrops averages out, the network's outputs for B*k crops (B*k x
// ...), over each image's k crops: B x ....
func meanCrops(out *tensor.Tensor, k int) *tensor.Tensor {
	n := out.Shape[0] / k
	per := len(out.Data) / max(out.Shape[0], 1)
	avg := tensor.New(append([]int{n}, out.Shape[1:]...)...)
	for i := range n {
		dst := avg.Data[i*per : (i+1)*per]
		for j := range k {
			for c, v := range out.Data[(i*k+j)*per : (i*k+j+1)*per] {
				dst[c] += v
			}
		}
		for c := range dst {
			dst[c] /= float32(k)
		}
	}
	return avg
}
