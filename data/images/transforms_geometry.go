package images

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/tensor"
)

// checkInterp accepts the interpolations PIL's Image.transform takes.
func checkInterp(name string, i Interpolation) error {
	switch i {
	case Nearest, Bilinear, Bicubic:
		return nil
	}
	return paramError(name, fmt.Sprintf("unknown value %q (want nearest, bilinear or bicubic)", i))
}

// affineMatrix is torchvision's _get_inverse_affine_matrix (inverted):
// the map from output to input coordinates that PIL's AFFINE transform
// takes.
func affineMatrix(center [2]float64, angle float64, translate [2]float64, scale float64, shear [2]float64) [6]float64 {
	rad := func(d float64) float64 { return d * (math.Pi / 180) } // Python's math.radians
	rot := rad(angle)
	sx, sy := rad(shear[0]), rad(shear[1])
	cx, cy := center[0], center[1]
	tx, ty := translate[0], translate[1]
	a := cosR(rot-sy) / cosR(sy)
	b := float64(-cosR(rot-sy)*tanR(sx))/cosR(sy) - sinR(rot)
	c := sinR(rot-sy) / cosR(sy)
	d := float64(-sinR(rot-sy)*tanR(sx))/cosR(sy) + cosR(rot)
	m := [6]float64{d, -b, 0, -c, a, 0}
	for i := range m {
		m[i] /= scale
	}
	m[2] += float64(m[0]*(-cx-tx)) + float64(m[1]*(-cy-ty))
	m[5] += float64(m[3]*(-cx-tx)) + float64(m[4]*(-cy-ty))
	m[2] += cx
	m[5] += cy
	return m
}

// transformImage is PIL's Image.transform of an 8-bit image to a W x H
// output, for the map f from output pixel centres to input coordinates,
// with libImaging's nearest, bilinear or bicubic filters; pixels that map
// outside the input are fill.
func transformImage(m *Image, ow, oh int, f func(x, y float64) (float64, float64), interp Interpolation, fill []float64) *Image {
	C, W, H := m.C, m.W, m.H
	out := NewImage(ow, oh, C)
	px := func(x, y, c int) float64 { return float64(m.Pix[(y*W+x)*C+c]) }
	xclip := func(x int) int { return min(max(x, 0), W-1) }
	yclip := func(y int) int { return min(max(y, 0), H-1) }
	for y := range oh {
		for x := range ow {
			o := out.Pix[(y*ow+x)*C : (y*ow+x)*C+C]
			xin, yin := f(float64(x)+0.5, float64(y)+0.5)
			ok := false
			switch interp {
			case Nearest:
				xi, yi := coord(xin), coord(yin)
				if xi >= 0 && xi < W && yi >= 0 && yi < H {
					copy(o, m.Pix[(yi*W+xi)*C:(yi*W+xi)*C+C])
					ok = true
				}
			case Bilinear:
				if xin < 0 || xin >= float64(W) || yin < 0 || yin >= float64(H) {
					break
				}
				xs, ys := xin-0.5, yin-0.5
				x0, y0 := int(math.Floor(xs)), int(math.Floor(ys))
				dx, dy := xs-float64(x0), ys-float64(y0)
				lerp := func(a, b, d float64) float64 { return a + float64((b-a)*d) }
				for c := range C {
					yy := yclip(y0)
					v1 := lerp(px(xclip(x0), yy, c), px(xclip(x0+1), yy, c), dx)
					v2 := v1
					if y0+1 >= 0 && y0+1 < H {
						v2 = lerp(px(xclip(x0), y0+1, c), px(xclip(x0+1), y0+1, c), dx)
					}
					o[c] = uint8(lerp(v1, v2, dy))
				}
				ok = true
			case Bicubic:
				if xin < 0 || xin >= float64(W) || yin < 0 || yin >= float64(H) {
					break
				}
				xs, ys := xin-0.5, yin-0.5
				x0, y0 := int(math.Floor(xs)), int(math.Floor(ys))
				dx, dy := xs-float64(x0), ys-float64(y0)
				x0--
				y0--
				cubic := func(v1, v2, v3, v4, d float64) float64 {
					p1 := v2
					p2 := -v1 + v3
					p3 := 2*(v1-v2) + v3 - v4
					p4 := -v1 + v2 - v3 + v4
					return p1 + float64(d*(p2+float64(d*(p3+float64(d*p4)))))
				}
				xs4 := [4]int{xclip(x0), xclip(x0 + 1), xclip(x0 + 2), xclip(x0 + 3)}
				for c := range C {
					row := func(yy int) float64 {
						return cubic(px(xs4[0], yy, c), px(xs4[1], yy, c), px(xs4[2], yy, c), px(xs4[3], yy, c), dx)
					}
					v1 := row(yclip(y0))
					v2, v3, v4 := v1, v1, v1
					if y0+1 >= 0 && y0+1 < H {
						v2 = row(y0 + 1)
					}
					v3 = v2
					if y0+2 >= 0 && y0+2 < H {
						v3 = row(y0 + 2)
					}
					v4 = v3
					if y0+3 >= 0 && y0+3 < H {
						v4 = row(y0 + 3)
					}
					v := cubic(v1, v2, v3, v4, dy)
					switch {
					case v <= 0:
						o[c] = 0
					case v >= 255:
						o[c] = 255
					default:
						o[c] = uint8(v)
					}
				}
				ok = true
			}
			if !ok {
				for c := range o {
					o[c] = fillTrunc(fill[c])
				}
			}
		}
	}
	return out
}

