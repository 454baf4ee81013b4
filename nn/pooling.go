package nn

import (
	"fmt"
	"math"
	"slices"
)

// PoolOptions are the geometry of MaxPool2d and AvgPool2d as (height,
// width) pairs. A zero Stride means the kernel size; a zero Dilation means 1.
type PoolOptions struct {
	KernelSize, Stride, Padding, Dilation [2]int
	CeilMode                              bool
}

func (o *PoolOptions) normalize() {
	for i := 0; i < 2; i++ {
		if o.Stride[i] == 0 {
			o.Stride[i] = o.KernelSize[i]
		}
		if o.Dilation[i] == 0 {
			o.Dilation[i] = 1
		}
	}
}

func (o *PoolOptions) check(layer string) error {
	for i := 0; i < 2; i++ {
		if o.KernelSize[i] < 1 || o.Stride[i] < 1 || o.Dilation[i] < 1 || o.Padding[i] < 0 {
			return fmt.Errorf("%s: kernel_size %v, stride %v and dilation %v must be positive and padding %v non-negative", layer, o.KernelSize, o.Stride, o.Dilation, o.Padding)
		}
		if o.Padding[i] > ((o.KernelSize[i]-1)*o.Dilation[i]+1)/2 {
			return fmt.Errorf("%s: padding %v should be at most half of the effective kernel size %v", layer, o.Padding, o.KernelSize)
		}
	}
	return nil
}

// poolOut is PyTorch's pooling_output_shape.
func poolOut(in, k, pad, stride, dil int, ceil bool) int {
	num := in + 2*pad - dil*(k-1) - 1
	if ceil {
		num += stride - 1
	}
	out := floorDiv(num, stride) + 1
	if ceil && (out-1)*stride >= in+pad {
		out--
	}
	return out
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func (o *PoolOptions) outShape(layer string, in []int) ([]int, error) {
	oh, ow, err := o.outDims(layer, in)
	if err != nil {
		return nil, err
	}
	return []int{in[0], in[1], oh, ow}, nil
}

// outDims returns the output height and width for input shape in.
func (o *PoolOptions) outDims(layer string, in []int) (int, int, error) {
	if len(in) != 4 {
		return 0, 0, shapeErr(layer, "(N, C, H, W)", in)
	}
	oh := poolOut(in[2], o.KernelSize[0], o.Padding[0], o.Stride[0], o.Dilation[0], o.CeilMode)
	ow := poolOut(in[3], o.KernelSize[1], o.Padding[1], o.Stride[1], o.Dilation[1], o.CeilMode)
	if oh < 1 || ow < 1 {
		return 0, 0, fmt.Errorf("%s: input of %dx%d is smaller than the kernel %v", layer, in[2], in[3], o.KernelSize)
	}
	return oh, ow, nil
}

// MaxPool2d takes the maximum over windows of (N, C, H, W) inputs.
type MaxPool2d struct {
	noParams
	PoolOptions
}

// NewMaxPool2d returns a MaxPool2d; zero Stride means the kernel size.
func NewMaxPool2d(opt PoolOptions) (*MaxPool2d, error) {
	opt.normalize()
	if err := opt.check("MaxPool2d"); err != nil {
		return nil, err
	}
	return &MaxPool2d{PoolOptions: opt}, nil
}

// Forward applies the pooling.
func (m *MaxPool2d) Forward(g *Graph, x *Var) *Var { return g.MaxPool2d(x, m.PoolOptions) }

// OutShape returns (N, C, H', W').
func (m *MaxPool2d) OutShape(in []int) ([]int, error) { return m.outShape("MaxPool2d", in) }

// Name returns "MaxPool2d".
func (m *MaxPool2d) Name() string { return "MaxPool2d" }

// MaxPool2d takes window maxima of x (N, C, H, W), remembering where each
// maximum came from for the backward pass.
func (g *Graph) MaxPool2d(x *Var, opt PoolOptions) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	opt.normalize()
	if err := opt.check("MaxPool2d"); err != nil {
		return g.fail("%v", err)
	}
	oh, ow, err := opt.outDims("MaxPool2d", x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	N, C, H, W := x.Data.Shape[0], x.Data.Shape[1], x.Data.Shape[2], x.Data.Shape[3]
	y := g.buf(N, C, oh, ow)
	record := !g.noGrad && x.requiresGrad
	var idx []int32
	if record {
		idx = g.ibuf(len(y.Data))
	}
	t := &g.poolT
	*t = poolTask{x: x.Data.Data, y: y.Data, idx: idx, record: record, planes: N * C, H: H, W: W, oh: oh, ow: ow, opt: opt}
	g.parallelFine(t, 8, len(x.Data.Data))
	n := g.newNode(y, maxPoolBack, x, nil, nil)
	n.idx = idx
	return n
}

func maxPoolBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	xs := n.a.Data.Shape
	t := &n.g.poolT
	gx, acc := n.a.gradOut()
	*t = poolTask{back: true, overwrite: !acc, gx: gx, gy: n.Grad.Data, idx: n.idx, planes: xs[0] * xs[1], H: xs[2], W: xs[3], oh: n.Data.Shape[2], ow: n.Data.Shape[3]}
	n.g.parallelFine(t, 8, len(n.Grad.Data)*2)
}

