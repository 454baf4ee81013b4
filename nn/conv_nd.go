package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// ConvNd is a 1-d or 3-d convolution, like torch.nn.Conv1d and Conv3d, or
// with Transposed its transpose, like ConvTranspose1d and ConvTranspose3d.
// Inputs are (N, C, L) or (N, C, D, H, W). Geometry slices have Dims
// entries. A 1-d convolution runs as a 2-d one of height 1 (im2col and
// GEMM); a 3-d one unfolds volumes (tensor.Vol2col) into a GEMM. Inside a
// Sequential, a Conv1d followed by ReLU and MaxPool1d(2) runs fused (see
// conv1d_fused.go), with the same results.
type ConvNd struct {
	Dims       int
	Transposed bool
	// InChannels and OutChannels are the channels of input and output.
	InChannels, OutChannels int
	// KernelSize, Stride, Padding (zero padding on both sides, or the
	// padding of PaddingMode), Dilation and, transposed, OutputPadding.
	KernelSize, Stride, Padding, Dilation, OutputPadding []int
	Groups                                               int
	// PaddingMode is "zeros" (or ""), "reflect", "replicate" or
	// "circular".
	PaddingMode string
	// Weight is (out, in/groups, *kernel), transposed (in, out/groups,
	// *kernel).
	Weight *Var
	// Bias has out_channels elements, or is nil.
	Bias    *Var
	hasBias bool
	// pad is the explicit padding applied before the convolution (a
	// padding mode other than zeros, or an odd "same"); inner is the zero
	// padding the convolution itself applies.
	pad   padSpec
	inner []int
}

// ConvNdOptions are the geometry of NewConvNd: nil slices take PyTorch's
// defaults (stride and dilation 1, padding 0); PadLo and PadHi, when set,
// give an asymmetric padding ("same" with an even kernel).
type ConvNdOptions struct {
	Stride, Padding, Dilation, OutputPadding []int
	PadLo, PadHi                             []int
	Groups                                   int
	PaddingMode                              string
}

// NewConvNd returns a Conv1d or Conv3d (dims 1 or 3), or with transposed a
// ConvTranspose1d or ConvTranspose3d, initialised like PyTorch's from rng.
// It fails on an invalid geometry, naming the parameter.
func NewConvNd(dims int, transposed bool, in, out int, kernel []int, opt ConvNdOptions, bias bool, rng *rand.Rand) (*ConvNd, error) {
	c, err := convNdShell(dims, transposed, in, out, kernel, opt, bias)
	if err != nil {
		return nil, err
	}
	c.allocate(rng)
	return c, nil
}

// convName returns the PyTorch class name of a convolution.
func convName(dims int, transposed bool) string {
	if transposed {
		return fmt.Sprintf("ConvTranspose%dd", dims)
	}
	return fmt.Sprintf("Conv%dd", dims)
}

