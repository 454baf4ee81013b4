package images

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/param"
	"github.com/mlforge/mlforge/tensor"
)

// Image operations are Pillow's Image methods as a pipeline step before the
// transforms (the spec's image_ops): convert, crop, resize, reduce, rotate,
// transpose, getchannel, effect_spread and filter, with Pillow's argument
// names and defaults, and Pillow's enum names accepted as strings
// ("Image.Resampling.BICUBIC", "Image.BICUBIC", "BICUBIC", 3, ...).
//
// They work on the decoded 8-bit image and keep track of its Pillow mode:
// L and RGB as decoded, 1 (held as 0 and 255), YCbCr and HSV (three bands,
// as ToTensor then reads them). convert also reaches P, RGBA, CMYK, I and
// F (imagemodes.go), which the operations take as Pillow 9.4 does, or
// refuse with Pillow's reason (opmodes.go); the other modes (LA, RGBX,
// I;16, ...) are refused with an error.

// opImage is an image with its Pillow mode: 8-bit bands in m, and for
// mode P its palette, for modes I and F its values in f (m then holds the
// size only).
type opImage struct {
	mode string
	m    *Image
	pal  *[256][3]uint8
	f    []float32
}

var modeBands = map[string][]string{
	"1":     {"1"},
	"L":     {"L"},
	"RGB":   {"R", "G", "B"},
	"YCbCr": {"Y", "Cb", "Cr"},
	"HSV":   {"H", "S", "V"},
}

// ImageOp is one Pillow operation.
type ImageOp interface {
	applyOp(im opImage, rng *rand.Rand) (opImage, error)
}

// ImageOps applies Pillow operations in order.
type ImageOps []ImageOp

// Apply runs the operations on m (mode L for one channel, RGB for three)
// and returns the result; rng is needed by effect_spread only. An image
// left in mode P is its palette indices (one channel), in RGBA or CMYK its
// four bands; one left in mode I or F is an error here (the Transform
// gives its values as a tensor).
func (o ImageOps) Apply(m *Image, rng *rand.Rand) (*Image, error) {
	im, err := o.apply(m, rng)
	if err != nil {
		return nil, err
	}
	if im.f != nil {
		return nil, fmt.Errorf("image_ops: the image is left in mode %s, which holds 32-bit values, not 8-bit bands", im.mode)
	}
	if im.m == m {
		return Convert(m, modeOf(m)), nil
	}
	return im.m, nil
}

func (o ImageOps) apply(m *Image, rng *rand.Rand) (opImage, error) {
	if _, _, _, err := (Value{Image: m}).Size(); err != nil {
		return opImage{}, err
	}
	im := opImage{mode: "RGB", m: m}
	if m.C == 1 {
		im.mode = "L"
	}
	var err error
	for i, op := range o {
		if err := takesMode(op, im.mode); err != nil {
			return opImage{}, fmt.Errorf("image_ops[%d]: %w", i, err)
		}
		if im, err = applyOpMode(op, im, rng); err != nil {
			return opImage{}, fmt.Errorf("image_ops[%d]: %w", i, err)
		}
	}
	return im, nil
}

// takesMode reports whether op takes an image of mode, as Pillow 9.4
// does (opmodes.go): an error names what Pillow says where it refuses.
func takesMode(op ImageOp, mode string) error { return opModeError(op, mode) }

// Transform returns the operations as a Transform on 8-bit images, to put
// first in a Compose before the spec's transforms (the image folder then
// needs no other change): Compose{ops.Transform(), transforms...}. A
// tensor is an error (image_ops come before ToTensor).
func (o ImageOps) Transform() Transform { return imageOpsTransform{o} }

type imageOpsTransform struct{ ops ImageOps }

func (t imageOpsTransform) Apply(v Value, rng *rand.Rand) (Value, error) {
	if v.Image == nil {
		return Value{}, fmt.Errorf("image_ops: want a decoded image, got a tensor (image_ops run before the transforms)")
	}
	im, err := t.ops.apply(v.Image, rng)
	if err != nil {
		return Value{}, err
	}
	if im.f != nil {
		// Mode I or F: its values as they are, 1 x H x W, what
		// torchvision's ToTensor and PILToTensor make of it.
		return Value{Tensor: &tensor.Tensor{Shape: []int{1, im.m.H, im.m.W}, Data: im.f}, pilMode: im.mode}, nil
	}
	if im.m == v.Image {
		return Value{Image: Convert(im.m, modeOf(im.m))}, nil
	}
	return Value{Image: im.m}, nil
}

// Mode returns the Pillow mode the operations leave an image of mode in
// ("L" or "RGB") in, or an error for an impossible chain, without pixels.
func (o ImageOps) Mode(in string) (string, error) {
	mode := in
	for i, op := range o {
		if err := takesMode(op, mode); err != nil {
			return "", fmt.Errorf("image_ops[%d]: %w", i, err)
		}
		switch p := op.(type) {
		case *ConvertOp:
			to, err := p.target(mode)
			if err != nil {
				return "", fmt.Errorf("image_ops[%d]: convert: %w", i, err)
			}
			mode = to
		case *GetChannelOp:
			mode = "L"
		}
	}
	return mode, nil
}

// imageOps holds the operations, in registration order.
var imageOps = param.Registry[string]{Kind: "image operation", InOrder: true}

func registerOp[T any, PT interface {
	*T
	ImageOp
}](name, doc string, defaults func() PT) {
	imageOps.Register(param.Class[string]{Name: name, Doc: doc, Params: func() any { return defaults() }, New: "image_op"})
}

// ImageOpsCatalogue returns the image operations with their parameters,
// for GET /api/classes.
func ImageOpsCatalogue() []Info {
	cs := imageOps.Classes()
	out := make([]Info, len(cs))
	for i, c := range cs {
		out[i] = Info{Name: c.Name, Kind: "image_op", Doc: c.Doc, Params: c.Describe()}
	}
	return out
}

// ParseImageOps builds image operations from a JSON list. Each element is
// {"type": "resize", "size": [32, 32], ...}, or a single-key object as
// Pillow calls read: {"resize": {"size": [32, 32]}}, {"resize": [[32, 32],
// "Image.BICUBIC"]} (positional arguments in Pillow's order), {"convert":
// "RGB"} (one argument) or {"transpose": null} where no argument is
// required. Errors name the element: `image_ops[1]: resize: param
// "resample": ...`.
func ParseImageOps(raw json.RawMessage) (ImageOps, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf(`image_ops: want a list like [{"convert": {"mode": "RGB"}}], got %s`, abbrev(raw))
	}
	out := make(ImageOps, 0, len(list))
	for i, r := range list {
		op, err := parseImageOp(r)
		if err != nil {
			return nil, fmt.Errorf("image_ops[%d]: %w", i, err)
		}
		out = append(out, op)
	}
	return out, nil
}

func parseImageOp(raw json.RawMessage) (ImageOp, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf(`want an object like {"resize": {"size": [32, 32]}}, got %s`, abbrev(raw))
	}
	var name string
	if t, ok := obj["type"]; ok {
		if json.Unmarshal(t, &name) != nil || name == "" {
			return nil, fmt.Errorf(`"type" must be the name of a Pillow operation, got %s`, abbrev(t))
		}
	} else {
		if len(obj) != 1 {
			return nil, fmt.Errorf(`want one key, the operation's name (or "type"), got %d keys`, len(obj))
		}
		for k, v := range obj {
			name = k
			args, err := opArgs(name, v)
			if err != nil {
				return nil, err
			}
			obj = args
		}
	}
	name = strings.TrimPrefix(name, "Image.")
	c, err := imageOps.Lookup(name)
	if err != nil {
		names := imageOps.Names()
		return nil, fmt.Errorf("unknown image operation %q%s (Pillow operations known here: %s)", name, suggest.Hint(name, names), strings.Join(names, ", "))
	}
	v := c.Params()
	if err := param.DecodeObject(obj, v, param.Options{Skip: []string{"type"}}); err != nil {
		return nil, fmt.Errorf("%s: %w", name, wordParamError(err, v, obj))
	}
	if val, ok := v.(interface{ validate() error }); ok {
		if err := val.validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return v.(ImageOp), nil
}