// fixedOK is libImaging's check_fixed on the four corners of an ow x oh
// output: whether 16.16 fixed point can hold the coordinates.
func fixedOK(a [6]float64, ow, oh int) bool {
	for _, p := range [4][2]float64{{0, 0}, {float64(ow), float64(oh)}, {0, float64(oh)}, {float64(ow), 0}} {
		if math.Abs(p[0]*a[0]+p[1]*a[1]+a[2]) >= 32768 || math.Abs(p[0]*a[3]+p[1]*a[4]+a[5]) >= 32768 {
			return false
		}
	}
	return true
}

// nearestSrc is libImaging's ImagingTransformAffine with nearest sampling
// from a W x H input to an ow x oh output: for each output pixel the input
// pixel it copies (y*W+x), or -1 outside. It takes PIL's three paths:
// scale only (pretabulated columns), 16.16 fixed point when the
// coordinates fit, incremental float64 sums otherwise.
func nearestSrc(W, H, ow, oh int, a [6]float64) []int32 {
	src := make([]int32, ow*oh)
	for i := range src {
		src[i] = -1
	}
	switch {
	case a[1] == 0 && a[3] == 0:
		xin := make([]int, ow)
		xo := a[2] + a[0]*0.5
		for x := range ow {
			xin[x] = coord(xo)
			xo += a[0]
		}
		yo := a[5] + a[4]*0.5
		for y := range oh {
			yi := coord(yo)
			if yi >= 0 && yi < H {
				for x, xi := range xin {
					if xi >= 0 && xi < W {
						src[y*ow+x] = int32(yi*W + xi)
					}
				}
			}
			yo += a[4]
		}
	case fixedOK(a, ow, oh):
		fix := func(v float64) int { return int(math.Floor(v*65536.0 + 0.5)) }
		a0, a1, a3, a4 := fix(a[0]), fix(a[1]), fix(a[3]), fix(a[4])
		a2 := fix(a[2] + a[0]*0.5 + a[1]*0.5)
		a5 := fix(a[5] + a[3]*0.5 + a[4]*0.5)
		for y := range oh {
			xx, yy := a2, a5
			for x := range ow {
				xi, yi := xx>>16, yy>>16
				if xi >= 0 && xi < W && yi >= 0 && yi < H {
					src[y*ow+x] = int32(yi*W + xi)
				}
				xx += a0
				yy += a3
			}
			a2 += a1
			a5 += a4
		}
	default:
		xo := a[2] + a[1]*0.5 + a[0]*0.5
		yo := a[5] + a[4]*0.5 + a[3]*0.5
		for y := range oh {
			xx, yy := xo, yo
			for x := range ow {
				xi, yi := coord(xx), coord(yy)
				if xi >= 0 && xi < W && yi >= 0 && yi < H {
					src[y*ow+x] = int32(yi*W + xi)
				}
				xx += a[0]
				yy += a[3]
			}
			xo += a[1]
			yo += a[4]
		}
	}
	return src
}