func convNdShell(dims int, transposed bool, in, out int, kernel []int, opt ConvNdOptions, bias bool) (*ConvNd, error) {
	name := convName(dims, transposed)
	if dims != 1 && dims != 3 {
		return nil, fmt.Errorf("%s: dims %d, expected 1 or 3", name, dims)
	}
	def := func(v []int, d int) []int {
		if v == nil {
			return slices.Repeat([]int{d}, dims)
		}
		return slices.Clone(v)
	}
	c := &ConvNd{Dims: dims, Transposed: transposed, InChannels: in, OutChannels: out, KernelSize: slices.Clone(kernel),
		Stride: def(opt.Stride, 1), Padding: def(opt.Padding, 0), Dilation: def(opt.Dilation, 1), OutputPadding: def(opt.OutputPadding, 0),
		Groups: max(opt.Groups, 1), PaddingMode: opt.PaddingMode, hasBias: bias}
	if opt.Groups == 0 {
		c.Groups = 1
	}
	if c.PaddingMode == "" {
		c.PaddingMode = "zeros"
	}
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("%s: in_channels %d and out_channels %d must be positive", name, in, out)
	}
	for _, v := range []struct {
		name string
		vals []int
		min  int
	}{{"kernel_size", c.KernelSize, 1}, {"stride", c.Stride, 1}, {"padding", c.Padding, 0}, {"dilation", c.Dilation, 1}, {"output_padding", c.OutputPadding, 0}} {
		if len(v.vals) != dims {
			return nil, fmt.Errorf("%s: %s %v, expected %d values", name, v.name, v.vals, dims)
		}
		for _, x := range v.vals {
			if x < v.min {
				return nil, fmt.Errorf("%s: %s %v, expected values of at least %d", name, v.name, v.vals, v.min)
			}
		}
	}
	if opt.Groups < 0 {
		return nil, fmt.Errorf("%s: groups %d must be positive", name, opt.Groups)
	}
	if in%c.Groups != 0 {
		return nil, fmt.Errorf("%s: in_channels %d must be divisible by groups %d", name, in, c.Groups)
	}
	if out%c.Groups != 0 {
		return nil, fmt.Errorf("%s: out_channels %d must be divisible by groups %d", name, out, c.Groups)
	}
	if err := checkPaddingMode(name, c.PaddingMode, transposed); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i := range dims {
		if transposed && c.OutputPadding[i] >= max(c.Stride[i], c.Dilation[i]) {
			return nil, fmt.Errorf("%s: output_padding %v must be smaller than either stride %v or dilation %v", name, c.OutputPadding, c.Stride, c.Dilation)
		}
		if !transposed && c.OutputPadding[i] != 0 {
			return nil, fmt.Errorf("%s: output_padding is only for transposed convolutions", name)
		}
	}
	lo, hi := c.Padding, c.Padding
	if opt.PadLo != nil {
		lo, hi = opt.PadLo, opt.PadHi
		c.Padding = slices.Clone(lo)
	}
	c.inner = slices.Clone(lo)
	if c.PaddingMode != "zeros" || !slices.Equal(lo, hi) {
		c.pad = padSpec{lo: slices.Clone(lo), hi: slices.Clone(hi), mode: c.PaddingMode}
		c.inner = make([]int, dims)
	}
	return c, nil
}

// Name returns Conv1d, Conv3d, ConvTranspose1d or ConvTranspose3d.
func (c *ConvNd) Name() string { return convName(c.Dims, c.Transposed) }

// weightShape is (out, in/groups, *kernel), transposed (in,
// out/groups, *kernel).
func (c *ConvNd) weightShape() []int {
	s := []int{c.OutChannels, c.InChannels / c.Groups}
	if c.Transposed {
		s = []int{c.InChannels, c.OutChannels / c.Groups}
	}
	return append(s, c.KernelSize...)
}

// allocate makes the weights, initialised like PyTorch's.
func (c *ConvNd) allocate(rng *rand.Rand) {
	c.Weight = NewParam(tensor.New(c.weightShape()...))
	var b *tensor.Tensor
	if c.hasBias {
		b = tensor.New(c.OutChannels)
		c.Bias = NewParam(b)
	}
	initLinearLike(c.Weight.Data, b, rng)
}

// sizes counts the parameters allocate makes.
func (c *ConvNd) sizes() (params, buffers int64) {
	n := mul(c.weightShape()...)
	if c.hasBias {
		n = budget.Add(n, int64(c.OutChannels))
	}
	return n, 0
}

