package images

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/tensor"
)

// Fill is the value of pixels outside an image: one number for every
// channel or one per channel, as torchvision's fill. The zero value is 0.
type Fill []float64

// UnmarshalJSON accepts null, 0, 127.5 or [255, 0, 0].
func (f *Fill) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*f = nil
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err == nil {
		*f = Fill{x}
		return nil
	}
	var l []float64
	if err := json.Unmarshal(b, &l); err != nil || len(l) == 0 {
		return fmt.Errorf("want a number or a list of numbers (one per channel), got %s", abbrev(b))
	}
	*f = l
	return nil
}

// ParamType names the type "fill" in the catalogue.
func (Fill) ParamType() (string, string) {
	return "fill", "a number or a list of one number per channel (0-255 for images)"
}

func (f Fill) check(name string) error {
	for _, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return paramError(name, fmt.Sprintf("values must be finite, got %v", []float64(f)))
		}
	}
	return nil
}

// channels returns one fill value per channel of a c-channel value.
func (f Fill) channels(c int) ([]float64, error) {
	switch len(f) {
	case 0:
		return make([]float64, c), nil
	case 1:
		out := make([]float64, c)
		for i := range out {
			out[i] = f[0]
		}
		return out, nil
	case c:
		return f, nil
	}
	return nil, fmt.Errorf("fill has %d values for an image with %d channels (want 1 or %d)", len(f), c, c)
}

// fillTrunc is torchvision's _parse_fill for 8-bit PIL images: int(x),
// truncation toward zero, then clipped to 0-255 as PIL does.
func fillTrunc(f float64) uint8 {
	return uint8(min(max(math.Trunc(f), 0), 255))
}

// remapFill is remap with one fill value per channel (truncated for
// images, as torchvision passes fill to PIL).
func remapFill(v Value, ow, oh int, src []int32, fill []float64) Value {
	if m := v.Image; m != nil {
		C := m.C
		out := NewImage(ow, oh, C)
		for i, s := range src {
			o := out.Pix[i*C : i*C+C]
			if s < 0 {
				for c := range o {
					o[c] = fillTrunc(fill[c])
				}
				continue
			}
			copy(o, m.Pix[int(s)*C:int(s)*C+C])
		}
		return Value{Image: out}
	}
	out := remap(v, ow, oh, src, 0)
	t := out.Tensor
	n := ow * oh
	for c := range t.Shape[0] {
		o := t.Data[c*n : (c+1)*n]
		for i, s := range src {
			if s < 0 {
				o[i] = float32(fill[c])
			}
		}
	}
	return out
}

func init() {
	registerTransform("Pad", "add a border (constant, edge, reflect or symmetric)", func() *PadTransform { return &PadTransform{PaddingMode: PadConstant} })
}

// PadTransform adds a border, like torchvision's Pad: Padding is one
// number (all sides), [left/right, top/bottom] or [left, top, right,
// bottom]; Fill is used in constant mode.
type PadTransform struct {
	Padding     Padding     `json:"padding" required:"true" expect:"an integer, [left/right, top/bottom] or [left, top, right, bottom]" help:"border widths"`
	Fill        Fill        `json:"fill" help:"value of constant padding (0-255 for images), one number or one per channel"`
	PaddingMode PaddingMode `json:"padding_mode" enum:"constant,edge,reflect,symmetric" help:"how the border is filled"`
}

func (p *PadTransform) validate() error {
	if len(p.Padding) == 0 {
		return paramError("padding", "is required (an integer or a list of 2 or 4)")
	}
	if _, err := p.Padding.ltrb(); err != nil {
		return err
	}
	switch p.PaddingMode {
	case PadConstant, PadEdge, PadReflect, PadSymmetric, "":
	default:
		return paramError("padding_mode", fmt.Sprintf("unknown value %q (want constant, edge, reflect or symmetric)", p.PaddingMode))
	}
	return p.Fill.check("fill")
}

// Apply pads v.
func (p *PadTransform) Apply(v Value, _ *rand.Rand) (Value, error) {
	if err := p.validate(); err != nil {
		return Value{}, fmt.Errorf("Pad: %w", err)
	}
	_, _, c, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("Pad: %w", err)
	}
	mode := p.PaddingMode
	if mode == "" {
		mode = PadConstant
	}
	fill, err := p.Fill.channels(c)
	if err != nil {
		return Value{}, fmt.Errorf("Pad: %w", err)
	}
	if mode != PadConstant {
		fill = make([]float64, c)
	}
	b, _ := p.Padding.ltrb()
	out, err := padFill(v, b[0], b[1], b[2], b[3], mode, fill)
	if err != nil {
		return Value{}, fmt.Errorf("Pad: %w", err)
	}
	return out, nil
}

