package nn

import (
	"cmp"
	"fmt"
	"math/rand/v2"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// ConvOptions are the geometry of a 2-d convolution: (height, width) pairs.
type ConvOptions struct {
	Stride, Padding, Dilation [2]int
	// OutputPadding is ConvTranspose2d's extra size on the bottom/right.
	OutputPadding [2]int
	Groups        int
}

func (o *ConvOptions) normalize() {
	for i := 0; i < 2; i++ {
		if o.Stride[i] == 0 {
			o.Stride[i] = 1
		}
		if o.Dilation[i] == 0 {
			o.Dilation[i] = 1
		}
	}
	if o.Groups == 0 {
		o.Groups = 1
	}
}

func (o *ConvOptions) check(layer string, inC, outC int, k [2]int) error {
	for i := 0; i < 2; i++ {
		if o.Stride[i] < 1 || o.Dilation[i] < 1 || o.Padding[i] < 0 || k[i] < 1 || o.OutputPadding[i] < 0 {
			return fmt.Errorf("%s: kernel_size %v, stride %v, padding %v, dilation %v must be positive (padding non-negative)", layer, k, o.Stride, o.Padding, o.Dilation)
		}
		if o.OutputPadding[i] >= max(o.Stride[i], o.Dilation[i]) {
			return fmt.Errorf("%s: output_padding %v must be smaller than either stride %v or dilation %v", layer, o.OutputPadding, o.Stride, o.Dilation)
		}
	}
	if o.Groups < 1 || inC%o.Groups != 0 || outC%o.Groups != 0 {
		return fmt.Errorf("%s: in_channels %d and out_channels %d must both be divisible by groups %d", layer, inC, outC, o.Groups)
	}
	return nil
}

func convOut(in, k, pad, stride, dil int) int {
	return (in+2*pad-dil*(k-1)-1)/stride + 1
}

// Conv2d is a 2-d convolution over (N, C, H, W) inputs, computed with
// im2col and GEMM.
type Conv2d struct {
	InChannels, OutChannels int
	KernelSize              [2]int
	ConvOptions
	// Weight is out_channels x in_channels/groups x kh x kw.
	Weight *Var
	// Bias has out_channels elements, or is nil.
	Bias *Var
	// hasBias says whether allocate makes a bias.
	hasBias bool
	// PaddingMode is "zeros" (or ""), "reflect", "replicate" or
	// "circular", as SetPadding set it: a mode other than zeros (or an
	// asymmetric padding) pads the input explicitly, and
	// ConvOptions.Padding is then zero.
	PaddingMode string
	pad         padSpec
}

// NewConv2d returns a Conv2d initialised like PyTorch's. Zero fields of opt
// take PyTorch's defaults (stride 1, dilation 1, groups 1). It fails on an
// invalid geometry.
func NewConv2d(in, out int, kernel [2]int, opt ConvOptions, bias bool, rng *rand.Rand) (*Conv2d, error) {
	c, err := conv2dShell(in, out, kernel, opt, bias)
	if err != nil {
		return nil, err
	}
	c.allocate(rng)
	return c, nil
}

// conv2dShell checks the geometry and returns the layer without weights.
func conv2dShell(in, out int, kernel [2]int, opt ConvOptions, bias bool) (*Conv2d, error) {
	opt.normalize()
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("Conv2d: in_channels %d and out_channels %d must be positive", in, out)
	}
	opt.OutputPadding = [2]int{}
	if err := opt.check("Conv2d", in, out, kernel); err != nil {
		return nil, err
	}
	return &Conv2d{InChannels: in, OutChannels: out, KernelSize: kernel, ConvOptions: opt, hasBias: bias}, nil
}

// allocate makes the weights of a layer described by its fields.
func (c *Conv2d) allocate(rng *rand.Rand) {
	c.Weight = NewParam(tensor.New(c.OutChannels, c.InChannels/c.Groups, c.KernelSize[0], c.KernelSize[1]))
	var b *tensor.Tensor
	if c.hasBias {
		b = tensor.New(c.OutChannels)
		c.Bias = NewParam(b)
	}
	initLinearLike(c.Weight.Data, b, rng)
}

// sizes counts the parameters allocate makes.
func (c *Conv2d) sizes() (params, buffers int64) {
	n := mul(c.OutChannels, c.InChannels/max(c.Groups, 1), c.KernelSize[0], c.KernelSize[1])
	if c.hasBias {
		n = budget.Add(n, int64(c.OutChannels))
	}
	return n, 0
}