// workspace counts what one sample keeps besides the output: the padded
// input, for 1-d the columns the 2-d kernel saves, for 3-d the columns of
// one part of the work (conservatively counted per sample).
func (c *ConvNd) workspace(in, out []int) int64 {
	var n int64
	if len(c.pad.lo) > 0 {
		if p, err := c.pad.outShape(c.Name(), in); err == nil {
			n = mul(p[1:]...)
		}
	}
	if c.Dims == 3 && len(out) == 5 {
		// The column buffer of one part (at most one per sample), which
		// the 3-d kernels rebuild in the backward pass rather than keep.
		k := mul(c.KernelSize...)
		if c.Transposed {
			n = budget.Add(n, budget.Mul(mul(c.OutChannels/c.Groups), k, mul(in[2:]...)))
		} else {
			n = budget.Add(n, budget.Mul(mul(c.InChannels/c.Groups), k, mul(out[2:]...)))
		}
	}
	if c.Dims == 1 && len(out) == 3 {
		if c.Transposed {
			n = budget.Add(n, mul(c.OutChannels/c.Groups, c.KernelSize[0], in[2]))
		} else {
			n = budget.Add(n, mul(c.InChannels/c.Groups, c.KernelSize[0], out[2]))
		}
	}
	return n
}

// Parameters returns weight and bias.
func (c *ConvNd) Parameters() []Param {
	ps := []Param{{Name: "weight", Var: c.Weight, Trainable: true}}
	if c.Bias != nil {
		ps = append(ps, Param{Name: "bias", Var: c.Bias, Trainable: true})
	}
	return ps
}

// Train has no effect.
func (c *ConvNd) Train(bool) {}

// OutShape returns (N, out_channels, *sizes).
func (c *ConvNd) OutShape(in []int) ([]int, error) {
	name := c.Name()
	if len(in) != c.Dims+2 || in[1] != c.InChannels {
		want := "(N, %d, L)"
		if c.Dims == 3 {
			want = "(N, %d, D, H, W)"
		}
		return nil, shapeErr(name, fmt.Sprintf(want, c.InChannels), in)
	}
	sz := in
	if len(c.pad.lo) > 0 {
		var err error
		if sz, err = c.pad.outShape(name, in); err != nil {
			return nil, err
		}
	}
	out := []int{in[0], c.OutChannels}
	for i := range c.Dims {
		var o int
		if c.Transposed {
			o = convTOut(sz[2+i], c.KernelSize[i], c.inner[i], c.Stride[i], c.Dilation[i], c.OutputPadding[i])
		} else {
			o = convOut(sz[2+i], c.KernelSize[i], c.inner[i], c.Stride[i], c.Dilation[i])
		}
		if o < 1 {
			return nil, fmt.Errorf("%s: input of shape %v is too small for kernel_size %v, dilation %v and padding %v (output size %d)", name, in, c.KernelSize, c.Dilation, c.Padding, o)
		}
		out = append(out, o)
	}
	return out, nil
}

// cropped reports whether an output_padding reaches the stride, which
// the transposed kernels cannot produce directly.
func (c *ConvNd) cropped() bool {
	for i := range c.Dims {
		if c.OutputPadding[i] >= c.Stride[i] {
			return true
		}
	}
	return false
}

// addChannelBias adds b (C, or nil) to every position of channel c of x
// (N, C, *).
func (g *Graph) addChannelBias(x, b *Var) *Var {
	if g.err != nil || b == nil {
		return x
	}
	xs := x.Data.Shape
	if len(xs) < 2 || xs[1] != len(b.Data.Data) {
		return g.fail("bias of shape %v does not match input of shape %v", b.Data.Shape, xs)
	}
	y := g.bufLike(x.Data)
	L := vol3(xs[2:])
	for i, v := range x.Data.Data {
		y.Data[i] = v + b.Data.Data[(i/L)%xs[1]]
	}
	return g.newNode(y, addChannelBiasBack, x, b, nil)
}

func addChannelBiasBack(n *Var) {
	x, b := n.a, n.b
	xs := x.Data.Shape
	L := vol3(xs[2:])
	if x.requiresGrad {
		ga := x.grad()
		for i, v := range n.Grad.Data {
			ga[i] += v
		}
	}
	if b.requiresGrad {
		gb := b.grad()
		for i := 0; i < len(n.Grad.Data); i += L {
			gb[(i/L)%xs[1]] += float32(sum64(n.Grad.Data[i : i+L]))
		}
	}
}

