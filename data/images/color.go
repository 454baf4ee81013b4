package images

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/tensor"
)

// The color operations below reproduce, on 8-bit images, the PIL code that
// torchvision 0.14's functional API calls for PIL images (ImageEnhance,
// ImageOps, ImageFilter and the HSV conversion of libImaging/Convert.c),
// with PIL's float32 arithmetic and truncations, so that the bytes are the
// same. On float tensors they follow torchvision's tensor functions.

// lut maps every byte of m through t.
func lut(m *Image, t *[256]uint8) *Image {
	out := NewImage(m.W, m.H, m.C)
	for i, v := range m.Pix {
		out.Pix[i] = t[v]
	}
	return out
}

// lutPerBand maps channel c of m through t[c].
func lutPerBand(m *Image, t [][256]uint8) *Image {
	out := NewImage(m.W, m.H, m.C)
	C := m.C
	for i, v := range m.Pix {
		out.Pix[i] = t[i%C][v]
	}
	return out
}

// Invert returns 255 - v for every value (1 - v for tensors), like
// torchvision's F.invert (PIL's ImageOps.invert).
func Invert(v Value) (Value, error) {
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, err
	}
	if v.Image != nil {
		var t [256]uint8
		for i := range t {
			t[i] = uint8(255 - i)
		}
		return Value{Image: lut(v.Image, &t)}, nil
	}
	out := v.Tensor.Clone()
	for i, x := range out.Data {
		out.Data[i] = 1 - x
	}
	return Value{Tensor: out}, nil
}

// Posterize keeps the top bits of every value, like F.posterize
// (ImageOps.posterize); torchvision refuses float tensors, and so does this.
func Posterize(v Value, bits int) (Value, error) {
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, err
	}
	if bits < 0 || bits > 8 {
		return Value{}, fmt.Errorf("posterize bits must be in [0, 8], got %d", bits)
	}
	if v.Image == nil {
		return Value{}, fmt.Errorf("posterize needs an 8-bit image, got a float tensor (as torchvision, which takes only uint8 tensors; put it before ToTensor)")
	}
	var t [256]uint8
	mask := ^(1<<(8-bits) - 1)
	for i := range t {
		t[i] = uint8(i & mask)
	}
	return Value{Image: lut(v.Image, &t)}, nil
}

// Solarize inverts the values at or above threshold, like F.solarize
// (ImageOps.solarize: values below the threshold are kept). For tensors the
// threshold is in the tensor's scale (0-1).
func Solarize(v Value, threshold float64) (Value, error) {
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, err
	}
	if v.Image != nil {
		var t [256]uint8
		for i := range t {
			if float64(i) < threshold {
				t[i] = uint8(i)
			} else {
				t[i] = uint8(255 - i)
			}
		}
		return Value{Image: lut(v.Image, &t)}, nil
	}
	out := v.Tensor.Clone()
	for i, x := range out.Data {
		if float64(x) >= threshold {
			out.Data[i] = 1 - x
		}
	}
	return Value{Tensor: out}, nil
}

// histograms returns one 256-bin histogram per channel of m.
func histograms(m *Image) [][256]int {
	h := make([][256]int, m.C)
	C := m.C
	for i, v := range m.Pix {
		h[i%C][v]++
	}
	return h
}

// Autocontrast stretches each channel to the full range, like
// F.autocontrast (ImageOps.autocontrast with no cutoff; per-channel min and
// max for tensors).
func Autocontrast(v Value) (Value, error) {
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, err
	}
	if m := v.Image; m != nil {
		hs := histograms(m)
		t := make([][256]uint8, m.C)
		for c, h := range hs {
			lo, hi := 0, 255
			for lo < 256 && h[lo] == 0 {
				lo++
			}
			for hi >= 0 && h[hi] == 0 {
				hi--
			}
			if hi <= lo {
				for i := range t[c] {
					t[c][i] = uint8(i)
				}
				continue
			}
			scale := 255.0 / float64(hi-lo)
			offset := float64(-lo) * scale
			for i := range t[c] {
				x := int(float64(i)*scale + offset) // Python's int(): truncation
				t[c][i] = uint8(min(max(x, 0), 255))
			}
		}
		return Value{Image: lutPerBand(m, t)}, nil
	}
	t := v.Tensor
	C, H, W := t.Shape[0], t.Shape[1], t.Shape[2]
	out := tensor.New(C, H, W)
	n := H * W
	for c := range C {
		in, o := t.Data[c*n:(c+1)*n], out.Data[c*n:(c+1)*n]
		lo, hi := in[0], in[0]
		for _, x := range in {
			lo, hi = min(lo, x), max(hi, x)
		}
		scale := 1 / (hi - lo)
		if math.IsInf(float64(scale), 0) || math.IsNaN(float64(scale)) {
			lo, scale = 0, 1
		}
		for i, x := range in {
			o[i] = min(max((x-lo)*scale, 0), 1)
		}
	}
	return Value{Tensor: out}, nil
}

