package images

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/mlforge/mlforge/tensor"
)

// Interpolation is a resampling filter, named as torchvision's
// InterpolationMode.
type Interpolation string

// Supported interpolations.
const (
	Nearest  Interpolation = "nearest"
	Bilinear Interpolation = "bilinear"
	Bicubic  Interpolation = "bicubic"
)

// pilInterpolations are PIL's integer filter constants as torchvision
// 0.14 maps them to InterpolationMode (with a deprecation warning).
var pilInterpolations = map[int]Interpolation{0: Nearest, 2: Bilinear, 3: Bicubic, 1: "lanczos", 4: "box", 5: "hamming"}

// UnmarshalJSON reads an interpolation as torchvision 0.14 takes it: the
// mode's value ("bilinear"), its enum name as Python code writes it
// ("InterpolationMode.BILINEAR", "T.InterpolationMode.BICUBIC", quoted or
// not), or one of PIL's integer constants (0 nearest, 2 bilinear, 3
// bicubic; 1, 4 and 5 are lanczos, box and hamming). A mode that is not
// supported here is kept by its name, for the transform to refuse.
func (i *Interpolation) UnmarshalJSON(b []byte) error {
	var n float64
	if err := json.Unmarshal(b, &n); err == nil {
		v, ok := pilInterpolations[int(n)]
		if !ok || float64(int(n)) != n {
			return fmt.Errorf("unknown interpolation %v (PIL's constants are 0 nearest, 2 bilinear, 3 bicubic; or write \"bilinear\")", n)
		}
		*i = v
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want an interpolation such as \"bilinear\" or \"InterpolationMode.BILINEAR\", got %s", abbrev(b))
	}
	k := strings.Trim(s, "'\" ")
	if j := strings.LastIndex(k, "."); j >= 0 && strings.Contains(k[:j], "InterpolationMode") {
		k = strings.ReplaceAll(strings.ToLower(k[j+1:]), "_", "-")
	} else if strings.ToUpper(k) == k {
		k = strings.ReplaceAll(strings.ToLower(k), "_", "-") // BILINEAR, NEAREST_EXACT
	}
	*i = Interpolation(k)
	return nil
}

// ParamType names the type in the catalogue: a string.
func (Interpolation) ParamType() (string, string) {
	return "string", `a torchvision InterpolationMode: "nearest", "bilinear" or "bicubic" (or "InterpolationMode.BILINEAR", or PIL's 0, 2, 3)`
}

type filter struct {
	support float64
	f       func(x float64) float64
}

var filters = map[Interpolation]filter{
	Bilinear: {1, func(x float64) float64 {
		if x < 0 {
			x = -x
		}
		if x < 1 {
			return 1 - x
		}
		return 0
	}},
	Bicubic: {2, func(x float64) float64 {
		const a = -0.5
		if x < 0 {
			x = -x
		}
		if x < 1 {
			return ((a+2)*x-(a+3))*x*x + 1
		}
		if x < 2 {
			return (((x-5)*x+8)*x - 4) * a
		}
		return 0
	}},
}

// coeffs are the resampling weights of one axis, as PIL's
// precompute_coeffs: output position i reads inputs bounds[2i] ..
// bounds[2i]+bounds[2i+1]-1 with weights k[i*ksize:].
type coeffs struct {
	ksize  int
	bounds []int
	k      []float64
	k8     []int32 // k in PIL's 8-bit fixed point
}

// precision is PIL's PRECISION_BITS for 8-bit resampling.
const precision = 32 - 8 - 2