// geom3 returns the 3-d geometry of the layer's own convolution.
func (c *ConvNd) geom3() tensor.Geom3 {
	var g tensor.Geom3
	for i := range 3 {
		g.Kernel[i], g.Stride[i], g.Dil[i] = 1, 1, 1
	}
	off := 3 - c.Dims
	for i := range c.Dims {
		g.Kernel[off+i], g.Stride[off+i], g.Pad[off+i], g.Dil[off+i] = c.KernelSize[i], c.Stride[i], c.inner[i], c.Dilation[i]
	}
	return g
}

// Forward applies the convolution.
func (c *ConvNd) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := c.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	if len(c.pad.lo) > 0 {
		x = g.padInput(c.Name(), x, c.pad)
	}
	if c.Transposed && c.cropped() {
		// An output_padding of at least the stride (allowed below the
		// dilation): the full transposed convolution, cropped by the
		// padding and extended by output_padding, then the bias.
		full := *c
		full.inner, full.OutputPadding, full.Bias, full.pad = make([]int, c.Dims), make([]int, c.Dims), nil, padSpec{}
		crop := padSpec{lo: make([]int, c.Dims), hi: make([]int, c.Dims), mode: "zeros"}
		for i := range c.Dims {
			crop.lo[i], crop.hi[i] = -c.inner[i], c.OutputPadding[i]-c.inner[i]
		}
		return g.addChannelBias(g.padInput(c.Name(), full.Forward(g, x), crop), c.Bias)
	}
	if c.Dims == 3 {
		var op [3]int
		copy(op[:], c.OutputPadding)
		return g.convNd3(x, c.Weight, c.Bias, c.geom3(), c.Groups, c.Transposed, op)
	}
	xs, ws := x.Data.Shape, c.Weight.Data.Shape
	x4 := g.Reshape(x, xs[0], xs[1], 1, xs[2])
	w4 := g.Reshape(c.Weight, ws[0], ws[1], 1, ws[2])
	opt := ConvOptions{Stride: [2]int{1, c.Stride[0]}, Padding: [2]int{0, c.inner[0]}, Dilation: [2]int{1, c.Dilation[0]},
		OutputPadding: [2]int{0, c.OutputPadding[0]}, Groups: c.Groups}
	var y *Var
	if c.Transposed {
		y = g.ConvTranspose2d(x4, w4, c.Bias, opt)
	} else {
		y = g.Conv2d(x4, w4, c.Bias, opt)
	}
	if g.err != nil {
		return g.deadVar()
	}
	ys := y.Data.Shape
	return g.Reshape(y, ys[0], ys[1], ys[3])
}

// conv3dCtx is a 3-d convolution's geometry for its backward pass.
type conv3dCtx struct {
	geo        tensor.Geom3
	groups     int
	transposed bool
}

