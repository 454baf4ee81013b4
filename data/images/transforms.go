package images

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/tensor"
)

// Transform changes an image or a tensor, like a torchvision transform.
// Apply never modifies its input and never returns it (results may be
// modified by the caller). rng is the source of randomness for random
// transforms, which return an error when it is nil (it may be nil for the
// others); the same rng state gives the same result.
type Transform interface {
	Apply(v Value, rng *rand.Rand) (Value, error)
}

// Compose applies transforms in order, like torchvision's Compose.
type Compose []Transform

// Apply runs each transform on the result of the one before. After a
// MultiCrop (FiveCrop, TenCrop), the rest apply to each crop and the
// result is the crops stacked, ncrops x C x H x W (see MultiCrop).
func (c Compose) Apply(v Value, rng *rand.Rand) (Value, error) {
	if len(c) == 0 {
		return maybeFlip(v, false, false) // a copy
	}
	list := c
	for _, t := range c {
		if _, ok := t.(Compose); ok {
			list = c.flatten(nil)
			break
		}
	}
	var err error
	for i, t := range list {
		if mc, ok := t.(MultiCrop); ok {
			return applyCrops(mc, v, list[i+1:], rng)
		}
		if v, err = t.Apply(v, rng); err != nil {
			return Value{}, err
		}
	}
	return v, nil
}

func init() {
	registerTransform("ToTensor", "8-bit H x W x C image to C x H x W float32 tensor in [0, 1]", func() *ToTensor { return &ToTensor{} })
}

// ToTensor converts an 8-bit H x W x C image to a C x H x W float32 tensor
// with values divided by 255, like torchvision's ToTensor.
type ToTensor struct{}

// Apply converts v; a tensor is an error, as in torchvision.
func (ToTensor) Apply(v Value, _ *rand.Rand) (Value, error) {
	if v.Image == nil && v.pilMode != "" {
		return Value{Tensor: v.Tensor.Clone()}, nil // mode I or F: the values as they are
	}
	if v.Image == nil {
		return Value{}, fmt.Errorf("ToTensor: want an image, got a tensor (ToTensor is already done, or a transform before it made a tensor)")
	}
	if err := v.tensorInput(); err != nil {
		return Value{}, fmt.Errorf("ToTensor: %w", err)
	}
	return Value{Tensor: ImageToTensor(v.Image)}, nil
}

// ImageToTensor converts m to a C x H x W float32 tensor in [0, 1].
func ImageToTensor(m *Image) *tensor.Tensor {
	t := tensor.New(m.C, m.H, m.W)
	imageToTensorInto(m, t.Data)
	return t
}

func imageToTensorInto(m *Image, dst []float32) {
	n := m.W * m.H
	if m.C == 1 {
		for i, v := range m.Pix {
			dst[i] = float32(v) / 255
		}
		return
	}
	C := m.C
	for c := range C {
		o := dst[c*n : (c+1)*n]
		for i := range o {
			o[i] = float32(m.Pix[i*C+c]) / 255
		}
	}
}

func init() {
	registerTransform("Normalize", "(x - mean) / std per channel of a tensor", func() *Normalize { return &Normalize{} })
}

// Normalize subtracts a mean and divides by a standard deviation per channel
// of a tensor, like torchvision's Normalize. One value applies to every
// channel.
type Normalize struct {
	Mean []float64 `json:"mean" required:"true" expect:"a list of numbers, one per channel (or one for all)" help:"per-channel means"`
	Std  []float64 `json:"std" required:"true" expect:"a list of positive numbers, one per channel (or one for all)" help:"per-channel standard deviations"`
	// Inplace is accepted for torchvision's signature; Apply never
	// changes its input, so it changes nothing.
	Inplace bool `json:"inplace" help:"accepted; results are always new tensors"`
}

func (n *Normalize) validate() error {
	if len(n.Mean) == 0 {
		return paramError("mean", "must be a non-empty list of numbers")
	}
	if len(n.Std) == 0 {
		return paramError("std", "must be a non-empty list of numbers")
	}
	for _, s := range n.Std {
		if !(s > 0) || math.IsInf(s, 0) {
			return paramError("std", fmt.Sprintf("values must be positive and finite, got %v", n.Std))
		}
	}
	return nil
}

