package images

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// The image operations on every mode convert reaches, as Pillow 9.4 runs
// them (checked against testdata/expected_ops_modes.json, gen_ops_modes.py):
//
//   - 8-bit modes with one band per channel (1, L, RGB, RGBA, CMYK, YCbCr,
//     HSV) take every operation band by band; an RGBA image is resized,
//     reduced and rotated (other than NEAREST) with its colours
//     premultiplied by alpha (Pillow's RGBa), as Pillow does.
//   - P images are cropped, resized and rotated (always NEAREST, as Pillow
//     forces it), transposed, spread and mode-filtered (ModeFilter) on
//     their indices, keeping the palette; Pillow refuses to reduce them
//     (image has wrong mode) and to filter them otherwise (cannot filter
//     palette images).
//   - I and F images (32-bit values) are cropped, transposed, spread and
//     rotated with NEAREST (the values moved as they are), rotated with
//     BILINEAR and BICUBIC (libImaging's 32-bit transform filters),
//     resized with every filter and reduced (libImaging's 32-bit
//     resampling and reduction, in float64) and rank-filtered
//     (MedianFilter, MinFilter, MaxFilter, RankFilter); Pillow refuses their
//     getchannel and their kernels and blurs (image has wrong mode).
//   - Pillow's GaussianBlur, BoxBlur and UnsharpMask take L, RGB, RGBA and
//     CMYK images only (image has wrong mode).

// wrongMode is Pillow's ValueError for a mode an operation does not take.
func wrongMode(op, mode string) error {
	return fmt.Errorf("%s: Pillow refuses mode %s images (image has wrong mode)", op, mode)
}

// opModeError says why op cannot take an image of mode, or nil.
func opModeError(op ImageOp, mode string) error {
	wide := mode == "I" || mode == "F"
	switch o := op.(type) {
	case *ConvertOp:
		return nil
	case *GetChannelOp:
		if wide {
			return wrongMode("getchannel", mode)
		}
	case *ReduceOp:
		switch {
		case mode == "P" || mode == "1":
			return wrongMode("reduce", mode)
		}
	case *ResizeOp:
	case *FilterOp:
		if _, _, blur, _ := o.blur(); blur {
			if mode != "L" && mode != "RGB" && mode != "RGBA" && mode != "CMYK" {
				return wrongMode("filter", mode)
			}
			return nil
		}
		_, _, rank, _ := o.rank()
		if _, modeF, _ := o.modeFilter(); modeF {
			// Pillow's ModeFilter runs on a P image's indices (it has no
			// palette check) and on 8-bit bands only.
			if wide {
				return wrongMode("filter", mode)
			}
			return nil
		}
		switch {
		case mode == "P":
			return fmt.Errorf("filter: Pillow cannot filter palette images (convert it to RGB or L first)")
		case wide && !rank:
			return wrongMode("filter", mode)
		}
	}
	return nil
}

// applyOpMode applies op to im, of any mode opModeError lets through.
func applyOpMode(op ImageOp, im opImage, rng *rand.Rand) (opImage, error) {
	switch op.(type) {
	case *ConvertOp, *GetChannelOp:
		return op.applyOp(im, rng)
	}
	if im.f != nil {
		if r, ok := op.(*ResizeOp); ok && r.Resample != ResampleNearest {
			return resize32(r, im)
		}
		if r, ok := op.(*ReduceOp); ok {
			return r.reduce32(im)
		}
		if f, ok := op.(*FilterOp); ok {
			size, rank, _, _ := f.rank() // opModeError let only rank filters through
			return rank32(im, size, rank), nil
		}
		if r, ok := op.(*RotateOp); ok && r.Resample != ResampleNearest && !r.transposes(im.m.W, im.m.H) {
			return rotate32(r, im)
		}
		return viaPositions(op, im, rng)
	}
	if im.mode == "RGBA" && premultiplies(op, im.m) {
		out, err := bandwise(op, opImage{mode: "RGBA", m: premultiply(im.m)}, rng)
		if err != nil {
			return opImage{}, err
		}
		unpremultiply(out.m)
		return out, nil
	}
	out, err := bandwise(op, im, rng)
	if err == nil && im.mode == "P" {
		out.pal = im.pal
	}
	return out, err
}

