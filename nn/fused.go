package nn

import (
	"math"

	"github.com/mlforge/mlforge/tensor"
)

// This file holds the fused operations Sequential uses for common runs of
// layers. A fused op computes what its layers compute one after the other
// (the same values, up to the order of float32 additions in a few kernels),
// but image by image while the intermediate results are still in cache, and
// it keeps only what its backward pass needs. Inside a Sequential the
// intermediate results are never visible, so nothing observable changes
// except speed and memory.

// fuse runs the fusable prefix of layers on x, returning the output and how
// many layers it consumed (0: no fusion applies; run layers[0] alone).
func (g *Graph) fuse(layers []Module, x *Var) (*Var, int) {
	if g.err != nil || len(layers) < 2 {
		return nil, 0
	}
	if l, ok := layers[0].(*Linear); ok {
		if _, ok := layers[1].(*ReLU); ok {
			// Linear then ReLU: the ReLU runs in place on the layer's
			// output and its mask is applied on the way into Linear's
			// backward pass, saving a node, a buffer and a pass.
			return g.linear(x, l.Weight, l.Bias, true), 2
		}
		return nil, 0
	}
	if len(layers) < 3 {
		return nil, 0
	}
	if _, ok := layers[0].(*ConvNd); ok {
		if y := g.fuseConv1d(layers, x); y != nil {
			return y, 3
		}
		return nil, 0
	}
	c, ok := layers[0].(*Conv2d)
	if !ok || c.explicitPad() {
		return nil, 0
	}
	if _, ok := layers[1].(*ReLU); !ok {
		return nil, 0
	}
	p, ok := layers[2].(*MaxPool2d)
	if !ok {
		return nil, 0
	}
	po := p.PoolOptions
	po.normalize()
	if po.KernelSize != [2]int{2, 2} || po.Stride != [2]int{2, 2} || po.Padding != [2]int{} || po.Dilation != [2]int{1, 1} || po.CeilMode {
		return nil, 0
	}
	if y := g.convReLUPool(x, c.Weight, c.Bias, c.ConvOptions); y != nil {
		return y, 3
	}
	return nil, 0
}

// convReLUPool computes MaxPool2d(2)(ReLU(Conv2d(x, w, b))) for an
// ungrouped convolution. It returns nil when the shapes do not fit, so that
// the unfused layers report the error.
//
// Per image it convolves into a scratch plane set, then takes each 2x2
// window's maximum m and outputs max(m, 0), remembering the position of the
// first maximum: ReLU and max commute, and where m <= 0 the unfused ReLU's
// gradient is zero anyway. The backward pass rebuilds the image's dense
// output gradient (non-zero only at those positions where m > 0) and its
// columns in scratch, and runs the convolution's backward products there.
func (g *Graph) convReLUPool(x, w, b *Var, opt ConvOptions) *Var {
	opt.normalize()
	xs, ws := x.Data.Shape, w.Data.Shape
	if len(xs) != 4 || len(ws) != 4 || opt.Groups != 1 || xs[1] != ws[1] || (b != nil && len(b.Data.Data) != ws[0]) {
		return nil
	}
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	O, kh, kw := ws[0], ws[2], ws[3]
	oh := convOut(H, kh, opt.Padding[0], opt.Stride[0], opt.Dilation[0])
	ow := convOut(W, kw, opt.Padding[1], opt.Stride[1], opt.Dilation[1])
	if oh < 2 || ow < 2 || N < 1 {
		return nil
	}
	ph, pw := oh/2, ow/2
	y := g.buf(N, O, ph, pw)
	req := !g.noGrad && (x.requiresGrad || w.requiresGrad || (b != nil && b.requiresGrad))
	var idx []int32
	if req {
		idx = g.ibuf(len(y.Data))
	}
	t := &g.fuseT
	*t = fusedConvTask{x: x.Data.Data, w: w.Data.Data, y: y.Data, idx: idx, N: N, C: C, H: H, W: W, O: O, kh: kh, kw: kw, oh: oh, ow: ow,
		sh: opt.Stride[0], sw: opt.Stride[1], ph: opt.Padding[0], pw: opt.Padding[1], dh: opt.Dilation[0], dw: opt.Dilation[1]}
	if b != nil {
		t.b = b.Data.Data
	}
	t.direct = kh == 1 && kw == 1 && t.sh == 1 && t.sw == 1 && t.ph == 0 && t.pw == 0
	t.setWide()
	K, L := C*kh*kw, oh*ow
	Ls := L // the scratch output's length
	if t.wide {
		Ls = oh * t.Wp
	}
	nparts := g.parts(N)
	// With one image per part (GemmSerial's products), the wide form's
	// GEMM packs its panels straight from the padded image: the same bits
	// without the column matrix.
	t.wideDirect = t.wide && nparts > 1 && K > 16 && tensor.Conv2dWideDirect(O, t.wideCols2d(nil))
	for p := 0; p < nparts; p++ {
		t.out[p] = g.buf(O * Ls).Data
		if !t.direct && !t.wideDirect {
			t.col[p] = g.buf(K * Ls).Data
		}
		if t.wide {
			t.pad[p] = g.buf(t.padSize()).Data
		}
	}
	g.parallel(t, nparts, N*O*L*K)
	n := g.newNode(y, convReLUPoolBack, x, w, b)
	n.idx = idx
	n.ints = [10]int{opt.Stride[0], opt.Stride[1], opt.Padding[0], opt.Padding[1], opt.Dilation[0], opt.Dilation[1], oh, ow, 0, 0}
	return n
}

