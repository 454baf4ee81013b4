package idx

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/tensor"
)

// Dataset is a set of N gray H x W images with integer labels. Without
// transforms, sample i is a 1 x H x W float32 tensor with the pixels divided
// by 255 (torchvision's MNIST with ToTensor) and a scalar tensor holding the
// label. With Transform, sample i is passed as an 8-bit gray image (like the
// PIL image torchvision's MNIST gives) and the result is converted with
// ToTensor when it is still an image.
type Dataset struct {
	N, H, W int
	Images  []uint8 // N*H*W bytes, row-major
	Labels  []int

	Transform       images.Transform
	TargetTransform images.TargetTransform

	ys [256]*tensor.Tensor // shared scalar label tensors (read-only)
}

func (d *Dataset) init() {
	for i := range d.ys {
		d.ys[i] = &tensor.Tensor{Shape: []int{}, Data: []float32{float32(i)}}
	}
}

// Len returns the number of images.
func (d *Dataset) Len() int { return d.N }

// Targets returns the labels (for a stratified split).
func (d *Dataset) Targets() []int { return slices.Clone(d.Labels) }

// Classes returns the sorted distinct labels as strings, like torchvision's
// MNIST.classes for 0..9 ("0", "1", ...).
func (d *Dataset) Classes() []string {
	seen := [256]bool{}
	for _, l := range d.Labels {
		seen[l] = true
	}
	var out []string
	for l, ok := range seen {
		if ok {
			out = append(out, fmt.Sprint(l))
		}
	}
	return out
}

// Image returns image i as an 8-bit gray image sharing the dataset's memory
// (do not modify it).
func (d *Dataset) Image(i int) *images.Image {
	n := d.H * d.W
	return &images.Image{W: d.W, H: d.H, C: 1, Pix: d.Images[i*n : (i+1)*n : (i+1)*n]}
}

// Get returns sample i.
func (d *Dataset) Get(i int, rng *rand.Rand) (x, y *tensor.Tensor, err error) {
	if i < 0 || i >= d.N {
		return nil, nil, fmt.Errorf("%w: %d not in [0, %d)", ErrIndex, i, d.N)
	}
	if d.Transform == nil {
		x = tensor.New(1, d.H, d.W)
		d.fill(i, x.Data)
	} else if x, err = images.ApplyToImage(d.Transform, d.Image(i), rng, fmt.Sprintf("image %d", i)); err != nil {
		return nil, nil, err
	}
	y, err = d.target(i)
	return x, y, err
}

func (d *Dataset) target(i int) (*tensor.Tensor, error) {
	y := d.ys[d.Labels[i]]
	if d.TargetTransform != nil {
		var err error
		if y, err = d.TargetTransform.ApplyTarget(y); err != nil {
			return nil, fmt.Errorf("image %d: %w", i, err)
		}
	}
	return y, nil
}

func (d *Dataset) fill(i int, dst []float32) {
	n := d.H * d.W
	for k, v := range d.Images[i*n : (i+1)*n] {
		dst[k] = float32(v) / 255
	}
}

// GetInto writes sample i into x and y without allocating when there are no
// transforms (the DataLoader's fast path).
func (d *Dataset) GetInto(i int, rng *rand.Rand, x, y []float32) error {
	if i < 0 || i >= d.N {
		return fmt.Errorf("%w: %d not in [0, %d)", ErrIndex, i, d.N)
	}
	if d.Transform == nil && d.TargetTransform == nil {
		if len(x) != d.H*d.W || len(y) != 1 {
			return fmt.Errorf("image %d: %d pixels and 1 label, the batch wants %d and %d", i, d.H*d.W, len(x), len(y))
		}
		d.fill(i, x)
		y[0] = float32(d.Labels[i])
		return nil
	}
	sx, sy, err := d.Get(i, rng)
	if err != nil {
		return err
	}
	if len(sx.Data) != len(x) || len(sy.Data) != len(y) {
		return fmt.Errorf("image %d: transformed to shape %v with a target of shape %v, unlike the first image of the batch (%d and %d values)", i, sx.Shape, sy.Shape, len(x), len(y))
	}
	copy(x, sx.Data)
	copy(y, sy.Data)
	return nil
}