// poolTask runs a max-pooling forward or backward pass over a range of
// planes.
type poolTask struct {
	back, record bool
	overwrite    bool // the gradient slice is stale and must be cleared
	x, y, gx, gy []float32
	idx          []int32
	planes, H, W int
	oh, ow       int
	opt          PoolOptions
	general      bool // tests: no fast paths for the 2x2 and 3x3 windows
}

// maxWindow returns the maximum of the window at (hs, ws) of a plane and
// its position: the first maximum in row-major order, or the last NaN
// (PyTorch's v > m || isnan(v) scan).
func maxWindow(src []float32, H, W, hs, ws, kh, kw, dh, dw int) (float32, int) {
	m := float32(math.Inf(-1))
	mi := max(hs, 0)*W + max(ws, 0)
	for ki := 0; ki < kh; ki++ {
		iy := hs + ki*dh
		if iy < 0 || iy >= H {
			continue
		}
		for kj := 0; kj < kw; kj++ {
			ix := ws + kj*dw
			if ix < 0 || ix >= W {
				continue
			}
			if v := src[iy*W+ix]; v > m || v != v {
				m, mi = v, iy*W+ix
			}
		}
	}
	return m, mi
}

// orderKey maps v to an integer ordered as the floats are, -0 and +0
// alike (v+0 makes -0 +0); NaNs land above keyPosInf or below keyNegInf.
func orderKey(v float32) int32 {
	b := int32(math.Float32bits(v + 0))
	return b ^ int32(uint32(b>>31)>>1)
}

var (
	keyPosInf = orderKey(float32(math.Inf(1)))
	keyNegInf = orderKey(float32(math.Inf(-1)))
)

// maxBorder3 is maxWindow for a 3x3 window that reaches into the padding:
// the position of the first maximum of its taps inside the plane, on
// orderKey's integers; false when a tap is NaN (the caller scans).
func maxBorder3(src []float32, H, W, hs, ws int) (int, bool) {
	var ks [9]int32
	hi, lo := int32(math.MinInt32), int32(math.MaxInt32)
	for i := 0; i < 3; i++ {
		iy := hs + i
		for j := 0; j < 3; j++ {
			ix := ws + j
			if iy < 0 || iy >= H || ix < 0 || ix >= W {
				ks[i*3+j] = math.MinInt32
				continue
			}
			k := orderKey(src[iy*W+ix])
			ks[i*3+j] = k
			hi, lo = max(hi, k), min(lo, k)
		}
	}
	if hi > keyPosInf || lo < keyNegInf {
		return 0, false
	}
	// A tap in the padding never matches: hi >= keyNegInf > MinInt32.
	t := 0
	for ks[t] != hi {
		t++
	}
	return (hs+t/3)*W + ws + t%3, true
}