// workspace counts the elements of the im2col buffer of one sample, which
// a training step keeps besides the output.
func (c *Conv2d) workspace(in, out []int) int64 {
	if len(out) != 4 {
		return 0
	}
	if c.explicitPad() {
		if p, err := c.pad.outShape("Conv2d", in); err == nil {
			return budget.Add(mul(p[1:]...), mul(c.InChannels/max(c.Groups, 1), c.KernelSize[0], c.KernelSize[1], out[2], out[3]))
		}
	}
	cols := mul(c.InChannels/max(c.Groups, 1), c.KernelSize[0], c.KernelSize[1], out[2], out[3])
	if c.Groups <= 1 {
		// The batched training path (conv_batched.go) also keeps the output
		// and its gradient channel-major.
		cols = budget.Add(cols, mul(2, out[1], out[2], out[3]))
	}
	return cols
}

// explicitPad reports whether the input is padded before the convolution
// (a padding mode other than zeros, or an asymmetric padding).
func (c *Conv2d) explicitPad() bool { return len(c.pad.lo) > 0 }

// SetPadding sets a padding of mode ("zeros", "reflect", "replicate" or
// "circular") with lo before and hi after along (height, width), as
// padding_mode and padding="same" do: the convolution's own zero padding
// where it can, an explicit one otherwise. The padding is checked against
// the input by OutShape and Forward.
func (c *Conv2d) SetPadding(mode string, lo, hi [2]int) error {
	if err := checkPaddingMode("Conv2d", cmp.Or(mode, "zeros"), false); err != nil {
		return err
	}
	if min(lo[0], lo[1], hi[0], hi[1]) < 0 {
		return fmt.Errorf("Conv2d: padding (%v, %v) must be non-negative", lo, hi)
	}
	c.withPadding(mode, lo, hi)
	return nil
}

func (c *Conv2d) withPadding(mode string, lo, hi [2]int) {
	c.pad = padSpec{}
	c.PaddingMode = mode
	if mode == "" || mode == "zeros" {
		if lo == hi {
			c.Padding = lo
			return
		}
		mode = "zeros"
	}
	c.Padding = [2]int{}
	c.pad = padSpec{lo: lo[:], hi: hi[:], mode: mode}
}

// Forward applies the convolution.
func (c *Conv2d) Forward(g *Graph, x *Var) *Var {
	if c.explicitPad() {
		if g.err != nil {
			return g.deadVar()
		}
		if _, err := c.OutShape(x.Data.Shape); err != nil {
			return g.fail("%v", err)
		}
		x = g.padInput("Conv2d", x, c.pad)
	}
	return g.Conv2d(x, c.Weight, c.Bias, c.ConvOptions)
}

// Parameters returns weight and bias.
func (c *Conv2d) Parameters() []Param {
	ps := []Param{{Name: "weight", Var: c.Weight, Trainable: true}}
	if c.Bias != nil {
		ps = append(ps, Param{Name: "bias", Var: c.Bias, Trainable: true})
	}
	return ps
}

// Train has no effect.
func (c *Conv2d) Train(bool) {}

// Name returns "Conv2d".
func (c *Conv2d) Name() string { return "Conv2d" }

// OutShape returns (N, out_channels, H', W').
func (c *Conv2d) OutShape(in []int) ([]int, error) {
	if len(in) != 4 || in[1] != c.InChannels {
		return nil, shapeErr("Conv2d", fmt.Sprintf("(N, %d, H, W)", c.InChannels), in)
	}
	if c.explicitPad() {
		var err error
		if in, err = c.pad.outShape("Conv2d", in); err != nil {
			return nil, err
		}
	}
	oh := convOut(in[2], c.KernelSize[0], c.Padding[0], c.Stride[0], c.Dilation[0])
	ow := convOut(in[3], c.KernelSize[1], c.Padding[1], c.Stride[1], c.Dilation[1])
	if oh < 1 || ow < 1 {
		return nil, fmt.Errorf("Conv2d: input of %dx%d is smaller than the (dilated) kernel %v with padding %v", in[2], in[3], c.KernelSize, c.Padding)
	}
	return []int{in[0], c.OutChannels, oh, ow}, nil
}

