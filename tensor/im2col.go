package tensor

import "fmt"

// ConvOutSize returns the output length of a convolution or pooling window
// along one axis: (in+2*pad-dil*(k-1)-1)/stride + 1, as in PyTorch.
func ConvOutSize(in, k, pad, stride, dil int) int {
	return (in+2*pad-dil*(k-1)-1)/stride + 1
}

// Im2col unfolds one image src (c x h x w) into columns dst of shape
// (c*kh*kw) x (outH*outW), where outH = (h+2*padH-dilH*(kh-1)-1)/strideH+1 and
// likewise outW; positions in the padding read as zero.
//
// Row (ch*kh+ki)*kw+kj of dst holds, for every output pixel, the input value
// under kernel tap (ki, kj) of channel ch, so a convolution is the GEMM
// weight (outC x c*kh*kw) times dst. Each output row is filled as a zero
// prefix, a run of input values (one memmove when strideW is 1) and a zero
// suffix, with no per-element bounds tests. It panics if dst or src is too
// short.
func Im2col(src []float32, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, dst []float32) {
	outH := ConvOutSize(h, kh, padH, strideH, dilH)
	outW := ConvOutSize(w, kw, padW, strideW, dilW)
	Im2colStrided(src, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW, dst, outH*outW)
}

// Im2colStrided is Im2col writing row r of the columns at dst[r*ldd:], so
// that the columns of several images can sit side by side in one matrix
// of row stride ldd (at least outH*outW): image i's block starts at
// dst[i*outH*outW:]. It panics if dst or src is too short.
func Im2colStrided(src []float32, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, dst []float32, ldd int) {
	Im2colTaps(src, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW, Taps{0, kh, 0, kw}, dst, ldd)
}

// Taps is the window [KI0, KI1) x [KJ0, KJ1) of a kh x kw kernel's taps.
type Taps struct{ KI0, KI1, KJ0, KJ1 int }

// ValidTaps returns the range [lo, hi) of the taps of a kernel of size k
// along one axis that read the input (of length in) for at least one output
// position, and whether those taps are one contiguous range. The other
// taps only ever meet padding, so their rows of the columns are zero.
func ValidTaps(in, k, pad, stride, dil int) (lo, hi int, ok bool) {
	out := ConvOutSize(in, k, pad, stride, dil)
	lo, hi = k, 0
	prev := -1
	ok = true
	for t := 0; t < k; t++ {
		valid := false
		for o := 0; o < out && !valid; o++ {
			i := o*stride - pad + t*dil
			valid = i >= 0 && i < in
		}
		if !valid {
			continue
		}
		if prev >= 0 && t != prev+1 {
			ok = false
		}
		prev = t
		lo, hi = min(lo, t), t+1
	}
	if hi <= lo {
		return 0, 0, false
	}
	return lo, hi, ok
}