// Equalize equalizes the histogram of each channel, like F.equalize
// (ImageOps.equalize); torchvision refuses float tensors, and so does this.
func Equalize(v Value) (Value, error) {
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, err
	}
	m := v.Image
	if m == nil {
		return Value{}, fmt.Errorf("equalize needs an 8-bit image, got a float tensor (as torchvision, which takes only uint8 tensors; put it before ToTensor)")
	}
	hs := histograms(m)
	t := make([][256]uint8, m.C)
	for c, h := range hs {
		total, last, nonzero := 0, 0, 0
		for _, k := range h {
			if k > 0 {
				total += k
				last = k
				nonzero++
			}
		}
		step := 0
		if nonzero > 1 {
			step = (total - last) / 255
		}
		if step == 0 {
			for i := range t[c] {
				t[c][i] = uint8(i)
			}
			continue
		}
		n := step / 2
		for i := range t[c] {
			t[c][i] = uint8(min(n/step, 255))
			n += h[i]
		}
	}
	return Value{Image: lutPerBand(m, t)}, nil
}

// blend8 is PIL's Image.blend(a, b, alpha) of 8-bit images: a + alpha*(b-a)
// in float32, clipped and truncated.
func blend8(a, b *Image, alpha float64) *Image {
	al := float32(alpha)
	out := NewImage(b.W, b.H, b.C)
	for i := range out.Pix {
		x, y := a.Pix[i], b.Pix[i]
		// The conversion keeps Go from fusing a multiply-add.
		t := float32(x) + float32(al*float32(int(y)-int(x)))
		switch {
		case t <= 0:
			out.Pix[i] = 0
		case t >= 255:
			out.Pix[i] = 255
		default:
			out.Pix[i] = uint8(t)
		}
	}
	return out
}

// blendTensor is torchvision's _blend for float tensors: ratio*a +
// (1-ratio)*b clamped to [0, 1]; b is broadcast when it has one channel or
// one value.
func blendTensor(a *tensor.Tensor, b []float32, ratio float64) *tensor.Tensor {
	out := tensor.New(a.Shape...)
	r := float32(ratio)
	r1 := float32(1 - ratio)
	for i, x := range a.Data {
		y := b[i%len(b)]
		out.Data[i] = min(max(float32(r*x)+float32(r1*y), 0), 1)
	}
	return out
}

// grayPlane returns torchvision's rgb_to_grayscale of a float tensor (one
// H x W plane).
func grayPlane(t *tensor.Tensor) []float32 {
	C, H, W := t.Shape[0], t.Shape[1], t.Shape[2]
	n := H * W
	if C == 1 {
		return append([]float32(nil), t.Data[:n]...)
	}
	g := make([]float32, n)
	r, gg, b := t.Data[:n], t.Data[n:2*n], t.Data[2*n:3*n]
	for i := range g {
		g[i] = float32(float32(0.2989*r[i])+float32(0.587*gg[i])) + float32(0.114*b[i])
	}
	return g
}

func checkFactor(name string, f float64) error {
	if !(f >= 0) || math.IsInf(f, 0) {
		return fmt.Errorf("%s must be a non-negative number, got %v", name, f)
	}
	return nil
}

func colorTensor(v Value, what string) (*tensor.Tensor, error) {
	_, _, c, err := v.Size()
	if err != nil {
		return nil, err
	}
	if v.Tensor != nil && c != 1 && c != 3 {
		return nil, fmt.Errorf("%s: want a tensor with 1 or 3 channels, got %d", what, c)
	}
	return v.Tensor, nil
}

// AdjustBrightness multiplies by factor, like F.adjust_brightness
// (ImageEnhance.Brightness: a blend with black).
func AdjustBrightness(v Value, factor float64) (Value, error) {
	if err := checkFactor("brightness factor", factor); err != nil {
		return Value{}, err
	}
	t, err := colorTensor(v, "adjust_brightness")
	if err != nil {
		return Value{}, err
	}
	if m := v.Image; m != nil {
		return Value{Image: blend8(NewImage(m.W, m.H, m.C), m, factor)}, nil
	}
	return Value{Tensor: blendTensor(t, []float32{0}, factor)}, nil
}