// bandwise applies op to im; a 4-band image (RGBA, CMYK), which the
// geometry and filters here take with 1 or 3 bands, is done as its first
// three bands and its fourth (every operation but effect_spread, which
// moves whole pixels, works band by band).
func bandwise(op ImageOp, im opImage, rng *rand.Rand) (opImage, error) {
	m := im.m
	if _, spread := op.(*SpreadOp); m.C != 4 || spread {
		return op.applyOp(im, rng)
	}
	n := m.W * m.H
	a, b := NewImage(m.W, m.H, 3), NewImage(m.W, m.H, 1)
	for i := range n {
		copy(a.Pix[3*i:3*i+3], m.Pix[4*i:4*i+3])
		b.Pix[i] = m.Pix[4*i+3]
	}
	opA, opB := op, op
	if r, ok := op.(*RotateOp); ok {
		fc := r.Fillcolor
		if len(fc) == 1 { // one integer: Pillow's packed 0xAABBGGRR
			v := int64(fc[0])
			fc = Fill{float64(v & 255), float64(v >> 8 & 255), float64(v >> 16 & 255), float64(v >> 24 & 255)}
		}
		if fc != nil && len(fc) != 4 {
			return opImage{}, fmt.Errorf("rotate: fillcolor has %d values for a mode %s image (want 1 or 4)", len(fc), im.mode)
		}
		ra, rb := *r, *r
		ra.Fillcolor, rb.Fillcolor = nil, nil
		if fc != nil {
			ra.Fillcolor, rb.Fillcolor = Fill(fc[:3]), Fill{fc[3]}
		}
		opA, opB = &ra, &rb
	}
	oa, err := opA.applyOp(opImage{mode: "RGB", m: a}, rng)
	if err != nil {
		return opImage{}, err
	}
	ob, err := opB.applyOp(opImage{mode: "L", m: b}, rng)
	if err != nil {
		return opImage{}, err
	}
	out := NewImage(oa.m.W, oa.m.H, 4)
	for i := range oa.m.W * oa.m.H {
		copy(out.Pix[4*i:4*i+3], oa.m.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = ob.m.Pix[i]
	}
	return opImage{mode: im.mode, m: out}, nil
}

// premultiplies reports whether Pillow runs op on an RGBA image m through
// RGBa: resize and rotate other than NEAREST (and not returned as a copy
// or a transpose), and reduce.
func premultiplies(op ImageOp, m *Image) bool {
	switch o := op.(type) {
	case *ResizeOp:
		full := o.Box == nil || (o.Box[0] == 0 && o.Box[1] == 0 && o.Box[2] == float64(m.W) && o.Box[3] == float64(m.H))
		return o.Resample != ResampleNearest && !(o.Size[0] == m.W && o.Size[1] == m.H && full)
	case *ReduceOp:
		full := o.Box == nil || (o.Box[0] == 0 && o.Box[1] == 0 && o.Box[2] == m.W && o.Box[3] == m.H)
		return !(o.Factor[0] == 1 && o.Factor[len(o.Factor)-1] == 1 && full)
	case *RotateOp:
		return o.Resample != ResampleNearest && !o.transposes(m.W, m.H)
	}
	return false
}

// transposes reports whether Image.rotate of a W x H image returns a copy
// or a transpose (no center or translate, a multiple of 90 degrees that
// keeps the size) instead of transforming it.
func (r *RotateOp) transposes(W, H int) bool {
	if r.Center != nil || r.Translate != nil {
		return false
	}
	a := math.Mod(r.Angle, 360)
	if a < 0 {
		a += 360
	}
	return a == 0 || a == 180 || ((a == 90 || a == 270) && (r.Expand || W == H))
}

// premultiply is libImaging's RGBA to RGBa: each colour times alpha / 255,
// rounded (MULDIV255).
func premultiply(m *Image) *Image {
	out := &Image{W: m.W, H: m.H, C: 4, Pix: make([]uint8, len(m.Pix))}
	for i := 0; i < len(m.Pix); i += 4 {
		a := uint32(m.Pix[i+3])
		for k := range 3 {
			t := uint32(m.Pix[i+k])*a + 128
			out.Pix[i+k] = uint8((t>>8 + t) >> 8)
		}
		out.Pix[i+3] = m.Pix[i+3]
	}
	return out
}

// unpremultiply is libImaging's RGBa to RGBA, in place: each colour times
// 255 / alpha, clipped (alpha 0 and 255 leave the colours as they are).
func unpremultiply(m *Image) {
	for i := 0; i < len(m.Pix); i += 4 {
		a := int(m.Pix[i+3])
		if a == 0 || a == 255 {
			continue
		}
		for k := range 3 {
			m.Pix[i+k] = uint8(min(255*int(m.Pix[i+k])/a, 255))
		}
	}
}

// viaPositions applies a pixel-moving op (crop, transpose, effect_spread,
// NEAREST resize and rotate) to an I or F image: the op runs on an image
// whose four 8-bit bands hold each pixel's position plus one (0 where the
// op fills), and the values follow their positions; what is filled takes
// crop's 0 or rotate's fillcolor.
func viaPositions(op ImageOp, im opImage, rng *rand.Rand) (opImage, error) {
	m := im.m
	n := m.W * m.H
	pos := &Image{W: m.W, H: m.H, C: 4, Pix: make([]uint8, 4*n)}
	for i := range n {
		v := uint32(i + 1)
		pos.Pix[4*i], pos.Pix[4*i+1], pos.Pix[4*i+2], pos.Pix[4*i+3] = uint8(v), uint8(v>>8), uint8(v>>16), uint8(v>>24)
	}
	fill := float32(0)
	if r, ok := op.(*RotateOp); ok {
		if len(r.Fillcolor) > 1 {
			return opImage{}, fmt.Errorf("rotate: fillcolor has %d values for a mode %s image (want one number)", len(r.Fillcolor), im.mode)
		}
		if len(r.Fillcolor) == 1 {
			fill = float32(r.Fillcolor[0])
			if im.mode == "I" {
				fill = float32(int32(r.Fillcolor[0]))
			}
		}
		c := *r
		c.Fillcolor = Fill{0, 0, 0, 0}
		op = &c
	}
	out, err := bandwise(op, opImage{mode: "CMYK", m: pos}, rng)
	if err != nil {
		return opImage{}, err
	}
	o := out.m
	f := make([]float32, o.W*o.H)
	for i := range f {
		p := uint32(o.Pix[4*i]) | uint32(o.Pix[4*i+1])<<8 | uint32(o.Pix[4*i+2])<<16 | uint32(o.Pix[4*i+3])<<24
		if p == 0 {
			f[i] = fill
		} else {
			f[i] = im.f[p-1]
		}
	}
	return opImage{mode: im.mode, m: &Image{W: o.W, H: o.H, C: 1}, f: f}, nil
}

// resize32 is Image.resize of an I or F image with a filter other than
// NEAREST: libImaging's ImagingResample with 32-bit pixels, the
// horizontal pass first, each value a float64 sum of the normalised
// weights (an I value rounded half away from zero after each pass, an F
// value stored as float32).
func resize32(r *ResizeOp, im opImage) (opImage, error) {
	W, H := im.m.W, im.m.H
	w, h := r.Size[0], r.Size[1]
	if int64(w)*int64(h) > MaxPixels {
		return opImage{}, fmt.Errorf("resize to %dx%d: more than the limit of %d pixels", w, h, MaxPixels)
	}
	box := [4]float64{0, 0, float64(W), float64(H)}
	if r.Box != nil {
		copy(box[:], r.Box)
	}
	if box[0] < 0 || box[1] < 0 || box[2] > float64(W) || box[3] > float64(H) {
		return opImage{}, fmt.Errorf("resize: box %v can't exceed the original image size %dx%d", box, W, H)
	}
	if box[2]-box[0] < 0 || box[3]-box[1] < 0 {
		return opImage{}, fmt.Errorf("resize: box %v can't be empty", box)
	}
	isInt := im.mode == "I"
	if r.ReducingGap != 0 { // as ResizeOp.applyOp: reduce by whole factors first
		fx := max(int((box[2]-box[0])/float64(w)/r.ReducingGap), 1)
		fy := max(int((box[3]-box[1])/float64(h)/r.ReducingGap), 1)
		if fx > 1 || fy > 1 {
			fs := r.Resample.support() - 0.5
			sx := fs * (box[2] - box[0]) / float64(w)
			sy := fs * (box[3] - box[1]) / float64(h)
			rb := [4]int{max(0, int(box[0]-sx)), max(0, int(box[1]-sy)), min(W, int(math.Ceil(box[2]+sx))), min(H, int(math.Ceil(box[3]+sy)))}
			red := reduce32(im, fx, fy, rb)
			box = [4]float64{(box[0] - float64(rb[0])) / float64(fx), (box[1] - float64(rb[1])) / float64(fy),
				(box[2] - float64(rb[0])) / float64(fx), (box[3] - float64(rb[1])) / float64(fy)}
			im, W, H = red, red.m.W, red.m.H
		}
	}
	store := func(ss float64) float32 {
		if isInt {
			if ss >= 0 {
				return float32(int32(ss + 0.5))
			}
			return float32(int32(ss - 0.5))
		}
		return float32(ss)
	}
	flt := r.Resample.pilFilter()
	src, sw := im.f, W
	if w != W || box[0] != 0 || box[2] != float64(w) {
		cx := precomputeBox(W, box[0], box[2], w, flt)
		tmp := make([]float32, w*H)
		for y := range H {
			for xx := range w {
				xmin, n := cx.bounds[2*xx], cx.bounds[2*xx+1]
				ss := 0.0
				for x, k := range cx.k[xx*cx.ksize : xx*cx.ksize+n] {
					ss += float64(src[y*W+xmin+x]) * k
				}
				tmp[y*w+xx] = store(ss)
			}
		}
		src, sw = tmp, w
	}
	if h != H || box[1] != 0 || box[3] != float64(h) {
		cy := precomputeBox(H, box[1], box[3], h, flt)
		out := make([]float32, sw*h)
		for yy := range h {
			ymin, n := cy.bounds[2*yy], cy.bounds[2*yy+1]
			k := cy.k[yy*cy.ksize : yy*cy.ksize+n]
			for x := range sw {
				ss := 0.0
				for y, kv := range k {
					ss += float64(src[(ymin+y)*sw+x]) * kv
				}
				out[yy*sw+x] = store(ss)
			}
		}
		src = out
	}
	if len(src) == len(im.f) && &src[0] == &im.f[0] {
		src = append([]float32(nil), src...)
	}
	return opImage{mode: im.mode, m: &Image{W: sw, H: len(src) / sw, C: 1}, f: src}, nil
}

// reduce32 is Image.reduce of an I or F image (ReduceOp's checks first).
func (r *ReduceOp) reduce32(im opImage) (opImage, error) {
	m := im.m
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
	return reduce32(im, r.Factor[0], r.Factor[len(r.Factor)-1], box), nil
}

// reduce32 is libImaging's ImagingReduceNxN_32bpc and
// ImagingReduceCorners_32bpc: float64 sums of the blocks (inner blocks
// added two rows and two columns at a time, in int32 for I and float32
// for F, as libImaging adds them), times the reciprocal of the block's
// size; an I value rounded half away from zero.
func reduce32(im opImage, fx, fy int, box [4]int) opImage {
	W := im.m.W
	x0, y0, bw, bh := box[0], box[1], box[2]-box[0], box[3]-box[1]
	ow, oh := (bw+fx-1)/fx, (bh+fy-1)/fy
	isInt := im.mode == "I"
	f := im.f
	px := func(x, y int) float32 { return f[y*W+x] }
	add := func(v ...float32) float64 { // libImaging's sum of 2 or 4 pixels
		if isInt {
			s := int32(0)
			for _, x := range v {
				s += int32(x)
			}
			return float64(s)
		}
		s := v[0]
		for _, x := range v[1:] {
			s += x
		}
		return float64(s)
	}
	out := make([]float32, ow*oh)
	put := func(x, y int, ss, mult float64) {
		v := ss * mult
		if isInt {
			if v >= 0 {
				out[y*ow+x] = float32(int32(v + 0.5))
			} else {
				out[y*ow+x] = float32(int32(v - 0.5))
			}
			return
		}
		out[y*ow+x] = float32(v)
	}
	mult := 1 / float64(fy*fx)
	for y := range bh / fy {
		yf := y0 + y*fy
		for x := range bw / fx {
			xf := x0 + x*fx
			ss := 0.0
			yy := yf
			for ; yy < yf+fy-1; yy += 2 {
				xx := xf
				for ; xx < xf+fx-1; xx += 2 {
					ss += add(px(xx, yy), px(xx+1, yy), px(xx, yy+1), px(xx+1, yy+1))
				}
				if fx&1 != 0 {
					ss += add(px(xx, yy), px(xx, yy+1))
				}
			}
			if fy&1 != 0 {
				xx := xf
				for ; xx < xf+fx-1; xx += 2 {
					ss += add(px(xx, yy), px(xx+1, yy))
				}
				if fx&1 != 0 {
					ss += float64(px(xx, yy))
				}
			}
			put(x, y, ss, mult)
		}
	}
	block := func(x, y, xa, xb, ya, yb int, mult float64) {
		ss := 0.0
		for yy := ya; yy < yb; yy++ {
			for xx := xa; xx < xb; xx++ {
				ss += float64(px(xx, yy))
			}
		}
		put(x, y, ss, mult)
	}
	if bw%fx != 0 {
		x := bw / fx
		for y := range bh / fy {
			block(x, y, x0+x*fx, x0+bw, y0+y*fy, y0+y*fy+fy, 1/float64(bw%fx*fy))
		}
	}
	if bh%fy != 0 {
		y := bh / fy
		for x := range bw / fx {
			block(x, y, x0+x*fx, x0+x*fx+fx, y0+y*fy, y0+bh, 1/float64(fx*(bh%fy)))
		}
	}
	if bw%fx != 0 && bh%fy != 0 {
		x, y := bw/fx, bh/fy
		block(x, y, x0+x*fx, x0+bw, y0+y*fy, y0+bh, 1/float64(bw%fx*(bh%fy)))
	}
	return opImage{mode: im.mode, m: &Image{W: ow, H: oh, C: 1}, f: out}
}

// rank32 is a rank filter (MedianFilter, MinFilter, MaxFilter) of an I or
// F image, as rankFilter's: the rank-th of the sorted size x size window,
// the edges repeated (Pillow's expand, then rankfilter).
func rank32(im opImage, size, rank int) opImage {
	W, H := im.m.W, im.m.H
	r := size / 2
	out := make([]float32, W*H)
	win := make([]float32, 0, size*size)
	for y := range H {
		for x := range W {
			win = win[:0]
			for dy := -r; dy <= r; dy++ {
				yy := min(max(y+dy, 0), H-1)
				for dx := -r; dx <= r; dx++ {
					win = append(win, im.f[yy*W+min(max(x+dx, 0), W-1)])
				}
			}
			slices.Sort(win)
			out[y*W+x] = win[rank]
		}
	}
	return opImage{mode: im.mode, m: &Image{W: W, H: H, C: 1}, f: out}
}

// rotate32 is Image.rotate of an I or F image with BILINEAR or BICUBIC
// (not a transpose): libImaging's generic affine transform with its
// 32-bit filters (bilinear_filter32I/F, bicubic_filter32I/F). Each output
// pixel centre maps to an input point; one outside the image takes the
// fill, one inside is interpolated from its 2x2 or 4x4 neighbours, the
// edges repeated. The sums are float64, but the first pass's differences
// of an F image are float32 (libImaging subtracts the FLOAT32 pixels
// before it widens them); an I value is truncated toward zero, an F value
// rounded to float32.
func rotate32(r *RotateOp, im opImage) (opImage, error) {
	if len(r.Fillcolor) > 1 {
		return opImage{}, fmt.Errorf("rotate: fillcolor has %d values for a mode %s image (want one number)", len(r.Fillcolor), im.mode)
	}
	if t := r.Translate; t != nil && (len(t) != 2 || math.IsNaN(t[0]+t[1]) || math.IsInf(t[0]+t[1], 0)) {
		return opImage{}, fmt.Errorf("rotate: rotation translate must be two finite numbers [x, y], got %v", t)
	}
	if c := r.Center; c != nil && (len(c) != 2 || math.IsNaN(c[0]+c[1]) || math.IsInf(c[0]+c[1], 0)) {
		return opImage{}, fmt.Errorf("rotate: rotation center must be two finite numbers [x, y], got %v", c)
	}
	if math.IsNaN(r.Angle) || math.IsInf(r.Angle, 0) {
		return opImage{}, fmt.Errorf("rotate: rotation angle must be finite, got %v", r.Angle)
	}
	angle := math.Mod(r.Angle, 360)
	if angle < 0 {
		angle += 360
	}
	W, H := im.m.W, im.m.H
	a, ow, oh, err := rotateMatrix(W, H, angle, r.Expand, r.Center, r.Translate)
	if err != nil {
		return opImage{}, fmt.Errorf("rotate: %w", err)
	}
	isInt := im.mode == "I"
	fill := float32(0)
	if len(r.Fillcolor) == 1 {
		fill = float32(r.Fillcolor[0])
		if isInt {
			fill = float32(int32(r.Fillcolor[0]))
		}
	}
	src := im.f
	px := func(x, y int) float32 { return src[y*W+x] }
	xclip := func(x int) int { return min(max(x, 0), W-1) }
	// diff is b - a in the pixels' own type: float32 for F; for I an
	// int32 difference, exact in float64 for the values an I image holds
	// here (integers below 2^24, as float32 stores them).
	diff := func(b, a float32) float64 {
		if isInt {
			return float64(b) - float64(a)
		}
		return float64(b - a)
	}
	lerp := func(a, d, t float64) float64 { return a + float64(d*t) }
	// cubic is libImaging's BICUBIC on four pixels of one row: p2, p3 and
	// p4 summed in the pixels' type, the polynomial in float64.
	cubicPx := func(v1, v2, v3, v4 float32, d float64) float64 {
		var p2, p3, p4 float64
		if isInt {
			f1, f2, f3, f4 := float64(v1), float64(v2), float64(v3), float64(v4)
			p2, p3, p4 = -f1+f3, 2*(f1-f2)+f3-f4, -f1+f2-f3+f4
		} else {
			p2 = float64(-v1 + v3)
			p3 = float64(float32(float32(2*(v1-v2))+v3) - v4)
			p4 = float64(float32(float32(-v1+v2)-v3) + v4)
		}
		return float64(v2) + float64(d*(p2+float64(d*(p3+float64(d*p4)))))
	}
	cubic := func(v1, v2, v3, v4, d float64) float64 {
		p2, p3, p4 := -v1+v3, 2*(v1-v2)+v3-v4, -v1+v2-v3+v4
		return v2 + float64(d*(p2+float64(d*(p3+float64(d*p4)))))
	}
	out := make([]float32, ow*oh)
	for y := range oh {
		for x := range ow {
			xo, yo := float64(x)+0.5, float64(y)+0.5
			xin := float64(a[0]*xo) + float64(a[1]*yo) + a[2]
			yin := float64(a[3]*xo) + float64(a[4]*yo) + a[5]
			if !(xin >= 0 && xin < float64(W) && yin >= 0 && yin < float64(H)) {
				out[y*ow+x] = fill
				continue
			}
			xs, ys := xin-0.5, yin-0.5
			x0, y0 := int(math.Floor(xs)), int(math.Floor(ys))
			dx, dy := xs-float64(x0), ys-float64(y0)
			var v float64
			if r.Resample == ResampleBilinear {
				xa, xb := xclip(x0), xclip(x0+1)
				row := func(yy int) float64 { return lerp(float64(px(xa, yy)), diff(px(xb, yy), px(xa, yy)), dx) }
				v1 := row(min(max(y0, 0), H-1))
				v2 := v1
				if y0+1 >= 0 && y0+1 < H {
					v2 = row(y0 + 1)
				}
				v = lerp(v1, v2-v1, dy)
			} else {
				x0, y0 = x0-1, y0-1
				xs4 := [4]int{xclip(x0), xclip(x0 + 1), xclip(x0 + 2), xclip(x0 + 3)}
				row := func(yy int) float64 {
					return cubicPx(px(xs4[0], yy), px(xs4[1], yy), px(xs4[2], yy), px(xs4[3], yy), dx)
				}
				var vs [4]float64
				vs[0] = row(min(max(y0, 0), H-1))
				for k := 1; k < 4; k++ {
					vs[k] = vs[k-1]
					if y0+k >= 0 && y0+k < H {
						vs[k] = row(y0 + k)
					}
				}
				v = cubic(vs[0], vs[1], vs[2], vs[3], dy)
			}
			if isInt {
				out[y*ow+x] = float32(truncInt32(v))
			} else {
				out[y*ow+x] = float32(v)
			}
		}
	}
	return opImage{mode: im.mode, m: &Image{W: ow, H: oh, C: 1}, f: out}, nil
}

// truncInt32 is C's conversion of a double to INT32 (toward zero), held
// to int32's range.
func truncInt32(v float64) int32 {
	switch {
	case v != v:
		return 0
	case v >= math.MaxInt32:
		return math.MaxInt32
	case v <= math.MinInt32:
		return math.MinInt32
	}
	return int32(v)
}