// maxFuseParts bounds the parts of a fused op (their scratch buffers live in
// fixed arrays).
const maxFuseParts = 8

// parts returns how many parts g.parallel will use for n independent items.
func (g *Graph) parts(n int) int {
	workers.once.Do(startWorkers)
	return max(1, min(n, workers.n, maxFuseParts))
}

// fusedConvTask runs the fused convolution, ReLU and 2x2 max-pooling
// forward or backward over a range of images.
type fusedConvTask struct {
	back                          bool
	direct                        bool // 1x1 kernel, stride 1, no padding: the image is its own column matrix
	x, w, b, y                    []float32
	idx                           []int32
	gy, gx                        []float32
	N, C, H, W, O, kh, kw, oh, ow int
	sh, sw, ph, pw, dh, dw        int
	// wide (stride 1, not direct) computes each image's convolution on
	// the rows of its zero-padded copy, Hp x Wp: output rows of Wp values
	// of which the first ow are the convolution's, so that every column
	// row is one contiguous run of the padded image and its adjoint one
	// vector update (see wideCols).
	wide   bool
	Hp, Wp int
	// wideDirect (forward, wide) computes the convolution by
	// tensor.Conv2dWideForward on the padded image, without wideCols.
	wideDirect bool
	// wideGrad (backward, wide) computes the weight gradient by
	// tensor.Conv2dWideWeightGradT on the padded image, without wideCols:
	// gw then holds its transpose, K x O with the rows tap by tap.
	wideGrad bool
	// Per-part scratch: the image's convolution output (or its gradient),
	// its columns, the columns' gradient, weight and bias gradients, and
	// the padded image and its gradient of the wide form.
	out, col, dcol, gw, gb, pad, dpad [maxFuseParts][]float32
	// c1d is the fused Conv1d, ReLU and MaxPool1d's task (conv1d_fused.go).
	c1d     conv1dFusedTask
	c1dTeam *c1dTeam
}

// setWide chooses the wide form from the geometry (the same in the forward
// and the backward pass, whose pooling indices depend on it).
func (t *fusedConvTask) setWide() {
	t.wide = !t.direct && wideFits(t.W, t.pw, t.sh, t.sw, t.ow)
	t.Hp, t.Wp = t.H+2*t.ph, t.W+2*t.pw
}