// maxPool3s2 pools one plane with 3x3 windows, stride 2 and padding 1
// (ResNet's stem), as maxWindow does: inside the plane the maximum is
// taken on orderKey's integers and its first position found with
// conditional moves; windows on the border take maxBorder3, and those
// holding a NaN maxWindow's scan. The value written is the one at the chosen position (a -0 stays -0).
func maxPool3s2(src, dst []float32, idx []int32, H, W, oh, ow int) {
	for oy := 0; oy < oh; oy++ {
		hs := 2*oy - 1
		inY := hs >= 0 && hs+2 < H
		for ox := 0; ox < ow; ox++ {
			ws := 2*ox - 1
			o := oy*ow + ox
			if !inY || ws < 0 || ws+2 >= W {
				mi, ok := maxBorder3(src, H, W, hs, ws)
				if !ok {
					var m float32
					m, mi = maxWindow(src, H, W, hs, ws, 3, 3, 1, 1)
					dst[o] = m
				} else {
					dst[o] = src[mi]
				}
				if idx != nil {
					idx[o] = int32(mi)
				}
				continue
			}
			b := hs*W + ws
			r := src[b : b+2*W+3]
			k0, k1, k2 := orderKey(r[0]), orderKey(r[1]), orderKey(r[2])
			k3, k4, k5 := orderKey(r[W]), orderKey(r[W+1]), orderKey(r[W+2])
			k6, k7, k8 := orderKey(r[2*W]), orderKey(r[2*W+1]), orderKey(r[2*W+2])
			hi := max(max(max(k0, k1), max(k2, k3)), max(max(k4, k5), max(k6, k7)), k8)
			lo := min(min(min(k0, k1), min(k2, k3)), min(min(k4, k5), min(k6, k7)), k8)
			if hi > keyPosInf || lo < keyNegInf {
				// A NaN: the scan picks the last one.
				m, mi := maxWindow(src, H, W, hs, ws, 3, 3, 1, 1)
				dst[o] = m
				if idx != nil {
					idx[o] = int32(mi)
				}
				continue
			}
			k := 2*W + 2
			if k7 == hi {
				k = 2*W + 1
			}
			if k6 == hi {
				k = 2 * W
			}
			if k5 == hi {
				k = W + 2
			}
			if k4 == hi {
				k = W + 1
			}
			if k3 == hi {
				k = W
			}
			if k2 == hi {
				k = 2
			}
			if k1 == hi {
				k = 1
			}
			if k0 == hi {
				k = 0
			}
			dst[o] = r[k]
			if idx != nil {
				idx[o] = int32(b + k)
			}
		}
	}
}

