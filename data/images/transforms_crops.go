package images

import (
	"fmt"
	"math/rand/v2"

	"github.com/mlforge/mlforge/tensor"
)

// MultiCrop is a transform that makes several samples of one image, like
// torchvision's FiveCrop and TenCrop, which return a tuple of crops.
// torchvision's recipe stacks the crops (each through the transforms
// after the crop) into one ncrops x C x H x W tensor per image; Compose
// does the same: the transforms after a MultiCrop apply to each crop, and
// the result is the crops stacked. A dataset's sample is then that stack:
// the trainer trains on each crop as a sample with the image's label and
// averages the network's outputs over the crops to predict the image.
type MultiCrop interface {
	Transform
	// NCrops is the number of crops made of each image.
	NCrops() int
	// Crops returns the crops of v, in torchvision's order.
	Crops(v Value) ([]Value, error)
}

func init() {
	registerTransform("FiveCrop", "the four corners and the centre, each a sample (stacked: ncrops x C x H x W)", func() *FiveCrop { return &FiveCrop{} })
	registerTransform("TenCrop", "FiveCrop of the image and of its mirror (horizontal, or vertical), each a sample", func() *TenCrop { return &TenCrop{} })
}

// FiveCrop cuts the four corners and the centre of an image, like
// torchvision's FiveCrop: top-left, top-right, bottom-left, bottom-right,
// centre (CenterCrop's rounding). A crop larger than the image is an
// error, as in torchvision.
type FiveCrop struct {
	Size Size `json:"size" required:"true" expect:"a positive integer (square) or [height, width]" help:"crop size"`
}

// TenCrop is FiveCrop of the image, then of the image flipped
// (horizontally, or vertically with VerticalFlip), like torchvision's
// TenCrop.
type TenCrop struct {
	Size         Size `json:"size" required:"true" expect:"a positive integer (square) or [height, width]" help:"crop size"`
	VerticalFlip bool `json:"vertical_flip" help:"flip top-bottom rather than left-right for the second five"`
}

func (c *FiveCrop) validate() error { return c.Size.check("size") }
func (c *TenCrop) validate() error  { return c.Size.check("size") }

// NCrops returns 5.
func (*FiveCrop) NCrops() int { return 5 }

// NCrops returns 10.
func (*TenCrop) NCrops() int { return 10 }

// Crops returns the five crops of v.
func (c *FiveCrop) Crops(v Value) ([]Value, error) {
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("FiveCrop: %w", err)
	}
	out, err := fiveCrop(v, c.Size)
	if err != nil {
		return nil, fmt.Errorf("FiveCrop: %w", err)
	}
	return out, nil
}

// Crops returns the ten crops of v.
func (c *TenCrop) Crops(v Value) ([]Value, error) {
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("TenCrop: %w", err)
	}
	first, err := fiveCrop(v, c.Size)
	if err != nil {
		return nil, fmt.Errorf("TenCrop: %w", err)
	}
	f, err := Flip(v, !c.VerticalFlip)
	if err != nil {
		return nil, fmt.Errorf("TenCrop: %w", err)
	}
	second, err := fiveCrop(f, c.Size)
	if err != nil {
		return nil, fmt.Errorf("TenCrop: %w", err)
	}
	return append(first, second...), nil
}

// fiveCrop is torchvision's five_crop.
func fiveCrop(v Value, size Size) ([]Value, error) {
	w, h, _, err := v.Size()
	if err != nil {
		return nil, err
	}
	ch, cw := size.hw()
	if cw > w || ch > h {
		return nil, fmt.Errorf("requested crop size %dx%d is bigger than the %dx%d image (as in torchvision, a crop must fit)", cw, ch, w, h)
	}
	out := make([]Value, 0, 5)
	for _, tl := range [][2]int{{0, 0}, {0, w - cw}, {h - ch, 0}, {h - ch, w - cw}} {
		c, err := Crop(v, tl[0], tl[1], ch, cw)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	centre, err := (&CenterCrop{Size: Size{ch, cw}}).Apply(v, nil)
	if err != nil {
		return nil, err
	}
	return append(out, centre), nil
}

// Apply returns the five crops of v stacked (each as ToTensor makes it):
// 5 x C x H x W. In a Compose, the transforms after it apply to each crop.
func (c *FiveCrop) Apply(v Value, rng *rand.Rand) (Value, error) {
	return applyCrops(c, v, nil, rng)
}

// Apply returns the ten crops of v stacked: 10 x C x H x W.
func (c *TenCrop) Apply(v Value, rng *rand.Rand) (Value, error) {
	return applyCrops(c, v, nil, rng)
}

// applyCrops makes the crops of v, runs after on each and stacks them
// (images converted as ToTensor does).
func applyCrops(mc MultiCrop, v Value, after Compose, rng *rand.Rand) (Value, error) {
	for _, t := range after {
		if _, ok := t.(MultiCrop); ok {
			_, err := NCrops(append(Compose{mc}, after...))
			return Value{}, err
		}
	}
	crops, err := mc.Crops(v)
	if err != nil {
		return Value{}, err
	}
	var out *tensor.Tensor
	per := 0
	for k, c := range crops {
		if len(after) > 0 {
			if c, err = after.Apply(c, rng); err != nil {
				return Value{}, err
			}
		}
		t, err := AsTensor(c)
		if err != nil {
			return Value{}, err
		}
		if out == nil {
			per = len(t.Data)
			out = tensor.New(append([]int{len(crops)}, t.Shape...)...)
		}
		if len(t.Data) != per || len(t.Shape) != len(out.Shape)-1 {
			return Value{}, fmt.Errorf("crop %d has shape %v after the transforms, crop 0 %v", k, t.Shape, out.Shape[1:])
		}
		copy(out.Data[k*per:], t.Data)
	}
	return Value{Tensor: out}, nil
}

// flatten returns the transforms of c with nested Composes inlined.
func (c Compose) flatten(dst Compose) Compose {
	for _, t := range c {
		if in, ok := t.(Compose); ok {
			dst = in.flatten(dst)
			continue
		}
		dst = append(dst, t)
	}
	return dst
}

// NCrops returns the number of samples t makes of each image: the NCrops
// of its MultiCrop (FiveCrop, TenCrop), found in t or in the lists it
// composes, or 1 without one. More than one MultiCrop is an error.
func NCrops(t Transform) (int, error) {
	var list Compose
	switch c := t.(type) {
	case nil:
		return 1, nil
	case Compose:
		list = c.flatten(nil)
	default:
		list = Compose{t}
	}
	n, found := 1, ""
	for _, t := range list {
		if mc, ok := t.(MultiCrop); ok {
			name := fmt.Sprintf("%T", t)[len("*images."):]
			if found != "" {
				return 0, fmt.Errorf("%s after %s: a transform list takes at most one FiveCrop or TenCrop (each image becomes its crops once)", name, found)
			}
			n, found = mc.NCrops(), name
		}
	}
	return n, nil
}

// noCrops refuses a MultiCrop in the transforms of a random container
// (RandomApply, RandomChoice, RandomOrder): an image's number of samples
// must not depend on a draw.
func noCrops(list Compose) error {
	for _, t := range list.flatten(nil) {
		if _, ok := t.(MultiCrop); ok {
			return paramError("transforms", "FiveCrop and TenCrop make a fixed number of samples of each image: put them in the transform list itself, not in a random choice of transforms")
		}
	}
	return nil
}