// Im2colTaps is Im2colStrided for the window tp of the kernel's taps only:
// the columns have c*(KI1-KI0)*(KJ1-KJ0) rows, in the same order, and the
// output size is still that of the whole kh x kw kernel.
func Im2colTaps(src []float32, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, tp Taps, dst []float32, ldd int) {
	outH := ConvOutSize(h, kh, padH, strideH, dilH)
	outW := ConvOutSize(w, kw, padW, strideW, dilW)
	checkTaps("Im2col", kh, kw, tp)
	checkIm2colLd("Im2col", src, c, h, w, tp.KI1-tp.KI0, tp.KJ1-tp.KJ0, outH, outW, strideH, strideW, dilH, dilW, dst, ldd)
	if outH <= 0 || outW <= 0 {
		return
	}
	if strideH == 1 && strideW == 1 && outW == w {
		im2colPlanes(src, c, h, w, padH, padW, dilH, dilW, tp, outH, dst, ldd)
		return
	}
	plane := outH * outW
	row := 0
	for ch := 0; ch < c; ch++ {
		img := src[ch*h*w : (ch+1)*h*w]
		for ki := tp.KI0; ki < tp.KI1; ki++ {
			for kj := tp.KJ0; kj < tp.KJ1; kj++ {
				d := dst[row*ldd : row*ldd+plane]
				row++
				off := kj*dilW - padW
				lo, hi := validRange(outW, w, off, strideW)
				for oy := 0; oy < outH; oy++ {
					dr := d[oy*outW : (oy+1)*outW]
					iy := oy*strideH - padH + ki*dilH
					if iy < 0 || iy >= h || lo >= hi {
						clear(dr)
						continue
					}
					sr := img[iy*w : (iy+1)*w]
					if outW <= shortRow {
						// A small map (a late ResNet stage): element
						// loops beat the calls of clear and copy.
						for ox := 0; ox < lo; ox++ {
							dr[ox] = 0
						}
						ix := lo*strideW + off
						for ox := lo; ox < hi; ox++ {
							dr[ox] = sr[ix]
							ix += strideW
						}
						for ox := hi; ox < outW; ox++ {
							dr[ox] = 0
						}
						continue
					}
					clear(dr[:lo])
					clear(dr[hi:])
					if strideW == 1 {
						copy(dr[lo:hi], sr[lo+off:hi+off])
						continue
					}
					ix := lo*strideW + off
					for ox := lo; ox < hi; ox++ {
						dr[ox] = sr[ix]
						ix += strideW
					}
				}
			}
		}
	}
}

// planeRun returns, for the tap at row offset dy = ki*dilH-padH and column
// offset off = kj*dilW-padW of a stride-1 convolution whose output rows are
// as wide as the input's (outW == w), the output rows [y0, y1) that read
// the input, the output columns [lo, hi) that do, and the run
// [t0, t1) of the tap's plane that is the input's run [s0, s1) element for
// element: with outW == w the valid rows of the plane are one contiguous
// stretch of the image shifted by dy*w+off, except for the |off| columns at
// one end of each row that wrap around to the neighbouring row (and are
// zero in the columns). [t0, t1) is clipped to the image; the clipped
// positions are all such wrapped columns. ok is false when no position
// reads the input.
func planeRun(h, w, outH, dy, off int) (y0, y1, lo, hi, t0, t1, s0 int, ok bool) {
	lo, hi = validRange(w, w, off, 1)
	y0, y1 = max(0, -dy), min(outH, h-dy)
	if y1 <= y0 || lo >= hi {
		return 0, 0, 0, 0, 0, 0, 0, false
	}
	s0, s1 := (y0+dy)*w+off, (y1+dy)*w+off
	t0, t1 = y0*w, y1*w
	if s0 < 0 {
		t0 -= s0
		s0 = 0
	}
	if s1 > h*w {
		t1 -= s1 - h*w
	}
	return y0, y1, lo, hi, t0, t1, s0, true
}

// zeroWrapped zeroes columns [0, lo) and [hi, w) of rows [y0, y1) of the
// plane d (rows w apart): a tap's positions that wrap around to the
// neighbouring row, before they are added back. A 3x3 kernel's side taps
// have one such column.
func zeroWrapped(d []float32, w, y0, y1, lo, hi int) {
	switch {
	case lo == 0 && hi == w:
	case lo == 1 && hi == w:
		d = d[:y1*w]
		for p := y0 * w; p < len(d); p += w {
			d[p] = 0
		}
	case lo == 0 && hi == w-1:
		d = d[:y1*w]
		for p := y0*w + w - 1; p < len(d); p += w {
			d[p] = 0
		}
	default:
		for oy := y0; oy < y1; oy++ {
			r := d[oy*w : (oy+1)*w]
			for ox := 0; ox < lo; ox++ {
				r[ox] = 0
			}
			for ox := hi; ox < w; ox++ {
				r[ox] = 0
			}
		}
	}
}