// Affine applies torchvision's F.affine to an 8-bit image: rotation by
// angle degrees (counter-clockwise), translation by translate pixels
// ([x, y]), scale and shear ([x, y] degrees) about center (nil: the image
// centre), sampled as PIL's Image.transform with interp; fill is one
// value or one per channel. Float tensors are refused (torchvision uses
// grid_sample for them; put it before ToTensor).
func Affine(v Value, angle float64, translate []float64, scale float64, shear []float64, interp Interpolation, fill Fill, center []float64) (Value, error) {
	W, H, C, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	if err := checkInterp("interpolation", interp); err != nil {
		return Value{}, err
	}
	if v.Tensor != nil && interp == Bicubic {
		return Value{}, fmt.Errorf("affine of tensors takes nearest or bilinear interpolation, as torchvision's")
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return Value{}, fmt.Errorf("affine scale must be positive, got %v", scale)
	}
	var tr, sh [2]float64
	if len(translate) == 2 {
		tr = [2]float64{translate[0], translate[1]}
	} else if translate != nil {
		return Value{}, fmt.Errorf("affine translate must be [x, y], got %v", translate)
	}
	switch len(shear) {
	case 0:
	case 1:
		sh = [2]float64{shear[0], 0}
	case 2:
		sh = [2]float64{shear[0], shear[1]}
	default:
		return Value{}, fmt.Errorf("affine shear must be one or two angles, got %v", shear)
	}
	ctr := [2]float64{float64(W) * 0.5, float64(H) * 0.5}
	if center != nil {
		if len(center) != 2 {
			return Value{}, fmt.Errorf("affine center must be [x, y], got %v", center)
		}
		ctr = [2]float64{center[0], center[1]}
	}
	for _, f := range []float64{angle, tr[0], tr[1], sh[0], sh[1], ctr[0], ctr[1]} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return Value{}, fmt.Errorf("affine parameters must be finite")
		}
	}
	fl, err := fill.channels(C)
	if err != nil {
		return Value{}, err
	}
	if v.Tensor != nil {
		// torchvision's tensor path: the centre relative to the image
		// centre (0 when not given), then grid_sample.
		cf := [2]float64{}
		if center != nil {
			cf = [2]float64{center[0] - float64(W)*0.5, center[1] - float64(H)*0.5}
		}
		return Value{Tensor: affineTensor(v.Tensor, affineMatrix(cf, angle, tr, scale, sh), W, H, interp, fl)}, nil
	}
	a := affineMatrix(ctr, angle, tr, scale, sh)
	if interp == Nearest {
		return remapFill(v, W, H, nearestSrc(W, H, W, H, a), fl), nil
	}
	f := func(x, y float64) (float64, float64) {
		return float64(a[0]*x) + float64(a[1]*y) + a[2], float64(a[3]*x) + float64(a[4]*y) + a[5]
	}
	return Value{Image: transformImage(v.Image, W, H, f, interp, fl)}, nil
}

// perspectiveCoeffs solves torchvision's _get_perspective_coeffs system
// (8 equations, 8 unknowns) in float64 and rounds the result to float32,
// as torch's float32 solve returns (torch's own float32 QR may differ in
// the last bits).
func perspectiveCoeffs(start, end [][]float64) ([8]float64, error) {
	var A [8][9]float64
	for i := range 4 {
		p1, p2 := end[i], start[i]
		r0 := [9]float64{p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1], p2[0]}
		r1 := [9]float64{0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1], p2[1]}
		for j := range 9 {
			A[2*i][j] = float64(float32(r0[j]))
			A[2*i+1][j] = float64(float32(r1[j]))
		}
	}
	for col := range 8 {
		p := col
		for r := col + 1; r < 8; r++ {
			if math.Abs(A[r][col]) > math.Abs(A[p][col]) {
				p = r
			}
		}
		if math.Abs(A[p][col]) < 1e-12 {
			return [8]float64{}, fmt.Errorf("perspective points are degenerate (no transform maps them)")
		}
		A[col], A[p] = A[p], A[col]
		for r := range 8 {
			if r == col {
				continue
			}
			f := A[r][col] / A[col][col]
			for j := col; j < 9; j++ {
				A[r][j] -= f * A[col][j]
			}
		}
	}
	var out [8]float64
	for i := range 8 {
		out[i] = float64(float32(A[i][8] / A[i][i]))
	}
	return out, nil
}

func checkPoints(name string, p [][]float64) error {
	if len(p) != 4 {
		return fmt.Errorf("%s must be 4 points [x, y], got %d", name, len(p))
	}
	for _, q := range p {
		if len(q) != 2 || math.IsNaN(q[0]+q[1]) || math.IsInf(q[0]+q[1], 0) {
			return fmt.Errorf("%s must be 4 points [x, y] of finite numbers, got %v", name, p)
		}
	}
	return nil
}