// opArgs turns the value of a single-key operation into named arguments.
func opArgs(name string, v json.RawMessage) (map[string]json.RawMessage, error) {
	v = bytes.TrimSpace(v)
	c, err := imageOps.Lookup(strings.TrimPrefix(name, "Image."))
	if err != nil {
		names := imageOps.Names()
		return nil, fmt.Errorf("unknown image operation %q%s (Pillow operations known here: %s)", name, suggest.Hint(name, names), strings.Join(names, ", "))
	}
	names := param.Names(c.Params())
	switch {
	case len(v) == 0 || string(v) == "null" || string(v) == "true":
		return map[string]json.RawMessage{}, nil
	case v[0] == '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v, &obj); err != nil {
			return nil, fmt.Errorf("%s: arguments: %v", name, err)
		}
		return obj, nil
	case v[0] == '[' && len(names) > 0 && !firstTakesList(name):
		var list []json.RawMessage
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, fmt.Errorf("%s: arguments: %v", name, err)
		}
		if len(list) > len(names) {
			return nil, fmt.Errorf("%s: %d positional arguments, it takes at most %d (%s)", name, len(list), len(names), strings.Join(names, ", "))
		}
		obj := map[string]json.RawMessage{}
		for i, a := range list {
			obj[names[i]] = a
		}
		return obj, nil
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s takes no arguments, got %s", name, abbrev(v))
	}
	return map[string]json.RawMessage{names[0]: v}, nil
}

// firstTakesList says whether a list given as the whole value of a
// single-key operation is its first argument rather than positional
// arguments: crop's box, resize's size, reduce's factor.
func firstTakesList(name string) bool {
	switch strings.TrimPrefix(name, "Image.") {
	case "crop":
		return true
	}
	return false
}

// pillowEnum reads a Pillow enum given as a number or a name with any of
// its prefixes ("Image.Resampling.BICUBIC", "Resampling.BICUBIC",
// "Image.BICUBIC", "BICUBIC", "bicubic", "'BICUBIC'").
func pillowEnum(b []byte, what string, names map[string]int) (int, error) {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		for _, v := range names {
			if float64(v) == f {
				return v, nil
			}
		}
		return 0, fmt.Errorf("unknown %s %v", what, f)
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return 0, fmt.Errorf("want a %s name or number, got %s", what, abbrev(b))
	}
	k := strings.Trim(s, "'\" ")
	if i := strings.LastIndex(k, "."); i >= 0 {
		k = k[i+1:]
	}
	if v, ok := names[strings.ToUpper(k)]; ok {
		return v, nil
	}
	var known []string
	for n := range names {
		known = append(known, n)
	}
	return 0, fmt.Errorf("unknown %s %q%s", what, s, suggest.Hint(strings.ToUpper(k), known))
}

// Resample is a Pillow resampling filter (Image.Resampling).
type Resample int

// Pillow's resampling filters, with Pillow's numbers.
const (
	ResampleNearest  Resample = 0
	ResampleLanczos  Resample = 1
	ResampleBilinear Resample = 2
	ResampleBicubic  Resample = 3
	ResampleBox      Resample = 4
	ResampleHamming  Resample = 5
)

var resampleNames = map[string]int{"NEAREST": 0, "NONE": 0, "LANCZOS": 1, "ANTIALIAS": 1, "BILINEAR": 2, "LINEAR": 2, "BICUBIC": 3, "CUBIC": 3, "BOX": 4, "HAMMING": 5}

// UnmarshalJSON reads a filter name or number.
func (r *Resample) UnmarshalJSON(b []byte) error {
	v, err := pillowEnum(b, "resampling filter", resampleNames)
	*r = Resample(v)
	return err
}

// MarshalJSON writes the filter's Pillow name.
func (r Resample) MarshalJSON() ([]byte, error) {
	return json.Marshal("Image.Resampling." + [...]string{"NEAREST", "LANCZOS", "BILINEAR", "BICUBIC", "BOX", "HAMMING"}[min(max(int(r), 0), 5)])
}

// ParamType names the type in the catalogue.
func (Resample) ParamType() (string, string) {
	return "resample", "a Pillow filter: NEAREST, BOX, BILINEAR, HAMMING, BICUBIC or LANCZOS (as Image.Resampling.X, Image.X or a number)"
}

// pilFilter returns the resampling filter of r (not nearest).
func (r Resample) pilFilter() filter {
	switch r {
	case ResampleBox:
		return filter{0.5, func(x float64) float64 {
			if x > -0.5 && x <= 0.5 {
				return 1
			}
			return 0
		}}
	case ResampleHamming:
		return filter{1, func(x float64) float64 {
			if x < 0 {
				x = -x
			}
			if x == 0 {
				return 1
			}
			if x >= 1 {
				return 0
			}
			x *= math.Pi
			// libImaging's constants are floats: 0.54f and 0.46f.
			return sinR(x) / x * (float64(float32(0.54)) + float64(float32(0.46))*cosR(x))
		}}
	case ResampleLanczos:
		sinc := func(x float64) float64 {
			if x == 0 {
				return 1
			}
			x *= math.Pi
			return sinR(x) / x
		}
		return filter{3, func(x float64) float64 {
			if -3 <= x && x < 3 {
				return sinc(x) * sinc(x/3)
			}
			return 0
		}}
	case ResampleBicubic:
		return filters[Bicubic]
	}
	return filters[Bilinear]
}

// support is Pillow's _filters_support.
func (r Resample) support() float64 {
	switch r {
	case ResampleBox:
		return 0.5
	case ResampleBicubic:
		return 2
	case ResampleLanczos:
		return 3
	}
	return 1
}

func (r Resample) interp() Interpolation {
	switch r {
	case ResampleBilinear:
		return Bilinear
	case ResampleBicubic:
		return Bicubic
	}
	return Nearest
}

func init() {
	registerOp("convert", "convert to another mode (1, L, P, RGB, RGBA, CMYK, YCbCr, HSV, I, F), optionally through a matrix", func() *ConvertOp { return &ConvertOp{Dither: DitherFloydSteinberg} })
	registerOp("crop", "cut the box (left, upper, right, lower); outside is 0", func() *CropOp { return &CropOp{} })
	registerOp("resize", "resample to (width, height) with a Pillow filter", func() *ResizeOp { return &ResizeOp{Resample: ResampleBicubic} })
	registerOp("reduce", "shrink by an integer factor, averaging blocks", func() *ReduceOp { return &ReduceOp{} })
	registerOp("rotate", "rotate counter-clockwise by angle degrees", func() *RotateOp { return &RotateOp{Resample: ResampleNearest} })
	registerOp("transpose", "flip or rotate by multiples of 90 degrees", func() *TransposeOp { return &TransposeOp{} })
	registerOp("getchannel", "keep one band as an L image", func() *GetChannelOp { return &GetChannelOp{} })
	registerOp("effect_spread", "move each pixel to a random place within distance", func() *SpreadOp { return &SpreadOp{} })
	registerOp("filter", "apply a named ImageFilter kernel or rank filter", func() *FilterOp { return &FilterOp{} })
}

// Dither is Pillow's Image.Dither.
type Dither int

// Pillow's dithers.
const (
	DitherNone           Dither = 0
	DitherFloydSteinberg Dither = 3
)

// UnmarshalJSON reads a dither name or number.
func (d *Dither) UnmarshalJSON(b []byte) error {
	v, err := pillowEnum(b, "dither", map[string]int{"NONE": 0, "ORDERED": 1, "RASTERIZE": 2, "FLOYDSTEINBERG": 3})
	*d = Dither(v)
	return err
}

// ParamType names the type in the catalogue.
func (Dither) ParamType() (string, string) {
	return "dither", "NONE or FLOYDSTEINBERG (as Image.Dither.X, Image.X or a number)"
}

// ConvertOp is Image.convert(mode, matrix, dither, palette, colors).
type ConvertOp struct {
	Mode    string    `json:"mode" required:"true" help:"the mode: 1, L, P, RGB, RGBA, CMYK, YCbCr, HSV, I or F"`
	Matrix  []float64 `json:"matrix" nullable:"true" help:"an RGB to L (4 numbers) or RGB (12 numbers) matrix"`
	Dither  Dither    `json:"dither" help:"for modes 1 and P: FLOYDSTEINBERG (default) or NONE"`
	Palette Palette   `json:"palette" nullable:"true" help:"for mode P: WEB (the default) or ADAPTIVE (Pillow's median-cut quantisation of an L or RGB image)"`
	Colors  int       `json:"colors" nullable:"true" help:"for mode P with palette ADAPTIVE: the palette's colours, 1 to 256 (default 256; Pillow ignores it with WEB)"`
}