// wideFits reports whether the wide form suits a convolution: stride 1, and
// output rows at most a quarter longer than the convolution's (padding and
// the kernel's width add Wp - ow wasted columns to every row).
func wideFits(W, pw, sh, sw, ow int) bool {
	Wp := W + 2*pw
	return sh == 1 && sw == 1 && ow > 0 && 4*Wp <= 5*ow
}

// padSize is the length of a wide form's padded image buffer: C planes of
// Hp x Wp and the (kw-1)*dw values the last column row reads past them.
func (t *fusedConvTask) padSize() int {
	return t.C*t.Hp*t.Wp + (t.kw-1)*t.dw
}

// padImage copies image src (C x H x W) into the interior of the padded
// planes p, whose borders are zero.
func (t *fusedConvTask) padImage(p, src []float32) {
	HW, HpWp := t.H*t.W, t.Hp*t.Wp
	for c := 0; c < t.C; c++ {
		img := src[c*HW : (c+1)*HW]
		pl := p[c*HpWp+t.ph*t.Wp+t.pw:]
		for y := 0; y < t.H; y++ {
			copy(pl[y*t.Wp:y*t.Wp+t.W], img[y*t.W:(y+1)*t.W])
		}
	}
}

// wideCols2d describes the columns of the padded image p for
// tensor.Conv2dWideForward.
func (t *fusedConvTask) wideCols2d(p []float32) tensor.Conv2dWideCols {
	return tensor.Conv2dWideCols{P: p, C: t.C, Hp: t.Hp, Wp: t.Wp, KH: t.kh, KW: t.kw, DH: t.dh, DW: t.dw}
}

// wideCols fills col (K x oh*Wp) from the padded image p: row (c, i, j) is
// the run of oh*Wp values of p starting at tap (i, j) of plane c.
func (t *fusedConvTask) wideCols(col, p []float32) {
	Lw, HpWp := t.oh*t.Wp, t.Hp*t.Wp
	r := 0
	for c := 0; c < t.C; c++ {
		for i := 0; i < t.kh; i++ {
			for j := 0; j < t.kw; j++ {
				off := c*HpWp + i*t.dh*t.Wp + j*t.dw
				copy(col[r*Lw:(r+1)*Lw], p[off:off+Lw])
				r++
			}
		}
	}
}

// wideBack adds the column gradient dcol (K x oh*Wp) into the padded image
// gradient p (zeroed first) and its interior into the image gradient dx.
func (t *fusedConvTask) wideBack(dx, dcol, p []float32) {
	Lw, HpWp := t.oh*t.Wp, t.Hp*t.Wp
	clear(p)
	r := 0
	for c := 0; c < t.C; c++ {
		for i := 0; i < t.kh; i++ {
			for j := 0; j < t.kw; j++ {
				off := c*HpWp + i*t.dh*t.Wp + j*t.dw
				tensor.Axpy(1, dcol[r*Lw:(r+1)*Lw], p[off:off+Lw])
				r++
			}
		}
	}
	HW := t.H * t.W
	for c := 0; c < t.C; c++ {
		img := dx[c*HW : (c+1)*HW]
		pl := p[c*HpWp+t.ph*t.Wp+t.pw:]
		tensor.AddRows(img, t.W, pl, t.Wp, t.H, t.W) // Axpy(1, ...) row by row
	}
}

