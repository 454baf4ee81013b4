// Package images decodes PNG, JPEG and GIF files, reads image folders laid
// out one subfolder per class (torchvision's ImageFolder) and transforms
// images the way torchvision.transforms does on PIL images, with the same
// numbers: Resize resamples like PIL's antialiased filters, Grayscale uses
// PIL's ITU-R 601-2 luma, RandomRotation maps pixels like PIL's rotate.
//
// An Image holds 8-bit pixels (height x width x channels, like a PIL image in
// mode "L" or "RGB"); ToTensor turns it into a channels x height x width
// float32 tensor in [0, 1]. Transforms take either and return either, as
// torchvision's accept PIL images and tensors. Random transforms draw from the
// *rand.Rand they are given, so a seed fixes the augmentation.
//
// Decoding checks the image's declared size against MaxPixels before it
// allocates, and every error about a file names it.
package images

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"

	"github.com/mlforge/mlforge/data"
)

// Image is an 8-bit image in height x width x channels order (row-major,
// channels interleaved), with 1 channel (grayscale, PIL mode "L") or 3 (RGB).
type Image struct {
	W, H, C int
	Pix     []uint8 // len H*W*C
}

// NewImage returns a black image.
func NewImage(w, h, c int) *Image {
	return &Image{W: w, H: h, C: c, Pix: make([]uint8, w*h*c)}
}

// At returns the value of channel c of pixel (x, y).
func (m *Image) At(x, y, c int) uint8 { return m.Pix[(y*m.W+x)*m.C+c] }

// Mode is the pixel format images are converted to when decoded.
type Mode int

// Modes, named as PIL's.
const (
	RGB Mode = iota // 3 channels; alpha is dropped, like PIL's convert("RGB")
	L               // 1 channel, ITU-R 601-2 luma of the RGB values, like PIL's convert("L")
)

// String returns the PIL name of the mode.
func (m Mode) String() string {
	if m == L {
		return "L"
	}
	return "RGB"
}

// ParseMode reads a mode name: "RGB" or "L" (as PIL names them).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "RGB", "":
		return RGB, nil
	case "L":
		return L, nil
	}
	return RGB, fmt.Errorf("unknown image mode %q (want \"RGB\" or \"L\")", s)
}

// Limits on decoded files.
const (
	MaxPixels   = 50_000_000 // width*height; larger images are rejected before decoding
	MaxFileSize = 256 << 20  // bytes read from one file
)

// Error is a problem with an image file; its text starts with the file name.
// It is data.Error, the error type of every data reader (idx.Error is the
// same type).
type Error = data.Error

// fileError is an *Error about file name: msg, then the cause when there
// is one.
func fileError(name, msg string, err error) *Error {
	if err != nil {
		msg += ": " + err.Error()
	}
	return &Error{File: name, Msg: msg, Err: err}
}

// Decode reads a PNG, JPEG or GIF image (the first frame of an animated
// GIF) from r and converts it to mode. The format is recognised from the
// content, not the name; name is used in errors. The declared size is
// checked against MaxPixels before any pixel memory is allocated.
//
// Conversion to RGB follows PIL's convert("RGB"): alpha is dropped (not
// composited), palettes are looked up, gray is replicated. 16-bit channels
// keep their high byte (PIL does the same for RGB, and clips 16-bit gray to
// 255, which we do not). Go's GIF decoder blanks the transparent palette
// entry to black where PIL keeps its color; CMYK JPEGs use Go's CMYK
// conversion.
func Decode(r io.Reader, name string, mode Mode) (*Image, error) {
	buf, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fileError(name, "read error", err)
	}
	if len(buf) > MaxFileSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file larger than the limit of %d bytes", MaxFileSize)}
	}
	return DecodeBytes(buf, name, mode)
}

// DecodeFile reads an image file; errors name path.
func DecodeFile(path string, mode Mode) (*Image, error) {
	return decodeFileAs(path, path, mode)
}

func decodeFileAs(path, name string, mode Mode) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(name, "cannot open", err)
	}
	defer f.Close()
	return Decode(f, name, mode)
}

type format struct {
	name   string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

func sniff(b []byte) *format {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return &format{"PNG", png.DecodeConfig, png.Decode}
	case bytes.HasPrefix(b, []byte("\xff\xd8")):
		return &format{"JPEG", jpeg.DecodeConfig, func(r io.Reader) (image.Image, error) { return jpeg.Decode(r) }}
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return &format{"GIF", gif.DecodeConfig, gif.Decode}
	}
	return nil
}

