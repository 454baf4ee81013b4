package images

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Pillow's modes beyond those the transforms take (1, L, RGB, YCbCr, HSV):
// P (palette indices with a 256-colour palette), RGBA and CMYK (four 8-bit
// bands), I (32-bit integers) and F (32-bit floats). convert reaches them
// and leaves them as Pillow 9.4's Image.convert does (libImaging's
// Convert.c: its converters, frompalette, topalette with the WEB palette
// and its colour cache, tobilevel, and Image.convert's retry through the
// mode's base mode, L or RGB, where no direct converter exists).
//
// What the network then gets is what torchvision's ToTensor (and
// PILToTensor) makes of such an image: P one channel of palette indices
// (divided by 255), RGBA and CMYK four channels, I and F one channel of
// the values as they are (not divided; they reach the transforms as that
// tensor). The other image operations take them as opmodes.go says; the
// transforms before ToTensor take the modes they take in this package:
// convert first.

func init() {
	modeBands["P"] = []string{"P"}
	modeBands["RGBA"] = []string{"R", "G", "B", "A"}
	modeBands["CMYK"] = []string{"C", "M", "Y", "K"}
	modeBands["I"] = []string{"I"}
	modeBands["F"] = []string{"F"}
}

// Palette is Pillow's Image.Palette: WEB (0) or ADAPTIVE (1).
type Palette int

// Pillow's palettes.
const (
	PaletteWeb      Palette = 0
	PaletteAdaptive Palette = 1
)

// UnmarshalJSON reads a palette name or number; null is WEB.
func (p *Palette) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*p = PaletteWeb
		return nil
	}
	v, err := pillowEnum(b, "palette", map[string]int{"WEB": 0, "ADAPTIVE": 1})
	*p = Palette(v)
	return err
}

// ParamType names the type in the catalogue.
func (Palette) ParamType() (string, string) {
	return "palette", "WEB or ADAPTIVE (as Image.Palette.WEB, Image.WEB or 0; Image.Palette.ADAPTIVE, Image.ADAPTIVE or 1)"
}

// modeBase is Pillow's ImageMode.getmodebase.
func modeBase(mode string) string {
	switch mode {
	case "1", "L", "I", "F":
		return "L"
	}
	return "RGB"
}

// errNoConverter is libImaging's "conversion not supported".
var errNoConverter = errors.New("conversion not supported")

// convertPillow is Image.convert(to, dither=dither) with the WEB palette.
func convertPillow(im opImage, to string, dither Dither) (opImage, error) {
	from := im.mode
	if from == to {
		return im.clone(), nil
	}
	if to == "P" && from == "RGBA" {
		return opImage{}, fmt.Errorf("convert: Pillow quantises an RGBA image to P adaptively (Image.quantize), which is not supported; convert to RGB first")
	}
	out, err := convertLib(im, to, dither)
	if !errors.Is(err, errNoConverter) {
		return out, err
	}
	// Image.convert: normalise the source to its base mode and try again.
	base := modeBase(from)
	if base == from {
		return opImage{}, fmt.Errorf("convert: Pillow cannot convert %s to %s", from, to)
	}
	mid, err := convertLib(im, base, DitherNone)
	if err != nil {
		return opImage{}, fmt.Errorf("convert: Pillow cannot convert %s to %s", from, to)
	}
	if out, err = convertLib(mid, to, dither); err != nil {
		return opImage{}, fmt.Errorf("convert: Pillow cannot convert %s to %s", from, to)
	}
	return out, nil
}

// clone copies im.
func (im opImage) clone() opImage {
	out := opImage{mode: im.mode, m: &Image{W: im.m.W, H: im.m.H, C: im.m.C, Pix: slices.Clone(im.m.Pix)}, f: slices.Clone(im.f)}
	if im.pal != nil {
		p := *im.pal
		out.pal = &p
	}
	return out
}

