package images

import (
	"fmt"
	"math"
	"strconv"

	"github.com/mlforge/mlforge/tensor"
)

// TargetTransform changes a target (a class label is a scalar tensor), like
// torchvision's target_transform.
type TargetTransform interface {
	ApplyTarget(y *tensor.Tensor) (*tensor.Tensor, error)
}

func init() {
	registerTarget("OneHot", "class index to a one-hot float vector", func() *OneHot { return &OneHot{} })
	registerTarget("LabelMap", "replace class indices by other values", func() *LabelMap { return &LabelMap{} })
}

// OneHot turns a class index into a vector of NumClasses values with a 1 at
// the index, like torch.nn.functional.one_hot (as float32).
type OneHot struct {
	NumClasses int `json:"num_classes" nullable:"true" min:"1" help:"length of the vector; null or left out: the number of classes of the data"`
}

func (o *OneHot) validate() error {
	if o.NumClasses < 0 {
		return paramError("num_classes", fmt.Sprintf("must be at least 1, got %d", o.NumClasses))
	}
	return nil
}

// ApplyTarget encodes y.
func (o *OneHot) ApplyTarget(y *tensor.Tensor) (*tensor.Tensor, error) {
	if err := o.validate(); err != nil || o.NumClasses == 0 {
		return nil, fmt.Errorf("OneHot: num_classes is %d; expected at least 1 (a training run sets it to the number of classes when left out)", o.NumClasses)
	}
	if y == nil || len(y.Data) != 1 {
		return nil, fmt.Errorf("OneHot: want one class index per sample, got %v", shapeOf(y))
	}
	c := y.Data[0]
	if c != float32(math.Trunc(float64(c))) || c < 0 || int(c) >= o.NumClasses {
		return nil, fmt.Errorf("OneHot: class %v is not in [0, %d)", c, o.NumClasses)
	}
	out := tensor.New(o.NumClasses)
	out.Data[int(c)] = 1
	return out, nil
}

// LabelMap replaces class indices by others, for example to merge classes;
// indices not in the map are an error.
type LabelMap struct {
	Mapping map[string]float64 `json:"mapping" required:"true" expect:"an object from class index (as a string) to new value" help:"new value of each class index"`
}

func (l *LabelMap) validate() error {
	if len(l.Mapping) == 0 {
		return paramError("mapping", "must not be empty")
	}
	for k := range l.Mapping {
		if _, err := strconv.Atoi(k); err != nil {
			return paramError("mapping", fmt.Sprintf("keys must be class indices, got %q", k))
		}
	}
	return nil
}

// ApplyTarget maps y.
func (l *LabelMap) ApplyTarget(y *tensor.Tensor) (*tensor.Tensor, error) {
	if y == nil || len(y.Data) != 1 {
		return nil, fmt.Errorf("LabelMap: want one class index per sample, got %v", shapeOf(y))
	}
	key := strconv.FormatFloat(float64(y.Data[0]), 'f', -1, 32)
	v, ok := l.Mapping[key]
	if !ok {
		return nil, fmt.Errorf("LabelMap: class %s is not in the mapping", key)
	}
	return &tensor.Tensor{Shape: []int{}, Data: []float32{float32(v)}}, nil
}

func shapeOf(t *tensor.Tensor) any {
	if t == nil {
		return "no target"
	}
	return t.Shape
}