// padFill is Pad with one fill value per channel.
func padFill(v Value, left, top, right, bottom int, mode PaddingMode, fill []float64) (Value, error) {
	W, H, _, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	if mode == PadReflect && (left >= W || right >= W || top >= H || bottom >= H) {
		return Value{}, fmt.Errorf("reflect padding of %d, %d, %d, %d needs an image larger than the padding, got %dx%d", left, top, right, bottom, W, H)
	}
	w, h := W+left+right, H+top+bottom
	if int64(w)*int64(h) > MaxPixels {
		return Value{}, fmt.Errorf("padding to %dx%d: more than the limit of %d pixels", w, h, MaxPixels)
	}
	src := make([]int32, w*h)
	for y := range h {
		sy := padIndex(y-top, H, mode)
		for x := range w {
			sx := padIndex(x-left, W, mode)
			if sx < 0 || sy < 0 {
				src[y*w+x] = -1
			} else {
				src[y*w+x] = int32(sy*W + sx)
			}
		}
	}
	return remapFill(v, w, h, src, fill), nil
}

// toBytes is torch's conversion of float32 values to uint8 (x.byte()):
// truncation toward zero, then wrap-around modulo 256 as the x86 code does
// for values outside [0, 256).
func toBytes(x float32) uint8 {
	if math.IsNaN(float64(x)) {
		return 0
	}
	f := math.Trunc(float64(x))
	f = min(max(f, math.MinInt32), math.MaxInt32)
	return uint8(int32(f))
}

// tensorToImage turns a C x H x W float tensor (1 or 3 channels) into an
// 8-bit image with f applied to every value.
func tensorToImage(t *tensor.Tensor, f func(float32) uint8) (*Image, error) {
	C, H, W, err := chw(t)
	if err != nil {
		return nil, err
	}
	if C != 1 && C != 3 {
		return nil, fmt.Errorf("want a tensor with 1 or 3 channels for an 8-bit image, got %d", C)
	}
	m := NewImage(W, H, C)
	n := H * W
	for c := range C {
		p := t.Data[c*n : (c+1)*n]
		for i, x := range p {
			m.Pix[i*C+c] = f(x)
		}
	}
	return m, nil
}

func init() {
	registerTransform("ToPILImage", "float tensor to an 8-bit image (values times 255, truncated); images are kept", func() *ToPILImage { return &ToPILImage{} })
	registerTransform("PILToTensor", "keep the 8-bit values (a uint8 tensor is an 8-bit image here)", func() *PILToTensor { return &PILToTensor{} })
	registerTransform("ConvertImageDtype", "convert between 8-bit images and float tensors as torchvision's convert_image_dtype", func() *ConvertImageDtype { return &ConvertImageDtype{} })
}

// ToPILImage turns a float C x H x W tensor into an 8-bit image, like
// torchvision's ToPILImage: each value times 255 in float32, truncated
// (x.mul(255).byte()). An 8-bit image, which is how this package holds PIL
// images and uint8 tensors alike, is kept as it is (a copy), as
// torchvision's to_pil_image keeps the bytes of a uint8 tensor. Mode may be
// left out, or be "L" for 1 channel or "RGB" for 3; the other PIL modes
// are not held by this package.
type ToPILImage struct {
	Mode string `json:"mode" nullable:"true" help:"null (from the channel count), L (1 channel) or RGB (3 channels)"`
}

func (p *ToPILImage) validate() error {
	switch p.Mode {
	case "", "L", "RGB":
		return nil
	}
	return paramError("mode", fmt.Sprintf("unknown value %q (want null, L or RGB)", p.Mode))
}