// Perspective applies torchvision's F.perspective to an 8-bit image: the
// transform that maps the four startpoints to the four endpoints, sampled
// as PIL's Image.transform(PERSPECTIVE) with interp. The coefficients come
// from a float64 solve rounded to float32 where torch solves in float32, so
// rare pixels can differ (a sampling position on a pixel boundary). Float
// tensors go through torchvision's grid_sample path (nearest or bilinear).
func Perspective(v Value, start, end [][]float64, interp Interpolation, fill Fill) (Value, error) {
	W, H, C, err := v.Size()
	if err != nil {
		return Value{}, err
	}
	if err := checkInterp("interpolation", interp); err != nil {
		return Value{}, err
	}
	if v.Tensor != nil && interp == Bicubic {
		return Value{}, fmt.Errorf("perspective of tensors takes nearest or bilinear interpolation, as torchvision's")
	}
	if err := checkPoints("startpoints", start); err != nil {
		return Value{}, err
	}
	if err := checkPoints("endpoints", end); err != nil {
		return Value{}, err
	}
	fl, err := fill.channels(C)
	if err != nil {
		return Value{}, err
	}
	a, err := perspectiveCoeffs(start, end)
	if err != nil {
		return Value{}, err
	}
	if v.Tensor != nil {
		return Value{Tensor: perspectiveTensor(v.Tensor, a, interp, fl)}, nil
	}
	f := func(x, y float64) (float64, float64) {
		den := float64(a[6]*x) + float64(a[7]*y) + 1
		return (float64(a[0]*x) + float64(a[1]*y) + a[2]) / den, (float64(a[3]*x) + float64(a[4]*y) + a[5]) / den
	}
	return Value{Image: transformImage(v.Image, W, H, f, interp, fl)}, nil
}

// ResizedCrop crops the h x w region at (top, left) and resizes it to size
// ([height, width], or the smaller edge), like torchvision's
// F.resized_crop.
func ResizedCrop(v Value, top, left, h, w int, size Size, interp Interpolation) (Value, error) {
	c, err := Crop(v, top, left, h, w)
	if err != nil {
		return Value{}, err
	}
	return (&Resize{Size: size, Interpolation: interp}).Apply(c, nil)
}

func init() {
	registerTransform("RandomResizedCrop", "crop a random area and aspect ratio, resized to size", func() *RandomResizedCrop {
		return &RandomResizedCrop{Scale: [2]float64{0.08, 1}, Ratio: [2]float64{3.0 / 4, 4.0 / 3}, Interpolation: Bilinear}
	})
	registerTransform("RandomAffine", "random rotation, translation, scale and shear", func() *RandomAffine { return &RandomAffine{Interpolation: Nearest} })
	registerTransform("RandomPerspective", "random perspective distortion with probability p", func() *RandomPerspective {
		return &RandomPerspective{DistortionScale: 0.5, P: 0.5, Interpolation: Bilinear}
	})
}

// RandomResizedCrop crops a region of random area (a fraction of the image
// drawn from Scale) and aspect ratio (drawn log-uniformly from Ratio) and
// resizes it to Size, like torchvision's RandomResizedCrop. Antialias is
// accepted for compatibility: images are always resampled like PIL's
// (antialiased), tensors as Resize does.
type RandomResizedCrop struct {
	Size          Size          `json:"size" required:"true" expect:"a positive integer (square) or [height, width]" help:"output size"`
	Scale         [2]float64    `json:"scale" min:"0" help:"[min, max] fraction of the area cropped"`
	Ratio         [2]float64    `json:"ratio" gt:"0" help:"[min, max] aspect ratio (width/height) of the crop"`
	Interpolation Interpolation `json:"interpolation" enum:"nearest,bilinear,bicubic,lanczos,box,hamming" help:"resampling filter (lanczos, box and hamming for images only, as torchvision takes them for PIL images)"`
	Antialias     *bool         `json:"antialias" nullable:"true" help:"accepted; resampling is always antialiased as PIL's"`
}

