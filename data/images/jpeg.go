package images

import "image"

// ycbcrToRGB converts a decoded JPEG the way libjpeg-turbo (which PIL uses)
// does: chroma subsampled 2x horizontally (4:2:2) or 2x both ways (4:2:0)
// is upsampled with libjpeg's "fancy" triangle filter rather than
// replicated, and the color conversion uses libjpeg's fixed-point tables.
// Other subsamplings replicate chroma samples.
func ycbcrToRGB(s *image.YCbCr, out *Image) {
	b := s.Bounds()
	w, h := b.Dx(), b.Dy()
	var cw, ch int
	var h2, v2 bool
	switch s.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		h2 = true
	case image.YCbCrSubsampleRatio420:
		h2, v2 = true, true
	}
	cw, ch = w, h
	if h2 {
		cw = (w + 1) / 2
	}
	if v2 {
		ch = (h + 1) / 2
	}
	cbRow := make([]uint8, 2*cw+2)
	crRow := make([]uint8, 2*cw+2)
	for y := range h {
		yrow := s.Y[s.YOffset(b.Min.X, b.Min.Y+y):]
		o := out.Pix[y*w*3 : (y+1)*w*3]
		if !h2 && !v2 && s.SubsampleRatio != image.YCbCrSubsampleRatio444 {
			for x := range w {
				ci := s.COffset(b.Min.X+x, b.Min.Y+y)
				o[3*x], o[3*x+1], o[3*x+2] = jpegRGB(yrow[x], s.Cb[ci], s.Cr[ci])
			}
			continue
		}
		// Chroma rows of this output row (subsampled coordinates).
		cy := y
		if v2 {
			cy = y / 2
		}
		crow := func(plane []uint8, r int) []uint8 {
			r = min(max(r, 0), ch-1)
			off := s.COffset(b.Min.X, b.Min.Y) + r*s.CStride
			return plane[off : off+cw]
		}
		for k, plane := range [2][]uint8{s.Cb, s.Cr} {
			dst := cbRow
			if k == 1 {
				dst = crRow
			}
			near := crow(plane, cy)
			switch {
			case h2 && v2:
				far := near
				if y%2 == 0 {
					far = crow(plane, cy-1)
				} else {
					far = crow(plane, cy+1)
				}
				h2v2Fancy(near, far, dst)
			case h2:
				h2v1Fancy(near, dst)
			default:
				copy(dst, near)
			}
		}
		for x := range w {
			o[3*x], o[3*x+1], o[3*x+2] = jpegRGB(yrow[x], cbRow[x], crRow[x])
		}
	}
}

// h2v2Fancy is libjpeg's h2v2_fancy_upsample for one output row: near is
// the nearest chroma row, far the next nearest.
func h2v2Fancy(near, far, out []uint8) {
	n := len(near)
	col := func(i int) int32 { return int32(near[i])*3 + int32(far[i]) }
	if n == 1 {
		v := uint8((col(0)*4 + 8) >> 4)
		out[0], out[1] = v, uint8((col(0)*4+7)>>4)
		return
	}
	this, next := col(0), col(1)
	out[0] = uint8((this*4 + 8) >> 4)
	out[1] = uint8((this*3 + next + 7) >> 4)
	last := this
	this = next
	for i := 2; i < n; i++ {
		next = col(i)
		out[2*i-2] = uint8((this*3 + last + 8) >> 4)
		out[2*i-1] = uint8((this*3 + next + 7) >> 4)
		last, this = this, next
	}
	out[2*n-2] = uint8((this*3 + last + 8) >> 4)
	out[2*n-1] = uint8((this*4 + 7) >> 4)
}

// h2v1Fancy is libjpeg's h2v1_fancy_upsample.
func h2v1Fancy(in, out []uint8) {
	n := len(in)
	if n == 1 {
		out[0], out[1] = in[0], in[0]
		return
	}
	out[0] = in[0]
	out[1] = uint8((int32(in[0])*3 + int32(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v := int32(in[i]) * 3
		out[2*i] = uint8((v + int32(in[i-1]) + 1) >> 2)
		out[2*i+1] = uint8((v + int32(in[i+1]) + 2) >> 2)
	}
	out[2*n-2] = uint8((int32(in[n-1])*3 + int32(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}

// libjpeg's ycc_rgb_convert constants: FIX(x) = round(x * 2^16).
const (
	fix1402 = 91881  // FIX(1.40200)
	fix0344 = 22554  // FIX(0.34414)
	fix0714 = 46802  // FIX(0.71414)
	fix1772 = 116130 // FIX(1.77200)
	half    = 1 << 15
)

func clampU8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// jpegRGB is libjpeg's YCbCr to RGB conversion.
func jpegRGB(y, cb, cr uint8) (r, g, b uint8) {
	Y := int32(y)
	Cb, Cr := int32(cb)-128, int32(cr)-128
	r = clampU8(Y + (fix1402*Cr+half)>>16)
	g = clampU8(Y + (-fix0344*Cb-fix0714*Cr+half)>>16)
	b = clampU8(Y + (fix1772*Cb+half)>>16)
	return
}