// Apply converts v.
func (p *ToPILImage) Apply(v Value, _ *rand.Rand) (Value, error) {
	if err := p.validate(); err != nil {
		return Value{}, fmt.Errorf("ToPILImage: %w", err)
	}
	_, _, c, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("ToPILImage: %w", err)
	}
	if (p.Mode == "L" && c != 1) || (p.Mode == "RGB" && c != 3) {
		return Value{}, fmt.Errorf("ToPILImage: mode %s does not fit %d channels", p.Mode, c)
	}
	if v.Image != nil {
		return maybeFlip(v, false, false)
	}
	m, err := tensorToImage(v.Tensor, func(x float32) uint8 { return toBytes(x * 255) })
	if err != nil {
		return Value{}, fmt.Errorf("ToPILImage: %w", err)
	}
	return Value{Image: m}, nil
}

// PILToTensor is torchvision's PILToTensor: it keeps the 8-bit values. This
// package holds a uint8 tensor as an 8-bit image (the same bytes; only the
// layout differs, which ToTensor and ConvertImageDtype take care of), so
// the result is the image unchanged (a copy); a float tensor is an error,
// as in torchvision.
type PILToTensor struct{}

// Apply copies an image.
func (PILToTensor) Apply(v Value, _ *rand.Rand) (Value, error) {
	if v.Image == nil && v.pilMode != "" {
		return Value{Tensor: v.Tensor.Clone()}, nil // mode I or F: its 32-bit values
	}
	if v.Image == nil {
		return Value{}, fmt.Errorf("PILToTensor: want an image, got a float tensor")
	}
	if err := v.tensorInput(); err != nil {
		return Value{}, fmt.Errorf("PILToTensor: %w", err)
	}
	return Value{Image: &Image{W: v.Image.W, H: v.Image.H, C: v.Image.C, Pix: slices.Clone(v.Image.Pix)}}, nil
}

// ConvertImageDtype converts like torchvision's ConvertImageDtype between
// the two kinds of values this package holds: uint8 (8-bit images, also
// what PILToTensor gives) and float32 tensors. To a float type an image
// becomes values / 255 (as ToTensor); to uint8 a float tensor becomes
// trunc(x * 255.999), torchvision's formula. float64 and the integer types
// other than uint8 are refused: tensors here are float32.
type ConvertImageDtype struct {
	Dtype string `json:"dtype" required:"true" help:"torch.float32 (also float, torch.float) or torch.uint8 (also uint8)"`
}

func (d *ConvertImageDtype) kind() (string, error) {
	s := strings.TrimPrefix(strings.Trim(d.Dtype, "'\""), "torch.")
	switch s {
	case "float32", "float":
		return "float", nil
	case "uint8":
		return "uint8", nil
	case "float64", "double", "float16", "half", "bfloat16", "int8", "int16", "short", "int32", "int", "int64", "long", "bool":
		return "", paramError("dtype", fmt.Sprintf("%s is not supported: tensors here are float32 and 8-bit images (want torch.float32 or torch.uint8)", d.Dtype))
	}
	return "", paramError("dtype", fmt.Sprintf("unknown value %q (want torch.float32 or torch.uint8)", d.Dtype))
}

func (d *ConvertImageDtype) validate() error {
	_, err := d.kind()
	return err
}

// Apply converts v.
func (d *ConvertImageDtype) Apply(v Value, _ *rand.Rand) (Value, error) {
	k, err := d.kind()
	if err != nil {
		return Value{}, fmt.Errorf("ConvertImageDtype: %w", err)
	}
	if err := v.tensorInput(); err != nil {
		return Value{}, fmt.Errorf("ConvertImageDtype: %w", err)
	}
	switch {
	case k == "float" && v.Image != nil:
		return Value{Tensor: ImageToTensor(v.Image)}, nil
	case k == "uint8" && v.Tensor != nil:
		m, err := tensorToImage(v.Tensor, func(x float32) uint8 { return toBytes(x * (255 + 1 - 1e-3)) })
		if err != nil {
			return Value{}, fmt.Errorf("ConvertImageDtype: %w", err)
		}
		return Value{Image: m}, nil
	}
	return maybeFlip(v, false, false)
}

func init() {
	registerTransform("LinearTransformation", "flatten a tensor, subtract a mean vector and multiply by a square matrix (whitening)", func() *LinearTransformation { return &LinearTransformation{} })
}

// LinearTransformation flattens a C x H x W tensor to D = C*H*W values,
// subtracts MeanVector and multiplies by the D x D TransformationMatrix
// (row vector times matrix), like torchvision's LinearTransformation.
type LinearTransformation struct {
	TransformationMatrix [][]float64 `json:"transformation_matrix" required:"true" expect:"a square D x D list of lists, D = C*H*W" help:"the matrix"`
	MeanVector           []float64   `json:"mean_vector" required:"true" expect:"a list of D numbers" help:"the mean subtracted first"`
}