// Conv2d convolves x (N, C, H, W) with w (O, C/groups, kh, kw) and adds b
// (O, or nil), with a fused backward pass.
func (g *Graph) Conv2d(x, w, b *Var, opt ConvOptions) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	opt.normalize()
	xs, ws := x.Data.Shape, w.Data.Shape
	if len(xs) != 4 || len(ws) != 4 || opt.Groups < 1 || xs[1] != ws[1]*opt.Groups || ws[0]%opt.Groups != 0 {
		return g.fail("Conv2d: input of shape %v does not match weight of shape %v with groups %d (expected (N, %d, H, W))", xs, ws, opt.Groups, ws[1]*opt.Groups)
	}
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	O, kh, kw := ws[0], ws[2], ws[3]
	if b != nil && len(b.Data.Data) != O {
		return g.fail("Conv2d: bias of shape %v, expected (%d)", b.Data.Shape, O)
	}
	oh := convOut(H, kh, opt.Padding[0], opt.Stride[0], opt.Dilation[0])
	ow := convOut(W, kw, opt.Padding[1], opt.Stride[1], opt.Dilation[1])
	if oh < 1 || ow < 1 {
		return g.fail("Conv2d: input of %dx%d is smaller than the (dilated) kernel %dx%d with padding %v", H, W, kh, kw, opt.Padding)
	}
	G := opt.Groups
	K, L := C/G*kh*kw, oh*ow
	direct := kh == 1 && kw == 1 && opt.Stride == [2]int{1, 1} && opt.Padding == [2]int{}
	y := g.buf(N, O, oh, ow)
	save := !g.noGrad && w.requiresGrad && !direct
	t := &g.convT
	*t = convTask{x: x.Data.Data, w: w.Data.Data, y: y.Data, N: N, C: C, H: H, W: W, O: O, kh: kh, kw: kw, oh: oh, ow: ow, G: G,
		sh: opt.Stride[0], sw: opt.Stride[1], ph: opt.Padding[0], pw: opt.Padding[1], dh: opt.Dilation[0], dw: opt.Dilation[1],
		direct: direct, K1: K, parts: t.parts[:0], gwParts: t.gwParts[:0]}
	if b != nil {
		t.b = b.Data.Data
		if !direct {
			// Fold the bias into the GEMM: each weight row gets the bias as
			// an extra column and each column matrix a row of ones, which
			// saves a pass over the output (and gives the bias gradient in
			// the weight-gradient GEMM).
			t.K1 = K + 1
			wb := g.buf(O * t.K1).Data
			wd := w.Data.Data
			for o := 0; o < O; o++ {
				copy(wb[o*t.K1:o*t.K1+K], wd[o*K:(o+1)*K])
				wb[o*t.K1+K] = t.b[o]
			}
			t.w = wb
		}
	}
	nparts := min(N, 8)
	if save && useBatchedConv(G, t.K1, direct) {
		cols, tapsW, taps := g.conv2dBatched(t, y)
		node := g.newNode(y, conv2dBack, x, w, b)
		node.s1, node.s2 = cols, tapsW
		node.ints = [10]int{opt.Stride[0], opt.Stride[1], opt.Padding[0], opt.Padding[1], opt.Dilation[0], opt.Dilation[1], G, t.K1, taps, 0}
		return node
	}
	var cols *tensor.Tensor
	if save {
		cols = g.buf(N * G * t.K1 * L)
		t.cols = cols.Data
	} else if !direct {
		for p := 0; p < nparts; p++ {
			t.parts = append(t.parts, g.buf(t.K1*L).Data)
		}
	}
	g.parallel(t, nparts, N*O*L*K)
	node := g.newNode(y, conv2dBack, x, w, b)
	if save {
		node.s1 = cols
	}
	node.ints = [10]int{opt.Stride[0], opt.Stride[1], opt.Padding[0], opt.Padding[1], opt.Dilation[0], opt.Dilation[1], G, t.K1, 0, 0}
	return node
}

// convTask runs a convolution's forward or backward pass over a range of
// images; parts get their own scratch buffers.
type convTask struct {
	back                             bool
	x, w, b, y, cols                 []float32
	gy, gx, gw                       []float32
	parts                            [][]float32 // per-part scratch (col or dcol)
	gwParts                          [][]float32 // per-part weight gradients
	N, C, H, W, O, kh, kw, oh, ow, G int
	sh, sw, ph, pw, dh, dw           int
	direct                           bool
	// K1 is the column count of a weight row: C/G*kh*kw, plus one when the
	// bias is folded into the GEMM.
	K1 int
}