func (t *poolTask) run(part, parts int) {
	lo, hi := span(t.planes, part, parts)
	H, W, oh, ow := t.H, t.W, t.oh, t.ow
	if t.back {
		HW, L := H*W, oh*ow
		for p := lo; p < hi; p++ {
			dst := t.gx[p*HW : (p+1)*HW]
			if t.overwrite {
				clear(dst)
			}
			for i, j := range t.idx[p*L : (p+1)*L] {
				dst[j] += t.gy[p*L+i]
			}
		}
		return
	}
	opt, xd, yd, idx, record := t.opt, t.x, t.y, t.idx, t.record
	kh, kw := opt.KernelSize[0], opt.KernelSize[1]
	sh, sw, ph, pw, dh, dw := opt.Stride[0], opt.Stride[1], opt.Padding[0], opt.Padding[1], opt.Dilation[0], opt.Dilation[1]
	fast := !t.general && kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1
	fast3 := !t.general && kh == 3 && kw == 3 && sh == 2 && sw == 2 && ph == 1 && pw == 1 && dh == 1 && dw == 1
	for p := lo; p < hi; p++ {
		src := xd[p*H*W : (p+1)*H*W]
		dst := yd[p*oh*ow : (p+1)*oh*ow]
		if fast && 2*oh <= H && 2*ow <= W {
			for oy := 0; oy < oh; oy++ {
				r0 := src[2*oy*W : 2*oy*W+W]
				r1 := src[(2*oy+1)*W : (2*oy+1)*W+W]
				for ox := 0; ox < ow; ox++ {
					i0 := 2 * ox
					// The first position holding the maximum, as the scan
					// finds it (-0 and +0 tie, the first kept), on
					// orderKey's integers with conditional moves; a window
					// holding a NaN takes the scan (the last NaN).
					ka, kb := orderKey(r0[i0]), orderKey(r0[i0+1])
					kc, kd := orderKey(r1[i0]), orderKey(r1[i0+1])
					hi := max(max(ka, kb), max(kc, kd))
					lo := min(min(ka, kb), min(kc, kd))
					var k int
					if hi > keyPosInf || lo < keyNegInf {
						var m float32
						m, k = maxWindow(src, H, W, 2*oy, i0, 2, 2, 1, 1)
						dst[oy*ow+ox] = m
					} else {
						k = 2*oy*W + i0 + W + 1
						if kc == hi {
							k = 2*oy*W + i0 + W
						}
						if kb == hi {
							k = 2*oy*W + i0 + 1
						}
						if ka == hi {
							k = 2*oy*W + i0
						}
						dst[oy*ow+ox] = src[k]
					}
					if record {
						idx[p*oh*ow+oy*ow+ox] = int32(k)
					}
				}
			}
			continue
		}
		if fast3 {
			var pidx []int32
			if record {
				pidx = idx[p*oh*ow : (p+1)*oh*ow]
			}
			maxPool3s2(src, dst, pidx, H, W, oh, ow)
			continue
		}
		for oy := 0; oy < oh; oy++ {
			hs := oy*sh - ph
			for ox := 0; ox < ow; ox++ {
				ws := ox*sw - pw
				m := float32(math.Inf(-1))
				mi := max(hs, 0)*W + max(ws, 0)
				for ki := 0; ki < kh; ki++ {
					iy := hs + ki*dh
					if iy < 0 || iy >= H {
						continue
					}
					for kj := 0; kj < kw; kj++ {
						ix := ws + kj*dw
						if ix < 0 || ix >= W {
							continue
						}
						if v := src[iy*W+ix]; v > m || v != v {
							m, mi = v, iy*W+ix
						}
					}
				}
				dst[oy*ow+ox] = m
				if record {
					idx[p*oh*ow+oy*ow+ox] = int32(mi)
				}
			}
		}
	}
}

// AvgPool2d averages over windows of (N, C, H, W) inputs.
type AvgPool2d struct {
	noParams
	PoolOptions
	// CountIncludePad counts padded zeros in the divisor (PyTorch's default
	// is true).
	CountIncludePad bool
}

// NewAvgPool2d returns an AvgPool2d; zero Stride means the kernel size.
// Dilation must be 1.
func NewAvgPool2d(opt PoolOptions, countIncludePad bool) (*AvgPool2d, error) {
	opt.normalize()
	if opt.Dilation != [2]int{1, 1} {
		return nil, fmt.Errorf("AvgPool2d: dilation %v is not supported, expected 1", opt.Dilation)
	}
	if err := opt.check("AvgPool2d"); err != nil {
		return nil, err
	}
	return &AvgPool2d{PoolOptions: opt, CountIncludePad: countIncludePad}, nil
}

// Forward applies the pooling.
func (m *AvgPool2d) Forward(g *Graph, x *Var) *Var {
	return g.AvgPool2d(x, m.PoolOptions, m.CountIncludePad)
}

// OutShape returns (N, C, H', W').
func (m *AvgPool2d) OutShape(in []int) ([]int, error) { return m.outShape("AvgPool2d", in) }

// Name returns "AvgPool2d".
func (m *AvgPool2d) Name() string { return "AvgPool2d" }

// avgWindow returns PyTorch's clipped window and divisor for one output.
func avgWindow(o, stride, pad, k, in int) (lo, hi, size int) {
	lo = o*stride - pad
	hi = min(lo+k, in+pad)
	size = hi - lo
	return max(lo, 0), min(hi, in), size
}