// convertLib is libImaging's ImagingConvert (Convert.c).
func convertLib(im opImage, to string, dither Dither) (opImage, error) {
	from, m := im.mode, im.m
	W, H := m.W, m.H
	n := W * H
	if from == to {
		return im.clone(), nil
	}
	if from == "P" {
		return fromPalette(im, to)
	}
	if to == "P" {
		return toPalette(im, dither)
	}
	if dither != DitherNone && to == "1" {
		if from != "L" && from != "RGB" {
			return opImage{}, errNoConverter
		}
		return opImage{mode: "1", m: toBilevel(m, dither)}, nil
	}
	bytes := func(c int, f func(i int, o []uint8)) opImage {
		out := NewImage(W, H, c)
		for i := range n {
			f(i, out.Pix[i*c:(i+1)*c])
		}
		return opImage{mode: to, m: out}
	}
	floats := func(f func(i int) float32) opImage {
		out := make([]float32, n)
		for i := range out {
			out[i] = f(i)
		}
		return opImage{mode: to, m: &Image{W: W, H: H, C: 1}, f: out}
	}
	switch from {
	case "1", "L":
		v := func(i int) uint8 { return m.Pix[i] } // mode 1 is held as 0 and 255
		switch to {
		case "1":
			return bytes(1, func(i int, o []uint8) { o[0] = b2u(v(i) >= 128) }), nil
		case "L":
			return bytes(1, func(i int, o []uint8) { o[0] = v(i) }), nil
		case "I", "F":
			return floats(func(i int) float32 { return float32(v(i)) }), nil
		case "RGB":
			return bytes(3, func(i int, o []uint8) { o[0], o[1], o[2] = v(i), v(i), v(i) }), nil
		case "RGBA":
			return bytes(4, func(i int, o []uint8) { o[0], o[1], o[2], o[3] = v(i), v(i), v(i), 255 }), nil
		case "CMYK":
			return bytes(4, func(i int, o []uint8) { o[0], o[1], o[2], o[3] = 0, 0, 0, 255-v(i) }), nil
		case "YCbCr":
			return bytes(3, func(i int, o []uint8) { o[0], o[1], o[2] = v(i), 128, 128 }), nil
		case "HSV":
			return bytes(3, func(i int, o []uint8) { o[0], o[1], o[2] = 0, 0, v(i) }), nil
		}
	case "I":
		v := func(i int) uint8 { return clipInt32(im.f[i]) }
		switch to {
		case "L":
			return bytes(1, func(i int, o []uint8) { o[0] = v(i) }), nil
		case "F":
			return floats(func(i int) float32 { return im.f[i] }), nil
		case "RGB":
			return bytes(3, func(i int, o []uint8) { o[0], o[1], o[2] = v(i), v(i), v(i) }), nil
		case "RGBA":
			return bytes(4, func(i int, o []uint8) { o[0], o[1], o[2], o[3] = v(i), v(i), v(i), 255 }), nil
		case "HSV":
			return bytes(3, func(i int, o []uint8) { o[0], o[1], o[2] = 0, 0, v(i) }), nil
		}
	case "F":
		switch to {
		case "L":
			return bytes(1, func(i int, o []uint8) {
				switch v := im.f[i]; {
				case v <= 0:
					o[0] = 0
				case v >= 255:
					o[0] = 255
				default:
					o[0] = uint8(v)
				}
			}), nil
		case "I":
			return floats(func(i int) float32 {
				// C's float to INT32 conversion truncates toward zero.
				return float32(int32(max(min(float64(im.f[i]), math.MaxInt32), math.MinInt32)))
			}), nil
		}
	case "RGB", "RGBA":
		c := m.C
		rgb := func(i int) (uint8, uint8, uint8) { return m.Pix[i*c], m.Pix[i*c+1], m.Pix[i*c+2] }
		l1000 := func(i int) int32 {
			r, g, b := rgb(i)
			return int32(r)*299 + int32(g)*587 + int32(b)*114
		}
		switch to {
		case "1":
			return bytes(1, func(i int, o []uint8) { o[0] = b2u(l1000(i) >= 128000) }), nil
		case "L":
			return bytes(1, func(i int, o []uint8) { o[0] = luma(rgb(i)) }), nil
		case "I":
			return floats(func(i int) float32 { return float32(luma(rgb(i))) }), nil
		case "F":
			return floats(func(i int) float32 { return float32(l1000(i)) / float32(1000) }), nil
		case "RGB":
			return bytes(3, func(i int, o []uint8) { o[0], o[1], o[2] = rgb(i) }), nil
		case "RGBA":
			return bytes(4, func(i int, o []uint8) { o[0], o[1], o[2] = rgb(i); o[3] = 255 }), nil
		case "CMYK":
			return bytes(4, func(i int, o []uint8) { r, g, b := rgb(i); o[0], o[1], o[2], o[3] = 255-r, 255-g, 255-b, 0 }), nil
		case "YCbCr", "HSV":
			if c == 4 { // the RGB bands, as Pillow's converters read them
				rgbIm, _ := convertLib(im, "RGB", DitherNone)
				return convertMode(rgbIm, to, dither)
			}
			return convertMode(im, to, dither)
		}
	case "CMYK":
		rgb := func(o []uint8, i int) {
			p := m.Pix[4*i : 4*i+4]
			nk := int(255 - p[3])
			for k := range 3 {
				t := int(p[k])*nk + 128
				o[k] = clipInt8(nk - ((t>>8)+t)>>8)
			}
		}
		switch to {
		case "RGB":
			return bytes(3, func(i int, o []uint8) { rgb(o, i) }), nil
		case "RGBA":
			return bytes(4, func(i int, o []uint8) { rgb(o, i); o[3] = 255 }), nil
		case "HSV":
			return bytes(3, func(i int, o []uint8) { rgb(o, i); o[0], o[1], o[2] = rgbToHSV(o[0], o[1], o[2]) }), nil
		}
	case "YCbCr":
		switch to {
		case "L", "RGB":
			return convertMode(im, to, dither)
		}
	case "HSV":
		if to == "RGB" {
			return convertMode(im, to, dither)
		}
	}
	return opImage{}, errNoConverter
}