// AdjustContrast blends with the mean gray level, like F.adjust_contrast
// (ImageEnhance.Contrast: the mean of the L image rounded to an integer).
func AdjustContrast(v Value, factor float64) (Value, error) {
	if err := checkFactor("contrast factor", factor); err != nil {
		return Value{}, err
	}
	t, err := colorTensor(v, "adjust_contrast")
	if err != nil {
		return Value{}, err
	}
	if m := v.Image; m != nil {
		g := Convert(m, L)
		var sum float64
		for _, p := range g.Pix {
			sum += float64(p)
		}
		mean := uint8(int(sum/float64(len(g.Pix)) + 0.5))
		deg := NewImage(m.W, m.H, m.C)
		for i := range deg.Pix {
			deg.Pix[i] = mean
		}
		return Value{Image: blend8(deg, m, factor)}, nil
	}
	g := grayPlane(t)
	var sum float64
	for _, x := range g {
		sum += float64(x)
	}
	return Value{Tensor: blendTensor(t, []float32{float32(sum / float64(len(g)))}, factor)}, nil
}

// AdjustSaturation blends with the gray image, like F.adjust_saturation
// (ImageEnhance.Color); gray images are returned unchanged.
func AdjustSaturation(v Value, factor float64) (Value, error) {
	if err := checkFactor("saturation factor", factor); err != nil {
		return Value{}, err
	}
	t, err := colorTensor(v, "adjust_saturation")
	if err != nil {
		return Value{}, err
	}
	if m := v.Image; m != nil {
		if m.C == 1 {
			return Value{Image: Convert(m, L)}, nil
		}
		return Value{Image: blend8(Convert(Convert(m, L), RGB), m, factor)}, nil
	}
	if t.Shape[0] == 1 {
		return Value{Tensor: t.Clone()}, nil
	}
	return Value{Tensor: blendTensor(t, grayPlane(t), factor)}, nil
}