func (l *LinearTransformation) validate() error {
	d := len(l.TransformationMatrix)
	if d == 0 {
		return paramError("transformation_matrix", "must not be empty")
	}
	for i, r := range l.TransformationMatrix {
		if len(r) != d {
			return paramError("transformation_matrix", fmt.Sprintf("should be square: row %d has %d values for %d rows", i, len(r), d))
		}
	}
	if len(l.MeanVector) != d {
		return paramError("mean_vector", fmt.Sprintf("should have as many values as the matrix has rows (%d), got %d", d, len(l.MeanVector)))
	}
	return nil
}

// Apply transforms a tensor; an image is an error (put ToTensor first).
func (l *LinearTransformation) Apply(v Value, _ *rand.Rand) (Value, error) {
	if err := l.validate(); err != nil {
		return Value{}, fmt.Errorf("LinearTransformation: %w", err)
	}
	if v.Tensor == nil {
		return Value{}, fmt.Errorf("LinearTransformation: want a tensor, got an image (put ToTensor before it)")
	}
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, fmt.Errorf("LinearTransformation: %w", err)
	}
	t := v.Tensor
	d := len(l.MeanVector)
	if len(t.Data) != d {
		return Value{}, fmt.Errorf("LinearTransformation: the tensor %v has %d values, the matrix is %d x %d", t.Shape, len(t.Data), d, d)
	}
	x := make([]float32, d)
	for i, v := range t.Data {
		x[i] = v - float32(l.MeanVector[i])
	}
	out := tensor.New(t.Shape...)
	acc := make([]float64, d)
	for i, xi := range x {
		row := l.TransformationMatrix[i]
		for j, m := range row {
			acc[j] += float64(xi) * float64(float32(m))
		}
	}
	for j, s := range acc {
		out.Data[j] = float32(s)
	}
	return Value{Tensor: out}, nil
}

// ErasingValue is RandomErasing's value: a number, one number per channel,
// or "random" for standard normal noise.
type ErasingValue struct {
	Random bool
	Values []float64
}

// UnmarshalJSON accepts 0, [0.4, 0.5, 0.6] or "random".
func (e *ErasingValue) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "random" {
			return fmt.Errorf(`the only string accepted is "random", got %q`, s)
		}
		*e = ErasingValue{Random: true}
		return nil
	}
	var f Fill
	if err := f.UnmarshalJSON(b); err != nil {
		return fmt.Errorf(`want a number, a list of numbers (one per channel) or "random", got %s`, abbrev(b))
	}
	*e = ErasingValue{Values: f}
	return nil
}

// MarshalJSON writes e as it is read.
func (e ErasingValue) MarshalJSON() ([]byte, error) {
	switch {
	case e.Random:
		return []byte(`"random"`), nil
	case len(e.Values) == 1:
		return json.Marshal(e.Values[0])
	case len(e.Values) == 0:
		return []byte("0"), nil
	}
	return json.Marshal(e.Values)
}

// ParamType names the type "erasing value" in the catalogue.
func (ErasingValue) ParamType() (string, string) {
	return "erasing_value", `a number, a list of one number per channel, or "random"`
}

func init() {
	registerTransform("RandomErasing", "erase a random rectangle of a tensor with probability p", func() *RandomErasing {
		return &RandomErasing{P: 0.5, Scale: [2]float64{0.02, 0.33}, Ratio: [2]float64{0.3, 3.3}}
	})
}

// RandomErasing erases a rectangle of a float tensor with probability P,
// like torchvision's RandomErasing: its area is a fraction of the image
// drawn uniformly from Scale, its aspect ratio drawn log-uniformly from
// Ratio, with up to 10 tries to fit; Value fills it. Inplace is accepted
// for compatibility: Apply never changes its input, so it changes nothing.
type RandomErasing struct {
	P       float64      `json:"p" min:"0" max:"1" help:"probability of erasing"`
	Scale   [2]float64   `json:"scale" min:"0" max:"1" help:"[min, max] fraction of the area erased"`
	Ratio   [2]float64   `json:"ratio" gt:"0" help:"[min, max] aspect ratio of the rectangle"`
	Value   ErasingValue `json:"value" help:"the fill: a number, one per channel, or \"random\" (normal noise)"`
	Inplace bool         `json:"inplace" help:"accepted; results are always new tensors"`
}

