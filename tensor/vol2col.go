package tensor

import "fmt"

// Geom3 is the geometry of a 3-d convolution or pooling window along
// (depth, height, width): kernel size, padding, stride and dilation.
type Geom3 struct {
	Kernel, Pad, Stride, Dil [3]int
}

// Out returns the output sizes for an input of sizes in (ConvOutSize along
// each axis).
func (g Geom3) Out(in [3]int) [3]int {
	var o [3]int
	for i := range 3 {
		o[i] = ConvOutSize(in[i], g.Kernel[i], g.Pad[i], g.Stride[i], g.Dil[i])
	}
	return o
}

// Vol2col unfolds one volume src (c x d x h x w) into columns dst of shape
// (c*kd*kh*kw) x (outD*outH*outW) for the window geometry g; positions in
// the padding read as zero. Row ((ch*kd+a)*kh+b)*kw+e of dst holds, for
// every output voxel, the input value under kernel tap (a, b, e) of channel
// ch, so a 3-d convolution is the GEMM weight (outC x c*kd*kh*kw) times
// dst. It panics if dst or src is too short.
func Vol2col(src []float32, c int, in [3]int, g Geom3, dst []float32) {
	vol2col(src, c, in, g, dst, false)
}

// Col2vol is the adjoint of Vol2col: it adds the columns src back into the
// volume dst (c x d x h x w), which the caller zeroes first if it wants a
// fresh sum.
func Col2vol(src []float32, c int, in [3]int, g Geom3, dst []float32) {
	vol2col(dst, c, in, g, src, true)
}

func vol2col(vol []float32, c int, in [3]int, g Geom3, cols []float32, add bool) {
	out := g.Out(in)
	for i := range 3 {
		if c < 0 || in[i] < 0 || g.Kernel[i] <= 0 || g.Stride[i] <= 0 || g.Dil[i] <= 0 || g.Pad[i] < 0 {
			panic(fmt.Sprintf("tensor.Vol2col: invalid geometry c=%d input %v %+v", c, in, g))
		}
		if out[i] <= 0 {
			return
		}
	}
	D, H, W := in[0], in[1], in[2]
	oD, oH, oW := out[0], out[1], out[2]
	plane := oD * oH * oW
	K := g.Kernel[0] * g.Kernel[1] * g.Kernel[2]
	if len(vol) < c*D*H*W || len(cols) < c*K*plane {
		panic(fmt.Sprintf("tensor.Vol2col: volume has %d values (want %d), columns %d (want %d)", len(vol), c*D*H*W, len(cols), c*K*plane))
	}
	sw := g.Stride[2]
	row := 0
	for ch := 0; ch < c; ch++ {
		img := vol[ch*D*H*W : (ch+1)*D*H*W]
		for a := 0; a < g.Kernel[0]; a++ {
			for b := 0; b < g.Kernel[1]; b++ {
				for e := 0; e < g.Kernel[2]; e++ {
					d := cols[row*plane : (row+1)*plane]
					row++
					off := e*g.Dil[2] - g.Pad[2]
					lo, hi := validRange(oW, W, off, sw)
					for od := 0; od < oD; od++ {
						iz := od*g.Stride[0] - g.Pad[0] + a*g.Dil[0]
						for oy := 0; oy < oH; oy++ {
							dr := d[(od*oH+oy)*oW : (od*oH+oy+1)*oW]
							iy := oy*g.Stride[1] - g.Pad[1] + b*g.Dil[1]
							if iz < 0 || iz >= D || iy < 0 || iy >= H || lo >= hi {
								if !add {
									clear(dr)
								}
								continue
							}
							sr := img[(iz*H+iy)*W : (iz*H+iy+1)*W]
							if add {
								if sw == 1 {
									axpy(1, dr[lo:hi], sr[lo+off:hi+off])
									continue
								}
								ix := lo*sw + off
								for ox := lo; ox < hi; ox++ {
									sr[ix] += dr[ox]
									ix += sw
								}
								continue
							}
							clear(dr[:lo])
							clear(dr[hi:])
							if sw == 1 {
								copy(dr[lo:hi], sr[lo+off:hi+off])
								continue
							}
							ix := lo*sw + off
							for ox := lo; ox < hi; ox++ {
								dr[ox] = sr[ix]
								ix += sw
							}
						}
					}
				}
			}
		}
	}
}