func (t *fusedConvTask) run(part, parts int) {
	lo, hi := span(t.N, part, parts)
	gemm := partGemm(parts)
	K, L := t.C*t.kh*t.kw, t.oh*t.ow
	ld := t.ow // the row stride of the output planes
	if t.wide {
		L, ld = t.oh*t.Wp, t.Wp
	}
	CHW := t.C * t.H * t.W
	P := (t.oh / 2) * (t.ow / 2)
	out := t.out[part]
	pad := t.pad[part]
	if t.wide && pad != nil {
		clear(pad) // the borders stay zero; padImage writes the interior
	}
	for n := lo; n < hi; n++ {
		src := t.x[n*CHW : (n+1)*CHW]
		col := src
		if t.wideDirect || (t.wideGrad && t.gw[part] != nil) {
			t.padImage(pad, src)
			col = nil
		} else if !t.direct && (!t.back || t.gw[part] != nil) {
			col = t.col[part]
			if t.wide {
				t.padImage(pad, src)
				t.wideCols(col, pad)
			} else {
				tensor.Im2col(src, t.C, t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw, col)
			}
		}
		yn := t.y[n*t.O*P : (n+1)*t.O*P]
		var idx []int32
		if t.idx != nil {
			idx = t.idx[n*t.O*P : (n+1)*t.O*P]
		}
		if !t.back {
			if t.wideDirect {
				convImageWide(out, t.w, t.b, t.wideCols2d(pad), t.O, K, L)
			} else {
				convImage(gemm, out, t.w, t.b, col, t.O, K, L)
			}
			if ld == t.ow {
				reluPool2(yn, idx, out, t.O, t.oh, t.ow)
			} else {
				reluPool2Ld(yn, idx, out, t.O, t.oh, t.ow, ld)
			}
			continue
		}
		// The gradient of the image's convolution output: the pooled
		// gradient at each window's first maximum, where that maximum (the
		// pooled output) is positive. Every window writes its one position
		// (a zero where the maximum is not positive), without a branch on
		// the activations' random signs.
		dy := out
		clear(dy)
		gy := t.gy[n*t.O*P : (n+1)*t.O*P]
		poolGradDense(dy, yn, gy, idx, t.O, t.oh, t.ow, ld)
		gw, gb := t.gw[part], t.gb[part]
		switch {
		case gw != nil && K <= 16:
			// A small reduction over many pixels: sums in registers beat
			// a GEMM whose packing dominates at this shape.
			convGradSmallK(gw, gb, dy, col, t.O, K, L)
		case gw != nil && t.wideGrad:
			tensor.Conv2dWideWeightGradT(dy, L, t.O, t.wideCols2d(pad), 1, gw, t.O)
			for o := range gb {
				gb[o] += tensor.Sum(dy[o*L : (o+1)*L])
			}
		case gw != nil:
			gemm(false, true, t.O, K, L, 1, dy, L, col, L, 1, gw, K)
			fallthrough
		case gb != nil:
			for o := range gb {
				gb[o] += tensor.Sum(dy[o*L : (o+1)*L])
			}
		}
		if t.gx != nil {
			dx := t.gx[n*CHW : (n+1)*CHW]
			switch {
			case t.direct:
				gemm(true, false, K, L, t.O, 1, t.w, K, dy, L, 1, dx, L)
			case t.wide:
				dcol := t.dcol[part]
				gemm(true, false, K, L, t.O, 1, t.w, K, dy, L, 0, dcol, L)
				t.wideBack(dx, dcol, t.dpad[part])
			default:
				dcol := t.dcol[part]
				gemm(true, false, K, L, t.O, 1, t.w, K, dy, L, 0, dcol, L)
				tensor.Col2im(dcol, t.C, t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw, dx)
			}
		}
	}
}

// poolGradScatterGo writes, for each of the O planes of P pooled outputs y
// (with their gradients gy and positions idx), the gradient to its position
// in the plane's L values of d where y is positive, and a +0 where it is
// not (d is zero there already: the positions of a plane are distinct).
func poolGradScatterGo(d, y, gy []float32, idx []int32, O, P, L int) {
	for o := 0; o < O; o++ {
		do := d[o*L : (o+1)*L]
		base := o * P
		yo, gyo, io := y[base:base+P], gy[base:base+P], idx[base:base+P]
		for j, v := range yo {
			b := int32(math.Float32bits(v))
			keep := uint32(^((b - 1) >> 31)) // all ones where v > 0
			do[io[j]] = math.Float32frombits(math.Float32bits(gyo[j]) & keep)
		}
	}
}