func (t *convTask) run(part, parts int) {
	lo, hi := span(t.N, part, parts)
	gemm := partGemm(parts)
	Cg, Og := t.C/t.G, t.O/t.G
	K, K1, L, HW := Cg*t.kh*t.kw, t.K1, t.oh*t.ow, t.H*t.W
	for n := lo; n < hi; n++ {
		for gi := 0; gi < t.G; gi++ {
			src := t.x[(n*t.C+gi*Cg)*HW : (n*t.C+(gi+1)*Cg)*HW]
			wg := t.w[gi*Og*K1 : (gi+1)*Og*K1]
			var col []float32
			switch {
			case t.direct:
				col = src
			case t.cols != nil:
				col = t.cols[(n*t.G+gi)*K1*L : (n*t.G+gi+1)*K1*L]
			}
			if !t.back {
				if col == nil {
					col = t.parts[part]
				}
				if !t.direct {
					tensor.Im2col(src, Cg, t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw, col)
					if K1 > K {
						tensor.Fill(col[K*L:K1*L], 1)
					}
				}
				yg := t.y[(n*t.O+gi*Og)*L : (n*t.O+(gi+1)*Og)*L]
				if K1 <= 16 {
					// A short reduction (e.g. one input channel, 3x3): a
					// few vector updates per output row beat a GEMM call.
					for o := 0; o < Og; o++ {
						row, wr := yg[o*L:(o+1)*L], wg[o*K1:(o+1)*K1]
						kk := K1
						if K1 > K {
							tensor.Fill(row, wr[K])
							kk = K
						} else {
							clear(row)
						}
						for k := 0; k < kk; k++ {
							tensor.Axpy(wr[k], col[k*L:(k+1)*L], row)
						}
					}
					continue
				}
				gemm(false, false, Og, L, K1, 1, wg, K1, col, L, 0, yg, L)
				continue
			}
			dy := t.gy[(n*t.O+gi*Og)*L : (n*t.O+(gi+1)*Og)*L]
			if t.gw != nil {
				gw := t.gwParts[part][gi*Og*K1 : (gi+1)*Og*K1]
				if Og*K1 <= 1024 {
					// A small weight (few channels, small kernel) over many
					// pixels: inner products beat a GEMM call whose packing
					// dominates at this shape.
					for o := 0; o < Og; o++ {
						dyo := dy[o*L : (o+1)*L]
						for k := 0; k < K1; k++ {
							gw[o*K1+k] += tensor.Dot(dyo, col[k*L:(k+1)*L])
						}
					}
				} else {
					gemm(false, true, Og, K1, L, 1, dy, L, col, L, 1, gw, K1)
				}
			}
			if t.gx != nil {
				dx := t.gx[(n*t.C+gi*Cg)*HW : (n*t.C+(gi+1)*Cg)*HW]
				if t.direct {
					gemm(true, false, K, L, Og, 1, wg, K1, dy, L, 1, dx, L)
				} else {
					dcol := t.parts[part]
					gemm(true, false, K, L, Og, 1, wg, K1, dy, L, 0, dcol, L)
					tensor.Col2im(dcol, Cg, t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw, dx)
				}
			}
		}
		if !t.back && t.direct && t.b != nil {
			for o, bv := range t.b {
				row := t.y[(n*t.O+o)*L : (n*t.O+o+1)*L]
				for i := range row {
					row[i] += bv
				}
			}
		}
	}
}

func conv2dBack(n *Var) {
	x, w, b := n.a, n.b, n.c
	g := n.g
	xs, ws := x.Data.Shape, w.Data.Shape
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	O, kh, kw := ws[0], ws[2], ws[3]
	oh, ow := n.Data.Shape[2], n.Data.Shape[3]
	G, K1 := n.ints[6], n.ints[7]
	L := oh * ow
	K := C / G * kh * kw
	gy := n.Grad.Data
	// The folded bias gradient comes out of the weight-gradient GEMM, which
	// needs the saved columns (present when the weight needs a gradient).
	foldedBias := K1 > K && w.requiresGrad
	if b != nil && b.requiresGrad && !foldedBias {
		gb := b.grad()
		for i := 0; i < N; i++ {
			for o := range gb {
				gb[o] += tensor.Sum(gy[(i*O+o)*L : (i*O+o+1)*L])
			}
		}
	}
	if !x.requiresGrad && !w.requiresGrad {
		return
	}
	if n.ints[8] != 0 {
		var tapsW []float32
		if n.s2 != nil {
			tapsW = n.s2.Data
		}
		conv2dBatchedBack(n, n.s1.Data, tapsW, K1)
		return
	}
	t := &g.convT
	*t = convTask{back: true, x: x.Data.Data, w: w.Data.Data, gy: gy, N: N, C: C, H: H, W: W, O: O, kh: kh, kw: kw, oh: oh, ow: ow, G: G,
		sh: n.ints[0], sw: n.ints[1], ph: n.ints[2], pw: n.ints[3], dh: n.ints[4], dw: n.ints[5], K1: K1,
		parts: t.parts[:0], gwParts: t.gwParts[:0]}
	t.direct = kh == 1 && kw == 1 && t.sh == 1 && t.sw == 1 && t.ph == 0 && t.pw == 0
	if K1 > K {
		// The forward pass's folded weights are gone with its arena slot's
		// reuse; rebuild them (only the first K columns are read).
		wb := g.buf(O * K1).Data
		for o := 0; o < O; o++ {
			copy(wb[o*K1:o*K1+K], t.w[o*K:(o+1)*K])
		}
		t.w = wb
	}
	if n.s1 != nil {
		t.cols = n.s1.Data
	}
	nparts := min(N, 8)
	if x.requiresGrad && !t.direct {
		for p := 0; p < nparts; p++ {
			t.parts = append(t.parts, g.buf(K*L).Data)
		}
	}
	if x.requiresGrad {
		t.gx = x.grad()
	}
	if w.requiresGrad {
		t.gw = w.grad()
		for p := 0; p < nparts; p++ {
			t.gwParts = append(t.gwParts, g.zbuf(O*K1).Data)
		}
	}
	g.parallel(t, nparts, N*O*L*K)
	if w.requiresGrad {
		gw := t.gw
		for _, part := range t.gwParts {
			for o := 0; o < O; o++ {
				tensor.Axpy(1, part[o*K1:o*K1+K], gw[o*K:(o+1)*K])
			}
		}
		if foldedBias && b.requiresGrad {
			gb := b.grad()
			for _, part := range t.gwParts {
				for o := 0; o < O; o++ {
					gb[o] += part[o*K1+K]
				}
			}
		}
	}
}