func (c *ConvertOp) validate() error {
	c.Mode = strings.Trim(c.Mode, "'\" ")
	if _, ok := modeBands[c.Mode]; !ok {
		switch c.Mode {
		case "RGBX", "LA", "La", "RGBa", "I;16", "I;16L", "I;16B", "I;16N", "LAB", "PA", "BGR;15", "BGR;16", "BGR;24":
			return paramError("mode", fmt.Sprintf("mode %s is a Pillow mode, but images here hold 1, L, P, RGB, RGBA, CMYK, YCbCr, HSV, I or F only", c.Mode))
		}
		return paramError("mode", fmt.Sprintf("unknown mode %q (want 1, L, P, RGB, RGBA, CMYK, YCbCr, HSV, I or F)", c.Mode))
	}
	if c.Palette != PaletteWeb && c.Palette != PaletteAdaptive {
		return paramError("palette", fmt.Sprintf("unknown palette %d (want WEB or ADAPTIVE)", c.Palette))
	}
	if c.Colors != 0 && (c.Colors < 1 || c.Colors > 256) {
		return paramError("colors", fmt.Sprintf("must be in [1, 256], got %d", c.Colors))
	}
	if c.Matrix != nil {
		if c.Mode != "L" && c.Mode != "RGB" {
			return paramError("matrix", "a matrix converts to L or RGB only (Pillow: illegal conversion)")
		}
		if (c.Mode == "L" && len(c.Matrix) != 4) || (c.Mode == "RGB" && len(c.Matrix) != 12) {
			return paramError("matrix", fmt.Sprintf("want 4 numbers for L or 12 for RGB, got %d", len(c.Matrix)))
		}
	}
	if c.Dither != DitherNone && c.Dither != DitherFloydSteinberg {
		return paramError("dither", "only NONE and FLOYDSTEINBERG are supported")
	}
	return nil
}

// target is the mode converting from gives.
func (c *ConvertOp) target(from string) (string, error) {
	if c.Mode == "P" && from == "RGBA" && c.Matrix == nil {
		return "", fmt.Errorf("Pillow quantises an RGBA image to P adaptively (Image.quantize), which is not supported; convert to RGB first")
	}
	if c.Matrix != nil && from != "RGB" {
		return "", fmt.Errorf("a matrix converts an RGB image, got mode %s", from)
	}
	if err := c.adaptiveFrom(from); err != nil {
		return "", err
	}
	return c.Mode, nil
}

// adaptive reports whether the conversion is Pillow's median-cut
// quantisation (mode P, palette ADAPTIVE, no matrix).
func (c *ConvertOp) adaptive() bool {
	return c.Mode == "P" && c.Palette == PaletteAdaptive && c.Matrix == nil
}

// adaptiveFrom refuses what Pillow's quantize refuses: an adaptive
// palette for an image of a mode other than L, RGB (and P, which convert
// copies).
func (c *ConvertOp) adaptiveFrom(from string) error {
	if c.adaptive() && from != "L" && from != "RGB" && from != "P" {
		return fmt.Errorf("palette ADAPTIVE quantises an L or RGB image, got mode %s (Pillow: image has wrong mode); convert it to RGB first", from)
	}
	return nil
}

func (c *ConvertOp) applyOp(im opImage, _ *rand.Rand) (opImage, error) {
	if c.Matrix != nil {
		if im.mode != "RGB" {
			return opImage{}, fmt.Errorf("convert: a matrix converts an RGB image, got mode %s", im.mode)
		}
		return opImage{mode: c.Mode, m: convertMatrix(im.m, c.Matrix, c.Mode)}, nil
	}
	if c.adaptive() && im.mode != "P" && im.mode != "RGBA" {
		if err := c.adaptiveFrom(im.mode); err != nil {
			return opImage{}, fmt.Errorf("convert: %w", err)
		}
		return quantizeOp(im, cmp.Or(c.Colors, 256)), nil
	}
	return convertPillow(im, c.Mode, c.Dither)
}

// quantizeOp is Image.convert("P", palette=ADAPTIVE, colors=colours) of
// an L or RGB image: the palette's entries after the colours used are
// black, as Pillow's getpalette gives them.
func quantizeOp(im opImage, colours int) opImage {
	m := im.m
	px := make([][3]uint8, m.W*m.H)
	for i := range px {
		if m.C == 1 {
			v := m.Pix[i]
			px[i] = [3]uint8{v, v, v}
		} else {
			px[i] = [3]uint8{m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2]}
		}
	}
	entries, idx := quantizeMedianCut(px, colours)
	var pal [256][3]uint8
	copy(pal[:], entries)
	return opImage{mode: "P", m: &Image{W: m.W, H: m.H, C: 1, Pix: idx}, pal: &pal}
}

// convertMatrix is Pillow's ImagingConvertMatrix: float32 sums plus 0.5,
// clipped and truncated.
func convertMatrix(m *Image, mat []float64, mode string) *Image {
	var f [12]float32
	for i, v := range mat {
		f[i] = float32(v)
	}
	clip := func(v float32) uint8 {
		switch {
		case v <= 0:
			return 0
		case v >= 255:
			return 255
		}
		return uint8(v)
	}
	n := m.W * m.H
	if mode == "L" {
		out := NewImage(m.W, m.H, 1)
		for i := range n {
			r, g, b := float32(m.Pix[3*i]), float32(m.Pix[3*i+1]), float32(m.Pix[3*i+2])
			out.Pix[i] = clip(float32(float32(float32(f[0]*r)+float32(f[1]*g))+float32(f[2]*b)) + f[3] + 0.5)
		}
		return out
	}
	out := NewImage(m.W, m.H, 3)
	for i := range n {
		r, g, b := float32(m.Pix[3*i]), float32(m.Pix[3*i+1]), float32(m.Pix[3*i+2])
		for k := range 3 {
			out.Pix[3*i+k] = clip(float32(float32(float32(f[4*k]*r)+float32(f[4*k+1]*g))+float32(f[4*k+2]*b)) + f[4*k+3] + 0.5)
		}
	}
	return out
}

// convertMode converts between the modes held here, directly where Pillow
// has a direct conversion and through RGB otherwise, as Image.convert.
func convertMode(im opImage, to string, dither Dither) (opImage, error) {
	m := im.m
	from := im.mode
	if from == to {
		return opImage{mode: to, m: Convert(m, modeOf(m))}, nil
	}
	switch {
	case to == "1" && (from == "L" || from == "RGB"):
		return opImage{mode: "1", m: toBilevel(m, dither)}, nil
	case from == "1" && to == "L":
		return opImage{mode: "L", m: Convert(m, L)}, nil
	case (from == "1" || from == "L") && to == "RGB":
		return opImage{mode: "RGB", m: Convert(m, RGB)}, nil
	case from == "RGB" && to == "L":
		return opImage{mode: "L", m: Convert(m, L)}, nil
	case from == "RGB" && to == "HSV":
		out := NewImage(m.W, m.H, 3)
		for i := 0; i < len(m.Pix); i += 3 {
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = rgbToHSV(m.Pix[i], m.Pix[i+1], m.Pix[i+2])
		}
		return opImage{mode: "HSV", m: out}, nil
	case from == "HSV" && to == "RGB":
		out := NewImage(m.W, m.H, 3)
		for i := 0; i < len(m.Pix); i += 3 {
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = hsvToRGB(m.Pix[i], m.Pix[i+1], m.Pix[i+2])
		}
		return opImage{mode: "RGB", m: out}, nil
	case from == "RGB" && to == "YCbCr":
		out := NewImage(m.W, m.H, 3)
		for i := 0; i < len(m.Pix); i += 3 {
			r, g, b := float64(m.Pix[i]), float64(m.Pix[i+1]), float64(m.Pix[i+2])
			out.Pix[i] = clipRound(0.299*r + 0.587*g + 0.114*b)
			out.Pix[i+1] = clipRound(128 - 0.168736*r - 0.331264*g + 0.5*b)
			out.Pix[i+2] = clipRound(128 + 0.5*r - 0.418688*g - 0.081312*b)
		}
		return opImage{mode: "YCbCr", m: out}, nil
	case from == "YCbCr" && to == "RGB":
		// libImaging's tables: each term scaled by 64 and rounded, the
		// sum shifted right by 6 (a floor).
		t := func(c, d float64) int { return int(math.Round(c * 64 * d)) }
		out := NewImage(m.W, m.H, 3)
		for i := 0; i < len(m.Pix); i += 3 {
			y, cb, cr := int(m.Pix[i]), float64(m.Pix[i+1])-128, float64(m.Pix[i+2])-128
			out.Pix[i] = clipInt8(y + t(1.402, cr)>>6)
			out.Pix[i+1] = clipInt8(y + (t(-0.34414, cb)+t(-0.71414, cr))>>6)
			out.Pix[i+2] = clipInt8(y + t(1.772, cb)>>6)
		}
		return opImage{mode: "RGB", m: out}, nil
	case from == "L" && to == "YCbCr":
		out := NewImage(m.W, m.H, 3)
		for i, v := range m.Pix {
			out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = v, 128, 128
		}
		return opImage{mode: "YCbCr", m: out}, nil
	case from == "YCbCr" && to == "L":
		out := NewImage(m.W, m.H, 1)
		for i := range out.Pix {
			out.Pix[i] = m.Pix[3*i]
		}
		return opImage{mode: "L", m: out}, nil
	}
	if from == "RGB" || to == "RGB" {
		return opImage{}, fmt.Errorf("convert: Pillow cannot convert %s to %s", from, to)
	}
	rgb, err := convertMode(im, "RGB", DitherNone)
	if err != nil {
		return opImage{}, err
	}
	return convertMode(rgb, to, dither)
}