// Apply normalizes a tensor; an image is an error (put ToTensor first).
func (n *Normalize) Apply(v Value, _ *rand.Rand) (Value, error) {
	if v.Tensor == nil {
		return Value{}, fmt.Errorf("Normalize: want a tensor, got an image (put ToTensor before Normalize)")
	}
	if err := n.validate(); err != nil {
		return Value{}, fmt.Errorf("Normalize: %w", err)
	}
	C, H, W, err := chw(v.Tensor)
	if err != nil {
		return Value{}, fmt.Errorf("Normalize: %w", err)
	}
	if (len(n.Mean) != 1 && len(n.Mean) != C) || (len(n.Std) != 1 && len(n.Std) != C) {
		return Value{}, fmt.Errorf("Normalize: %d means and %d stds for a tensor with %d channels (want %d or 1 each)", len(n.Mean), len(n.Std), C, C)
	}
	out := tensor.New(C, H, W)
	hw := H * W
	for c := range C {
		m := float32(n.Mean[min(c, len(n.Mean)-1)])
		s := float32(n.Std[min(c, len(n.Std)-1)])
		in, o := v.Tensor.Data[c*hw:(c+1)*hw], out.Data[c*hw:(c+1)*hw]
		for i, x := range in {
			o[i] = (x - m) / s
		}
	}
	return Value{Tensor: out}, nil
}

func init() {
	registerTransform("Resize", "resize (one size: the smaller edge) with PIL's antialiased filters", func() *Resize { return &Resize{Interpolation: Bilinear} })
}

// Resize scales an image or tensor, like torchvision's Resize: a single size
// matches the smaller edge to it (keeping the aspect ratio, the longer edge
// truncated as int(size*long/short)), two sizes are [height, width].
// Bilinear and bicubic filters are antialiased when shrinking, as PIL's (and
// torchvision's with antialias=True for tensors).
type Resize struct {
	Size          Size          `json:"size" required:"true" expect:"a positive integer (smaller edge) or [height, width]" help:"output size"`
	Interpolation Interpolation `json:"interpolation" enum:"nearest,bilinear,bicubic,lanczos,box,hamming" help:"resampling filter (lanczos, box and hamming for images only, as torchvision takes them for PIL images)"`
	MaxSize       int           `json:"max_size" min:"0" nullable:"true" help:"when size is one number: the longer edge is capped at this (0 means no cap)"`
	// Antialias is torchvision's antialias: images are always resampled
	// as PIL's (antialiased; torchvision ignores the flag for PIL images),
	// tensors with the antialiased filters; false is refused for tensors.
	Antialias *bool `json:"antialias" nullable:"true" help:"null or true (images are always antialiased, as PIL; false is refused for tensors)"`
}

// pilOnlyInterpolations are the InterpolationModes torchvision 0.14
// takes for PIL images only, as PIL's resampling filters.
var pilOnlyInterpolations = map[Interpolation]Resample{"lanczos": ResampleLanczos, "box": ResampleBox, "hamming": ResampleHamming}

// NewResize returns a Resize to size with bilinear interpolation.
func NewResize(size ...int) *Resize { return &Resize{Size: size, Interpolation: Bilinear} }

func (r *Resize) validate() error {
	if err := r.Size.check("size"); err != nil {
		return err
	}
	_, pil := pilOnlyInterpolations[r.Interpolation]
	if _, ok := filters[r.Interpolation]; !ok && r.Interpolation != Nearest && !pil {
		return paramError("interpolation", fmt.Sprintf("unknown value %q (want nearest, bilinear, bicubic, or for images lanczos, box or hamming)", r.Interpolation))
	}
	if r.MaxSize < 0 {
		return paramError("max_size", fmt.Sprintf("must not be negative, got %d", r.MaxSize))
	}
	if r.MaxSize > 0 && len(r.Size) == 1 && r.MaxSize <= r.Size[0] {
		return paramError("max_size", fmt.Sprintf("must be larger than size %d, got %d", r.Size[0], r.MaxSize))
	}
	if r.MaxSize > 0 && len(r.Size) == 2 {
		return paramError("max_size", "is only allowed when size is one number")
	}
	return nil
}