// convNd3 convolves x (N, Cin, D, H, W) with w ((Cout, Cin/G, kd, kh, kw),
// or transposed (Cin, Cout/G, kd, kh, kw)) and adds b (Cout, or nil).
func (g *Graph) convNd3(x, w, b *Var, geo tensor.Geom3, G int, transposed bool, outPad [3]int) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	xs, ws := x.Data.Shape, w.Data.Shape
	name := convName(3, transposed)
	if len(xs) != 5 || len(ws) != 5 || G < 1 || ws[0]%G != 0 {
		return g.fail("%s: input of shape %v does not match weight of shape %v with groups %d", name, xs, ws, G)
	}
	N, Cin := xs[0], xs[1]
	in := [3]int{xs[2], xs[3], xs[4]}
	var Cout int
	var out [3]int
	if transposed {
		if Cin != ws[0] {
			return g.fail("%s: input of shape %v does not match weight of shape %v", name, xs, ws)
		}
		Cout = ws[1] * G
		for i := range 3 {
			out[i] = convTOut(in[i], geo.Kernel[i], geo.Pad[i], geo.Stride[i], geo.Dil[i], outPad[i])
		}
	} else {
		if Cin != ws[1]*G {
			return g.fail("%s: input of shape %v does not match weight of shape %v with groups %d", name, xs, ws, G)
		}
		Cout = ws[0]
		out = geo.Out(in)
	}
	if out[0] < 1 || out[1] < 1 || out[2] < 1 {
		return g.fail("%s: input of shape %v gives output size %v", name, xs, out)
	}
	if b != nil && len(b.Data.Data) != Cout {
		return g.fail("%s: bias of shape %v, expected (%d)", name, b.Data.Shape, Cout)
	}
	y := g.buf(N, Cout, out[0], out[1], out[2])
	t := &conv3dTask{transposed: transposed, x: x.Data.Data, w: w.Data.Data, y: y.Data, N: N, Cin: Cin, Cout: Cout, G: G, in: in, out: out, geo: geo}
	nparts := min(N, 8)
	for range nparts {
		t.cols = append(t.cols, g.buf(t.colSize()).Data)
	}
	g.parallel(t, nparts, N*Cout*out[0]*out[1]*out[2]*t.colRows())
	if b != nil {
		L := out[0] * out[1] * out[2]
		for n := range N {
			for o, bv := range b.Data.Data {
				row := y.Data[(n*Cout+o)*L : (n*Cout+o+1)*L]
				for i := range row {
					row[i] += bv
				}
			}
		}
	}
	node := g.newNode(y, convNd3Back, x, w, b)
	node.ctx = &conv3dCtx{geo: geo, groups: G, transposed: transposed}
	return node
}

// conv3dTask runs a 3-d convolution's forward or backward pass over a
// range of samples; each part has its own column buffer and weight
// gradient.
type conv3dTask struct {
	back, transposed bool
	x, w, y, gy, gx  []float32
	cols, gwParts    [][]float32
	N, Cin, Cout, G  int
	in, out          [3]int
	geo              tensor.Geom3
}

func vol(s [3]int) int { return s[0] * s[1] * s[2] }

// colRows is the row count of the column matrix of one group.
func (t *conv3dTask) colRows() int {
	k := vol(t.geo.Kernel)
	if t.transposed {
		return t.Cout / t.G * k
	}
	return t.Cin / t.G * k
}

// colSize is the size of one group's column matrix.
func (t *conv3dTask) colSize() int {
	if t.transposed {
		return t.colRows() * vol(t.in)
	}
	return t.colRows() * vol(t.out)
}