func precompute(inSize, outSize int, flt filter) *coeffs {
	scale := float64(inSize) / float64(outSize)
	filterscale := max(scale, 1)
	support := flt.support * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := &coeffs{ksize: ksize, bounds: make([]int, 2*outSize), k: make([]float64, outSize*ksize), k8: make([]int32, outSize*ksize)}
	for xx := range outSize {
		center := (float64(xx) + 0.5) * scale
		ss := 1 / filterscale
		xmin := int(center - support + 0.5) // C truncation, as PIL
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		k := c.k[xx*ksize : (xx+1)*ksize]
		ww := 0.0
		for x := range xmax {
			w := flt.f((float64(x+xmin) - center + 0.5) * ss)
			k[x] = w
			ww += w
		}
		for x := range xmax {
			if ww != 0 {
				k[x] /= ww
			}
		}
		c.bounds[2*xx], c.bounds[2*xx+1] = xmin, xmax
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

func clip8(v int32) uint8 {
	if v >= 1<<precision<<8 {
		return 255
	}
	if v <= 0 {
		return 0
	}
	return uint8(v >> precision)
}

// ResizeImage resizes m to w x h pixels like PIL's Image.resize (which
// torchvision's Resize calls on PIL images): bilinear and bicubic filters
// widen with the scale when shrinking (antialiasing) and run in PIL's 8-bit
// fixed point, horizontal pass first, so the result is the same bytes.
func ResizeImage(m *Image, w, h int, interp Interpolation) (*Image, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("resize to %dx%d: sizes must be positive", w, h)
	}
	if int64(w)*int64(h) > MaxPixels {
		return nil, fmt.Errorf("resize to %dx%d: more than the limit of %d pixels", w, h, MaxPixels)
	}
	if w == m.W && h == m.H {
		return Convert(m, modeOf(m)), nil
	}
	if interp == Nearest {
		return nearestImage(m, w, h), nil
	}
	flt, ok := filters[interp]
	if !ok {
		return nil, fmt.Errorf("unknown interpolation %q (want nearest, bilinear or bicubic)", interp)
	}
	C := m.C
	src := m
	if w != m.W {
		cx := precompute(m.W, w, flt)
		tmp := NewImage(w, m.H, C)
		for y := range m.H {
			in := m.Pix[y*m.W*C : (y+1)*m.W*C]
			out := tmp.Pix[y*w*C : (y+1)*w*C]
			for xx := range w {
				xmin, n := cx.bounds[2*xx], cx.bounds[2*xx+1]
				k := cx.k8[xx*cx.ksize : xx*cx.ksize+n]
				if C == 3 {
					s0, s1, s2 := int32(1<<(precision-1)), int32(1<<(precision-1)), int32(1<<(precision-1))
					px := in[xmin*3 : (xmin+n)*3]
					for x, kv := range k {
						p := px[3*x : 3*x+3 : 3*x+3]
						s0 += int32(p[0]) * kv
						s1 += int32(p[1]) * kv
						s2 += int32(p[2]) * kv
					}
					out[xx*3], out[xx*3+1], out[xx*3+2] = clip8(s0), clip8(s1), clip8(s2)
					continue
				}
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
	if h == m.H {
		return src, nil
	}
	cy := precompute(m.H, h, flt)
	out := NewImage(w, h, C)
	row := w * C
	acc := make([]int32, row)
	for yy := range h {
		ymin, n := cy.bounds[2*yy], cy.bounds[2*yy+1]
		k := cy.k8[yy*cy.ksize : yy*cy.ksize+n]
		for i := range acc {
			acc[i] = 1 << (precision - 1)
		}
		for y, kv := range k {
			in := src.Pix[(ymin+y)*row : (ymin+y+1)*row]
			for i, v := range in {
				acc[i] += int32(v) * kv
			}
		}
		o := out.Pix[yy*row : (yy+1)*row]
		for i, v := range acc {
			o[i] = clip8(v)
		}
	}
	return out, nil
}

func modeOf(m *Image) Mode {
	if m.C == 1 {
		return L
	}
	return RGB
}

// nearestMap returns PIL's nearest-neighbour source index for each of out
// positions over in (ImagingScaleAffine: floor((i+0.5)*scale), accumulated).
func nearestMap(in, out int) []int {
	m := make([]int, out)
	a := float64(in) / float64(out)
	xo := a * 0.5
	for i := range m {
		v := int(xo)
		if xo < 0 {
			v = -1
		}
		m[i] = min(max(v, 0), in-1)
		xo += a
	}
	return m
}

// torchNearestMap is torch's "nearest" interpolation (which torchvision
// uses for tensors): source index floor(i * in/out) in float32.
func torchNearestMap(in, out int) []int {
	m := make([]int, out)
	scale := float32(in) / float32(out)
	for i := range m {
		m[i] = min(int(float32(i)*scale), in-1)
	}
	return m
}

func nearestImage(m *Image, w, h int) *Image {
	xs, ys := nearestMap(m.W, w), nearestMap(m.H, h)
	out := NewImage(w, h, m.C)
	C := m.C
	for y, sy := range ys {
		o := out.Pix[y*w*C : (y+1)*w*C]
		in := m.Pix[sy*m.W*C:]
		for x, sx := range xs {
			copy(o[x*C:x*C+C], in[sx*C:sx*C+C])
		}
	}
	return out
}

// ResizeTensor resizes a C x H x W tensor to C x h x w with the same filters
// as ResizeImage computed in floating point, without rounding, as
// torchvision's antialiased resize of tensors; nearest is torch's
// (floor(i*in/out), not PIL's centred sampling).
func ResizeTensor(t *tensor.Tensor, w, h int, interp Interpolation) (*tensor.Tensor, error) {
	C, H, W, err := chw(t)
	if err != nil {
		return nil, err
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("resize to %dx%d: sizes must be positive", w, h)
	}
	if int64(w)*int64(h)*int64(C) > MaxPixels*4 {
		return nil, fmt.Errorf("resize to %dx%d: more than the limit of %d pixels", w, h, MaxPixels)
	}
	if w == W && h == H {
		return t.Clone(), nil
	}
	out := tensor.New(C, h, w)
	if interp == Nearest {
		xs, ys := torchNearestMap(W, w), torchNearestMap(H, h)
		for c := range C {
			for y, sy := range ys {
				o := out.Data[(c*h+y)*w : (c*h+y+1)*w]
				in := t.Data[(c*H+sy)*W:]
				for x, sx := range xs {
					o[x] = in[sx]
				}
			}
		}
		return out, nil
	}
	flt, ok := filters[interp]
	if !ok {
		return nil, fmt.Errorf("unknown interpolation %q (want nearest, bilinear or bicubic)", interp)
	}
	cx, cy := precompute(W, w, flt), precompute(H, h, flt)
	tmp := make([]float32, H*w)
	for c := range C {
		plane := t.Data[c*H*W : (c+1)*H*W]
		for y := range H {
			in := plane[y*W : (y+1)*W]
			for xx := range w {
				xmin, n := cx.bounds[2*xx], cx.bounds[2*xx+1]
				var s float64
				for x, kv := range cx.k[xx*cx.ksize : xx*cx.ksize+n] {
					s += float64(in[xmin+x]) * kv
				}
				tmp[y*w+xx] = float32(s)
			}
		}
		o := out.Data[c*h*w : (c+1)*h*w]
		for yy := range h {
			ymin, n := cy.bounds[2*yy], cy.bounds[2*yy+1]
			for xx := range w {
				var s float64
				for y, kv := range cy.k[yy*cy.ksize : yy*cy.ksize+n] {
					s += float64(tmp[(ymin+y)*w+xx]) * kv
				}
				o[yy*w+xx] = float32(s)
			}
		}
	}
	return out, nil
}

// chw checks that t is a C x H x W tensor and returns its sizes.
func chw(t *tensor.Tensor) (C, H, W int, err error) {
	if t == nil || len(t.Shape) != 3 || len(t.Data) != tensor.Numel(t.Shape) || t.Shape[0] <= 0 || t.Shape[1] <= 0 || t.Shape[2] <= 0 {
		var s any = "nil"
		if t != nil {
			s = t.Shape
		}
		return 0, 0, 0, fmt.Errorf("want a C x H x W image tensor, got shape %v", s)
	}
	return t.Shape[0], t.Shape[1], t.Shape[2], nil
}