// OutputSize returns the width and height that Resize gives an image of
// w x h pixels.
func (r *Resize) OutputSize(w, h int) (ow, oh int) {
	if len(r.Size) == 2 {
		return r.Size[1], r.Size[0]
	}
	s := r.Size[0]
	short, long := w, h
	if w > h {
		short, long = h, w
	}
	ns, nl := s, int(float64(s)*float64(long)/float64(short))
	if r.MaxSize > 0 && nl > r.MaxSize {
		ns, nl = int(float64(r.MaxSize)*float64(ns)/float64(nl)), r.MaxSize
	}
	if w <= h {
		return ns, nl
	}
	return nl, ns
}

// Apply resizes v.
func (r *Resize) Apply(v Value, _ *rand.Rand) (Value, error) {
	if err := r.validate(); err != nil {
		return Value{}, fmt.Errorf("Resize: %w", err)
	}
	w, h, _, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("Resize: %w", err)
	}
	ow, oh := r.OutputSize(w, h)
	if ow <= 0 || oh <= 0 {
		return Value{}, fmt.Errorf("Resize: %dx%d image resized to %dx%d", w, h, ow, oh)
	}
	interp := r.Interpolation
	if interp == "" {
		interp = Bilinear
	}
	if rs, ok := pilOnlyInterpolations[interp]; ok {
		if v.Image == nil {
			return Value{}, fmt.Errorf("Resize: interpolation %s works on images (torchvision takes it for PIL images only): resize before ToTensor", interp)
		}
		// torchvision passes it to PIL's Image.resize: the image
		// operation's resampling.
		mode := map[int]string{1: "L", 3: "RGB"}[v.Image.C]
		if mode == "" {
			return Value{}, fmt.Errorf("Resize: interpolation %s takes 1- or 3-channel images, got %d channels", interp, v.Image.C)
		}
		out, err := (&ResizeOp{Size: []int{ow, oh}, Resample: rs}).applyOp(opImage{mode: mode, m: v.Image}, nil)
		if err != nil {
			return Value{}, fmt.Errorf("Resize: %w", err)
		}
		return Value{Image: out.m}, nil
	}
	if v.Image != nil {
		m, err := ResizeImage(v.Image, ow, oh, interp)
		if err != nil {
			return Value{}, fmt.Errorf("Resize: %w", err)
		}
		return Value{Image: m}, nil
	}
	if r.Antialias != nil && !*r.Antialias && interp != Nearest {
		return Value{}, fmt.Errorf("Resize: antialias false on a tensor is refused: mlforge resizes tensors with antialiasing only (torchvision 0.14 would interpolate without it); resize before ToTensor, or leave antialias out")
	}
	t, err := ResizeTensor(v.Tensor, ow, oh, interp)
	if err != nil {
		return Value{}, fmt.Errorf("Resize: %w", err)
	}
	return Value{Tensor: t}, nil
}

func init() {
	registerTransform("CenterCrop", "crop the centre (padding with 0 when the image is smaller)", func() *CenterCrop { return &CenterCrop{} })
}

// CenterCrop cuts the centre of an image, like torchvision's CenterCrop: an
// image smaller than the crop is first padded with 0 on both sides.
type CenterCrop struct {
	Size Size `json:"size" required:"true" expect:"a positive integer (square) or [height, width]" help:"crop size"`
}

func (c *CenterCrop) validate() error { return c.Size.check("size") }