func clipRound(v float64) uint8 { return uint8(min(max(math.Floor(v+0.5), 0), 255)) }

// toBilevel is Pillow's conversion to mode 1: a threshold at 128 without
// dithering, Floyd-Steinberg error diffusion otherwise (tobilevel in
// libImaging/Convert.c), from L or from RGB's integer luma.
func toBilevel(m *Image, dither Dither) *Image {
	W, H := m.W, m.H
	lum := func(i int) int {
		if m.C == 1 {
			return int(m.Pix[i])
		}
		p := m.Pix[3*i : 3*i+3]
		return (int(p[0])*299 + int(p[1])*587 + int(p[2])*114) / 1000
	}
	out := NewImage(W, H, 1)
	if dither == DitherNone {
		for i := range out.Pix {
			if m.C == 1 {
				if m.Pix[i] >= 128 {
					out.Pix[i] = 255
				}
			} else if p := m.Pix[3*i : 3*i+3]; int(p[0])*299+int(p[1])*587+int(p[2])*114 >= 128000 {
				out.Pix[i] = 255
			}
		}
		return out
	}
	errs := make([]int, W+1)
	for y := range H {
		l, l0, l1 := 0, 0, 0
		x := 0
		for ; x < W; x++ {
			v := min(max(lum(y*W+x)+(l+errs[x+1])/16, 0), 255)
			o := 0
			if v > 128 {
				o = 255
			}
			out.Pix[y*W+x] = uint8(o)
			l = v - o
			l2 := l
			d2 := l + l
			l += d2
			errs[x] = l + l0
			l += d2
			l0 = l + l1
			l1 = l2
			l += d2
		}
		errs[x] = l0
	}
	return out
}

// CropOp is Image.crop(box): box is (left, upper, right, lower), rounded
// to integers; parts outside the image are 0.
type CropOp struct {
	Box []float64 `json:"box" nullable:"true" expect:"[left, upper, right, lower]" help:"the region (null: the whole image)"`
}

func (c *CropOp) validate() error {
	if c.Box == nil {
		return nil
	}
	if len(c.Box) != 4 {
		return paramError("box", fmt.Sprintf("want [left, upper, right, lower], got %v", c.Box))
	}
	for _, v := range c.Box {
		if math.IsNaN(v) || math.Abs(v) > 1<<24 {
			return paramError("box", fmt.Sprintf("values must be finite and within ±%d, got %v", 1<<24, c.Box))
		}
	}
	if c.Box[2] < c.Box[0] {
		return paramError("box", "coordinate 'right' is less than 'left'")
	}
	if c.Box[3] < c.Box[1] {
		return paramError("box", "coordinate 'lower' is less than 'upper'")
	}
	return nil
}

func (c *CropOp) applyOp(im opImage, _ *rand.Rand) (opImage, error) {
	if c.Box == nil {
		return opImage{mode: im.mode, m: Convert(im.m, modeOf(im.m))}, nil
	}
	r := func(v float64) int { return int(math.RoundToEven(v)) }
	x0, y0, x1, y1 := r(c.Box[0]), r(c.Box[1]), r(c.Box[2]), r(c.Box[3])
	if x1-x0 <= 0 || y1-y0 <= 0 {
		return opImage{}, fmt.Errorf("crop: the box %v is empty (images here need at least one pixel)", c.Box)
	}
	v, err := Crop(Value{Image: im.m}, y0, x0, y1-y0, x1-x0)
	if err != nil {
		return opImage{}, fmt.Errorf("crop: %w", err)
	}
	return opImage{mode: im.mode, m: v.Image}, nil
}

// ResizeOp is Image.resize(size, resample, box, reducing_gap).
type ResizeOp struct {
	Size        []int     `json:"size" required:"true" expect:"[width, height]" help:"output size (width, height)"`
	Resample    Resample  `json:"resample" help:"filter (default BICUBIC; NEAREST for mode 1)"`
	Box         []float64 `json:"box" nullable:"true" expect:"null or [left, upper, right, lower]" help:"the source region (floats allowed)"`
	ReducingGap float64   `json:"reducing_gap" nullable:"true" help:"reduce by an integer factor first while the remaining scale is at least this (>= 1; null: never)"`
}

func (r *ResizeOp) validate() error {
	if len(r.Size) != 2 || r.Size[0] <= 0 || r.Size[1] <= 0 || r.Size[0] > 1<<20 || r.Size[1] > 1<<20 {
		return paramError("size", fmt.Sprintf("want [width, height] of positive integers, got %v", r.Size))
	}
	if r.Resample < 0 || r.Resample > 5 {
		return paramError("resample", fmt.Sprintf("unknown resampling filter (%d)", r.Resample))
	}
	if r.Box != nil && len(r.Box) != 4 {
		return paramError("box", fmt.Sprintf("want [left, upper, right, lower], got %v", r.Box))
	}
	if r.ReducingGap != 0 && !(r.ReducingGap >= 1) {
		return paramError("reducing_gap", fmt.Sprintf("must be 1.0 or greater, got %v", r.ReducingGap))
	}
	return nil
}

func (r *ResizeOp) applyOp(im opImage, _ *rand.Rand) (opImage, error) {
	m := im.m
	w, h := r.Size[0], r.Size[1]
	if int64(w)*int64(h) > MaxPixels {
		return opImage{}, fmt.Errorf("resize to %dx%d: more than the limit of %d pixels", w, h, MaxPixels)
	}
	box := [4]float64{0, 0, float64(m.W), float64(m.H)}
	if r.Box != nil {
		copy(box[:], r.Box)
	}
	if box[0] < 0 || box[1] < 0 || box[2] > float64(m.W) || box[3] > float64(m.H) {
		return opImage{}, fmt.Errorf("resize: box %v can't exceed the original image size %dx%d", box, m.W, m.H)
	}
	if box[2]-box[0] < 0 || box[3]-box[1] < 0 {
		return opImage{}, fmt.Errorf("resize: box %v can't be empty", box)
	}
	if w == m.W && h == m.H && box == [4]float64{0, 0, float64(m.W), float64(m.H)} {
		return opImage{mode: im.mode, m: Convert(m, modeOf(m))}, nil
	}
	rs := r.Resample
	if im.mode == "1" || im.mode == "P" { // Pillow resizes them with NEAREST
		rs = ResampleNearest
	}
	if r.ReducingGap != 0 && rs != ResampleNearest {
		fx := max(int((box[2]-box[0])/float64(w)/r.ReducingGap), 1)
		fy := max(int((box[3]-box[1])/float64(h)/r.ReducingGap), 1)
		if fx > 1 || fy > 1 {
			fs := rs.support() - 0.5
			sx := fs * (box[2] - box[0]) / float64(w)
			sy := fs * (box[3] - box[1]) / float64(h)
			rb := [4]int{max(0, int(box[0]-sx)), max(0, int(box[1]-sy)), min(m.W, int(math.Ceil(box[2]+sx))), min(m.H, int(math.Ceil(box[3]+sy)))}
			m = reduceImage(m, fx, fy, rb)
			box = [4]float64{(box[0] - float64(rb[0])) / float64(fx), (box[1] - float64(rb[1])) / float64(fy),
				(box[2] - float64(rb[0])) / float64(fx), (box[3] - float64(rb[1])) / float64(fy)}
		}
	}
	if rs == ResampleNearest {
		a := [6]float64{(box[2] - box[0]) / float64(w), 0, box[0], 0, (box[3] - box[1]) / float64(h), box[1]}
		v := remapFill(Value{Image: m}, w, h, nearestSrc(m.W, m.H, w, h, a), make([]float64, m.C))
		return opImage{mode: im.mode, m: v.Image}, nil
	}
	return opImage{mode: im.mode, m: resampleBox(m, w, h, rs.pilFilter(), box)}, nil
}

