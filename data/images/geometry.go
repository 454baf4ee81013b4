package images

import (
	"fmt"
	"math"
	"strconv"

	"github.com/mlforge/mlforge/tensor"
)

// Value is what transforms take and return: an 8-bit Image (like a PIL
// image) or a C x H x W float32 tensor (like a torch tensor). Exactly one of
// the fields is set.
type Value struct {
	Image  *Image
	Tensor *tensor.Tensor

	// pilMode is "I" or "F" for the values of an image the image_ops
	// left in that mode (Tensor holds them, 1 x H x W): ToTensor and
	// PILToTensor keep them as they are, as torchvision's do.
	pilMode string
}

// tensorInput checks an image for the transforms that take every band
// count (ToTensor, PILToTensor, ConvertImageDtype): 1, 3 or 4 bands.
func (v Value) tensorInput() error {
	if m := v.Image; m != nil && m.C == 4 && m.W > 0 && m.H > 0 && len(m.Pix) == m.W*m.H*4 {
		return nil
	}
	_, _, _, err := v.Size()
	return err
}

// ImageValue wraps an image.
func ImageValue(m *Image) Value { return Value{Image: m} }

// TensorValue wraps a tensor.
func TensorValue(t *tensor.Tensor) Value { return Value{Tensor: t} }

// Size returns the width, height and channel count of v.
func (v Value) Size() (w, h, c int, err error) {
	switch {
	case v.Image != nil:
		m := v.Image
		if m.C == 4 && m.W > 0 && m.H > 0 && len(m.Pix) == m.W*m.H*4 {
			return 0, 0, 0, fmt.Errorf("a 4-band image (mode RGBA or CMYK from image_ops): only ToTensor, PILToTensor and ConvertImageDtype take it here; convert it in image_ops (e.g. to RGB) for the other transforms")
		}
		if m.W <= 0 || m.H <= 0 || (m.C != 1 && m.C != 3) || len(m.Pix) != m.W*m.H*m.C {
			return 0, 0, 0, fmt.Errorf("malformed image: %dx%d with %d channels and %d bytes", m.W, m.H, m.C, len(m.Pix))
		}
		return m.W, m.H, m.C, nil
	case v.Tensor != nil:
		C, H, W, err := chw(v.Tensor)
		return W, H, C, err
	}
	return 0, 0, 0, fmt.Errorf("no image")
}

// remap builds an ow x oh result whose pixel i copies source pixel src[i]
// (y*W+x in the source) or is fill where src[i] < 0.
func remap(v Value, ow, oh int, src []int32, fill float64) Value {
	if m := v.Image; m != nil {
		C := m.C
		out := NewImage(ow, oh, C)
		f := fillU8(fill)
		for i, s := range src {
			o := out.Pix[i*C : i*C+C]
			if s < 0 {
				for c := range o {
					o[c] = f
				}
				continue
			}
			copy(o, m.Pix[int(s)*C:int(s)*C+C])
		}
		return Value{Image: out}
	}
	t := v.Tensor
	C, H, W := t.Shape[0], t.Shape[1], t.Shape[2]
	out := tensor.New(C, oh, ow)
	for c := range C {
		in := t.Data[c*H*W : (c+1)*H*W]
		o := out.Data[c*oh*ow : (c+1)*oh*ow]
		for i, s := range src {
			if s < 0 {
				o[i] = float32(fill)
			} else {
				o[i] = in[s]
			}
		}
	}
	return Value{Tensor: out}
}

func fillU8(f float64) uint8 {
	return uint8(min(max(math.Round(f), 0), 255))
}

// Crop returns the h x w region of v whose top-left corner is (left, top),
// like torchvision's F.crop: parts outside the image are filled with 0.
func Crop(v Value, top, left, h, w int) (Value, error) {
	W, H, _, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	if h <= 0 || w <= 0 || int64(h)*int64(w) > MaxPixels {
		return Value{}, fmt.Errorf("crop of %dx%d pixels: want a positive size of at most %d pixels", w, h, MaxPixels)
	}
	src := make([]int32, w*h)
	for y := range h {
		sy := y + top
		for x := range w {
			sx := x + left
			if sx < 0 || sx >= W || sy < 0 || sy >= H {
				src[y*w+x] = -1
			} else {
				src[y*w+x] = int32(sy*W + sx)
			}
		}
	}
	return remap(v, w, h, src, 0), nil
}

// PaddingMode is how Pad fills the border, as torchvision's padding_mode.
type PaddingMode string