// AvgPool2d averages windows of x (N, C, H, W).
func (g *Graph) AvgPool2d(x *Var, opt PoolOptions, countIncludePad bool) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	opt.normalize()
	if err := opt.check("AvgPool2d"); err != nil {
		return g.fail("%v", err)
	}
	oh, ow, err := opt.outDims("AvgPool2d", x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	N, C, H, W := x.Data.Shape[0], x.Data.Shape[1], x.Data.Shape[2], x.Data.Shape[3]
	y := g.buf(N, C, oh, ow)
	xd, yd := x.Data.Data, y.Data
	for p := 0; p < N*C; p++ {
		src := xd[p*H*W : (p+1)*H*W]
		for oy := 0; oy < oh; oy++ {
			h0, h1, hs := avgWindow(oy, opt.Stride[0], opt.Padding[0], opt.KernelSize[0], H)
			for ox := 0; ox < ow; ox++ {
				w0, w1, wsz := avgWindow(ox, opt.Stride[1], opt.Padding[1], opt.KernelSize[1], W)
				if h0 >= h1 || w0 >= w1 {
					yd[p*oh*ow+oy*ow+ox] = 0
					continue
				}
				div := hs * wsz
				if !countIncludePad {
					div = (h1 - h0) * (w1 - w0)
				}
				var s float32
				for iy := h0; iy < h1; iy++ {
					for ix := w0; ix < w1; ix++ {
						s += src[iy*W+ix]
					}
				}
				yd[p*oh*ow+oy*ow+ox] = s / float32(div)
			}
		}
	}
	n := g.newNode(y, avgPoolBack, x, nil, nil)
	n.ints[0], n.ints[1], n.ints[2], n.ints[3], n.ints[4], n.ints[5] = opt.Stride[0], opt.Stride[1], opt.Padding[0], opt.Padding[1], opt.KernelSize[0], opt.KernelSize[1]
	n.ints[6] = 0
	if countIncludePad {
		n.ints[6] = 1
	}
	return n
}

func avgPoolBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	xs := n.a.Data.Shape
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	oh, ow := n.Data.Shape[2], n.Data.Shape[3]
	sh, sw, ph, pw, kh, kw, cip := n.ints[0], n.ints[1], n.ints[2], n.ints[3], n.ints[4], n.ints[5], n.ints[6] == 1
	ga, gy := n.a.grad(), n.Grad.Data
	for p := 0; p < N*C; p++ {
		dst := ga[p*H*W : (p+1)*H*W]
		for oy := 0; oy < oh; oy++ {
			h0, h1, hs := avgWindow(oy, sh, ph, kh, H)
			for ox := 0; ox < ow; ox++ {
				w0, w1, wsz := avgWindow(ox, sw, pw, kw, W)
				if h0 >= h1 || w0 >= w1 {
					continue
				}
				div := hs * wsz
				if !cip {
					div = (h1 - h0) * (w1 - w0)
				}
				v := gy[p*oh*ow+oy*ow+ox] / float32(div)
				for iy := h0; iy < h1; iy++ {
					for ix := w0; ix < w1; ix++ {
						dst[iy*W+ix] += v
					}
				}
			}
		}
	}
}

// AdaptiveAvgPool2d averages (N, C, H, W) inputs down to a fixed output
// size, with PyTorch's window boundaries floor(i*H/oh) to ceil((i+1)*H/oh).
type AdaptiveAvgPool2d struct {
	noParams
	OutputSize [2]int
}

// Forward applies the pooling.
func (m *AdaptiveAvgPool2d) Forward(g *Graph, x *Var) *Var {
	return g.AdaptiveAvgPool2d(x, m.OutputSize)
}

// OutShape returns (N, C, oh, ow).
func (m *AdaptiveAvgPool2d) OutShape(in []int) ([]int, error) {
	if len(in) != 4 {
		return nil, shapeErr("AdaptiveAvgPool2d", "(N, C, H, W)", in)
	}
	if m.OutputSize[0] < 1 || m.OutputSize[1] < 1 {
		return nil, fmt.Errorf("AdaptiveAvgPool2d: output_size %v must be positive", m.OutputSize)
	}
	return []int{in[0], in[1], m.OutputSize[0], m.OutputSize[1]}, nil
}

// Name returns "AdaptiveAvgPool2d".
func (m *AdaptiveAvgPool2d) Name() string { return "AdaptiveAvgPool2d" }