func (t *conv3dTask) run(part, parts int) {
	lo, hi := span(t.N, part, parts)
	gemm := partGemm(parts)
	G := t.G
	Cig, Cog := t.Cin/G, t.Cout/G
	S, L := vol(t.in), vol(t.out)
	K := t.colRows()
	col := t.cols[part]
	var gw []float32
	if t.gwParts != nil {
		gw = t.gwParts[part]
	}
	for n := lo; n < hi; n++ {
		for gi := range G {
			xg := t.x[(n*t.Cin+gi*Cig)*S : (n*t.Cin+(gi+1)*Cig)*S]
			switch {
			case !t.transposed && !t.back:
				wg := t.w[gi*Cog*K : (gi+1)*Cog*K]
				tensor.Vol2col(xg, Cig, t.in, t.geo, col)
				gemm(false, false, Cog, L, K, 1, wg, K, col, L, 0, t.y[(n*t.Cout+gi*Cog)*L:(n*t.Cout+(gi+1)*Cog)*L], L)
			case !t.transposed:
				wg := t.w[gi*Cog*K : (gi+1)*Cog*K]
				dy := t.gy[(n*t.Cout+gi*Cog)*L : (n*t.Cout+(gi+1)*Cog)*L]
				if gw != nil {
					tensor.Vol2col(xg, Cig, t.in, t.geo, col)
					gemm(false, true, Cog, K, L, 1, dy, L, col, L, 1, gw[gi*Cog*K:(gi+1)*Cog*K], K)
				}
				if t.gx != nil {
					gemm(true, false, K, L, Cog, 1, wg, K, dy, L, 0, col, L)
					tensor.Col2vol(col, Cig, t.in, t.geo, t.gx[(n*t.Cin+gi*Cig)*S:(n*t.Cin+(gi+1)*Cig)*S])
				}
			case !t.back:
				wg := t.w[gi*Cig*K : (gi+1)*Cig*K]
				yg := t.y[(n*t.Cout+gi*Cog)*L : (n*t.Cout+(gi+1)*Cog)*L]
				clear(yg)
				gemm(true, false, K, S, Cig, 1, wg, K, xg, S, 0, col, S)
				tensor.Col2vol(col, Cog, t.out, t.geo, yg)
			default:
				wg := t.w[gi*Cig*K : (gi+1)*Cig*K]
				tensor.Vol2col(t.gy[(n*t.Cout+gi*Cog)*L:(n*t.Cout+(gi+1)*Cog)*L], Cog, t.out, t.geo, col)
				if t.gx != nil {
					gemm(false, false, Cig, S, K, 1, wg, K, col, S, 1, t.gx[(n*t.Cin+gi*Cig)*S:(n*t.Cin+(gi+1)*Cig)*S], S)
				}
				if gw != nil {
					gemm(false, true, Cig, K, S, 1, xg, S, col, S, 1, gw[gi*Cig*K:(gi+1)*Cig*K], K)
				}
			}
		}
	}
}

func convNd3Back(n *Var) {
	x, w, b := n.a, n.b, n.c
	cx := n.ctx.(*conv3dCtx)
	xs := x.Data.Shape
	ys := n.Data.Shape
	N, Cout := ys[0], ys[1]
	L := ys[2] * ys[3] * ys[4]
	gy := n.Grad.Data
	if b != nil && b.requiresGrad {
		gb := b.grad()
		for i := range N {
			for o := range gb {
				gb[o] += float32(sum64(gy[(i*Cout+o)*L : (i*Cout+o+1)*L]))
			}
		}
	}
	if !x.requiresGrad && !w.requiresGrad {
		return
	}
	g := n.g
	t := &conv3dTask{back: true, transposed: cx.transposed, x: x.Data.Data, w: w.Data.Data, gy: gy, N: N, Cin: xs[1], Cout: Cout, G: cx.groups,
		in: [3]int{xs[2], xs[3], xs[4]}, out: [3]int{ys[2], ys[3], ys[4]}, geo: cx.geo}
	nparts := min(N, 8)
	for range nparts {
		t.cols = append(t.cols, g.buf(t.colSize()).Data)
	}
	if x.requiresGrad {
		t.gx = x.grad()
	}
	if w.requiresGrad {
		for range nparts {
			t.gwParts = append(t.gwParts, g.zbuf(len(w.Data.Data)).Data)
		}
	}
	g.parallel(t, nparts, N*Cout*L*t.colRows())
	if w.requiresGrad {
		gw := w.grad()
		for _, p := range t.gwParts {
			tensor.Axpy(1, p, gw)
		}
	}
}