// Padding modes.
const (
	PadConstant  PaddingMode = "constant"  // the fill value
	PadEdge      PaddingMode = "edge"      // the last pixel repeated
	PadReflect   PaddingMode = "reflect"   // mirrored without repeating the edge: 2 1 | 0 1 2 | 1 0
	PadSymmetric PaddingMode = "symmetric" // mirrored repeating the edge: 1 0 | 0 1 2 | 2 1
)

// padIndex maps a coordinate outside [0, n) to one inside, or -1 for the
// fill value.
func padIndex(i, n int, mode PaddingMode) int {
	if i >= 0 && i < n {
		return i
	}
	switch mode {
	case PadEdge:
		return min(max(i, 0), n-1)
	case PadReflect:
		if n == 1 {
			return 0
		}
		p := 2 * (n - 1)
		i = ((i % p) + p) % p
		if i >= n {
			i = p - i
		}
		return i
	case PadSymmetric:
		p := 2 * n
		i = ((i % p) + p) % p
		if i >= n {
			i = p - 1 - i
		}
		return i
	}
	return -1
}

// Pad adds left, top, right and bottom borders to v, like torchvision's
// F.pad.
func Pad(v Value, left, top, right, bottom int, mode PaddingMode, fill float64) (Value, error) {
	W, H, _, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	if left < 0 || top < 0 || right < 0 || bottom < 0 {
		return Value{}, fmt.Errorf("padding must not be negative, got %d, %d, %d, %d", left, top, right, bottom)
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
	return remap(v, w, h, src, fill), nil
}

// Flip mirrors v left-right (horizontal) or top-bottom.
func Flip(v Value, horizontal bool) (Value, error) {
	W, H, _, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	src := make([]int32, W*H)
	for y := range H {
		for x := range W {
			if horizontal {
				src[y*W+x] = int32(y*W + W - 1 - x)
			} else {
				src[y*W+x] = int32((H-1-y)*W + x)
			}
		}
	}
	return remap(v, W, H, src, 0), nil
}

// round15 is Python's round(x, 15).
func round15(x float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 15, 64), 64)
	return r
}

// Rotate turns v by angle degrees counter-clockwise with nearest-neighbour
// sampling and fill outside, exactly as PIL's Image.rotate(angle, NEAREST,
// expand, center) that torchvision's rotate calls on PIL images (tensors are
// mapped the same way). center is the (x, y) point to turn about, nil for
// the middle; expand makes the output large enough for the whole turned
// image.
func Rotate(v Value, angle float64, expand bool, center []float64, fill float64) (Value, error) {
	return rotate(v, angle, expand, center, Nearest, nil, fill)
}

// RotateInterp is torchvision's F.rotate: on 8-bit images PIL's rotate with
// nearest, bilinear or bicubic sampling and a fill of one value or one per
// channel (truncated, as torchvision passes it to PIL); on float tensors
// torchvision's tensor path (an affine grid and grid_sample, nearest or
// bilinear), which samples differently from PIL.
func RotateInterp(v Value, angle float64, expand bool, center []float64, interp Interpolation, fill Fill) (Value, error) {
	_, _, c, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	if err := checkInterp("interpolation", interp); err != nil {
		return Value{}, err
	}
	if interp == Bicubic && v.Image == nil {
		return Value{}, fmt.Errorf("bicubic rotation works on 8-bit images, got a tensor (torchvision takes nearest or bilinear for tensors)")
	}
	fl, err := fill.channels(c)
	if err != nil {
		return Value{}, err
	}
	if v.Tensor != nil {
		if math.IsNaN(angle) || math.IsInf(angle, 0) {
			return Value{}, fmt.Errorf("rotation angle must be finite, got %v", angle)
		}
		t, err := rotateTensor(v.Tensor, angle, expand, center, interp, fl)
		if err != nil {
			return Value{}, err
		}
		return Value{Tensor: t}, nil
	}
	return rotate(v, angle, expand, center, interp, fl, 0)
}

// rotate is Rotate with interp, and fills per channel when fills is not
// nil (fill otherwise).
func rotate(v Value, angle float64, expand bool, center []float64, interp Interpolation, fills []float64, fill float64) (Value, error) {
	return rotateT(v, angle, expand, center, nil, interp, fills, fill)
}

// rotateFull is PIL's Image.rotate with all its arguments (translate is
// applied after the rotation), fills one per channel.
func rotateFull(v Value, angle float64, expand bool, center, translate []float64, interp Interpolation, fills []float64) (Value, error) {
	if translate != nil && (len(translate) != 2 || math.IsNaN(translate[0]+translate[1]) || math.IsInf(translate[0]+translate[1], 0)) {
		return Value{}, fmt.Errorf("rotation translate must be two finite numbers [x, y], got %v", translate)
	}
	return rotateT(v, angle, expand, center, translate, interp, fills, 0)
}