// Apply crops v.
func (c *CenterCrop) Apply(v Value, _ *rand.Rand) (Value, error) {
	if err := c.validate(); err != nil {
		return Value{}, fmt.Errorf("CenterCrop: %w", err)
	}
	w, h, _, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("CenterCrop: %w", err)
	}
	ch, cw := c.Size.hw()
	if cw > w || ch > h {
		// torchvision pads (cw-w)//2 on the left/top and (cw-w+1)//2 on the
		// right/bottom, then crops.
		l, t := max(cw-w, 0)/2, max(ch-h, 0)/2
		r, b := max(cw-w+1, 0)/2, max(ch-h+1, 0)/2
		if cw <= w {
			l, r = 0, 0
		}
		if ch <= h {
			t, b = 0, 0
		}
		if v, err = Pad(v, l, t, r, b, PadConstant, 0); err != nil {
			return Value{}, fmt.Errorf("CenterCrop: %w", err)
		}
		w, h = w+l+r, h+t+b
		if w == cw && h == ch {
			return v, nil
		}
	}
	top := int(math.RoundToEven(float64(h-ch) / 2))
	left := int(math.RoundToEven(float64(w-cw) / 2))
	return Crop(v, top, left, ch, cw)
}

func init() {
	registerTransform("RandomCrop", "crop at a random place, after optional padding", func() *RandomCrop { return &RandomCrop{PaddingMode: PadConstant} })
}

// RandomCrop cuts a region at a random place, like torchvision's
// RandomCrop, after optional padding.
type RandomCrop struct {
	Size        Size        `json:"size" required:"true" expect:"a positive integer (square) or [height, width]" help:"crop size"`
	Padding     Padding     `json:"padding" expect:"null, an integer, [left/right, top/bottom] or [left, top, right, bottom]" help:"border added before cropping"`
	PadIfNeeded bool        `json:"pad_if_needed" help:"pad images smaller than the crop"`
	Fill        float64     `json:"fill" help:"value of constant padding (0-255 for images)"`
	PaddingMode PaddingMode `json:"padding_mode" enum:"constant,edge,reflect,symmetric" help:"how the border is filled"`
}

// NewRandomCrop returns a RandomCrop of size without padding.
func NewRandomCrop(size ...int) *RandomCrop {
	return &RandomCrop{Size: size, PaddingMode: PadConstant}
}

func (c *RandomCrop) validate() error {
	if err := c.Size.check("size"); err != nil {
		return err
	}
	if _, err := c.Padding.ltrb(); err != nil {
		return err
	}
	switch c.PaddingMode {
	case PadConstant, PadEdge, PadReflect, PadSymmetric, "":
	default:
		return paramError("padding_mode", fmt.Sprintf("unknown value %q (want constant, edge, reflect or symmetric)", c.PaddingMode))
	}
	return nil
}

// Apply crops v at a place drawn from rng.
func (c *RandomCrop) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := c.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomCrop: %w", err)
	}
	mode := c.PaddingMode
	if mode == "" {
		mode = PadConstant
	}
	p, _ := c.Padding.ltrb()
	var err error
	if p != nil {
		if v, err = Pad(v, p[0], p[1], p[2], p[3], mode, c.Fill); err != nil {
			return Value{}, fmt.Errorf("RandomCrop: %w", err)
		}
	}
	w, h, _, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("RandomCrop: %w", err)
	}
	th, tw := c.Size.hw()
	if c.PadIfNeeded && w < tw {
		if v, err = Pad(v, tw-w, 0, tw-w, 0, mode, c.Fill); err != nil {
			return Value{}, fmt.Errorf("RandomCrop: %w", err)
		}
		w += 2 * (tw - w)
	}
	if c.PadIfNeeded && h < th {
		if v, err = Pad(v, 0, th-h, 0, th-h, mode, c.Fill); err != nil {
			return Value{}, fmt.Errorf("RandomCrop: %w", err)
		}
		h += 2 * (th - h)
	}
	if h < th || w < tw {
		return Value{}, fmt.Errorf("RandomCrop: crop of %dx%d is larger than the %dx%d image (set pad_if_needed or padding)", tw, th, w, h)
	}
	if w == tw && h == th {
		return Crop(v, 0, 0, th, tw)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomCrop: %w", errNoRand)
	}
	i := rng.IntN(h - th + 1)
	j := rng.IntN(w - tw + 1)
	return Crop(v, i, j, th, tw)
}