// im2colPlanes is Im2colTaps for stride 1 with outW == w (a "same"
// convolution such as 3x3 with padding 1): each tap's plane is one copy
// of a shifted stretch of the image, then the wrapped columns and the rows
// in the padding are zeroed. The values are those of the row-by-row path.
func im2colPlanes(src []float32, c, h, w, padH, padW, dilH, dilW int, tp Taps, outH int, dst []float32, ldd int) {
	plane, hw := outH*w, h*w
	nj := tp.KJ1 - tp.KJ0
	taps := (tp.KI1 - tp.KI0) * nj
	// Tap by tap (the run's geometry is the same for every channel), then
	// channel by channel: row ch*taps+t of the columns.
	for t := 0; t < taps; t++ {
		ki, kj := tp.KI0+t/nj, tp.KJ0+t%nj
		y0, y1, lo, hi, t0, t1, s0, ok := planeRun(h, w, outH, ki*dilH-padH, kj*dilW-padW)
		n := t1 - t0
		for ch := 0; ch < c; ch++ {
			row := ch*taps + t
			d := dst[row*ldd : row*ldd+plane]
			if !ok {
				clear(d)
				continue
			}
			img := src[ch*hw : (ch+1)*hw]
			if y0 > 0 {
				clear(d[:y0*w])
			}
			if y1 < outH {
				clear(d[y1*w:])
			}
			if n >= shortRow {
				copy(d[t0:t1], img[s0:s0+n])
			} else {
				dd, ss := d[t0:t1], img[s0:s0+n]
				for i := range dd {
					dd[i] = ss[i]
				}
			}
			zeroWrapped(d, w, y0, y1, lo, hi)
		}
	}
}

// Col2imTapsScratch is Col2imTaps for columns that the caller no longer
// needs: it may overwrite their entries that fall in the padding with
// zeros. For stride 1 with outW == w it then adds each tap's plane to the
// image as one run (Col2imTaps adds row by row); the sums are the same
// value for value, in the same order, except that a -0 in dst can become
// +0.
func Col2imTapsScratch(src []float32, lds, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, tp Taps, dst []float32) {
	outH := ConvOutSize(h, kh, padH, strideH, dilH)
	outW := ConvOutSize(w, kw, padW, strideW, dilW)
	if !(strideH == 1 && strideW == 1 && outW == w) {
		Col2imTaps(src, lds, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW, tp, dst)
		return
	}
	checkTaps("Col2im", kh, kw, tp)
	checkIm2colLd("Col2im", dst, c, h, w, tp.KI1-tp.KI0, tp.KJ1-tp.KJ0, outH, outW, strideH, strideW, dilH, dilW, src, lds)
	if outH <= 0 || outW <= 0 {
		return
	}
	plane, hw := outH*w, h*w
	nj := tp.KJ1 - tp.KJ0
	taps := (tp.KI1 - tp.KI0) * nj
	// Tap by tap, then channel by channel, as in im2colPlanes: each image
	// value still receives its taps' terms in the taps' order.
	for t := 0; t < taps; t++ {
		ki, kj := tp.KI0+t/nj, tp.KJ0+t%nj
		y0, y1, lo, hi, t0, t1, s0, ok := planeRun(h, w, outH, ki*dilH-padH, kj*dilW-padW)
		if !ok {
			continue
		}
		n := t1 - t0
		for ch := 0; ch < c; ch++ {
			row := ch*taps + t
			s := src[row*lds : row*lds+plane]
			img := dst[ch*hw : (ch+1)*hw]
			zeroWrapped(s, w, y0, y1, lo, hi)
			if n >= shortRow {
				axpy(1, s[t0:t1], img[s0:s0+n])
				continue
			}
			ss, dd := s[t0:t1], img[s0:s0+n]
			for i := range ss {
				dd[i] += ss[i]
			}
		}
	}
}

// Col2im is the adjoint of Im2col: it adds the columns in src back into the
// image dst (c x h x w), which the caller zeroes first if it wants a fresh sum.
// With strideW 1 each run is a vector add.
func Col2im(src []float32, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, dst []float32) {
	outH := ConvOutSize(h, kh, padH, strideH, dilH)
	outW := ConvOutSize(w, kw, padW, strideW, dilW)
	Col2imStrided(src, outH*outW, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW, dst)
}

// Col2imStrided is Col2im reading row r of the columns at src[r*lds:], the
// adjoint of Im2colStrided with the same stride.
func Col2imStrided(src []float32, lds, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, dst []float32) {
	Col2imTaps(src, lds, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW, Taps{0, kh, 0, kw}, dst)
}