func (r *RandomResizedCrop) validate() error {
	if err := r.Size.check("size"); err != nil {
		return err
	}
	if !(r.Scale[0] >= 0 && r.Scale[0] <= r.Scale[1]) || math.IsInf(r.Scale[1], 0) {
		return paramError("scale", fmt.Sprintf("want [min, max] with 0 <= min <= max, got %v", r.Scale))
	}
	if !(r.Ratio[0] > 0 && r.Ratio[0] <= r.Ratio[1]) || math.IsInf(r.Ratio[1], 0) {
		return paramError("ratio", fmt.Sprintf("want [min, max] with 0 < min <= max, got %v", r.Ratio))
	}
	if _, ok := pilOnlyInterpolations[r.Interpolation]; ok { // Resize's, on images
		return nil
	}
	return checkInterp("interpolation", r.Interpolation)
}

// Params draws the crop (top, left, height, width) for an image of w x h
// pixels as torchvision's get_params does: up to 10 tries, then a central
// crop of the nearest allowed ratio.
func (r *RandomResizedCrop) Params(rng *rand.Rand, width, height int) (i, j, h, w int) {
	area := float64(height * width)
	lr0, lr1 := math.Log(r.Ratio[0]), math.Log(r.Ratio[1])
	for range 10 {
		ta := area * uniform(rng, r.Scale[0], r.Scale[1])
		ar := math.Exp(uniform(rng, lr0, lr1))
		w := int(math.RoundToEven(math.Sqrt(ta * ar)))
		h := int(math.RoundToEven(math.Sqrt(ta / ar)))
		if 0 < w && w <= width && 0 < h && h <= height {
			return rng.IntN(height - h + 1), rng.IntN(width - w + 1), h, w
		}
	}
	in := float64(width) / float64(height)
	switch {
	case in < r.Ratio[0]:
		w, h = width, int(math.RoundToEven(float64(width)/r.Ratio[0]))
	case in > r.Ratio[1]:
		h, w = height, int(math.RoundToEven(float64(height)*r.Ratio[1]))
	default:
		w, h = width, height
	}
	return (height - h) / 2, (width - w) / 2, h, w
}

// Apply crops and resizes v.
func (r *RandomResizedCrop) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := r.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomResizedCrop: %w", err)
	}
	W, H, _, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("RandomResizedCrop: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomResizedCrop: %w", errNoRand)
	}
	i, j, h, w := r.Params(rng, W, H)
	sh, sw := r.Size.hw()
	out, err := ResizedCrop(v, i, j, h, w, Size{sh, sw}, r.Interpolation)
	if err != nil {
		return Value{}, fmt.Errorf("RandomResizedCrop: %w", err)
	}
	return out, nil
}

// RandomAffine draws a rotation from Degrees, a translation of up to
// Translate (fractions of the width and height), a scale from Scale and a
// shear from Shear, and applies them as Affine, like torchvision's
// RandomAffine: as PIL does for 8-bit images, as torchvision's grid_sample
// path does for float tensors (nearest or bilinear).
type RandomAffine struct {
	Degrees       Degrees       `json:"degrees" required:"true" expect:"a non-negative number d (for [-d, d]) or [min, max]" help:"range of rotation angles"`
	Translate     []float64     `json:"translate" nullable:"true" min:"0" max:"1" expect:"null or [a, b], fractions of the width and height" help:"largest horizontal and vertical shift"`
	Scale         []float64     `json:"scale" nullable:"true" gt:"0" expect:"null or [min, max], positive" help:"range of scale factors"`
	Shear         Range         `json:"shear" nullable:"true" expect:"null, s (x shear in [-s, s]), [min, max] (x) or [xmin, xmax, ymin, ymax]" help:"range of shear angles in degrees"`
	Interpolation Interpolation `json:"interpolation" enum:"nearest,bilinear,bicubic" help:"resampling filter"`
	Fill          Fill          `json:"fill" help:"value outside the transformed image (0-255), one number or one per channel"`
	Center        []float64     `json:"center" nullable:"true" expect:"null or [x, y]" help:"centre of rotation (null: the image centre)"`
}

// shears returns the shear ranges: x [min, max] and y [min, max] (nil when
// not given).
func (r *RandomAffine) shears() (x, y []float64, err error) {
	switch len(r.Shear) {
	case 0:
		return nil, nil, nil
	case 1:
		if !(r.Shear[0] >= 0) {
			return nil, nil, paramError("shear", fmt.Sprintf("a single number must not be negative, got %v", r.Shear[0]))
		}
		return []float64{-r.Shear[0], r.Shear[0]}, nil, nil
	case 2:
		return []float64(r.Shear), nil, nil
	case 4:
		return []float64(r.Shear[:2]), []float64(r.Shear[2:]), nil
	}
	return nil, nil, paramError("shear", fmt.Sprintf("want a number or a list of 2 or 4 numbers, got %d", len(r.Shear)))
}