// ConvTranspose2d is the transpose (gradient) of Conv2d with respect to
// its input, often called a deconvolution.
type ConvTranspose2d struct {
	InChannels, OutChannels int
	KernelSize              [2]int
	ConvOptions
	// Weight is in_channels x out_channels/groups x kh x kw.
	Weight *Var
	// Bias has out_channels elements, or is nil.
	Bias *Var
	// hasBias says whether allocate makes a bias.
	hasBias bool
}

// NewConvTranspose2d returns a ConvTranspose2d initialised like PyTorch's
// (whose fan-in is computed from the weight's second dimension).
func NewConvTranspose2d(in, out int, kernel [2]int, opt ConvOptions, bias bool, rng *rand.Rand) (*ConvTranspose2d, error) {
	c, err := convTranspose2dShell(in, out, kernel, opt, bias)
	if err != nil {
		return nil, err
	}
	c.allocate(rng)
	return c, nil
}

// convTranspose2dShell checks the geometry and returns the layer without
// weights.
func convTranspose2dShell(in, out int, kernel [2]int, opt ConvOptions, bias bool) (*ConvTranspose2d, error) {
	opt.normalize()
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("ConvTranspose2d: in_channels %d and out_channels %d must be positive", in, out)
	}
	if err := opt.check("ConvTranspose2d", in, out, kernel); err != nil {
		return nil, err
	}
	return &ConvTranspose2d{InChannels: in, OutChannels: out, KernelSize: kernel, ConvOptions: opt, hasBias: bias}, nil
}

// allocate makes the weights of a layer described by its fields.
func (c *ConvTranspose2d) allocate(rng *rand.Rand) {
	c.Weight = NewParam(tensor.New(c.InChannels, c.OutChannels/c.Groups, c.KernelSize[0], c.KernelSize[1]))
	var b *tensor.Tensor
	if c.hasBias {
		b = tensor.New(c.OutChannels)
		c.Bias = NewParam(b)
	}
	initLinearLike(c.Weight.Data, b, rng)
}

// sizes counts the parameters allocate makes.
func (c *ConvTranspose2d) sizes() (params, buffers int64) {
	n := mul(c.InChannels, c.OutChannels/max(c.Groups, 1), c.KernelSize[0], c.KernelSize[1])
	if c.hasBias {
		n = budget.Add(n, int64(c.OutChannels))
	}
	return n, 0
}

// workspace counts the elements of the column buffer of one sample.
func (c *ConvTranspose2d) workspace(in, out []int) int64 {
	if len(in) != 4 {
		return 0
	}
	return mul(c.OutChannels/max(c.Groups, 1), c.KernelSize[0], c.KernelSize[1], in[2], in[3])
}

// Forward applies the transposed convolution.
func (c *ConvTranspose2d) Forward(g *Graph, x *Var) *Var {
	o := c.ConvOptions
	if o.OutputPadding[0] < o.Stride[0] && o.OutputPadding[1] < o.Stride[1] {
		return g.ConvTranspose2d(x, c.Weight, c.Bias, o)
	}
	// An output_padding of at least the stride (allowed below the
	// dilation): the full transposed convolution, cropped by the padding
	// and extended by output_padding, then the bias.
	crop := padSpec{lo: []int{-o.Padding[0], -o.Padding[1]}, hi: []int{o.OutputPadding[0] - o.Padding[0], o.OutputPadding[1] - o.Padding[1]}, mode: "zeros"}
	o.Padding, o.OutputPadding = [2]int{}, [2]int{}
	return g.addChannelBias(g.padInput("ConvTranspose2d", g.ConvTranspose2d(x, c.Weight, nil, o), crop), c.Bias)
}