// errNoRand is returned by random transforms called without a generator:
// randomness is always explicit, so that a seed fixes the augmentation.
var errNoRand = fmt.Errorf("needs a random number generator (rng is nil)")

func init() {
	registerTransform("RandomHorizontalFlip", "mirror left-right with probability p", func() *RandomHorizontalFlip { return &RandomHorizontalFlip{P: 0.5} })
}

// RandomHorizontalFlip mirrors left-right with probability P, like
// torchvision's.
type RandomHorizontalFlip struct {
	P float64 `json:"p" min:"0" max:"1" help:"probability of flipping"`
}

func init() {
	registerTransform("RandomVerticalFlip", "mirror top-bottom with probability p", func() *RandomVerticalFlip { return &RandomVerticalFlip{P: 0.5} })
}

// RandomVerticalFlip mirrors top-bottom with probability P, like
// torchvision's.
type RandomVerticalFlip struct {
	P float64 `json:"p" min:"0" max:"1" help:"probability of flipping"`
}

func checkP(p float64) error {
	if !(p >= 0 && p <= 1) {
		return paramError("p", fmt.Sprintf("must be in [0, 1], got %v", p))
	}
	return nil
}

func (f *RandomHorizontalFlip) validate() error { return checkP(f.P) }
func (f *RandomVerticalFlip) validate() error   { return checkP(f.P) }

// Apply flips v when a draw from rng is below P (a copy otherwise).
func (f *RandomHorizontalFlip) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := f.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomHorizontalFlip: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomHorizontalFlip: %w", errNoRand)
	}
	return maybeFlip(v, rng.Float64() < f.P, true)
}

// Apply flips v when a draw from rng is below P (a copy otherwise).
func (f *RandomVerticalFlip) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := f.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomVerticalFlip: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomVerticalFlip: %w", errNoRand)
	}
	return maybeFlip(v, rng.Float64() < f.P, false)
}

func maybeFlip(v Value, flip, horizontal bool) (Value, error) {
	if flip {
		return Flip(v, horizontal)
	}
	// Transforms never return their input, so callers may modify results.
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, err
	}
	if v.Image != nil {
		return Value{Image: Convert(v.Image, modeOf(v.Image))}, nil
	}
	return Value{Tensor: v.Tensor.Clone()}, nil
}

func init() {
	registerTransform("RandomRotation", "rotate by a random angle (counter-clockwise)", func() *RandomRotation { return &RandomRotation{Interpolation: Nearest} })
}

// RandomRotation turns by an angle drawn uniformly from Degrees (a number d
// means [-d, d]), counter-clockwise, with Fill outside, like torchvision's
// RandomRotation: PIL's rotate for images (nearest, bilinear or bicubic),
// torchvision's grid_sample path for float tensors (nearest or bilinear).
type RandomRotation struct {
	Degrees       Degrees       `json:"degrees" required:"true" expect:"a non-negative number d (for [-d, d]) or [min, max]" help:"range of angles in degrees"`
	Interpolation Interpolation `json:"interpolation" enum:"nearest,bilinear,bicubic" help:"resampling filter (bicubic for images only)"`
	Expand        bool          `json:"expand" help:"enlarge the output to hold the whole rotated image"`
	Center        []float64     `json:"center" nullable:"true" expect:"null or [x, y]" help:"point to rotate about (null: the image centre)"`
	Fill          Fill          `json:"fill" help:"value of the area outside the rotated image (0-255 for images), one number or one per channel"`
}

func (r *RandomRotation) validate() error {
	if r.Center != nil && len(r.Center) != 2 {
		return paramError("center", fmt.Sprintf("want [x, y], got %v", r.Center))
	}
	if r.Interpolation != "" {
		if err := checkInterp("interpolation", r.Interpolation); err != nil {
			return err
		}
	}
	if err := r.Fill.check("fill"); err != nil {
		return err
	}
	return r.Degrees.check()
}