// convNdArgs are the keyword arguments of torch.nn.Conv1d and Conv3d after
// in_channels (LazyConv1d's and LazyConv3d's). Geometry is an integer or a
// list of one integer per spatial dimension.
type convNdArgs struct {
	OutChannels int         `json:"out_channels" required:"true" min:"1" nlabels:"true" help:"channels of the output"`
	KernelSize  IntList     `json:"kernel_size" required:"true" min:"1" help:"window size: an int, or one per spatial dimension"`
	Stride      IntList     `json:"stride" min:"1" help:"step of the window"`
	Padding     ConvPadding `json:"padding" min:"0" help:"padding on every side: an int, one per dimension, \"valid\" or (stride 1) \"same\""`
	Dilation    IntList     `json:"dilation" min:"1" help:"spacing between kernel elements"`
	Groups      int         `json:"groups" min:"1" help:"blocked connections from input to output channels (in_channels for depthwise)"`
	Bias        bool        `json:"bias" help:"learn an additive bias"`
	PaddingMode string      `json:"padding_mode" enum:"zeros,reflect,replicate,circular" help:"how the padding is filled"`
}

// ConvNdParams are torch.nn.Conv1d's and Conv3d's keyword arguments, in
// PyTorch's order.
type ConvNdParams struct {
	InChannels int `json:"in_channels" auto:"true" min:"1" help:"channels of the input"`
	convNdArgs
}

// LazyConvNdParams are torch.nn.LazyConv1d's and LazyConv3d's keyword
// arguments: in_channels is always inferred.
type LazyConvNdParams struct{ convNdArgs }

// convTransposeNdArgs are the keyword arguments of torch.nn.ConvTranspose1d
// and ConvTranspose3d after in_channels.
type convTransposeNdArgs struct {
	OutChannels   int         `json:"out_channels" required:"true" min:"1" nlabels:"true" help:"channels of the output"`
	KernelSize    IntList     `json:"kernel_size" required:"true" min:"1" help:"window size: an int, or one per spatial dimension"`
	Stride        IntList     `json:"stride" min:"1" help:"step of the window"`
	Padding       ConvPadding `json:"padding" min:"0" help:"zero padding removed from the output: an int, one per dimension, or \"valid\""`
	OutputPadding IntList     `json:"output_padding" min:"0" help:"extra size added to one side of the output"`
	Groups        int         `json:"groups" min:"1" help:"blocked connections from input to output channels"`
	Bias          bool        `json:"bias" help:"learn an additive bias"`
	Dilation      IntList     `json:"dilation" min:"1" help:"spacing between kernel elements"`
	PaddingMode   string      `json:"padding_mode" enum:"zeros,reflect,replicate,circular" help:"only \"zeros\" (PyTorch refuses the others for transposed convolutions)"`
}

// ConvTransposeNdParams are torch.nn.ConvTranspose1d's and
// ConvTranspose3d's keyword arguments, in PyTorch's order.
type ConvTransposeNdParams struct {
	InChannels int `json:"in_channels" auto:"true" min:"1" help:"channels of the input"`
	convTransposeNdArgs
}

// LazyConvTransposeNdParams are torch.nn.LazyConvTranspose1d's and
// LazyConvTranspose3d's keyword arguments: in_channels is always inferred.
type LazyConvTransposeNdParams struct{ convTransposeNdArgs }

func buildConvNd(dims, in int, p convNdArgs, c *layerCtx) (Module, error) {
	in, err := orAuto(in, "in_channels", c.channels)
	if err != nil {
		return nil, err
	}
	if err := divisible(in, p.OutChannels, p.Groups); err != nil {
		return nil, err
	}
	if err := checkPaddingMode(convName(dims, false), p.PaddingMode, false); err != nil {
		return nil, err
	}
	opt := ConvNdOptions{Groups: p.Groups, PaddingMode: p.PaddingMode}
	k, err := expand("kernel_size", p.KernelSize, dims, 1)
	if err != nil {
		return nil, err
	}
	if opt.Stride, err = expand("stride", p.Stride, dims, 1); err != nil {
		return nil, err
	}
	if opt.Dilation, err = expand("dilation", p.Dilation, dims, 1); err != nil {
		return nil, err
	}
	if p.Padding.Same {
		for _, s := range opt.Stride {
			if s != 1 {
				return nil, fmt.Errorf("padding \"same\" needs stride 1 (PyTorch does not support it for strided convolutions), got stride %v", opt.Stride)
			}
		}
		opt.PadLo, opt.PadHi = samePadding(k, opt.Dilation)
	} else if opt.Padding, err = expand("padding", p.Padding.Size, dims, 0); err != nil {
		return nil, err
	}
	return convNdShell(dims, false, in, p.OutChannels, k, opt, p.Bias)
}