func (r *RandomAffine) validate() error {
	if err := r.Degrees.check(); err != nil {
		return err
	}
	if r.Translate != nil && len(r.Translate) != 2 {
		return paramError("translate", fmt.Sprintf("want [a, b], got %v", r.Translate))
	}
	for _, t := range r.Translate {
		if !(t >= 0 && t <= 1) {
			return paramError("translate", fmt.Sprintf("values should be between 0 and 1, got %v", r.Translate))
		}
	}
	if r.Scale != nil && (len(r.Scale) != 2 || !(r.Scale[0] > 0 && r.Scale[0] <= r.Scale[1]) || math.IsInf(r.Scale[1], 0)) {
		return paramError("scale", fmt.Sprintf("want [min, max] of positive numbers, got %v", r.Scale))
	}
	if _, _, err := r.shears(); err != nil {
		return err
	}
	if r.Center != nil && len(r.Center) != 2 {
		return paramError("center", fmt.Sprintf("want [x, y], got %v", r.Center))
	}
	if err := r.Fill.check("fill"); err != nil {
		return err
	}
	return checkInterp("interpolation", r.Interpolation)
}

// AffineParams are one RandomAffine draw.
type AffineParams struct {
	Angle     float64
	Translate [2]float64
	Scale     float64
	Shear     [2]float64
}

// Params draws the parameters for an image of w x h pixels in
// torchvision's order: angle, translation (rounded to whole pixels),
// scale, shear x, shear y.
func (r *RandomAffine) Params(rng *rand.Rand, w, h int) AffineParams {
	p := AffineParams{Scale: 1}
	p.Angle = uniform(rng, r.Degrees[0], r.Degrees[1])
	if r.Translate != nil {
		mx, my := r.Translate[0]*float64(w), r.Translate[1]*float64(h)
		p.Translate[0] = math.RoundToEven(uniform(rng, -mx, mx))
		p.Translate[1] = math.RoundToEven(uniform(rng, -my, my))
	}
	if r.Scale != nil {
		p.Scale = uniform(rng, r.Scale[0], r.Scale[1])
	}
	sx, sy, _ := r.shears()
	if sx != nil {
		p.Shear[0] = uniform(rng, sx[0], sx[1])
	}
	if sy != nil {
		p.Shear[1] = uniform(rng, sy[0], sy[1])
	}
	return p
}

// Apply transforms v with parameters drawn from rng.
func (r *RandomAffine) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := r.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomAffine: %w", err)
	}
	W, H, _, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("RandomAffine: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomAffine: %w", errNoRand)
	}
	p := r.Params(rng, W, H)
	out, err := Affine(v, p.Angle, p.Translate[:], p.Scale, p.Shear[:], r.Interpolation, r.Fill, r.Center)
	if err != nil {
		return Value{}, fmt.Errorf("RandomAffine: %w", err)
	}
	return out, nil
}

// RandomPerspective distorts with probability P by moving each corner
// inwards by up to DistortionScale times half the width and height, like
// torchvision's RandomPerspective (PIL's sampling for images,
// grid_sample for float tensors).
type RandomPerspective struct {
	DistortionScale float64       `json:"distortion_scale" min:"0" max:"1" help:"how far the corners may move (0-1)"`
	P               float64       `json:"p" min:"0" max:"1" help:"probability of distorting"`
	Interpolation   Interpolation `json:"interpolation" enum:"nearest,bilinear,bicubic" help:"resampling filter"`
	Fill            Fill          `json:"fill" help:"value outside the distorted image (0-255), one number or one per channel"`
}

func (r *RandomPerspective) validate() error {
	if !(r.DistortionScale >= 0 && r.DistortionScale <= 1) {
		return paramError("distortion_scale", fmt.Sprintf("must be in [0, 1], got %v", r.DistortionScale))
	}
	if err := checkP(r.P); err != nil {
		return err
	}
	if err := r.Fill.check("fill"); err != nil {
		return err
	}
	return checkInterp("interpolation", r.Interpolation)
}