// AdaptiveAvgPool2d averages x (N, C, H, W) to (N, C, size[0], size[1]).
func (g *Graph) AdaptiveAvgPool2d(x *Var, size [2]int) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if x.Data.Dim() != 4 || size[0] < 1 || size[1] < 1 {
		return g.fail("AdaptiveAvgPool2d: input of shape %v and output size %v (expected (N, C, H, W) and a positive size)", x.Data.Shape, size)
	}
	N, C, H, W := x.Data.Shape[0], x.Data.Shape[1], x.Data.Shape[2], x.Data.Shape[3]
	oh, ow := size[0], size[1]
	y := g.buf(N, C, oh, ow)
	xd, yd := x.Data.Data, y.Data
	for p := 0; p < N*C; p++ {
		src := xd[p*H*W : (p+1)*H*W]
		for oy := 0; oy < oh; oy++ {
			h0, h1 := oy*H/oh, ((oy+1)*H+oh-1)/oh
			for ox := 0; ox < ow; ox++ {
				w0, w1 := ox*W/ow, ((ox+1)*W+ow-1)/ow
				var s float32
				for iy := h0; iy < h1; iy++ {
					for ix := w0; ix < w1; ix++ {
						s += src[iy*W+ix]
					}
				}
				yd[p*oh*ow+oy*ow+ox] = s / float32((h1-h0)*(w1-w0))
			}
		}
	}
	return g.newNode(y, adaptiveAvgBack, x, nil, nil)
}

func adaptiveAvgBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	xs := n.a.Data.Shape
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	oh, ow := n.Data.Shape[2], n.Data.Shape[3]
	ga, gy := n.a.grad(), n.Grad.Data
	for p := 0; p < N*C; p++ {
		dst := ga[p*H*W : (p+1)*H*W]
		for oy := 0; oy < oh; oy++ {
			h0, h1 := oy*H/oh, ((oy+1)*H+oh-1)/oh
			for ox := 0; ox < ow; ox++ {
				w0, w1 := ox*W/ow, ((ox+1)*W+ow-1)/ow
				v := gy[p*oh*ow+oy*ow+ox] / float32((h1-h0)*(w1-w0))
				for iy := h0; iy < h1; iy++ {
					for ix := w0; ix < w1; ix++ {
						dst[iy*W+ix] += v
					}
				}
			}
		}
	}
}

// Flatten merges dimensions StartDim..EndDim (negative counts from the
// end) into one; PyTorch's defaults are 1 and -1.
type Flatten struct {
	noParams
	StartDim, EndDim int
}

// NewFlatten returns Flatten(start_dim=1, end_dim=-1).
func NewFlatten() *Flatten { return &Flatten{StartDim: 1, EndDim: -1} }

// Name returns "Flatten".
func (f *Flatten) Name() string { return "Flatten" }

// OutShape returns the flattened shape.
func (f *Flatten) OutShape(in []int) ([]int, error) {
	s, e := f.StartDim, f.EndDim
	if s < 0 {
		s += len(in)
	}
	if e < 0 {
		e += len(in)
	}
	if s < 0 || e >= len(in) || s > e {
		return nil, fmt.Errorf("Flatten: start_dim %d and end_dim %d do not fit input of shape %v", f.StartDim, f.EndDim, in)
	}
	out := append([]int(nil), in[:s]...)
	p := 1
	for _, d := range in[s : e+1] {
		p *= d
	}
	out = append(out, p)
	return append(out, in[e+1:]...), nil
}

// Forward returns a flattened view of x.
func (f *Flatten) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	s, e := f.StartDim, f.EndDim
	in := x.Data.Shape
	if s < 0 {
		s += len(in)
	}
	if e < 0 {
		e += len(in)
	}
	if s < 0 || e >= len(in) || s > e {
		return g.fail("Flatten: start_dim %d and end_dim %d do not fit input of shape %v", f.StartDim, f.EndDim, in)
	}
	out := g.view(x.Data.Data, in[:s])
	p := 1
	for _, d := range in[s : e+1] {
		p *= d
	}
	out.Shape = append(out.Shape, p)
	out.Shape = append(out.Shape, in[e+1:]...)
	return g.newNode(out, copyBack, x, nil, nil)
}

// poolParams are the keyword arguments MaxPool2d and AvgPool2d share.
type poolParams struct {
	KernelSize Pair  `json:"kernel_size" required:"true" min:"1" help:"window height and width (an int for a square)"`
	Stride     *Pair `json:"stride" nullable:"true" type:"pair" min:"1" help:"step of the window (default: kernel_size)"`
	Padding    Pair  `json:"padding" min:"0" help:"implicit zero padding on both sides"`
	Dilation   Pair  `json:"dilation" min:"1" help:"spacing between kernel elements"`
	CeilMode   bool  `json:"ceil_mode" help:"round the output size up"`
}

