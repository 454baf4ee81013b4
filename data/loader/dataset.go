// Package loader feeds samples to neural-network training the way PyTorch's
// torch.utils.data does: a Dataset gives one sample at a time, TensorDataset
// and Subset build datasets, and a DataLoader collates samples into batches
// (optionally shuffled with a seed) on worker goroutines that run ahead of the
// training loop.
//
// Randomness is explicit: the DataLoader gives every sample its own
// *rand.Rand, seeded from the loader's Seed, the epoch and the sample's
// position in the epoch, so the same seed gives the same batches (order and
// random augmentations) whatever the number of workers.
package loader

import (
	"fmt"
	"math/rand/v2"

	"github.com/mlforge/mlforge/tensor"
)

// Dataset is a finite, indexable collection of samples, like PyTorch's
// map-style Dataset.
//
// Get returns sample i (0 <= i < Len()): its features x and its target y.
// A class label is a scalar tensor (Shape [] and one value, the class index);
// a regression target is a scalar or a vector. y may be nil for datasets
// without targets. rng drives random transforms; it is never nil when a
// DataLoader calls Get, and it must not be kept after Get returns. The
// DataLoader never modifies the returned tensors, so datasets may return
// views of their own memory. Get must be safe for concurrent use.
type Dataset interface {
	Len() int
	Get(i int, rng *rand.Rand) (x, y *tensor.Tensor, err error)
}

// Filler is an optional fast path for datasets that can write a sample
// straight into a batch row, saving the allocation of the sample tensors.
// GetInto writes sample i's features into x and its target into y (nil when
// the dataset has no targets); their lengths are those of the sample that Get
// returned first, and GetInto returns an error when sample i has another size.
type Filler interface {
	GetInto(i int, rng *rand.Rand, x, y []float32) error
}

// TensorDataset is a dataset over in-memory tensors, like PyTorch's
// TensorDataset: sample i is X[i] with target Y[i].
type TensorDataset struct {
	X      *tensor.Tensor // N x ... features
	Y      *tensor.Tensor // N or N x ... targets; nil for none
	xs, ys int            // values per sample
}

// NewTensorDataset returns a dataset over x (N x ...) and y (N or N x ...,
// or nil). The tensors are not copied and must not be modified while the
// dataset is in use.
func NewTensorDataset(x, y *tensor.Tensor) (*TensorDataset, error) {
	if x == nil || len(x.Shape) == 0 {
		return nil, fmt.Errorf("loader: TensorDataset: features must have at least one dimension (the samples)")
	}
	if len(x.Data) != tensor.Numel(x.Shape) {
		return nil, fmt.Errorf("loader: TensorDataset: features have %d values for shape %v", len(x.Data), x.Shape)
	}
	n := x.Shape[0]
	d := &TensorDataset{X: x, Y: y, xs: tensor.Numel(x.Shape[1:])}
	if y != nil {
		if len(y.Shape) == 0 || y.Shape[0] != n {
			return nil, fmt.Errorf("loader: TensorDataset: targets have shape %v, want %d rows like the features %v", y.Shape, n, x.Shape)
		}
		if len(y.Data) != tensor.Numel(y.Shape) {
			return nil, fmt.Errorf("loader: TensorDataset: targets have %d values for shape %v", len(y.Data), y.Shape)
		}
		d.ys = tensor.Numel(y.Shape[1:])
	}
	return d, nil
}

// Len returns the number of samples.
func (d *TensorDataset) Len() int { return d.X.Shape[0] }

// Get returns views of row i of X and Y (not copies).
func (d *TensorDataset) Get(i int, _ *rand.Rand) (x, y *tensor.Tensor, err error) {
	if i < 0 || i >= d.Len() {
		return nil, nil, fmt.Errorf("loader: TensorDataset: index %d out of range [0, %d)", i, d.Len())
	}
	x = &tensor.Tensor{Shape: d.X.Shape[1:], Data: d.X.Data[i*d.xs : (i+1)*d.xs : (i+1)*d.xs]}
	if d.Y != nil {
		y = &tensor.Tensor{Shape: d.Y.Shape[1:], Data: d.Y.Data[i*d.ys : (i+1)*d.ys : (i+1)*d.ys]}
	}
	return x, y, nil
}

// GetInto copies row i of X and Y into x and y.
func (d *TensorDataset) GetInto(i int, _ *rand.Rand, x, y []float32) error {
	if i < 0 || i >= d.Len() {
		return fmt.Errorf("loader: TensorDataset: index %d out of range [0, %d)", i, d.Len())
	}
	if len(x) != d.xs || (d.Y != nil && len(y) != d.ys) {
		return fmt.Errorf("loader: TensorDataset: sample %d has %d features and %d targets, the batch wants %d and %d", i, d.xs, d.ys, len(x), len(y))
	}
	copy(x, d.X.Data[i*d.xs:])
	if d.Y != nil {
		copy(y, d.Y.Data[i*d.ys:(i+1)*d.ys])
	}
	return nil
}

// SubsetDataset is the part of a dataset at the given indices, like
// PyTorch's Subset.
type SubsetDataset struct {
	Dataset Dataset
	Indices []int
}

// Subset returns the samples of ds at idx (in that order), for example the
// train and test indices from data.TrainTestSplit. idx is copied.
func Subset(ds Dataset, idx []int) (*SubsetDataset, error) {
	n := ds.Len()
	for k, i := range idx {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("loader: Subset: index %d (position %d) out of range [0, %d)", i, k, n)
		}
	}
	return &SubsetDataset{Dataset: ds, Indices: append([]int(nil), idx...)}, nil
}

// Len returns the number of indices.
func (s *SubsetDataset) Len() int { return len(s.Indices) }

// Get returns sample Indices[i] of the underlying dataset.
func (s *SubsetDataset) Get(i int, rng *rand.Rand) (x, y *tensor.Tensor, err error) {
	if i < 0 || i >= len(s.Indices) {
		return nil, nil, fmt.Errorf("loader: Subset: index %d out of range [0, %d)", i, len(s.Indices))
	}
	return s.Dataset.Get(s.Indices[i], rng)
}

// GetInto writes sample Indices[i] into x and y.
func (s *SubsetDataset) GetInto(i int, rng *rand.Rand, x, y []float32) error {
	if i < 0 || i >= len(s.Indices) {
		return fmt.Errorf("loader: Subset: index %d out of range [0, %d)", i, len(s.Indices))
	}
	return getInto(s.Dataset, s.Indices[i], rng, x, y)
}

// getInto writes sample i of ds into x and y, through Filler when ds has it.
func getInto(ds Dataset, i int, rng *rand.Rand, x, y []float32) error {
	if f, ok := ds.(Filler); ok {
		return f.GetInto(i, rng, x, y)
	}
	sx, sy, err := ds.Get(i, rng)
	if err != nil {
		return err
	}
	if sx == nil || len(sx.Data) != len(x) {
		return fmt.Errorf("sample %d has features of shape %v, want %d values like the first sample of the batch (resize or crop so that all samples agree)", i, shapeOf(sx), len(x))
	}
	copy(x, sx.Data)
	switch {
	case sy == nil && y == nil:
	case sy == nil || y == nil || len(sy.Data) != len(y):
		return fmt.Errorf("sample %d has a target of shape %v, want %d values like the first sample of the batch", i, shapeOf(sy), len(y))
	default:
		copy(y, sy.Data)
	}
	return nil
}

func shapeOf(t *tensor.Tensor) any {
	if t == nil {
		return "none"
	}
	return t.Shape
}