// Config is what an image file's header says, read without decoding its
// pixels.
type Config struct {
	Format        string // "PNG", "JPEG" or "GIF"
	Width, Height int
}

// Pixels returns Width*Height.
func (c Config) Pixels() int64 { return int64(c.Width) * int64(c.Height) }

// DecodeConfig reads the header of a PNG, JPEG or GIF image held in memory
// (the format is recognised from the content): its format and size, without
// decoding pixels, so that the pixels of one image, or of several, can be
// checked against a budget before any is decoded. An image without pixels
// is an error naming name.
func DecodeConfig(b []byte, name string) (Config, error) {
	f := sniff(b)
	if f == nil {
		return Config{}, &Error{File: name, Msg: "unsupported image format (want PNG, JPEG or GIF)"}
	}
	cfg, err := decodeConfig(f, b, name)
	if err != nil {
		return Config{}, err
	}
	return Config{Format: f.name, Width: cfg.Width, Height: cfg.Height}, nil
}

func decodeConfig(f *format, b []byte, name string) (cfg image.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{File: name, Msg: fmt.Sprintf("corrupt %s image (decoder panic: %v)", f.name, r)}
		}
	}()
	cfg, err = f.config(bytes.NewReader(b))
	if err != nil {
		return cfg, fileError(name, "corrupt "+f.name+" image", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, &Error{File: name, Msg: fmt.Sprintf("%s image of %dx%d pixels has no pixels", f.name, cfg.Width, cfg.Height)}
	}
	return cfg, nil
}

// DecodeBytes decodes an image held in memory; see Decode.
func DecodeBytes(b []byte, name string, mode Mode) (img *Image, err error) {
	return DecodeBytesLimit(b, name, mode, MaxPixels)
}

// DecodeBytesLimit is DecodeBytes with a cap of maxPixels on width*height
// (at most MaxPixels; ≤ 0 means MaxPixels), checked from the header before
// any pixel memory is allocated.
func DecodeBytesLimit(b []byte, name string, mode Mode, maxPixels int64) (img *Image, err error) {
	if maxPixels <= 0 || maxPixels > MaxPixels {
		maxPixels = MaxPixels
	}
	f := sniff(b)
	if f == nil {
		return nil, &Error{File: name, Msg: "unsupported image format (want PNG, JPEG or GIF)"}
	}
	cfg, err := decodeConfig(f, b, name)
	if err != nil {
		return nil, err
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, &Error{File: name, Msg: fmt.Sprintf("%s image of %dx%d pixels is larger than the limit of %d pixels", f.name, cfg.Width, cfg.Height, maxPixels)}
	}
	defer func() {
		// The standard decoders do not panic on bad input as far as we know;
		// this is a last line of defence so that one file cannot crash a run.
		if r := recover(); r != nil {
			img, err = nil, &Error{File: name, Msg: fmt.Sprintf("corrupt %s image (decoder panic: %v)", f.name, r)}
		}
	}()
	src, err := f.decode(bytes.NewReader(b))
	if err != nil {
		return nil, fileError(name, "corrupt "+f.name+" image", err)
	}
	if pm, ok := src.(*image.Paletted); ok && f.name == "GIF" && pm.Bounds() != image.Rect(0, 0, cfg.Width, cfg.Height) {
		src = gifCanvas(pm, cfg.Width, cfg.Height)
	}
	bounds := src.Bounds()
	if bounds.Dx() <= 0 || bounds.Dy() <= 0 || int64(bounds.Dx())*int64(bounds.Dy()) > maxPixels {
		return nil, &Error{File: name, Msg: fmt.Sprintf("%s image decoded to %dx%d pixels", f.name, bounds.Dx(), bounds.Dy())}
	}
	return FromImage(src, mode), nil
}