func (p poolParams) options() PoolOptions {
	stride := p.KernelSize
	if p.Stride != nil {
		stride = *p.Stride
	}
	return PoolOptions{KernelSize: p.KernelSize, Stride: stride, Padding: p.Padding, Dilation: p.Dilation, CeilMode: p.CeilMode}
}

// MaxPool2dParams are torch.nn.MaxPool2d's keyword arguments.
type MaxPool2dParams struct {
	poolParams
	ReturnIndices bool `json:"return_indices" help:"keep the positions of the maxima for a following MaxUnpool2d"`
}

// AvgPool2dParams are torch.nn.AvgPool2d's keyword arguments, in
// PyTorch's order (it has no dilation).
type AvgPool2dParams struct {
	KernelSize      Pair  `json:"kernel_size" required:"true" min:"1" help:"window height and width (an int for a square)"`
	Stride          *Pair `json:"stride" nullable:"true" type:"pair" min:"1" help:"step of the window (default: kernel_size)"`
	Padding         Pair  `json:"padding" min:"0" help:"implicit zero padding on both sides"`
	CeilMode        bool  `json:"ceil_mode" help:"round the output size up"`
	CountIncludePad bool  `json:"count_include_pad" help:"count the zero padding in the average"`
	DivisorOverride *int  `json:"divisor_override" nullable:"true" type:"int" min:"1" help:"divide every window sum by this instead (default: the window size)"`
}

// asPoolNd returns the 2-d pooling of kind as a PoolNd (for return_indices
// or divisor_override).
func (o PoolOptions) asPoolNd(kind string) (Module, error) {
	p := &PoolNd{Kind: kind, Dims: 2, CeilMode: o.CeilMode}
	return newPoolNd(p, o.KernelSize[:], o.Stride[:], o.Padding[:], o.Dilation[:])
}

// AdaptiveAvgPool2dParams are torch.nn.AdaptiveAvgPool2d's keyword
// arguments.
type AdaptiveAvgPool2dParams struct {
	OutputSize OutputSize `json:"output_size" required:"true" min:"1" help:"output height and width: an int for a square, or a pair (null keeps the input's)"`
}

// FlattenParams are torch.nn.Flatten's keyword arguments.
type FlattenParams struct {
	StartDim int `json:"start_dim" help:"first dimension to flatten"`
	EndDim   int `json:"end_dim" help:"last dimension to flatten"`
}

// UnflattenParams are torch.nn.Unflatten's keyword arguments.
type UnflattenParams struct {
	Dim             int   `json:"dim" required:"true" help:"dimension to split (not the batch dimension 0; negative counts from the end)"`
	UnflattenedSize []int `json:"unflattened_size" required:"true" help:"sizes the dimension is split into (one may be -1)"`
}