func b2u(b bool) uint8 {
	if b {
		return 255
	}
	return 0
}

// clipInt32 is libImaging's clip of an I value to 8 bits.
func clipInt32(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v)
}

// fromPalette is libImaging's frompalette: the palette's colours looked up.
func fromPalette(im opImage, to string) (opImage, error) {
	m, pal := im.m, im.pal
	W, H := m.W, m.H
	rgb := NewImage(W, H, 3)
	for i, v := range m.Pix {
		copy(rgb.Pix[3*i:3*i+3], pal[v][:])
	}
	src := opImage{mode: "RGB", m: rgb}
	switch to {
	case "1":
		// p2bit: a threshold on the palette's luma, never dithered.
		return convertLib(src, "1", DitherNone)
	case "L", "I", "F", "RGB", "RGBA", "CMYK", "YCbCr", "HSV":
		return convertLib(src, to, DitherNone)
	}
	return opImage{}, errNoConverter
}

// webPalette is libImaging's ImagingPaletteNewBrowser: 10 black entries,
// the 6x6x6 colour cube (red fastest), black to 256.
func webPalette() *[256][3]uint8 {
	var p [256][3]uint8
	i := 10
	for b := 0; b < 256; b += 51 {
		for g := 0; g < 256; g += 51 {
			for r := 0; r < 256; r += 51 {
				p[i] = [3]uint8{uint8(r), uint8(g), uint8(b)}
				i++
			}
		}
	}
	return &p
}

// paletteCache maps a colour to the nearest entry of a palette as
// libImaging's colour cache does: the colour's cache slot (each band's top
// six bits) holds the entry nearest to the slot's corner (r&^3, g&^3,
// b&^3) in squared distance, the first such entry on a tie
// (ImagingPaletteCacheUpdate).
type paletteCache struct {
	pal  *[256][3]uint8
	slot map[int]uint8
}

func (c *paletteCache) nearest(r, g, b int) uint8 {
	key := (r >> 2) | (g>>2)<<6 | (b>>2)<<12
	if v, ok := c.slot[key]; ok {
		return v
	}
	r0, g0, b0 := r&^3, g&^3, b&^3
	best, bd := 0, math.MaxInt
	for i, p := range c.pal {
		dr, dg, db := r0-int(p[0]), g0-int(p[1]), b0-int(p[2])
		if d := dr*dr + dg*dg + db*db; d < bd {
			best, bd = i, d
		}
	}
	c.slot[key] = uint8(best)
	return uint8(best)
}

// toPalette is libImaging's topalette without a given palette: an L image
// keeps its values with a grey ramp palette; an RGB image is mapped to the
// WEB palette, with Floyd-Steinberg dithering unless dither is NONE.
func toPalette(im opImage, dither Dither) (opImage, error) {
	m := im.m
	switch im.mode {
	case "L":
		var ramp [256][3]uint8
		for i := range ramp {
			ramp[i] = [3]uint8{uint8(i), uint8(i), uint8(i)}
		}
		return opImage{mode: "P", m: &Image{W: m.W, H: m.H, C: 1, Pix: slices.Clone(m.Pix)}, pal: &ramp}, nil
	case "RGB":
	default:
		return opImage{}, errNoConverter
	}
	pal := webPalette()
	cache := &paletteCache{pal: pal, slot: map[int]uint8{}}
	W, H := m.W, m.H
	out := NewImage(W, H, 1)
	if dither == DitherNone {
		for i := range out.Pix {
			out.Pix[i] = cache.nearest(int(m.Pix[3*i]), int(m.Pix[3*i+1]), int(m.Pix[3*i+2]))
		}
		return opImage{mode: "P", m: out, pal: pal}, nil
	}
	errs := make([]int, 3*(W+1))
	for y := range H {
		var c, c0, c1, c2 [3]int
		e := 0
		for x := range W {
			in := m.Pix[3*(y*W+x):]
			for k := range 3 {
				c[k] = int(clipInt8(int(in[k]) + (c[k]+errs[e+3+k])/16))
			}
			idx := cache.nearest(c[0], c[1], c[2])
			out.Pix[y*W+x] = idx
			for k := range 3 {
				v := c[k] - int(pal[idx][k])
				c2[k] = v
				d2 := v + v
				v += d2
				errs[e+k] = v + c0[k]
				v += d2
				c0[k] = v + c1[k]
				c1[k] = c2[k]
				v += d2
				c[k] = v
			}
			e += 3
		}
		errs[e], errs[e+1], errs[e+2] = c0[2], c1[2], c2[2]
	}
	return opImage{mode: "P", m: out, pal: pal}, nil
}