// precomputeBox is PIL's precompute_coeffs for the source interval
// [in0, in1) of an axis of inSize pixels.
func precomputeBox(inSize int, in0, in1 float64, outSize int, flt filter) *coeffs {
	scale := (in1 - in0) / float64(outSize)
	filterscale := max(scale, 1)
	support := flt.support * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := &coeffs{ksize: ksize, bounds: make([]int, 2*outSize), k: make([]float64, outSize*ksize), k8: make([]int32, outSize*ksize)}
	for xx := range outSize {
		center := in0 + (float64(xx)+0.5)*scale
		ss := 1 / filterscale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize) - xmin
		k := c.k[xx*ksize : (xx+1)*ksize]
		ww := 0.0
		for x := range max(xmax, 0) {
			w := flt.f((float64(x+xmin) - center + 0.5) * ss)
			k[x] = w
			ww += w
		}
		for x := range max(xmax, 0) {
			if ww != 0 {
				k[x] /= ww
			}
		}
		c.bounds[2*xx], c.bounds[2*xx+1] = xmin, max(xmax, 0)
	}
	for i, v := range c.k {
		if v < 0 {
			c.k8[i] = int32(-0.5 + v*(1<<precision))
		} else {
			c.k8[i] = int32(0.5 + v*(1<<precision))
		}
	}
	return c
}

// resampleBox is PIL's ImagingResample of the box of m to w x h in 8-bit
// fixed point, horizontal pass first.
func resampleBox(m *Image, w, h int, flt filter, box [4]float64) *Image {
	C := m.C
	src := m
	needH := w != m.W || box[0] != 0 || box[2] != float64(w)
	needV := h != m.H || box[1] != 0 || box[3] != float64(h)
	if needH {
		cx := precomputeBox(m.W, box[0], box[2], w, flt)
		tmp := NewImage(w, m.H, C)
		for y := range m.H {
			in := m.Pix[y*m.W*C : (y+1)*m.W*C]
			out := tmp.Pix[y*w*C : (y+1)*w*C]
			for xx := range w {
				xmin, n := cx.bounds[2*xx], cx.bounds[2*xx+1]
				k := cx.k8[xx*cx.ksize : xx*cx.ksize+n]
				for c := range C {
					ss := int32(1 << (precision - 1))
					for x, kv := range k {
						ss += int32(in[(xmin+x)*C+c]) * kv
					}
					out[xx*C+c] = clip8(ss)
				}
			}
		}
		src = tmp
	}
	if !needV {
		if src == m {
			return Convert(m, modeOf(m))
		}
		return src
	}
	cy := precomputeBox(m.H, box[1], box[3], h, flt)
	out := NewImage(src.W, h, C)
	row := src.W * C
	for yy := range h {
		ymin, n := cy.bounds[2*yy], cy.bounds[2*yy+1]
		k := cy.k8[yy*cy.ksize : yy*cy.ksize+n]
		o := out.Pix[yy*row : (yy+1)*row]
		for i := range o {
			ss := int32(1 << (precision - 1))
			for y, kv := range k {
				ss += int32(src.Pix[(ymin+y)*row+i]) * kv
			}
			o[i] = clip8(ss)
		}
	}
	return out
}

// reduceImage is Pillow's Image.reduce: each output pixel is the mean of
// an fx x fy block of the box (smaller blocks at the right and bottom
// edges), in libImaging's fixed point.
func reduceImage(m *Image, fx, fy int, box [4]int) *Image {
	bw, bh := box[2]-box[0], box[3]-box[1]
	ow, oh := (bw+fx-1)/fx, (bh+fy-1)/fy
	C := m.C
	out := NewImage(ow, oh, C)
	for y := range oh {
		y0 := box[1] + y*fy
		y1 := min(y0+fy, box[3])
		for x := range ow {
			x0 := box[0] + x*fx
			x1 := min(x0+fx, box[2])
			n := (y1 - y0) * (x1 - x0)
			for c := range C {
				s := 0
				for yy := y0; yy < y1; yy++ {
					for xx := x0; xx < x1; xx++ {
						s += int(m.Pix[(yy*m.W+xx)*C+c])
					}
				}
				// libImaging's Reduce: (sum + n/2) times a float32 reciprocal
				// in 8.24 fixed point.
				mult := uint32(float32(4294967296.0) / float32(256*n))
				out.Pix[(y*ow+x)*C+c] = uint8(uint32(uint32(s+n/2)*mult) >> 24)
			}
		}
	}
	return out
}

// ReduceOp is Image.reduce(factor, box).
type ReduceOp struct {
	Factor Size  `json:"factor" required:"true" expect:"an integer or [x, y]" help:"the reduction factor"`
	Box    []int `json:"box" nullable:"true" expect:"null or [left, upper, right, lower]" help:"the source region"`
}

func (r *ReduceOp) validate() error {
	if err := r.Factor.check("factor"); err != nil {
		return err
	}
	if r.Box != nil && len(r.Box) != 4 {
		return paramError("box", fmt.Sprintf("want [left, upper, right, lower], got %v", r.Box))
	}
	return nil
}

func (r *ReduceOp) applyOp(im opImage, _ *rand.Rand) (opImage, error) {
	m := im.m
	fx, fy := r.Factor[0], r.Factor[len(r.Factor)-1]
	box := [4]int{0, 0, m.W, m.H}
	if r.Box != nil {
		copy(box[:], r.Box)
	}
	if box[0] < 0 || box[1] < 0 || box[2] > m.W || box[3] > m.H {
		return opImage{}, fmt.Errorf("reduce: box %v can't exceed the original image size %dx%d", box, m.W, m.H)
	}
	if box[2]-box[0] <= 0 || box[3]-box[1] <= 0 {
		return opImage{}, fmt.Errorf("reduce: box %v can't be empty", box)
	}
	return opImage{mode: im.mode, m: reduceImage(m, fx, fy, box)}, nil
}

// RotateOp is Image.rotate(angle, resample, expand, center, translate,
// fillcolor).
type RotateOp struct {
	Angle     float64   `json:"angle" required:"true" help:"degrees counter-clockwise"`
	Resample  Resample  `json:"resample" help:"NEAREST (default), BILINEAR or BICUBIC"`
	Expand    bool      `json:"expand" help:"enlarge the output to hold the whole rotated image"`
	Center    []float64 `json:"center" nullable:"true" expect:"null or [x, y]" help:"centre of rotation (null: the image centre)"`
	Translate []float64 `json:"translate" nullable:"true" expect:"null or [x, y]" help:"translation after the rotation"`
	Fillcolor Fill      `json:"fillcolor" nullable:"true" help:"colour outside the rotated image: one per band, or one integer (for RGB Pillow's packed 0xBBGGRR); null: 0"`
}

func (r *RotateOp) validate() error {
	switch r.Resample {
	case ResampleNearest, ResampleBilinear, ResampleBicubic:
	default:
		return paramError("resample", "Pillow's rotate takes NEAREST, BILINEAR or BICUBIC")
	}
	if r.Center != nil && len(r.Center) != 2 {
		return paramError("center", fmt.Sprintf("want [x, y], got %v", r.Center))
	}
	if r.Translate != nil && len(r.Translate) != 2 {
		return paramError("translate", fmt.Sprintf("want [x, y], got %v", r.Translate))
	}
	return r.Fillcolor.check("fillcolor")
}