func init() {
	pool := poolParams{Dilation: Pair{1, 1}}
	registerLayer("MaxPool2d", "2-D max pooling", func() MaxPool2dParams { return MaxPool2dParams{poolParams: pool} },
		func(p MaxPool2dParams, _ *layerCtx) (Module, error) {
			if p.ReturnIndices {
				m, err := p.options().asPoolNd("max")
				if m != nil {
					m.(*PoolNd).ReturnIndices = true
				}
				return m, err
			}
			return NewMaxPool2d(p.options())
		})
	registerLayer("AvgPool2d", "2-D average pooling",
		func() AvgPool2dParams { return AvgPool2dParams{CountIncludePad: true} },
		func(a AvgPool2dParams, _ *layerCtx) (Module, error) {
			p := poolParams{KernelSize: a.KernelSize, Stride: a.Stride, Padding: a.Padding, Dilation: Pair{1, 1}, CeilMode: a.CeilMode}
			if a.DivisorOverride != nil {
				m, err := p.options().asPoolNd("avg")
				if m != nil {
					m.(*PoolNd).CountIncludePad, m.(*PoolNd).DivisorOverride = a.CountIncludePad, *a.DivisorOverride
				}
				return m, err
			}
			return NewAvgPool2d(p.options(), a.CountIncludePad)
		})
	registerLayer("AdaptiveAvgPool2d", "average pooling to a fixed output size",
		func() AdaptiveAvgPool2dParams { return AdaptiveAvgPool2dParams{} },
		func(p AdaptiveAvgPool2dParams, _ *layerCtx) (Module, error) {
			m, err := buildAdaptive("avg", 2, p.OutputSize, false)
			if err != nil {
				return nil, err
			}
			if size := m.(*AdaptivePool).OutputSize; size[0] > 0 && size[1] > 0 {
				return &AdaptiveAvgPool2d{OutputSize: [2]int{size[0], size[1]}}, nil
			}
			return m, nil // a null size: the generic pooling
		})
	registerLayer("Flatten", "flatten dimensions start_dim..end_dim into one", func() FlattenParams { return FlattenParams{StartDim: 1, EndDim: -1} },
		func(p FlattenParams, _ *layerCtx) (Module, error) {
			return &Flatten{StartDim: p.StartDim, EndDim: p.EndDim}, nil
		})
	registerLayer("Unflatten", "split one dimension into several, e.g. (N, 64) into (N, 8, 8) for a recurrent layer",
		func() UnflattenParams { return UnflattenParams{} },
		func(p UnflattenParams, _ *layerCtx) (Module, error) {
			u := &Unflatten{Dim: p.Dim, UnflattenedSize: p.UnflattenedSize}
			return u, u.check()
		})
}

// Unflatten splits dimension Dim of its input into UnflattenedSize, like
// torch.nn.Unflatten: (N, 64) with Dim 1 and UnflattenedSize (8, 8) becomes
// (N, 8, 8). One size may be -1, inferred from the others. Dim counts from
// the end when negative; it may not be the batch dimension. The output is a
// view of the input.
type Unflatten struct {
	noParams
	Dim             int
	UnflattenedSize []int
}

// Name returns "Unflatten".
func (u *Unflatten) Name() string { return "Unflatten" }

// check validates UnflattenedSize on its own.
func (u *Unflatten) check() error {
	infer := 0
	for _, s := range u.UnflattenedSize {
		switch {
		case s == -1:
			infer++
		case s < 1:
			return fmt.Errorf("unflattened_size %v: expected positive sizes (and at most one -1)", u.UnflattenedSize)
		}
	}
	if len(u.UnflattenedSize) == 0 || infer > 1 {
		return fmt.Errorf("unflattened_size %v: expected a non-empty list of positive sizes with at most one -1", u.UnflattenedSize)
	}
	return nil
}

// OutShape returns in with dimension Dim replaced by UnflattenedSize.
func (u *Unflatten) OutShape(in []int) ([]int, error) {
	if err := u.check(); err != nil {
		return nil, fmt.Errorf("Unflatten: %w", err)
	}
	d := u.Dim
	if d < 0 {
		d += len(in)
	}
	if d < 1 || d >= len(in) {
		return nil, fmt.Errorf("Unflatten: dim %d does not fit input of shape %v, expected a dimension other than the batch dimension 0", u.Dim, in)
	}
	sizes := slices.Clone(u.UnflattenedSize)
	prod, infer := 1, -1
	for i, s := range sizes {
		if s == -1 {
			infer = i
		} else {
			prod *= s
		}
	}
	if infer >= 0 {
		if in[d]%prod != 0 {
			return nil, fmt.Errorf("Unflatten: unflattened_size %v does not divide dimension %d of size %d of input shape %v", u.UnflattenedSize, d, in[d], in)
		}
		sizes[infer] = in[d] / prod
		prod *= sizes[infer]
	}
	if prod != in[d] {
		return nil, fmt.Errorf("Unflatten: unflattened_size %v has %d elements, but dimension %d of input shape %v has %d", u.UnflattenedSize, prod, d, in, in[d])
	}
	out := append(slices.Clone(in[:d]), sizes...)
	return append(out, in[d+1:]...), nil
}

// Forward returns a view of x with dimension Dim unflattened.
func (u *Unflatten) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	shape, err := u.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	return g.Reshape(x, shape...)
}