func rotateT(v Value, angle float64, expand bool, center, translate []float64, interp Interpolation, fills []float64, fill float64) (Value, error) {
	W, H, _, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	if math.IsNaN(angle) || math.IsInf(angle, 0) {
		return Value{}, fmt.Errorf("rotation angle must be finite, got %v", angle)
	}
	if center != nil && (len(center) != 2 || math.IsNaN(center[0]+center[1]) || math.IsInf(center[0]+center[1], 0)) {
		return Value{}, fmt.Errorf("rotation center must be two finite numbers [x, y], got %v", center)
	}
	angle = math.Mod(angle, 360)
	if angle < 0 {
		angle += 360
	}
	if center == nil && translate == nil {
		// PIL's fast paths: exact transpositions.
		switch {
		case angle == 0:
			src := make([]int32, W*H)
			for i := range src {
				src[i] = int32(i)
			}
			return remap(v, W, H, src, fill), nil
		case angle == 180:
			src := make([]int32, W*H)
			for i := range src {
				src[i] = int32(W*H - 1 - i)
			}
			return remap(v, W, H, src, fill), nil
		case (angle == 90 || angle == 270) && (expand || W == H):
			// The output is H wide and W high.
			src := make([]int32, W*H)
			for y := range W {
				for x := range H {
					if angle == 90 { // PIL's ROTATE_90
						src[y*H+x] = int32(x*W + W - 1 - y)
					} else { // ROTATE_270
						src[y*H+x] = int32((H-1-x)*W + y)
					}
				}
			}
			return remap(v, H, W, src, fill), nil
		}
	}
	a, ow, oh, err := rotateMatrix(W, H, angle, expand, center, translate)
	if err != nil {
		return Value{}, err
	}
	if interp != Nearest {
		f := func(x, y float64) (float64, float64) {
			return float64(a[0]*x) + float64(a[1]*y) + a[2], float64(a[3]*x) + float64(a[4]*y) + a[5]
		}
		return Value{Image: transformImage(v.Image, ow, oh, f, interp, fills)}, nil
	}
	src := nearestSrc(W, H, ow, oh, a)
	if fills != nil {
		return remapFill(v, ow, oh, src, fills), nil
	}
	return remap(v, ow, oh, src, fill), nil
}

// rotateMatrix is the affine map of PIL's Image.rotate for a W x H image
// (angle in degrees, already checked finite): a takes output coordinates
// to input ones, and the output is ow x oh (W x H unless expand).
func rotateMatrix(W, H int, angle float64, expand bool, center, translate []float64) (a [6]float64, ow, oh int, err error) {
	cx, cy := float64(W)/2, float64(H)/2
	if center != nil {
		cx, cy = center[0], center[1]
	}
	pi := math.Pi
	r := -(angle * (pi / 180)) // Python's -math.radians(angle)
	a = [6]float64{round15(cosR(r)), round15(sinR(r)), 0, round15(-sinR(r)), round15(cosR(r)), 0}
	// Python's a*x + b*y + c; the conversions keep Go from fusing a
	// multiply-add, which would round differently.
	tr := func(x, y float64) (float64, float64) {
		return float64(a[0]*x) + float64(a[1]*y) + a[2], float64(a[3]*x) + float64(a[4]*y) + a[5]
	}
	tx, ty := 0.0, 0.0
	if translate != nil {
		tx, ty = translate[0], translate[1]
	}
	a[2], a[5] = tr(-cx-tx, -cy-ty)
	a[2] += cx
	a[5] += cy
	ow, oh = W, H
	if expand {
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range [4][2]float64{{0, 0}, {float64(W), 0}, {float64(W), float64(H)}, {0, float64(H)}} {
			x, y := tr(p[0], p[1])
			minX, maxX = min(minX, x), max(maxX, x)
			minY, maxY = min(minY, y), max(maxY, y)
		}
		nw := int(math.Ceil(maxX) - math.Floor(minX))
		nh := int(math.Ceil(maxY) - math.Floor(minY))
		if nw <= 0 || nh <= 0 || int64(nw)*int64(nh) > MaxPixels {
			return a, 0, 0, fmt.Errorf("rotation with expand gives %dx%d pixels", nw, nh)
		}
		a[2], a[5] = tr(-float64(nw-W)/2, -float64(nh-H)/2)
		ow, oh = nw, nh
	}
	return a, ow, oh, nil
}

// coord is PIL's COORD macro: truncation, with -1 for negatives.
func coord(v float64) int {
	if v < 0 {
		return -1
	}
	if v >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int(v)
}