// Parameters returns weight and bias.
func (c *ConvTranspose2d) Parameters() []Param {
	ps := []Param{{Name: "weight", Var: c.Weight, Trainable: true}}
	if c.Bias != nil {
		ps = append(ps, Param{Name: "bias", Var: c.Bias, Trainable: true})
	}
	return ps
}

// Train has no effect.
func (c *ConvTranspose2d) Train(bool) {}

// Name returns "ConvTranspose2d".
func (c *ConvTranspose2d) Name() string { return "ConvTranspose2d" }

func convTOut(in, k, pad, stride, dil, outPad int) int {
	return (in-1)*stride - 2*pad + dil*(k-1) + outPad + 1
}

// OutShape returns (N, out_channels, H', W').
func (c *ConvTranspose2d) OutShape(in []int) ([]int, error) {
	if len(in) != 4 || in[1] != c.InChannels {
		return nil, shapeErr("ConvTranspose2d", fmt.Sprintf("(N, %d, H, W)", c.InChannels), in)
	}
	oh := convTOut(in[2], c.KernelSize[0], c.Padding[0], c.Stride[0], c.Dilation[0], c.OutputPadding[0])
	ow := convTOut(in[3], c.KernelSize[1], c.Padding[1], c.Stride[1], c.Dilation[1], c.OutputPadding[1])
	if oh < 1 || ow < 1 {
		return nil, fmt.Errorf("ConvTranspose2d: output size %dx%d is not positive for input %dx%d", oh, ow, in[2], in[3])
	}
	return []int{in[0], c.OutChannels, oh, ow}, nil
}

// ConvTranspose2d applies a transposed convolution of x (N, Cin, H, W) with
// w (Cin, Cout/groups, kh, kw) and bias b (Cout, or nil).
func (g *Graph) ConvTranspose2d(x, w, b *Var, opt ConvOptions) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	opt.normalize()
	xs, ws := x.Data.Shape, w.Data.Shape
	if len(xs) != 4 || len(ws) != 4 || opt.Groups < 1 || xs[1] != ws[0] || ws[0]%opt.Groups != 0 {
		return g.fail("ConvTranspose2d: input of shape %v does not match weight of shape %v (expected (N, %d, H, W))", xs, ws, ws[0])
	}
	for i := 0; i < 2; i++ {
		if opt.OutputPadding[i] >= opt.Stride[i] || opt.OutputPadding[i] < 0 {
			return g.fail("ConvTranspose2d: output_padding %v must be smaller than stride %v", opt.OutputPadding, opt.Stride)
		}
	}
	N, Cin, H, W := xs[0], xs[1], xs[2], xs[3]
	G := opt.Groups
	Cig, Cog, kh, kw := Cin/G, ws[1], ws[2], ws[3]
	Cout := Cog * G
	if b != nil && len(b.Data.Data) != Cout {
		return g.fail("ConvTranspose2d: bias of shape %v, expected (%d)", b.Data.Shape, Cout)
	}
	oh := convTOut(H, kh, opt.Padding[0], opt.Stride[0], opt.Dilation[0], opt.OutputPadding[0])
	ow := convTOut(W, kw, opt.Padding[1], opt.Stride[1], opt.Dilation[1], opt.OutputPadding[1])
	if oh < 1 || ow < 1 {
		return g.fail("ConvTranspose2d: output size %dx%d is not positive for input %dx%d", oh, ow, H, W)
	}
	KK, HW, OL := Cog*kh*kw, H*W, oh*ow
	y := g.zbuf(N, Cout, oh, ow)
	col := g.buf(KK * HW).Data
	xd, wd, yd := x.Data.Data, w.Data.Data, y.Data
	for n := 0; n < N; n++ {
		for gi := 0; gi < G; gi++ {
			xg := xd[(n*Cin+gi*Cig)*HW : (n*Cin+(gi+1)*Cig)*HW]
			wg := wd[gi*Cig*KK : (gi+1)*Cig*KK]
			tensor.Gemm(true, false, KK, HW, Cig, 1, wg, KK, xg, HW, 0, col, HW)
			tensor.Col2im(col, Cog, oh, ow, kh, kw, opt.Padding[0], opt.Padding[1], opt.Stride[0], opt.Stride[1], opt.Dilation[0], opt.Dilation[1], yd[(n*Cout+gi*Cog)*OL:(n*Cout+(gi+1)*Cog)*OL])
		}
		if b != nil {
			for o, bv := range b.Data.Data {
				row := yd[(n*Cout+o)*OL : (n*Cout+o+1)*OL]
				for i := range row {
					row[i] += bv
				}
			}
		}
	}
	node := g.newNode(y, convT2dBack, x, w, b)
	node.ints = [10]int{opt.Stride[0], opt.Stride[1], opt.Padding[0], opt.Padding[1], opt.Dilation[0], opt.Dilation[1], G, 0, 0, 0}
	return node
}