func (r *RotateOp) applyOp(im opImage, _ *rand.Rand) (opImage, error) {
	fc := r.Fillcolor
	if len(fc) == 1 && im.m.C == 3 {
		// Pillow reads one integer as a packed colour: 0xBBGGRR.
		v := int64(fc[0])
		fc = Fill{float64(v & 255), float64(v >> 8 & 255), float64(v >> 16 & 255)}
	}
	fl, err := fc.channels(im.m.C)
	if err != nil {
		return opImage{}, fmt.Errorf("rotate: %w", err)
	}
	rs := r.Resample
	if im.mode == "1" || im.mode == "P" { // Pillow transforms them with NEAREST
		rs = ResampleNearest
	}
	v, err := rotateFull(Value{Image: im.m}, r.Angle, r.Expand, r.Center, r.Translate, rs.interp(), fl)
	if err != nil {
		return opImage{}, fmt.Errorf("rotate: %w", err)
	}
	return opImage{mode: im.mode, m: v.Image}, nil
}

// TransposeOp is Image.transpose(method).
type TransposeOp struct {
	Method TransposeMethod `json:"method" required:"true" help:"FLIP_LEFT_RIGHT, FLIP_TOP_BOTTOM, ROTATE_90, ROTATE_180, ROTATE_270, TRANSPOSE or TRANSVERSE"`
}

// TransposeMethod is Pillow's Image.Transpose.
type TransposeMethod int

var transposeNames = map[string]int{"FLIP_LEFT_RIGHT": 0, "FLIP_TOP_BOTTOM": 1, "ROTATE_90": 2, "ROTATE_180": 3, "ROTATE_270": 4, "TRANSPOSE": 5, "TRANSVERSE": 6}

// UnmarshalJSON reads a method name or number.
func (t *TransposeMethod) UnmarshalJSON(b []byte) error {
	v, err := pillowEnum(b, "transpose method", transposeNames)
	*t = TransposeMethod(v)
	return err
}

// ParamType names the type in the catalogue.
func (TransposeMethod) ParamType() (string, string) {
	return "transpose", "FLIP_LEFT_RIGHT, FLIP_TOP_BOTTOM, ROTATE_90, ROTATE_180, ROTATE_270, TRANSPOSE or TRANSVERSE (as Image.Transpose.X, Image.X or a number)"
}

func (t *TransposeOp) applyOp(im opImage, _ *rand.Rand) (opImage, error) {
	m := im.m
	W, H := m.W, m.H
	ow, oh := W, H
	if t.Method == 2 || t.Method == 4 || t.Method == 5 || t.Method == 6 {
		ow, oh = H, W
	}
	src := make([]int32, ow*oh)
	for y := range oh {
		for x := range ow {
			var sx, sy int
			switch t.Method {
			case 0:
				sx, sy = W-1-x, y
			case 1:
				sx, sy = x, H-1-y
			case 2:
				sx, sy = W-1-y, x
			case 3:
				sx, sy = W-1-x, H-1-y
			case 4:
				sx, sy = y, H-1-x
			case 5:
				sx, sy = y, x
			default:
				sx, sy = W-1-y, H-1-x
			}
			src[y*ow+x] = int32(sy*W + sx)
		}
	}
	return opImage{mode: im.mode, m: remap(Value{Image: m}, ow, oh, src, 0).Image}, nil
}

// GetChannelOp is Image.getchannel(channel): a band by index or name.
type GetChannelOp struct {
	Channel json.RawMessage `json:"channel" required:"true" type:"channel" expect:"a band index or name (R, G, B, L, Y, Cb, Cr, H, S, V)" help:"the band"`
}

func (g *GetChannelOp) applyOp(im opImage, _ *rand.Rand) (opImage, error) {
	bands := modeBands[im.mode]
	oneBand := len(bands) == 1 // Pillow's getband of a one-band image is a copy: 1, L and P stay as they are
	idx := -1
	var i float64
	var s string
	switch {
	case json.Unmarshal(g.Channel, &i) == nil:
		if i != math.Trunc(i) || i < 0 || int(i) >= len(bands) {
			return opImage{}, fmt.Errorf("getchannel: band %v is not in [0, %d) for mode %s", i, len(bands), im.mode)
		}
		idx = int(i)
	case json.Unmarshal(g.Channel, &s) == nil:
		s = strings.Trim(s, "'\" ")
		for k, b := range bands {
			if b == s {
				idx = k
			}
		}
		if idx < 0 {
			return opImage{}, fmt.Errorf("getchannel: mode %s has no band %q (bands: %s)", im.mode, s, strings.Join(bands, ", "))
		}
	default:
		return opImage{}, fmt.Errorf("getchannel: want a band index or name, got %s", abbrev(g.Channel))
	}
	if oneBand {
		return im.clone(), nil
	}
	m := im.m
	out := NewImage(m.W, m.H, 1)
	for p := range out.Pix {
		out.Pix[p] = m.Pix[p*m.C+idx]
	}
	return opImage{mode: "L", m: out}, nil
}

// SpreadOp is Image.effect_spread(distance): each pixel is swapped with one
// at a random offset in [-distance/2, distance/2), as libImaging's
// ImagingEffectSpread does with C's rand() (here drawn from the run's
// generator, so the result is reproducible but not Pillow's stream).
type SpreadOp struct {
	Distance int `json:"distance" required:"true" min:"0" max:"100000" help:"the spread in pixels"`
}

func (s *SpreadOp) applyOp(im opImage, rng *rand.Rand) (opImage, error) {
	m := im.m
	if s.Distance == 0 {
		return opImage{mode: im.mode, m: Convert(m, modeOf(m))}, nil
	}
	if rng == nil {
		return opImage{}, fmt.Errorf("effect_spread: %w", errNoRand)
	}
	W, H, C := m.W, m.H, m.C
	out := NewImage(W, H, C)
	d := s.Distance
	px := func(img *Image, x, y int) []uint8 { return img.Pix[(y*W+x)*C : (y*W+x)*C+C] }
	for y := range H {
		for x := range W {
			xx := x + rng.IntN(d) - d/2
			yy := y + rng.IntN(d) - d/2
			if xx >= 0 && xx < W && yy >= 0 && yy < H {
				copy(px(out, xx, yy), px(m, x, y))
				copy(px(out, x, y), px(m, xx, yy))
			} else {
				copy(px(out, x, y), px(m, x, y))
			}
		}
	}
	return opImage{mode: im.mode, m: out}, nil
}

// FilterOp is Image.filter(ImageFilter.NAME) for the fixed kernels of
// ImageFilter, its rank and mode filters and its blurs, written as
// Pillow's calls:
// "ImageFilter.MedianFilter(5)", "MinFilter(size=3)", "MaxFilter",
// "GaussianBlur(radius=1.5)", "BoxBlur(2)", "UnsharpMask(2, 150, 3)".
type FilterOp struct {
	Filter string `json:"filter" required:"true" help:"BLUR, CONTOUR, DETAIL, EDGE_ENHANCE, EDGE_ENHANCE_MORE, EMBOSS, FIND_EDGES, SHARPEN, SMOOTH, SMOOTH_MORE, MedianFilter(size), MinFilter(size), MaxFilter(size), RankFilter(size, rank), ModeFilter(size), GaussianBlur(radius), BoxBlur(radius) or UnsharpMask(radius, percent, threshold)"`
}

// rank returns the rank filter's size and rank for MedianFilter(size),
// MinFilter(size), MaxFilter(size) and RankFilter(size, rank), ok false
// for other names.
func (f *FilterOp) rank() (size, rank int, ok bool, err error) {
	s := strings.Trim(f.Filter, "'\" ")
	if i := strings.LastIndex(strings.SplitN(s, "(", 2)[0], "."); i >= 0 {
		s = s[i+1:]
	}
	name, args, _ := strings.Cut(s, "(")
	switch name {
	case "MedianFilter", "MinFilter", "MaxFilter":
	case "RankFilter":
		return rankFilterArgs(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(args), ")")))
	default:
		return 0, 0, false, nil
	}
	size = 3
	args = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(args), ")"))
	args = strings.TrimSpace(strings.TrimPrefix(args, "size="))
	if args != "" {
		if _, err := fmt.Sscanf(args, "%d", &size); err != nil || fmt.Sprint(size) != args {
			return 0, 0, true, fmt.Errorf("%s: want an integer size, got %q", name, args)
		}
	}
	if size < 1 || size%2 == 0 || size > 101 {
		return 0, 0, true, fmt.Errorf("%s: size must be odd, from 1 to 101 (Pillow: bad filter size), got %d", name, size)
	}
	switch name {
	case "MedianFilter":
		rank = size * size / 2
	case "MaxFilter":
		rank = size*size - 1
	}
	return size, rank, true, nil
}