// Params draws the end points for an image of w x h pixels as
// torchvision's get_params does; the start points are the corners.
func (r *RandomPerspective) Params(rng *rand.Rand, w, h int) (start, end [][]float64) {
	hw, hh := w/2, h/2
	dx, dy := int(r.DistortionScale*float64(hw)), int(r.DistortionScale*float64(hh))
	between := func(lo, hi int) float64 { return float64(lo + rng.IntN(hi-lo)) } // torch.randint(lo, hi)
	tl := []float64{between(0, dx+1), between(0, dy+1)}
	tr := []float64{between(w-dx-1, w), between(0, dy+1)}
	br := []float64{between(w-dx-1, w), between(h-dy-1, h)}
	bl := []float64{between(0, dx+1), between(h-dy-1, h)}
	start = [][]float64{{0, 0}, {float64(w - 1), 0}, {float64(w - 1), float64(h - 1)}, {0, float64(h - 1)}}
	return start, [][]float64{tl, tr, br, bl}
}

// Apply distorts v with probability P.
func (r *RandomPerspective) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := r.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomPerspective: %w", err)
	}
	W, H, _, err := v.Size()
	if err != nil {
		return Value{}, fmt.Errorf("RandomPerspective: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("RandomPerspective: %w", errNoRand)
	}
	if rng.Float64() >= r.P {
		return maybeFlip(v, false, false)
	}
	start, end := r.Params(rng, W, H)
	out, err := Perspective(v, start, end, r.Interpolation, r.Fill)
	if err != nil {
		return Value{}, fmt.Errorf("RandomPerspective: %w", err)
	}
	return out, nil
}

// affineTensor is torchvision's F_t.affine of a float tensor: the output
// pixel centres in normalised coordinates times the matrix (float32, as
// _gen_affine_grid), then grid_sample with zero padding and
// align_corners=False, and the fill blended in through a mask of ones
// sampled the same way (_apply_grid_transform).
func affineTensor(t *tensor.Tensor, a [6]float64, ow, oh int, interp Interpolation, fill []float64) *tensor.Tensor {
	H, W := t.Shape[1], t.Shape[2]
	var th [6]float32
	for i, v := range a {
		th[i] = float32(v)
	}
	hw, hh := float32(0.5*float64(W)), float32(0.5*float64(H))
	// rescaled theta: theta^T / [w/2, h/2]
	r := [3][2]float32{{th[0] / hw, th[3] / hh}, {th[1] / hw, th[4] / hh}, {th[2] / hw, th[5] / hh}}
	xs := linspace32(-float64(ow)*0.5+0.5, float64(ow)*0.5+0.5-1, ow)
	ys := linspace32(-float64(oh)*0.5+0.5, float64(oh)*0.5+0.5-1, oh)
	return gridSample(t, ow, oh, func(x, y int) (float32, float32) {
		gx := float32(float32(xs[x]*r[0][0])+float32(ys[y]*r[1][0])) + r[2][0]
		gy := float32(float32(xs[x]*r[0][1])+float32(ys[y]*r[1][1])) + r[2][1]
		return gx, gy
	}, interp, fill)
}

// gridSample is torch's grid_sample (zero padding, align_corners=False)
// of t at the normalised coordinates grid gives for each output pixel,
// with torchvision's fill through a mask of ones.
func gridSample(t *tensor.Tensor, ow, oh int, grid func(x, y int) (float32, float32), interp Interpolation, fill []float64) *tensor.Tensor {
	C, H, W := t.Shape[0], t.Shape[1], t.Shape[2]
	out := tensor.New(C, oh, ow)
	n := H * W
	on := oh * ow
	for y := range oh {
		for x := range ow {
			gx, gy := grid(x, y)
			ix := (float32((gx+1)*float32(W)) - 1) / 2
			iy := (float32((gy+1)*float32(H)) - 1) / 2
			o := y*ow + x
			if interp == Nearest {
				xi := int(math.RoundToEven(float64(ix)))
				yi := int(math.RoundToEven(float64(iy)))
				inside := xi >= 0 && xi < W && yi >= 0 && yi < H
				for c := range C {
					if inside {
						out.Data[c*on+o] = t.Data[c*n+yi*W+xi]
					} else {
						out.Data[c*on+o] = float32(fill[c])
					}
				}
				continue
			}
			x0, y0 := int(math.Floor(float64(ix))), int(math.Floor(float64(iy)))
			dx, dy := ix-float32(x0), iy-float32(y0)
			taps := [4]struct {
				x, y int
				w    float32
			}{{x0, y0, (1 - dx) * (1 - dy)}, {x0 + 1, y0, dx * (1 - dy)}, {x0, y0 + 1, (1 - dx) * dy}, {x0 + 1, y0 + 1, dx * dy}}
			var mask float32
			for _, tp := range taps {
				if tp.x >= 0 && tp.x < W && tp.y >= 0 && tp.y < H {
					mask += tp.w
				}
			}
			for c := range C {
				var v float32
				for _, tp := range taps {
					if tp.x >= 0 && tp.x < W && tp.y >= 0 && tp.y < H {
						v += t.Data[c*n+tp.y*W+tp.x] * tp.w
					}
				}
				out.Data[c*on+o] = v*mask + (1-mask)*float32(fill[c])
			}
		}
	}
	return out
}