func convT2dBack(n *Var) {
	x, w, b := n.a, n.b, n.c
	xs, ws := x.Data.Shape, w.Data.Shape
	N, Cin, H, W := xs[0], xs[1], xs[2], xs[3]
	sh, sw, ph, pw, dh, dw, G := n.ints[0], n.ints[1], n.ints[2], n.ints[3], n.ints[4], n.ints[5], n.ints[6]
	Cig, Cog, kh, kw := Cin/G, ws[1], ws[2], ws[3]
	Cout := Cog * G
	oh, ow := n.Data.Shape[2], n.Data.Shape[3]
	KK, HW, OL := Cog*kh*kw, H*W, oh*ow
	gy, wd, xd := n.Grad.Data, w.Data.Data, x.Data.Data
	if b != nil && b.requiresGrad {
		gb := b.grad()
		for i := 0; i < N; i++ {
			for o := range gb {
				gb[o] += float32(sum64(gy[(i*Cout+o)*OL : (i*Cout+o+1)*OL]))
			}
		}
	}
	if !x.requiresGrad && !w.requiresGrad {
		return
	}
	dcol := n.g.buf(KK * HW).Data
	for i := 0; i < N; i++ {
		for gi := 0; gi < G; gi++ {
			tensor.Im2col(gy[(i*Cout+gi*Cog)*OL:(i*Cout+(gi+1)*Cog)*OL], Cog, oh, ow, kh, kw, ph, pw, sh, sw, dh, dw, dcol)
			wg := wd[gi*Cig*KK : (gi+1)*Cig*KK]
			if x.requiresGrad {
				tensor.Gemm(false, false, Cig, HW, KK, 1, wg, KK, dcol, HW, 1, x.grad()[(i*Cin+gi*Cig)*HW:(i*Cin+(gi+1)*Cig)*HW], HW)
			}
			if w.requiresGrad {
				tensor.Gemm(false, true, Cig, KK, HW, 1, xd[(i*Cin+gi*Cig)*HW:(i*Cin+(gi+1)*Cig)*HW], HW, dcol, HW, 1, w.grad()[gi*Cig*KK:(gi+1)*Cig*KK], KK)
			}
		}
	}
}

// conv2dArgs are torch.nn.Conv2d's keyword arguments after in_channels
// (LazyConv2d's).
type conv2dArgs struct {
	OutChannels int     `json:"out_channels" required:"true" min:"1" nlabels:"true" help:"channels of the output"`
	KernelSize  Pair    `json:"kernel_size" required:"true" min:"1" help:"window height and width (an int for a square)"`
	Stride      Pair    `json:"stride" min:"1" help:"step of the window"`
	Padding     Padding `json:"padding" min:"0" help:"padding on every side: an int, a pair, \"valid\" or (stride 1) \"same\""`
	Dilation    Pair    `json:"dilation" min:"1" help:"spacing between kernel elements"`
	Groups      int     `json:"groups" min:"1" help:"blocked connections from input to output channels (in_channels for depthwise)"`
	Bias        bool    `json:"bias" help:"learn an additive bias"`
	PaddingMode string  `json:"padding_mode" enum:"zeros,reflect,replicate,circular" help:"how the padding is filled"`
}

// Conv2dParams are torch.nn.Conv2d's keyword arguments, in PyTorch's
// order.
type Conv2dParams struct {
	InChannels int `json:"in_channels" auto:"true" min:"1" help:"channels of the input"`
	conv2dArgs
}

// LazyConv2dParams are torch.nn.LazyConv2d's keyword arguments: Conv2d's
// but in_channels, which is always inferred.
type LazyConv2dParams struct{ conv2dArgs }

// convTranspose2dArgs are torch.nn.ConvTranspose2d's keyword arguments
// after in_channels (LazyConvTranspose2d's).
type convTranspose2dArgs struct {
	OutChannels   int              `json:"out_channels" required:"true" min:"1" nlabels:"true" help:"channels of the output"`
	KernelSize    Pair             `json:"kernel_size" required:"true" min:"1" help:"window height and width (an int for a square)"`
	Stride        Pair             `json:"stride" min:"1" help:"step of the window"`
	Padding       TransposePadding `json:"padding" min:"0" help:"zero padding removed from the output: an int, a pair or \"valid\""`
	OutputPadding Pair             `json:"output_padding" min:"0" help:"extra size added to one side of the output"`
	Groups        int              `json:"groups" min:"1" help:"blocked connections from input to output channels"`
	Bias          bool             `json:"bias" help:"learn an additive bias"`
	Dilation      Pair             `json:"dilation" min:"1" help:"spacing between kernel elements"`
	PaddingMode   string           `json:"padding_mode" enum:"zeros,reflect,replicate,circular" help:"only \"zeros\" (PyTorch refuses the others for transposed convolutions)"`
}