// rankFilterArgs parses RankFilter's "size, rank" (positional or named;
// Pillow has no defaults): size odd, rank from 0 to size² - 1 (Pillow:
// bad filter size, bad rank value).
func rankFilterArgs(args string) (size, rank int, ok bool, err error) {
	v := []int{-1, -1}
	names := []string{"size", "rank"}
	parts := strings.Split(args, ",")
	if args == "" || len(parts) > 2 {
		return 0, 0, true, fmt.Errorf("RankFilter takes size and rank, e.g. RankFilter(3, 4), got %q", args)
	}
	for i, a := range parts {
		a = strings.TrimSpace(a)
		k := i
		if n, val, named := strings.Cut(a, "="); named {
			k = slices.Index(names, strings.TrimSpace(n))
			a = strings.TrimSpace(val)
		}
		if k < 0 {
			return 0, 0, true, fmt.Errorf("RankFilter takes size and rank, got %q", args)
		}
		if _, err := fmt.Sscanf(a, "%d", &v[k]); err != nil || fmt.Sprint(v[k]) != a {
			return 0, 0, true, fmt.Errorf("RankFilter: %s must be an integer, got %q", names[k], a)
		}
	}
	size, rank = v[0], v[1]
	if size < 1 || size%2 == 0 || size > 101 {
		return 0, 0, true, fmt.Errorf("RankFilter: size must be odd, from 1 to 101 (Pillow: bad filter size), got %d", size)
	}
	if rank < 0 || rank >= size*size {
		return 0, 0, true, fmt.Errorf("RankFilter: rank must be from 0 to %d for size %d (Pillow: bad rank value), got %d", size*size-1, size, rank)
	}
	return size, rank, true, nil
}

// modeFilter returns ModeFilter(size)'s size (default 3), ok false for
// other names.
func (f *FilterOp) modeFilter() (size int, ok bool, err error) {
	s := strings.Trim(f.Filter, "'\" ")
	if i := strings.LastIndex(strings.SplitN(s, "(", 2)[0], "."); i >= 0 {
		s = s[i+1:]
	}
	name, args, _ := strings.Cut(s, "(")
	if name != "ModeFilter" {
		return 0, false, nil
	}
	size = 3
	args = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(args), ")")), "size="))
	if args != "" {
		if _, err := fmt.Sscanf(args, "%d", &size); err != nil || fmt.Sprint(size) != args {
			return 0, true, fmt.Errorf("ModeFilter: want an integer size, got %q", args)
		}
	}
	if size < 1 || size > 101 {
		return 0, true, fmt.Errorf("ModeFilter: size must be from 1 to 101, got %d", size)
	}
	return size, true, nil
}

// modeFilterImage is libImaging's ImagingModeFilter on each band: the most
// frequent value of the size x size window (the part inside the image;
// the lowest value on a tie), where it occurs more than twice, else the
// pixel as it was.
func modeFilterImage(m *Image, size int) *Image {
	W, H, C := m.W, m.H, m.C
	r := size / 2
	out := NewImage(W, H, C)
	var hist [256]int
	for c := range C {
		for y := range H {
			for x := range W {
				hist = [256]int{}
				for yy := max(y-r, 0); yy <= min(y+r, H-1); yy++ {
					for xx := max(x-r, 0); xx <= min(x+r, W-1); xx++ {
						hist[m.Pix[(yy*W+xx)*C+c]]++
					}
				}
				best := 0
				for v := 1; v < 256; v++ {
					if hist[v] > hist[best] {
						best = v
					}
				}
				o := (y*W + x) * C
				if hist[best] > 2 {
					out.Pix[o+c] = uint8(best)
				} else {
					out.Pix[o+c] = m.Pix[o+c]
				}
			}
		}
	}
	return out
}

func (f *FilterOp) name() string {
	s := strings.Trim(f.Filter, "'\" ")
	s = strings.TrimSuffix(s, "()")
	if i := strings.LastIndex(s, "."); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToUpper(s)
}

func (f *FilterOp) validate() error {
	if _, _, ok, err := f.blur(); ok {
		if err != nil {
			return paramError("filter", err.Error())
		}
		return nil
	}
	if _, _, ok, err := f.rank(); ok {
		if err != nil {
			return paramError("filter", err.Error())
		}
		return nil
	}
	if _, ok, err := f.modeFilter(); ok {
		if err != nil {
			return paramError("filter", err.Error())
		}
		return nil
	}
	if _, ok := kernels[f.name()]; !ok {
		var names []string
		for n := range kernels {
			names = append(names, n)
		}
		return paramError("filter", fmt.Sprintf("unknown filter %q%s (want BLUR, CONTOUR, DETAIL, EDGE_ENHANCE, EDGE_ENHANCE_MORE, EMBOSS, FIND_EDGES, SHARPEN, SMOOTH, SMOOTH_MORE, MedianFilter(size), MinFilter(size), MaxFilter(size), RankFilter(size, rank), ModeFilter(size), GaussianBlur(radius), BoxBlur(radius) or UnsharpMask(radius, percent, threshold))", f.Filter, suggest.Hint(f.name(), names)))
	}
	return nil
}

func (f *FilterOp) applyOp(im opImage, _ *rand.Rand) (opImage, error) {
	if name, args, ok, _ := f.blur(); ok {
		switch name {
		case "BoxBlur":
			return opImage{mode: im.mode, m: boxBlur(im.m, float32(args[0]), 1)}, nil
		case "GaussianBlur":
			return opImage{mode: im.mode, m: boxBlur(im.m, gaussianBoxRadius(float32(args[0]), 3), 3)}, nil
		}
		return opImage{mode: im.mode, m: unsharpMask(im.m, float32(args[0]), int(args[1]), int(args[2]))}, nil
	}
	if size, rank, ok, _ := f.rank(); ok {
		return opImage{mode: im.mode, m: rankFilter(im.m, size, rank)}, nil
	}
	if size, ok, _ := f.modeFilter(); ok {
		return opImage{mode: im.mode, m: modeFilterImage(im.m, size)}, nil
	}
	out := applyKernel(im.m, kernels[f.name()])
	if im.mode == "1" { // a mode 1 pixel is set where its byte is not 0
		for i, v := range out.Pix {
			if v != 0 {
				out.Pix[i] = 255
			}
		}
	}
	return opImage{mode: im.mode, m: out}, nil
}

// blur parses GaussianBlur(radius=2), BoxBlur(radius) and
// UnsharpMask(radius=2, percent=150, threshold=3), positional or named
// arguments; ok is false for other names.
func (f *FilterOp) blur() (name string, args []float64, ok bool, err error) {
	s := strings.Trim(f.Filter, "'\" ")
	head, rest, _ := strings.Cut(s, "(")
	if i := strings.LastIndex(head, "."); i >= 0 {
		head = head[i+1:]
	}
	var names []string
	switch head {
	case "GaussianBlur":
		names, args = []string{"radius"}, []float64{2}
	case "BoxBlur":
		names, args = []string{"radius"}, []float64{math.NaN()}
	case "UnsharpMask":
		names, args = []string{"radius", "percent", "threshold"}, []float64{2, 150, 3}
	default:
		return "", nil, false, nil
	}
	rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), ")"))
	if rest != "" {
		for i, a := range strings.Split(rest, ",") {
			a = strings.TrimSpace(a)
			k := i
			if n, v, named := strings.Cut(a, "="); named {
				k = slices.Index(names, strings.TrimSpace(n))
				a = strings.TrimSpace(v)
			}
			if k < 0 || k >= len(names) {
				return head, nil, true, fmt.Errorf("%s takes %s, got %q", head, strings.Join(names, ", "), rest)
			}
			var v float64
			if _, err := fmt.Sscanf(a, "%g", &v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return head, nil, true, fmt.Errorf("%s: %s must be a number, got %q", head, names[k], a)
			}
			args[k] = v
		}
	}
	if math.IsNaN(args[0]) {
		return head, nil, true, fmt.Errorf("%s needs a radius, e.g. %s(2)", head, head)
	}
	if args[0] < 0 || args[0] > 1000 {
		return head, nil, true, fmt.Errorf("%s: radius must be in [0, 1000], got %v", head, args[0])
	}
	if head == "UnsharpMask" && (args[1] != math.Trunc(args[1]) || args[2] != math.Trunc(args[2]) || math.Abs(args[1]) > 1e6 || math.Abs(args[2]) > 1e6) {
		return head, nil, true, fmt.Errorf("UnsharpMask: percent and threshold must be integers, got %v and %v", args[1], args[2])
	}
	return head, args, true, nil
}