func (e *RandomErasing) validate() error {
	if err := checkP(e.P); err != nil {
		return err
	}
	if !(e.Scale[0] >= 0 && e.Scale[0] <= e.Scale[1] && e.Scale[1] <= 1) {
		return paramError("scale", fmt.Sprintf("want [min, max] with 0 <= min <= max <= 1, got %v", e.Scale))
	}
	if !(e.Ratio[0] > 0 && e.Ratio[0] <= e.Ratio[1]) || math.IsInf(e.Ratio[1], 0) {
		return paramError("ratio", fmt.Sprintf("want [min, max] with 0 < min <= max, got %v", e.Ratio))
	}
	return Fill(e.Value.Values).check("value")
}

// Erasing is one RandomErasing draw: the rectangle's top, left, height and
// width; Erase is false when no rectangle fitted in 10 tries.
type Erasing struct {
	I, J, H, W int
	Erase      bool
}

// Params draws a rectangle for an image of h x w pixels as torchvision's
// get_params does.
func (e *RandomErasing) Params(rng *rand.Rand, h, w int) Erasing {
	area := float64(h * w)
	lr0, lr1 := math.Log(e.Ratio[0]), math.Log(e.Ratio[1])
	for range 10 {
		ea := area * uniform(rng, e.Scale[0], e.Scale[1])
		ar := math.Exp(uniform(rng, lr0, lr1))
		eh := int(math.RoundToEven(math.Sqrt(ea * ar)))
		ew := int(math.RoundToEven(math.Sqrt(ea / ar)))
		if !(eh < h && ew < w) {
			continue
		}
		return Erasing{I: rng.IntN(h - eh + 1), J: rng.IntN(w - ew + 1), H: eh, W: ew, Erase: true}
	}
	return Erasing{}
}

// Apply erases a rectangle of a tensor with probability P; an image is an
// error, as in torchvision (put ToTensor first).
func (e *RandomErasing) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := e.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomErasing: %w", err)
	}
	if v.Tensor == nil {
		return Value{}, fmt.Errorf("RandomErasing: want a tensor, got an image (put ToTensor before it)")
	}
	C, H, W, err := chw(v.Tensor)
	if err != nil {
		return Value{}, fmt.Errorf("RandomErasing: %w", err)
	}
	if n := len(e.Value.Values); n > 1 && n != C {
		return Value{}, fmt.Errorf("RandomErasing: value has %d numbers for a tensor with %d channels (want 1 or %d)", n, C, C)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomErasing: %w", errNoRand)
	}
	out := v.Tensor.Clone()
	if rng.Float64() >= e.P {
		return Value{Tensor: out}, nil
	}
	r := e.Params(rng, H, W)
	if !r.Erase {
		return Value{Tensor: out}, nil
	}
	fill, _ := Fill(e.Value.Values).channels(C)
	for c := range C {
		for y := r.I; y < r.I+r.H; y++ {
			row := out.Data[(c*H+y)*W+r.J : (c*H+y)*W+r.J+r.W]
			for x := range row {
				if e.Value.Random {
					row[x] = float32(rng.NormFloat64())
				} else {
					row[x] = float32(fill[c])
				}
			}
		}
	}
	return Value{Tensor: out}, nil
}

// TransformList is a list of transforms given as a parameter, in JSON a
// list like the spec's transforms.
type TransformList struct {
	List Compose
	raw  json.RawMessage
}

// UnmarshalJSON parses the list.
func (l *TransformList) UnmarshalJSON(b []byte) error {
	c, err := ParseTransforms(b)
	if err != nil {
		return err
	}
	if len(c) == 0 {
		return fmt.Errorf("want at least one transform")
	}
	*l = TransformList{List: c, raw: append(json.RawMessage(nil), b...)}
	return nil
}

// MarshalJSON writes the list as it was read.
func (l TransformList) MarshalJSON() ([]byte, error) {
	if l.raw == nil {
		return []byte("null"), nil
	}
	return l.raw, nil
}

// ParamType names the type "transforms" in the catalogue.
func (TransformList) ParamType() (string, string) {
	return "transforms", `a list of transforms like [{"type": "ColorJitter", "brightness": 0.4}]`
}