func buildConvTransposeNd(dims, in int, p convTransposeNdArgs, c *layerCtx) (Module, error) {
	name := convName(dims, true)
	in, err := orAuto(in, "in_channels", c.channels)
	if err != nil {
		return nil, err
	}
	if err := divisible(in, p.OutChannels, p.Groups); err != nil {
		return nil, err
	}
	if err := checkPaddingMode(name, p.PaddingMode, true); err != nil {
		return nil, err
	}
	if p.Padding.Same {
		return nil, fmt.Errorf("padding \"same\" is not supported for %s, expected an integer, a list or \"valid\"", name)
	}
	opt := ConvNdOptions{Groups: p.Groups, PaddingMode: p.PaddingMode}
	k, err := expand("kernel_size", p.KernelSize, dims, 1)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		l    IntList
		def  int
		dst  *[]int
	}{{"stride", p.Stride, 1, &opt.Stride}, {"dilation", p.Dilation, 1, &opt.Dilation}, {"padding", p.Padding.Size, 0, &opt.Padding},
		{"output_padding", p.OutputPadding, 0, &opt.OutputPadding}} {
		if *f.dst, err = expand(f.name, f.l, dims, f.def); err != nil {
			return nil, err
		}
	}
	return convNdShell(dims, true, in, p.OutChannels, k, opt, p.Bias)
}

func init() {
	cn := convNdArgs{Stride: IntList{1}, Padding: ConvPadding{Size: IntList{0}}, Dilation: IntList{1}, Groups: 1, Bias: true, PaddingMode: "zeros"}
	ctn := convTransposeNdArgs{Stride: IntList{1}, Padding: ConvPadding{Size: IntList{0}}, OutputPadding: IntList{0}, Dilation: IntList{1}, Groups: 1, Bias: true, PaddingMode: "zeros"}
	for _, d := range []struct {
		dims  int
		shape string
	}{{1, "(N, C, L)"}, {3, "(N, C, D, H, W)"}} {
		dims := d.dims
		name := convName(dims, false)
		tname := convName(dims, true)
		registerLayer(name, fmt.Sprintf("%d-D convolution over %s", dims, d.shape), func() ConvNdParams { return ConvNdParams{convNdArgs: cn} },
			func(p ConvNdParams, c *layerCtx) (Module, error) {
				return buildConvNd(dims, p.InChannels, p.convNdArgs, c)
			})
		registerLayer("Lazy"+name, name+" whose in_channels is inferred from the input", func() LazyConvNdParams { return LazyConvNdParams{cn} },
			func(p LazyConvNdParams, c *layerCtx) (Module, error) { return buildConvNd(dims, 0, p.convNdArgs, c) })
		registerLayer(tname, fmt.Sprintf("%d-D transposed convolution over %s", dims, d.shape),
			func() ConvTransposeNdParams { return ConvTransposeNdParams{convTransposeNdArgs: ctn} },
			func(p ConvTransposeNdParams, c *layerCtx) (Module, error) {
				return buildConvTransposeNd(dims, p.InChannels, p.convTransposeNdArgs, c)
			})
		registerLayer("Lazy"+tname, tname+" whose in_channels is inferred from the input",
			func() LazyConvTransposeNdParams { return LazyConvTransposeNdParams{ctn} },
			func(p LazyConvTransposeNdParams, c *layerCtx) (Module, error) {
				return buildConvTransposeNd(dims, 0, p.convTransposeNdArgs, c)
			})
	}
}