// smooth3 is PIL's filter with ImageFilter.SMOOTH (3x3, weights 1 and 5 in
// the centre, divided by 13) on an 8-bit image: float32 sums plus 0.5,
// truncated; the outermost rows and columns are copied.
func smooth3(m *Image) *Image {
	out := Convert(m, modeOf(m))
	W, H, C := m.W, m.H, m.C
	if W < 3 || H < 3 {
		return out
	}
	k1, k5 := float32(1)/float32(13), float32(5)/float32(13)
	at := func(x, y, c int) float32 { return float32(m.Pix[(y*W+x)*C+c]) }
	for y := 1; y < H-1; y++ {
		for x := 1; x < W-1; x++ {
			for c := range C {
				ss := float32(0.5)
				// PIL sums the row below, the row, the row above, each as
				// k0*a + k1*b + k2*c.
				for _, yy := range [3]int{y + 1, y, y - 1} {
					kc := k1
					if yy == y {
						kc = k5
					}
					r := float32(float32(at(x-1, yy, c)*k1)+float32(at(x, yy, c)*kc)) + float32(at(x+1, yy, c)*k1)
					ss += r
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

// AdjustSharpness blends with a smoothed image, like F.adjust_sharpness
// (ImageEnhance.Sharpness; torchvision's 3x3 kernel for tensors, the border
// kept).
func AdjustSharpness(v Value, factor float64) (Value, error) {
	if err := checkFactor("sharpness factor", factor); err != nil {
		return Value{}, err
	}
	t, err := colorTensor(v, "adjust_sharpness")
	if err != nil {
		return Value{}, err
	}
	if m := v.Image; m != nil {
		return Value{Image: blend8(smooth3(m), m, factor)}, nil
	}
	C, H, W := t.Shape[0], t.Shape[1], t.Shape[2]
	if H <= 2 || W <= 2 {
		return Value{Tensor: t.Clone()}, nil
	}
	deg := t.Clone()
	k1, k5 := float32(1)/13, float32(5)/13
	for c := range C {
		p := t.Data[c*H*W : (c+1)*H*W]
		o := deg.Data[c*H*W : (c+1)*H*W]
		for y := 1; y < H-1; y++ {
			for x := 1; x < W-1; x++ {
				var s float32
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						k := k1
						if dx == 0 && dy == 0 {
							k = k5
						}
						s += p[(y+dy)*W+x+dx] * k
					}
				}
				o[y*W+x] = s
			}
		}
	}
	return Value{Tensor: blendTensor(t, deg.Data, factor)}, nil
}

// rgbToHSV is libImaging's rgb2hsv for one pixel, with its mix of float32
// and float64 arithmetic.
func rgbToHSV(r, g, b uint8) (uint8, uint8, uint8) {
	maxc := max(r, g, b)
	minc := min(r, g, b)
	if maxc == minc {
		return 0, 0, maxc
	}
	cr := float32(maxc - minc)
	s := cr / float32(maxc)
	rc := float32(maxc-r) / cr
	gc := float32(maxc-g) / cr
	bc := float32(maxc-b) / cr
	var h float32
	switch {
	case r == maxc:
		h = bc - gc
	case g == maxc:
		h = float32(2.0 + float64(rc) - float64(bc))
	default:
		h = float32(4.0 + float64(gc) - float64(rc))
	}
	h = float32(math.Mod(float64(h)/6.0+1.0, 1.0))
	return clipInt8(int(float64(h) * 255.0)), clipInt8(int(float64(s) * 255.0)), maxc
}

func clipInt8(v int) uint8 { return uint8(min(max(v, 0), 255)) }

// hsvToRGB is libImaging's hsv2rgb for one pixel.
func hsvToRGB(h, s, v uint8) (uint8, uint8, uint8) {
	if s == 0 {
		return v, v, v
	}
	hf := float64(float32(h)) * 6.0 / 255.0
	i := int(math.Floor(hf))
	f := float32(hf - float64(float32(i)))
	fs := float32(float64(float32(s)) / 255.0)
	fv := float64(float32(v))
	p := clipInt8(int(math.Round(fv * (1.0 - float64(fs)))))
	q := clipInt8(int(math.Round(fv * (1.0 - float64(fs*f)))))
	t := clipInt8(int(math.Round(fv * (1.0 - float64(fs)*(1.0-float64(f))))))
	switch i % 6 {
	case 0:
		return v, t, p
	case 1:
		return q, v, p
	case 2:
		return p, v, t
	case 3:
		return p, q, v
	case 4:
		return t, p, v
	}
	return v, p, q
}

// AdjustHue turns the hue by factor (in [-0.5, 0.5], a fraction of the
// circle), like F.adjust_hue on PIL images: the image is converted to HSV,
// the hue byte is shifted by uint8(factor*255) with wrap-around, and the
// result converted back; gray images are returned unchanged. Float tensors
// follow torchvision's _rgb2hsv and _hsv2rgb in float32.
func AdjustHue(v Value, factor float64) (Value, error) {
	if !(factor >= -0.5 && factor <= 0.5) {
		return Value{}, fmt.Errorf("hue factor must be in [-0.5, 0.5], got %v", factor)
	}
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, err
	}
	m := v.Image
	if m == nil {
		return adjustHueTensor(v.Tensor, factor)
	}
	if m.C == 1 {
		return Value{Image: Convert(m, L)}, nil
	}
	// numpy's np.uint8(x) of a float: truncation toward zero, then wrap.
	shift := uint8(int(factor * 255))
	out := NewImage(m.W, m.H, 3)
	for i := 0; i < len(m.Pix); i += 3 {
		h, s, vv := rgbToHSV(m.Pix[i], m.Pix[i+1], m.Pix[i+2])
		out.Pix[i], out.Pix[i+1], out.Pix[i+2] = hsvToRGB(h+shift, s, vv)
	}
	return Value{Image: out}, nil
}

// gaussianKernel is torchvision's _get_gaussian_kernel1d in float32.
func gaussianKernel(size int, sigma float64) []float32 {
	half := float32(size-1) * 0.5
	k := make([]float32, size)
	sg := float32(sigma)
	var sum float32
	for i := range k {
		x := -half + float32(i)
		z := x / sg
		k[i] = float32(math.Exp(float64(float32(-0.5) * float32(z*z))))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// GaussianBlurValue blurs with a kx x ky Gaussian kernel of standard
// deviations sx and sy, like torchvision's F.gaussian_blur: the image is
// padded by reflection, convolved in float32 and, for 8-bit images, rounded
// to the nearest integer.
func GaussianBlurValue(v Value, kx, ky int, sx, sy float64) (Value, error) {
	W, H, C, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	if kx <= 0 || ky <= 0 || kx%2 == 0 || ky%2 == 0 {
		return Value{}, fmt.Errorf("kernel size must be odd and positive, got [%d, %d]", kx, ky)
	}
	if !(sx > 0) || !(sy > 0) || math.IsInf(sx, 0) || math.IsInf(sy, 0) {
		return Value{}, fmt.Errorf("sigma must be positive, got [%v, %v]", sx, sy)
	}
	px, py := kx/2, ky/2
	if px >= W || py >= H {
		return Value{}, fmt.Errorf("gaussian blur: kernel of %dx%d needs reflect padding of %d, %d, larger than the %dx%d image allows", kx, ky, px, py, W, H)
	}
	gx, gy := gaussianKernel(kx, sx), gaussianKernel(ky, sy)
	k2 := make([]float32, kx*ky)
	for i, a := range gy {
		for j, b := range gx {
			k2[i*kx+j] = a * b
		}
	}
	plane := make([]float32, W*H)
	res := make([]float32, W*H)
	blur := func() {
		for y := range H {
			for x := range W {
				var s float64
				for i := range ky {
					sy := padIndex(y+i-py, H, PadReflect)
					row := plane[sy*W:]
					kr := k2[i*kx : (i+1)*kx]
					for j, k := range kr {
						s += float64(row[padIndex(x+j-px, W, PadReflect)] * k)
					}
				}
				res[y*W+x] = float32(s)
			}
		}
	}
	if m := v.Image; m != nil {
		out := NewImage(W, H, C)
		for c := range C {
			for i := range plane {
				plane[i] = float32(m.Pix[i*C+c])
			}
			blur()
			for i, r := range res {
				out.Pix[i*C+c] = uint8(min(max(math.RoundToEven(float64(r)), 0), 255))
			}
		}
		return Value{Image: out}, nil
	}
	t := v.Tensor
	out := tensor.New(C, H, W)
	for c := range C {
		copy(plane, t.Data[c*H*W:(c+1)*H*W])
		blur()
		copy(out.Data[c*H*W:], res)
	}
	return Value{Tensor: out}, nil
}

// adjustHueTensor is torchvision's adjust_hue of a float tensor.
func adjustHueTensor(t *tensor.Tensor, factor float64) (Value, error) {
	C, H, W := t.Shape[0], t.Shape[1], t.Shape[2]
	if C == 1 {
		return Value{Tensor: t.Clone()}, nil
	}
	if C != 3 {
		return Value{}, fmt.Errorf("adjust_hue: want a tensor with 1 or 3 channels, got %d", C)
	}
	n := H * W
	out := tensor.New(3, H, W)
	hf := float32(factor)
	for i := range n {
		r, g, b := t.Data[i], t.Data[n+i], t.Data[2*n+i]
		maxc, minc := max(r, g, b), min(r, g, b)
		eq := maxc == minc
		cr := maxc - minc
		div := maxc
		if eq {
			div = 1
		}
		s := cr / div
		crd := cr
		if eq {
			crd = 1
		}
		rc, gc, bc := (maxc-r)/crd, (maxc-g)/crd, (maxc-b)/crd
		var hr, hg, hb float32
		if maxc == r {
			hr = bc - gc
		}
		if maxc == g && maxc != r {
			hg = float32(2+rc) - bc
		}
		if maxc != g && maxc != r {
			hb = float32(4+gc) - rc
		}
		h := float32(hr+hg) + hb
		h = float32(math.Mod(float64(float32(h/6)+1), 1))
		// (h + factor) % 1.0, Python's sign convention.
		h = h + hf
		h = h - float32(math.Floor(float64(h)))
		if h >= 1 {
			h -= 1
		}
		v := maxc
		h6 := h * 6
		fi := float32(math.Floor(float64(h6)))
		f := h6 - fi
		k := ((int(fi) % 6) + 6) % 6
		p := min(max(v*(1-s), 0), 1)
		q := min(max(v*(1-float32(s*f)), 0), 1)
		tt := min(max(v*(1-float32(s*(1-f))), 0), 1)
		var o [3]float32
		switch k {
		case 0:
			o = [3]float32{v, tt, p}
		case 1:
			o = [3]float32{q, v, p}
		case 2:
			o = [3]float32{p, v, tt}
		case 3:
			o = [3]float32{p, q, v}
		case 4:
			o = [3]float32{tt, p, v}
		default:
			o = [3]float32{v, p, q}
		}
		out.Data[i], out.Data[n+i], out.Data[2*n+i] = o[0], o[1], o[2]
	}
	return Value{Tensor: out}, nil
}