// convImage computes one image's convolution out (O x L) = w (O x K) · col
// (K x L) plus the bias b (O, or nil).
func convImage(gemm gemmFunc, out, w, b, col []float32, O, K, L int) {
	if K <= 16 {
		// A short reduction (e.g. one input channel, 3x3): sums kept in
		// registers beat a GEMM call, whose packing dominates here.
		convSmallK(out, w, b, col, O, K, L)
		return
	}
	for o := 0; o < O; o++ {
		row := out[o*L : (o+1)*L]
		if b != nil {
			tensor.Fill(row, b[o])
		} else {
			clear(row)
		}
	}
	gemm(false, false, O, L, K, 1, w, K, col, L, 1, out, L)
}

// convImageWide is convImage (its GEMM path) on the columns of a padded
// image described by cc.
func convImageWide(out, w, b []float32, cc tensor.Conv2dWideCols, O, K, L int) {
	for o := 0; o < O; o++ {
		row := out[o*L : (o+1)*L]
		if b != nil {
			tensor.Fill(row, b[o])
		} else {
			clear(row)
		}
	}
	tensor.Conv2dWideForward(w, K, O, cc, 1, out, L)
}

// convGradSmallKGo is convGradSmallK's portable form: inner products.
func convGradSmallKGo(gw, gb, dy, col []float32, O, K, L int) {
	for o := 0; o < O; o++ {
		d := dy[o*L : (o+1)*L]
		for k := 0; k < K; k++ {
			gw[o*K+k] += tensor.Dot(d, col[k*L:(k+1)*L])
		}
		if gb != nil {
			gb[o] += tensor.Sum(d)
		}
	}
}

// convSmallKGo is convSmallK's portable form: vector updates of each output
// row.
func convSmallKGo(out, w, b, col []float32, O, K, L int) {
	for o := 0; o < O; o++ {
		row := out[o*L : (o+1)*L]
		if b != nil {
			tensor.Fill(row, b[o])
		} else {
			clear(row)
		}
		for k, wv := range w[o*K : (o+1)*K] {
			tensor.Axpy(wv, col[k*L:(k+1)*L], row)
		}
	}
}

// reluPool2Go writes max(0, max of each 2x2 window) of the O planes of src
// (oh x ow each) to dst (O planes of oh/2 x ow/2) and, when idx is not nil,
// the plane position of the window's first maximum (first in row-major
// order, as MaxPool2d's) where that maximum is positive.
func reluPool2Go(dst []float32, idx []int32, src []float32, O, oh, ow int) {
	reluPool2LdGo(dst, idx, src, O, oh, ow, ow)
}

// reluPool2LdGo is reluPool2Go over planes of oh rows of ld values whose
// first ow are the image's (ld >= ow); idx holds positions in such planes.
//
// It works on the values' bits as integers: with negative values (and -0)
// cleared to +0 first, the order of non-negative floats is the order of
// their bits, and integer max and equality compile to conditional moves, so
// the random signs and orders of activations cost no mispredicted branches.
// A NaN (positive bits above +Inf) wins its window and passes through.
func reluPool2LdGo(dst []float32, idx []int32, src []float32, O, oh, ow, ld int) {
	ph, pw := oh/2, ow/2
	L, P := oh*ld, ph*pw
	for o := 0; o < O; o++ {
		plane := src[o*L : (o+1)*L]
		d := dst[o*P : (o+1)*P]
		for oy := 0; oy < ph; oy++ {
			r := 2 * oy * ld
			r0 := plane[r : r+ow]
			r1 := plane[r+ld : r+ld+ow]
			dr := d[oy*pw : (oy+1)*pw]
			r0 = r0[:2*len(dr)]
			r1 = r1[:2*len(dr)]
			if idx == nil {
				for ox := range dr {
					a, b := relu32(r0[2*ox]), relu32(r0[2*ox+1])
					c, e := relu32(r1[2*ox]), relu32(r1[2*ox+1])
					dr[ox] = math.Float32frombits(uint32(max(max(a, b), max(c, e))))
				}
				continue
			}
			ir := idx[o*P+oy*pw : o*P+(oy+1)*pw]
			ir = ir[:len(dr)]
			for ox := range dr {
				i0 := 2 * ox
				a, b := relu32(r0[i0]), relu32(r0[i0+1])
				c, e := relu32(r1[i0]), relu32(r1[i0+1])
				m := max(max(a, b), max(c, e))
				// The first maximum's offset in the window, without
				// branches: the operands are non-negative, so m-v is zero
				// exactly where v is the maximum, and (m-v-1)>>31 is then
				// all ones. Later taps first, so the earliest one wins.
				k := int32(ld + 1)
				k ^= (k ^ int32(ld)) & ((m - c - 1) >> 31)
				k ^= (k ^ 1) & ((m - b - 1) >> 31)
				k &^= (m - a - 1) >> 31
				ir[ox] = int32(r+i0) + k
				dr[ox] = math.Float32frombits(uint32(m))
			}
		}
	}
}

