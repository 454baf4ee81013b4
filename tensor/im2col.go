package tensor

// Im2col unfolds one image src (c x h x w) into columns dst of shape
// (c*kh*kw) x (outH*outW), where outH = (h+2*padH-dilH*(kh-1)-1)/strideH+1 and
// likewise outW; positions in the padding read as zero.
func Im2col(src []float32, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, dst []float32) {
	outH := (h+2*padH-dilH*(kh-1)-1)/strideH + 1
	outW := (w+2*padW-dilW*(kw-1)-1)/strideW + 1
	row := 0
	for ch := 0; ch < c; ch++ {
		for ki := 0; ki < kh; ki++ {
			for kj := 0; kj < kw; kj++ {
				d := dst[row*outH*outW : (row+1)*outH*outW]
				for oy := 0; oy < outH; oy++ {
					iy := oy*strideH - padH + ki*dilH
					for ox := 0; ox < outW; ox++ {
						ix := ox*strideW - padW + kj*dilW
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							d[oy*outW+ox] = 0
						} else {
							d[oy*outW+ox] = src[(ch*h+iy)*w+ix]
						}
					}
				}
				row++
			}
		}
	}
}

// Col2im is the adjoint of Im2col: it adds the columns in src back into the
// image dst (c x h x w), which the caller zeroes first if it wants a fresh sum.
func Col2im(src []float32, c, h, w, kh, kw, padH, padW, strideH, strideW, dilH, dilW int, dst []float32) {
	outH := (h+2*padH-dilH*(kh-1)-1)/strideH + 1
	outW := (w+2*padW-dilW*(kw-1)-1)/strideW + 1
	row := 0
	for ch := 0; ch < c; ch++ {
		for ki := 0; ki < kh; ki++ {
			for kj := 0; kj < kw; kj++ {
				s := src[row*outH*outW : (row+1)*outH*outW]
				for oy := 0; oy < outH; oy++ {
					iy := oy*strideH - padH + ki*dilH
					if iy < 0 || iy >= h {
						continue
					}
					for ox := 0; ox < outW; ox++ {
						ix := ox*strideW - padW + kj*dilW
						if ix >= 0 && ix < w {
							dst[(ch*h+iy)*w+ix] += s[oy*outW+ox]
						}
					}
				}
				row++
			}
		}
	}
}