// boxBlurLine is libImaging's ImagingLineBoxBlur8 on one band of a line:
// a running sum over 2*radius+1 values (the edges repeated) plus the two
// next ones weighted by the fraction of the radius, in 8.24 fixed point.
func boxBlurLine(out, in []uint8, radius int, ww, fw uint32) {
	lastx := len(in) - 1
	edgeA := min(radius+1, len(in))
	edgeB := max(len(in)-radius-1, 0)
	acc := uint32(in[0]) * uint32(radius+1)
	for x := 0; x < edgeA-1; x++ {
		acc += uint32(in[x])
	}
	acc += uint32(in[lastx]) * uint32(radius-edgeA+1)
	move := func(sub, add int) { acc += uint32(int32(in[add]) - int32(in[sub])) }
	save := func(x, left, right int) {
		bulk := acc*ww + (uint32(in[left])+uint32(in[right]))*fw
		out[x] = uint8((bulk + 1<<23) >> 24)
	}
	if edgeA <= edgeB {
		for x := 0; x < edgeA; x++ {
			move(0, x+radius)
			save(x, 0, x+radius+1)
		}
		for x := edgeA; x < edgeB; x++ {
			move(x-radius-1, x+radius)
			save(x, x-radius-1, x+radius+1)
		}
		for x := edgeB; x <= lastx; x++ {
			move(x-radius-1, lastx)
			save(x, x-radius-1, lastx)
		}
		return
	}
	for x := 0; x < edgeB; x++ {
		move(0, x+radius)
		save(x, 0, x+radius+1)
	}
	for x := edgeB; x < edgeA; x++ {
		move(0, lastx)
		save(x, 0, lastx)
	}
	for x := edgeA; x <= lastx; x++ {
		move(x-radius-1, lastx)
		save(x, x-radius-1, lastx)
	}
}

// boxBlur is libImaging's ImagingBoxBlur: n horizontal passes, then n on
// the transposed image.
func boxBlur(m *Image, radius float32, n int) *Image {
	r := int(radius)
	ww := uint32(float32(1<<24) / (radius*2 + 1))
	fw := (1<<24 - uint32(r*2+1)*ww) / 2
	pass := func(img *Image) *Image {
		W, H, C := img.W, img.H, img.C
		out := NewImage(W, H, C)
		line, res := make([]uint8, W), make([]uint8, W)
		for y := range H {
			for c := range C {
				for x := range W {
					line[x] = img.Pix[(y*W+x)*C+c]
				}
				boxBlurLine(res, line, r, ww, fw)
				for x := range W {
					out.Pix[(y*W+x)*C+c] = res[x]
				}
			}
		}
		return out
	}
	transpose := func(img *Image) *Image {
		W, H, C := img.W, img.H, img.C
		out := NewImage(H, W, C)
		for y := range H {
			for x := range W {
				copy(out.Pix[(x*H+y)*C:(x*H+y)*C+C], img.Pix[(y*W+x)*C:(y*W+x)*C+C])
			}
		}
		return out
	}
	out := m
	for range n {
		out = pass(out)
	}
	out = transpose(out)
	for range n {
		out = pass(out)
	}
	return transpose(out)
}

// gaussianBoxRadius is libImaging's _gaussian_blur_radius: the box radius
// whose passes approximate a Gaussian of the given radius (float32).
func gaussianBoxRadius(radius float32, passes int) float32 {
	sigma2 := radius * radius / float32(passes)
	L := float32(math.Sqrt(12.0*float64(sigma2) + 1.0))
	l := float32(math.Floor((float64(L) - 1.0) / 2.0))
	a := (2*l + 1) * (l*(l+1) - 3*sigma2)
	a /= 6 * (sigma2 - (l+1)*(l+1))
	return l + a
}

// unsharpMask is libImaging's ImagingUnsharpMask: a Gaussian blur, then
// each value moved away from the blurred one by percent of the difference
// where the difference exceeds threshold.
func unsharpMask(m *Image, radius float32, percent, threshold int) *Image {
	bl := boxBlur(m, gaussianBoxRadius(radius, 3), 3)
	out := NewImage(m.W, m.H, m.C)
	for i, v := range m.Pix {
		diff := int(v) - int(bl.Pix[i])
		if diff < 0 && -diff <= threshold || diff >= 0 && diff <= threshold {
			out.Pix[i] = v
		} else {
			out.Pix[i] = clipInt8(int(v) + diff*percent/100)
		}
	}
	return out
}

// rankFilter is Pillow's RankFilter: the image is extended by size/2
// pixels repeating its edges, and each output value is the rank-th
// smallest of its size x size window, per band.
func rankFilter(m *Image, size, rank int) *Image {
	W, H, C := m.W, m.H, m.C
	r := size / 2
	out := NewImage(W, H, C)
	win := make([]uint8, 0, size*size)
	for y := range H {
		for x := range W {
			for c := range C {
				win = win[:0]
				for dy := -r; dy <= r; dy++ {
					yy := min(max(y+dy, 0), H-1)
					for dx := -r; dx <= r; dx++ {
						xx := min(max(x+dx, 0), W-1)
						win = append(win, m.Pix[(yy*W+xx)*C+c])
					}
				}
				slices.Sort(win)
				out.Pix[(y*W+x)*C+c] = win[rank]
			}
		}
	}
	return out
}

type kernel struct {
	size          int
	scale, offset float32
	k             []float32
}

// kernels are ImageFilter's built-in filters (Pillow 9).
var kernels = map[string]kernel{
	"BLUR":              {5, 16, 0, []float32{1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1}},
	"CONTOUR":           {3, 1, 255, []float32{-1, -1, -1, -1, 8, -1, -1, -1, -1}},
	"DETAIL":            {3, 6, 0, []float32{0, -1, 0, -1, 10, -1, 0, -1, 0}},
	"EDGE_ENHANCE":      {3, 2, 0, []float32{-1, -1, -1, -1, 10, -1, -1, -1, -1}},
	"EDGE_ENHANCE_MORE": {3, 1, 0, []float32{-1, -1, -1, -1, 9, -1, -1, -1, -1}},
	"EMBOSS":            {3, 1, 128, []float32{-1, 0, 0, 0, 1, 0, 0, 0, 0}},
	"FIND_EDGES":        {3, 1, 0, []float32{-1, -1, -1, -1, 8, -1, -1, -1, -1}},
	"SHARPEN":           {3, 16, 0, []float32{-2, -2, -2, -2, 32, -2, -2, -2, -2}},
	"SMOOTH":            {3, 13, 0, []float32{1, 1, 1, 1, 5, 1, 1, 1, 1}},
	"SMOOTH_MORE":       {5, 100, 0, []float32{1, 1, 1, 1, 1, 1, 5, 5, 5, 1, 1, 5, 44, 5, 1, 1, 5, 5, 5, 1, 1, 1, 1, 1, 1}},
}

// applyKernel is libImaging's ImagingFilter for 8-bit images: float32
// sums, row below first, plus offset and 0.5, clipped and truncated; the
// border (one or two pixels) is copied, and images smaller than the kernel
// are returned unchanged.
func applyKernel(m *Image, k kernel) *Image {
	out := Convert(m, modeOf(m))
	W, H, C := m.W, m.H, m.C
	n := k.size
	r := n / 2
	if W < n || H < n {
		return out
	}
	kk := make([]float32, len(k.k))
	for i, v := range k.k {
		kk[i] = v / k.scale
	}
	off := k.offset + 0.5
	for y := r; y < H-r; y++ {
		for x := r; x < W-r; x++ {
			for c := range C {
				ss := off
				for row := range n {
					yy := y + r - row // the row below first
					kr := kk[row*n : (row+1)*n]
					var s float32
					for col := range n {
						p := float32(m.Pix[(yy*W+x+col-r)*C+c])
						if col == 0 {
							s = p * kr[0]
						} else {
							s = float32(s + float32(p*kr[col]))
						}
					}
					ss += s
				}
				var o uint8
				switch {
				case ss <= 0:
					o = 0
				case ss >= 255:
					o = 255
				default:
					o = uint8(ss)
				}
				out.Pix[(y*W+x)*C+c] = o
			}
		}
	}
	return out
}