// ConvTranspose2dParams are torch.nn.ConvTranspose2d's keyword arguments,
// in PyTorch's order.
type ConvTranspose2dParams struct {
	InChannels int `json:"in_channels" auto:"true" min:"1" help:"channels of the input"`
	convTranspose2dArgs
}

// LazyConvTranspose2dParams are torch.nn.LazyConvTranspose2d's keyword
// arguments: ConvTranspose2d's but in_channels, always inferred.
type LazyConvTranspose2dParams struct{ convTranspose2dArgs }

// divisible refuses channels that groups does not divide, as PyTorch does.
func divisible(in, out, groups int) error {
	if in%groups != 0 {
		return fmt.Errorf("in_channels %d must be divisible by groups %d", in, groups)
	}
	if out%groups != 0 {
		return fmt.Errorf("out_channels %d must be divisible by groups %d", out, groups)
	}
	return nil
}

func buildConv2d(in int, p conv2dArgs, c *layerCtx) (Module, error) {
	in, err := orAuto(in, "in_channels", c.channels)
	if err != nil {
		return nil, err
	}
	if err := divisible(in, p.OutChannels, p.Groups); err != nil {
		return nil, err
	}
	if err := checkPaddingMode("Conv2d", p.PaddingMode, false); err != nil {
		return nil, err
	}
	lo, hi := p.Padding.Size, p.Padding.Size
	if p.Padding.Same {
		if p.Stride != (Pair{1, 1}) {
			return nil, fmt.Errorf("padding \"same\" needs stride 1 (PyTorch does not support it for strided convolutions), got stride %v", p.Stride)
		}
		l, h := samePadding(p.KernelSize[:], p.Dilation[:])
		lo, hi = Pair{l[0], l[1]}, Pair{h[0], h[1]}
	}
	conv, err := conv2dShell(in, p.OutChannels, p.KernelSize, ConvOptions{Stride: p.Stride, Dilation: p.Dilation, Groups: p.Groups}, p.Bias)
	if err != nil {
		return nil, err
	}
	conv.withPadding(p.PaddingMode, lo, hi)
	return conv, nil
}

func buildConvTranspose2d(in int, p convTranspose2dArgs, c *layerCtx) (Module, error) {
	in, err := orAuto(in, "in_channels", c.channels)
	if err != nil {
		return nil, err
	}
	if err := divisible(in, p.OutChannels, p.Groups); err != nil {
		return nil, err
	}
	if err := checkPaddingMode("ConvTranspose2d", p.PaddingMode, true); err != nil {
		return nil, err
	}
	opt := ConvOptions{Stride: p.Stride, Padding: p.Padding.Size, Dilation: p.Dilation, OutputPadding: p.OutputPadding, Groups: p.Groups}
	return convTranspose2dShell(in, p.OutChannels, p.KernelSize, opt, p.Bias)
}

func init() {
	c2 := conv2dArgs{Stride: Pair{1, 1}, Dilation: Pair{1, 1}, Groups: 1, Bias: true, PaddingMode: "zeros"}
	ct2 := convTranspose2dArgs{Stride: Pair{1, 1}, Dilation: Pair{1, 1}, Groups: 1, Bias: true, PaddingMode: "zeros"}
	registerLayer("Conv2d", "2-D convolution over (N, C, H, W)", func() Conv2dParams { return Conv2dParams{conv2dArgs: c2} },
		func(p Conv2dParams, c *layerCtx) (Module, error) { return buildConv2d(p.InChannels, p.conv2dArgs, c) })
	registerLayer("LazyConv2d", "Conv2d whose in_channels is inferred from the input", func() LazyConv2dParams { return LazyConv2dParams{c2} },
		func(p LazyConv2dParams, c *layerCtx) (Module, error) { return buildConv2d(0, p.conv2dArgs, c) })
	registerLayer("ConvTranspose2d", "2-D transposed convolution (fractionally strided)",
		func() ConvTranspose2dParams { return ConvTranspose2dParams{convTranspose2dArgs: ct2} },
		func(p ConvTranspose2dParams, c *layerCtx) (Module, error) {
			return buildConvTranspose2d(p.InChannels, p.convTranspose2dArgs, c)
		})
	registerLayer("LazyConvTranspose2d", "ConvTranspose2d whose in_channels is inferred from the input",
		func() LazyConvTranspose2dParams { return LazyConvTranspose2dParams{ct2} },
		func(p LazyConvTranspose2dParams, c *layerCtx) (Module, error) {
			return buildConvTranspose2d(0, p.convTranspose2dArgs, c)
		})
}