// gifCanvas places a first frame that covers only part of the GIF's logical
// screen on a full-size canvas, as PIL does: the rest is palette index 0, or
// the transparent index when there is one (Go's decoder makes that entry
// transparent black, where PIL keeps the palette's color).
func gifCanvas(pm *image.Paletted, w, h int) *image.Paletted {
	bg := uint8(0)
	for i, c := range pm.Palette {
		if _, _, _, a := c.RGBA(); a == 0 && i < 256 {
			bg = uint8(i)
			break
		}
	}
	out := image.NewPaletted(image.Rect(0, 0, w, h), pm.Palette)
	for i := range out.Pix {
		out.Pix[i] = bg
	}
	r := pm.Bounds().Intersect(out.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(out.Pix[out.PixOffset(r.Min.X, y):out.PixOffset(r.Max.X, y)], pm.Pix[pm.PixOffset(r.Min.X, y):pm.PixOffset(r.Max.X, y)])
	}
	return out
}

// FromImage converts a Go image to mode (see Decode for the rules).
func FromImage(src image.Image, mode Mode) *Image {
	rgb := toRGB(src)
	if mode == L {
		return rgbToL(rgb)
	}
	return rgb
}

// toRGB converts any image to 8-bit RGB, dropping alpha.
func toRGB(src image.Image) *Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	out := NewImage(w, h, 3)
	p := out.Pix
	switch s := src.(type) {
	case *image.Gray:
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y) : s.PixOffset(b.Min.X, b.Min.Y+y)+w]
			o := p[y*w*3 : (y+1)*w*3]
			for x, v := range row {
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		}
	case *image.NRGBA:
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y) : s.PixOffset(b.Min.X, b.Min.Y+y)+4*w]
			o := p[y*w*3 : (y+1)*w*3]
			for x := range w {
				o[3*x], o[3*x+1], o[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.RGBA:
		// Premultiplied: un-premultiply so that dropping alpha gives the
		// stored color, as for NRGBA.
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y) : s.PixOffset(b.Min.X, b.Min.Y+y)+4*w]
			o := p[y*w*3 : (y+1)*w*3]
			for x := range w {
				a := row[4*x+3]
				r, g, bb := row[4*x], row[4*x+1], row[4*x+2]
				if a != 255 && a != 0 {
					r = uint8((uint32(r)*255 + uint32(a)/2) / uint32(a))
					g = uint8((uint32(g)*255 + uint32(a)/2) / uint32(a))
					bb = uint8((uint32(bb)*255 + uint32(a)/2) / uint32(a))
				}
				o[3*x], o[3*x+1], o[3*x+2] = r, g, bb
			}
		}
	case *image.YCbCr:
		ycbcrToRGB(s, out)
	case *image.Paletted:
		var lut [256][3]uint8
		for i, c := range s.Palette {
			if i >= 256 {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = [3]uint8{n.R, n.G, n.B}
		}
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y) : s.PixOffset(b.Min.X, b.Min.Y+y)+w]
			o := p[y*w*3 : (y+1)*w*3]
			for x, v := range row {
				c := lut[v]
				o[3*x], o[3*x+1], o[3*x+2] = c[0], c[1], c[2]
			}
		}
	case *image.Gray16:
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y) : s.PixOffset(b.Min.X, b.Min.Y+y)+2*w]
			o := p[y*w*3 : (y+1)*w*3]
			for x := range w {
				v := row[2*x]
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		}
	case *image.NRGBA64:
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y) : s.PixOffset(b.Min.X, b.Min.Y+y)+8*w]
			o := p[y*w*3 : (y+1)*w*3]
			for x := range w {
				o[3*x], o[3*x+1], o[3*x+2] = row[8*x], row[8*x+2], row[8*x+4]
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBA64Model.Convert(src.At(x, y)).(color.NRGBA64)
				p[i], p[i+1], p[i+2] = uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8)
				i += 3
			}
		}
	}
	return out
}

// luma is PIL's RGB to L conversion (ITU-R 601-2: 0.299 R + 0.587 G +
// 0.114 B), in PIL's fixed point with rounding.
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

func rgbToL(m *Image) *Image {
	out := NewImage(m.W, m.H, 1)
	for i := range out.Pix {
		out.Pix[i] = luma(m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2])
	}
	return out
}

// Convert returns m in mode (a copy when it is already in that mode): gray
// is replicated to RGB, RGB is reduced to luma.
func Convert(m *Image, mode Mode) *Image {
	switch {
	case mode == L && m.C == 3:
		return rgbToL(m)
	case mode == RGB && m.C == 1:
		out := NewImage(m.W, m.H, 3)
		for i, v := range m.Pix {
			out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = v, v, v
		}
		return out
	}
	return &Image{W: m.W, H: m.H, C: m.C, Pix: append([]uint8(nil), m.Pix...)}
}