// rotateTensor is torchvision's F_t.rotate of a float tensor: the inverse
// matrix of -angle about center (relative to the image centre), the output
// enlarged as _compute_affine_output_size with expand, then grid_sample.
func rotateTensor(t *tensor.Tensor, angle float64, expand bool, center []float64, interp Interpolation, fill []float64) (*tensor.Tensor, error) {
	H, W := t.Shape[1], t.Shape[2]
	cf := [2]float64{}
	if center != nil {
		cf = [2]float64{center[0] - float64(W)*0.5, center[1] - float64(H)*0.5}
	}
	a := affineMatrix(cf, -angle, [2]float64{}, 1, [2]float64{})
	ow, oh := W, H
	if expand {
		var th [6]float32
		for i, v := range a {
			th[i] = float32(v)
		}
		hw, hh := float32(0.5*float64(W)), float32(0.5*float64(H))
		pts := [4][2]float32{{-hw, -hh}, {-hw, hh}, {hw, hh}, {hw, -hh}}
		lo := [2]float32{float32(math.Inf(1)), float32(math.Inf(1))}
		hi := [2]float32{float32(math.Inf(-1)), float32(math.Inf(-1))}
		for _, p := range pts {
			for k := range 2 {
				v := float32(float32(p[0]*th[3*k])+float32(p[1]*th[3*k+1])) + th[3*k+2]
				lo[k], hi[k] = min(lo[k], v), max(hi[k], v)
			}
		}
		half := [2]float32{hw, hh}
		var size [2]int
		for k := range 2 {
			const tol = float32(1e-4)
			mx := float32(math.Ceil(float64(float32(math.Trunc(float64((hi[k]+half[k])/tol))) * tol)))
			mn := float32(math.Floor(float64(float32(math.Trunc(float64((lo[k]+half[k])/tol))) * tol)))
			size[k] = int(mx - mn)
		}
		ow, oh = size[0], size[1]
		if ow <= 0 || oh <= 0 || int64(ow)*int64(oh) > MaxPixels {
			return nil, fmt.Errorf("rotation with expand gives %dx%d pixels", ow, oh)
		}
	}
	return affineTensor(t, a, ow, oh, interp, fill), nil
}

// perspectiveTensor is torchvision's F_t.perspective of a float tensor:
// _perspective_grid (pixel centres through the coefficients, in float32)
// then grid_sample.
func perspectiveTensor(t *tensor.Tensor, a [8]float64, interp Interpolation, fill []float64) *tensor.Tensor {
	H, W := t.Shape[1], t.Shape[2]
	var c [8]float32
	for i, v := range a {
		c[i] = float32(v)
	}
	hw, hh := float32(0.5*float64(W)), float32(0.5*float64(H))
	r1 := [3][2]float32{{c[0] / hw, c[3] / hh}, {c[1] / hw, c[4] / hh}, {c[2] / hw, c[5] / hh}}
	xs := linspace32(0.5, float64(W)+0.5-1, W)
	ys := linspace32(0.5, float64(H)+0.5-1, H)
	return gridSample(t, W, H, func(x, y int) (float32, float32) {
		den := float32(float32(xs[x]*c[6])+float32(ys[y]*c[7])) + 1
		g1x := float32(float32(xs[x]*r1[0][0])+float32(ys[y]*r1[1][0])) + r1[2][0]
		g1y := float32(float32(xs[x]*r1[0][1])+float32(ys[y]*r1[1][1])) + r1[2][1]
		return g1x/den - 1, g1y/den - 1
	}, interp, fill)
}