func init() {
	registerTransform("RandomApply", "apply a list of transforms with probability p", func() *RandomApply { return &RandomApply{P: 0.5} })
	registerTransform("RandomChoice", "apply one transform of a list, drawn with weights p", func() *RandomChoice { return &RandomChoice{} })
	registerTransform("RandomOrder", "apply a list of transforms in a random order", func() *RandomOrder { return &RandomOrder{} })
}

// RandomApply applies Transforms in order with probability P, like
// torchvision's RandomApply.
type RandomApply struct {
	Transforms TransformList `json:"transforms" required:"true" help:"the transforms"`
	P          float64       `json:"p" min:"0" max:"1" help:"probability of applying them"`
}

func (r *RandomApply) validate() error {
	if len(r.Transforms.List) == 0 {
		return paramError("transforms", "want at least one transform")
	}
	if err := noCrops(r.Transforms.List); err != nil {
		return err
	}
	return checkP(r.P)
}

// Apply runs the transforms when a draw from rng is at most P.
func (r *RandomApply) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := r.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomApply: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomApply: %w", errNoRand)
	}
	if r.P < rng.Float64() {
		return maybeFlip(v, false, false)
	}
	out, err := r.Transforms.List.Apply(v, rng)
	if err != nil {
		return Value{}, fmt.Errorf("RandomApply: %w", err)
	}
	return out, nil
}

// RandomChoice applies one of Transforms, drawn with weights P (equal
// weights when P is left out; they need not sum to 1), like torchvision's
// RandomChoice.
type RandomChoice struct {
	Transforms TransformList `json:"transforms" required:"true" help:"the transforms to choose from"`
	P          []float64     `json:"p" nullable:"true" min:"0" help:"weight of each transform (null: equal)"`
}

func (r *RandomChoice) validate() error {
	if len(r.Transforms.List) == 0 {
		return paramError("transforms", "want at least one transform")
	}
	if err := noCrops(r.Transforms.List); err != nil {
		return err
	}
	if r.P == nil {
		return nil
	}
	if len(r.P) != len(r.Transforms.List) {
		return paramError("p", fmt.Sprintf("has %d weights for %d transforms", len(r.P), len(r.Transforms.List)))
	}
	var sum float64
	for _, w := range r.P {
		if !(w >= 0) || math.IsInf(w, 0) {
			return paramError("p", fmt.Sprintf("weights must be non-negative and finite, got %v", r.P))
		}
		sum += w
	}
	if sum <= 0 {
		return paramError("p", "the weights must not all be zero")
	}
	return nil
}

// Choose draws the index of the transform to apply.
func (r *RandomChoice) Choose(rng *rand.Rand) int {
	n := len(r.Transforms.List)
	if r.P == nil {
		return rng.IntN(n)
	}
	var sum float64
	for _, w := range r.P {
		sum += w
	}
	u := rng.Float64() * sum
	for i, w := range r.P {
		if u < w {
			return i
		}
		u -= w
	}
	for i := n - 1; i >= 0; i-- {
		if r.P[i] > 0 {
			return i
		}
	}
	return n - 1
}

// Apply runs one transform drawn from rng.
func (r *RandomChoice) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := r.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomChoice: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomChoice: %w", errNoRand)
	}
	out, err := r.Transforms.List[r.Choose(rng)].Apply(v, rng)
	if err != nil {
		return Value{}, fmt.Errorf("RandomChoice: %w", err)
	}
	return out, nil
}

// RandomOrder applies Transforms in an order drawn at random, like
// torchvision's RandomOrder.
type RandomOrder struct {
	Transforms TransformList `json:"transforms" required:"true" help:"the transforms"`
}

func (r *RandomOrder) validate() error {
	if len(r.Transforms.List) == 0 {
		return paramError("transforms", "want at least one transform")
	}
	if err := noCrops(r.Transforms.List); err != nil {
		return err
	}
	return nil
}

// Apply runs the transforms in a random order.
func (r *RandomOrder) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := r.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomOrder: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomOrder: %w", errNoRand)
	}
	c := make(Compose, 0, len(r.Transforms.List))
	for _, i := range rng.Perm(len(r.Transforms.List)) {
		c = append(c, r.Transforms.List[i])
	}
	out, err := c.Apply(v, rng)
	if err != nil {
		return Value{}, fmt.Errorf("RandomOrder: %w", err)
	}
	return out, nil
}