// relu32 returns the bits of max(v, +0) as an int32 (negative values and -0
// become 0).
func relu32(v float32) int32 {
	b := int32(math.Float32bits(v))
	return b &^ (b >> 31)
}

func convReLUPoolBack(n *Var) {
	x, w, b := n.a, n.b, n.c
	g := n.g
	xs, ws := x.Data.Shape, w.Data.Shape
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	O, kh, kw := ws[0], ws[2], ws[3]
	oh, ow := n.ints[6], n.ints[7]
	K, L := C*kh*kw, oh*ow
	t := &g.fuseT
	*t = fusedConvTask{back: true, x: x.Data.Data, w: w.Data.Data, y: n.Data.Data, idx: n.idx, gy: n.Grad.Data,
		N: N, C: C, H: H, W: W, O: O, kh: kh, kw: kw, oh: oh, ow: ow,
		sh: n.ints[0], sw: n.ints[1], ph: n.ints[2], pw: n.ints[3], dh: n.ints[4], dw: n.ints[5]}
	t.direct = kh == 1 && kw == 1 && t.sh == 1 && t.sw == 1 && t.ph == 0 && t.pw == 0
	t.setWide()
	if x.requiresGrad {
		t.gx = x.grad()
	}
	Ls := L
	if t.wide {
		Ls = oh * t.Wp
	}
	nparts := g.parts(N)
	// As in the forward (wideDirect), with one image per part.
	t.wideGrad = t.wide && w.requiresGrad && nparts > 1 && K > 16 && tensor.Conv2dWideWeightDirect(O, t.wideCols2d(nil))
	for p := 0; p < nparts; p++ {
		t.out[p] = g.buf(O * Ls).Data
		if w.requiresGrad {
			if !t.direct && !t.wideGrad {
				t.col[p] = g.buf(K * Ls).Data
			}
			t.gw[p] = g.zbuf(O * K).Data
		}
		if x.requiresGrad && !t.direct {
			t.dcol[p] = g.buf(K * Ls).Data
		}
		if t.wide && w.requiresGrad {
			t.pad[p] = g.buf(t.padSize()).Data
		}
		if t.wide && x.requiresGrad {
			t.dpad[p] = g.buf(t.padSize()).Data
		}
		if b != nil && b.requiresGrad {
			t.gb[p] = g.zbuf(O).Data
		}
	}
	g.parallel(t, nparts, N*O*L*K)
	cc := t.wideCols2d(nil)
	for p := 0; p < nparts; p++ {
		switch {
		case t.gw[p] != nil && t.wideGrad:
			// gw[p] is the transpose (see wideGrad): the same sums.
			wg, gT := w.grad(), t.gw[p]
			for v := 0; v < K; v++ {
				r := cc.Conv2dWideVRow(v)
				for o, g := range gT[v*O : (v+1)*O] {
					wg[o*K+r] += g
				}
			}
		case t.gw[p] != nil:
			axpy(w.grad(), 1, t.gw[p])
		}
		if t.gb[p] != nil {
			axpy(b.grad(), 1, t.gb[p])
		}
	}
}