// Apply rotates v by an angle drawn from rng.
func (r *RandomRotation) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := r.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomRotation: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomRotation: %w", errNoRand)
	}
	angle := r.Degrees[0] + rng.Float64()*(r.Degrees[1]-r.Degrees[0])
	interp := r.Interpolation
	if interp == "" {
		interp = Nearest
	}
	out, err := RotateInterp(v, angle, r.Expand, r.Center, interp, r.Fill)
	if err != nil {
		return Value{}, fmt.Errorf("RandomRotation: %w", err)
	}
	return out, nil
}

func init() {
	registerTransform("Grayscale", "convert to gray (ITU-R 601-2 luma)", func() *Grayscale { return &Grayscale{NumOutputChannels: 1} })
}

// Grayscale converts to gray with ITU-R 601-2 luma, like torchvision's
// Grayscale: PIL's fixed-point formula for images, 0.2989 R + 0.587 G +
// 0.114 B for tensors; with 3 output channels the gray is replicated.
type Grayscale struct {
	NumOutputChannels int `json:"num_output_channels" enum:"1,3" help:"1 for a gray image, 3 for gray replicated to RGB"`
}

func (g *Grayscale) validate() error {
	if g.NumOutputChannels != 1 && g.NumOutputChannels != 3 {
		return paramError("num_output_channels", fmt.Sprintf("must be 1 or 3, got %d", g.NumOutputChannels))
	}
	return nil
}

// Apply converts v.
func (g *Grayscale) Apply(v Value, _ *rand.Rand) (Value, error) {
	if err := g.validate(); err != nil {
		return Value{}, fmt.Errorf("Grayscale: %w", err)
	}
	_, _, c, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("Grayscale: %w", err)
	}
	if v.Image != nil {
		m := Convert(v.Image, L)
		if g.NumOutputChannels == 3 {
			m = Convert(m, RGB)
		}
		return Value{Image: m}, nil
	}
	t := v.Tensor
	H, W := t.Shape[1], t.Shape[2]
	n := H * W
	if c != 1 && c != 3 {
		return Value{}, fmt.Errorf("Grayscale: want a tensor with 1 or 3 channels, got %d", c)
	}
	out := tensor.New(g.NumOutputChannels, H, W)
	if c == 3 {
		r, gg, b := t.Data[:n], t.Data[n:2*n], t.Data[2*n:3*n]
		for i := range n {
			out.Data[i] = 0.2989*r[i] + 0.587*gg[i] + 0.114*b[i]
		}
	} else {
		copy(out.Data, t.Data[:n])
	}
	for k := 1; k < g.NumOutputChannels; k++ {
		copy(out.Data[k*n:(k+1)*n], out.Data[:n])
	}
	return Value{Tensor: out}, nil
}

func init() {
	registerTransform("ConvertRGB", "convert to 3-channel RGB (gray replicated)", func() *ConvertRGB { return &ConvertRGB{} })
}

// ConvertRGB makes an image or tensor 3-channel RGB (gray is replicated),
// like PIL's convert("RGB") that torchvision's image loader applies.
type ConvertRGB struct{}

// Apply converts v.
func (ConvertRGB) Apply(v Value, _ *rand.Rand) (Value, error) {
	_, _, c, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("ConvertRGB: %w", err)
	}
	if v.Image != nil {
		return Value{Image: Convert(v.Image, RGB)}, nil
	}
	t := v.Tensor
	if c != 1 && c != 3 {
		return Value{}, fmt.Errorf("ConvertRGB: want a tensor with 1 or 3 channels, got %d", c)
	}
	if c == 3 {
		return Value{Tensor: t.Clone()}, nil
	}
	out := tensor.New(3, t.Shape[1], t.Shape[2])
	for k := range 3 {
		copy(out.Data[k*len(t.Data):], t.Data)
	}
	return Value{Tensor: out}, nil
}

// AsTensor returns v as a tensor, converting an image with ToTensor.
func AsTensor(v Value) (*tensor.Tensor, error) {
	if v.Tensor != nil {
		return v.Tensor, nil
	}
	if err := v.tensorInput(); err != nil {
		return nil, err
	}
	return ImageToTensor(v.Image), nil
}