// Col2imTaps is the adjoint of Im2colTaps with the same window and stride.
func Col2imTaps(src []float32, lds, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, tp Taps, dst []float32) {
	outH := ConvOutSize(h, kh, padH, strideH, dilH)
	outW := ConvOutSize(w, kw, padW, strideW, dilW)
	checkTaps("Col2im", kh, kw, tp)
	checkIm2colLd("Col2im", dst, c, h, w, tp.KI1-tp.KI0, tp.KJ1-tp.KJ0, outH, outW, strideH, strideW, dilH, dilW, src, lds)
	if outH <= 0 || outW <= 0 {
		return
	}
	plane := outH * outW
	row := 0
	for ch := 0; ch < c; ch++ {
		img := dst[ch*h*w : (ch+1)*h*w]
		for ki := tp.KI0; ki < tp.KI1; ki++ {
			for kj := tp.KJ0; kj < tp.KJ1; kj++ {
				s := src[row*lds : row*lds+plane]
				row++
				off := kj*dilW - padW
				lo, hi := validRange(outW, w, off, strideW)
				if lo >= hi {
					continue
				}
				for oy := 0; oy < outH; oy++ {
					iy := oy*strideH - padH + ki*dilH
					if iy < 0 || iy >= h {
						continue
					}
					sr := s[oy*outW : (oy+1)*outW]
					ir := img[iy*w : (iy+1)*w]
					if strideW == 1 && hi-lo > shortRow {
						axpy(1, sr[lo:hi], ir[lo+off:hi+off])
						continue
					}
					ix := lo*strideW + off
					for ox := lo; ox < hi; ox++ {
						ir[ix] += sr[ox]
						ix += strideW
					}
				}
			}
		}
	}
}

// shortRow is the output row length up to which Im2col and Col2im move
// elements one by one instead of calling copy, clear and axpy.
const shortRow = 16

// validRange returns the output columns [lo, hi) whose input column
// ox*stride+off lies in [0, w).
func validRange(outW, w, off, stride int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if w-off <= 0 {
		return lo, lo
	}
	hi = min(outW, (w-off-1)/stride+1)
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

func checkTaps(op string, kh, kw int, tp Taps) {
	if kh <= 0 || kw <= 0 {
		return // checkIm2colLd names the invalid geometry
	}
	if tp.KI0 < 0 || tp.KI1 > kh || tp.KI0 >= tp.KI1 || tp.KJ0 < 0 || tp.KJ1 > kw || tp.KJ0 >= tp.KJ1 {
		panic(fmt.Sprintf("tensor.%s: taps %v outside the %dx%d kernel", op, tp, kh, kw))
	}
}

func checkIm2colLd(op string, img []float32, c, h, w, kh, kw, outH, outW, strideH, strideW, dilH, dilW int, cols []float32, ld int) {
	if c < 0 || h < 0 || w < 0 || kh <= 0 || kw <= 0 || strideH <= 0 || strideW <= 0 || dilH <= 0 || dilW <= 0 {
		panic(fmt.Sprintf("tensor.%s: invalid geometry c=%d h=%d w=%d kernel %dx%d stride %dx%d dilation %dx%d", op, c, h, w, kh, kw, strideH, strideW, dilH, dilW))
	}
	if len(img) < c*h*w {
		panic(fmt.Sprintf("tensor.%s: image has %d values, want %d (%dx%dx%d)", op, len(img), c*h*w, c, h, w))
	}
	if outH <= 0 || outW <= 0 || c*kh*kw == 0 {
		return
	}
	if ld < outH*outW {
		panic(fmt.Sprintf("tensor.%s: column stride %d is less than the %d output pixels", op, ld, outH*outW))
	}
	if need := (c*kh*kw-1)*ld + outH*outW; len(cols) < need {
		panic(fmt.Sprintf("tensor.%s: columns have %d values, want %d (%d x %d with stride %d)", op, len(cols), need, c*kh*kw, outH*outW, ld))
	}
}
