package nn

import (
	"fmt"

	"github.com/mlforge/mlforge/tensor"
)

// Unfold extracts sliding local blocks of an (N, C, H, W) input into
// columns (N, C·kh·kw, L), like torch.nn.Unfold: L counts the blocks, and
// column l holds block l's values, channel-major then kernel row and
// column (tensor.Im2col, one sample at a time).
type Unfold struct {
	noParams
	KernelSize, Dilation, Padding, Stride [2]int
}

// Name returns "Unfold".
func (*Unfold) Name() string { return "Unfold" }

// blocks returns the number of blocks along height and width of an h x w
// image.
func foldBlocks(h, w int, k, d, p, s [2]int) (int, int) {
	return convOut(h, k[0], p[0], s[0], d[0]), convOut(w, k[1], p[1], s[1], d[1])
}

// OutShape returns (N, C·kh·kw, L).
func (u *Unfold) OutShape(in []int) ([]int, error) {
	if len(in) != 4 {
		return nil, shapeErr("Unfold", "(N, C, H, W)", in)
	}
	bh, bw := foldBlocks(in[2], in[3], u.KernelSize, u.Dilation, u.Padding, u.Stride)
	if bh < 1 || bw < 1 {
		return nil, fmt.Errorf("Unfold: input of shape %v is too small for kernel_size %v, dilation %v and padding %v (%dx%d blocks)", in, u.KernelSize, u.Dilation, u.Padding, bh, bw)
	}
	return []int{in[0], in[1] * u.KernelSize[0] * u.KernelSize[1], bh * bw}, nil
}

// Forward unfolds x.
func (u *Unfold) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := u.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	xs := x.Data.Shape
	y := g.buf(out...)
	S, L := xs[1]*xs[2]*xs[3], out[1]*out[2]
	k, d, p, s := u.KernelSize, u.Dilation, u.Padding, u.Stride
	for n := range xs[0] {
		tensor.Im2col(x.Data.Data[n*S:(n+1)*S], xs[1], xs[2], xs[3], k[0], k[1], p[0], p[1], s[0], s[1], d[0], d[1], y.Data[n*L:(n+1)*L])
	}
	node := g.newNode(y, unfoldBack, x, nil, nil)
	node.ctx = u
	return node
}

func unfoldBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	u := n.ctx.(*Unfold)
	xs, ys := n.a.Data.Shape, n.Data.Shape
	S, L := xs[1]*xs[2]*xs[3], ys[1]*ys[2]
	k, d, p, s := u.KernelSize, u.Dilation, u.Padding, u.Stride
	ga := n.a.grad()
	for i := range xs[0] {
		tensor.Col2im(n.Grad.Data[i*L:(i+1)*L], xs[1], xs[2], xs[3], k[0], k[1], p[0], p[1], s[0], s[1], d[0], d[1], ga[i*S:(i+1)*S])
	}
}

// Fold combines columns (N, C·kh·kw, L) into an image (N, C, H, W) of
// OutputSize, summing overlapping values, like torch.nn.Fold: the adjoint
// of Unfold (tensor.Col2im).
type Fold struct {
	noParams
	OutputSize, KernelSize, Dilation, Padding, Stride [2]int
}

// Name returns "Fold".
func (*Fold) Name() string { return "Fold" }

// OutShape returns (N, C, H, W).
func (f *Fold) OutShape(in []int) ([]int, error) {
	if len(in) != 3 {
		return nil, shapeErr("Fold", "(N, C·kh·kw, L)", in)
	}
	kk := f.KernelSize[0] * f.KernelSize[1]
	if in[1]%kk != 0 {
		return nil, fmt.Errorf("Fold: dimension 1 of input shape %v must be divisible by the product of kernel_size %v (%d)", in, f.KernelSize, kk)
	}
	bh, bw := foldBlocks(f.OutputSize[0], f.OutputSize[1], f.KernelSize, f.Dilation, f.Padding, f.Stride)
	if bh < 1 || bw < 1 || bh*bw != in[2] {
		return nil, fmt.Errorf("Fold: output_size %v, kernel_size %v, dilation %v, padding %v and stride %v give %dx%d sliding blocks, but dimension 2 of input shape %v is %d",
			f.OutputSize, f.KernelSize, f.Dilation, f.Padding, f.Stride, max(bh, 0), max(bw, 0), in, in[2])
	}
	return []int{in[0], in[1] / kk, f.OutputSize[0], f.OutputSize[1]}, nil
}

// Forward folds x.
func (f *Fold) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := f.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	y := g.zbuf(out...)
	C, H, W := out[1], out[2], out[3]
	S, L := C*H*W, x.Data.Shape[1]*x.Data.Shape[2]
	k, d, p, s := f.KernelSize, f.Dilation, f.Padding, f.Stride
	for n := range out[0] {
		tensor.Col2im(x.Data.Data[n*L:(n+1)*L], C, H, W, k[0], k[1], p[0], p[1], s[0], s[1], d[0], d[1], y.Data[n*S:(n+1)*S])
	}
	node := g.newNode(y, foldBack, x, nil, nil)
	node.ctx = f
	return node
}

func foldBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	f := n.ctx.(*Fold)
	ys, xs := n.Data.Shape, n.a.Data.Shape
	C, H, W := ys[1], ys[2], ys[3]
	S, L := C*H*W, xs[1]*xs[2]
	k, d, p, s := f.KernelSize, f.Dilation, f.Padding, f.Stride
	ga, col := n.a.grad(), n.g.buf(L).Data
	for i := range ys[0] {
		tensor.Im2col(n.Grad.Data[i*S:(i+1)*S], C, H, W, k[0], k[1], p[0], p[1], s[0], s[1], d[0], d[1], col)
		tensor.Axpy(1, col, ga[i*L:(i+1)*L])
	}
}

// UnfoldParams are torch.nn.Unfold's keyword arguments.
type UnfoldParams struct {
	KernelSize Pair `json:"kernel_size" required:"true" min:"1" help:"block height and width (an int for a square)"`
	Dilation   Pair `json:"dilation" min:"1" help:"spacing between block elements"`
	Padding    Pair `json:"padding" min:"0" help:"implicit zero padding on both sides"`
	Stride     Pair `json:"stride" min:"1" help:"step between blocks"`
}

// FoldParams are torch.nn.Fold's keyword arguments.
type FoldParams struct {
	OutputSize Pair `json:"output_size" required:"true" min:"1" help:"height and width of the output image"`
	UnfoldParams
}

func init() {
	def := UnfoldParams{Dilation: Pair{1, 1}, Stride: Pair{1, 1}}
	registerLayer("Unfold", "sliding blocks of (N, C, H, W) as columns (N, C·kh·kw, L) (im2col)", func() UnfoldParams { return def },
		func(p UnfoldParams, _ *layerCtx) (Module, error) {
			return &Unfold{KernelSize: p.KernelSize, Dilation: p.Dilation, Padding: p.Padding, Stride: p.Stride}, nil
		})
	registerLayer("Fold", "columns (N, C·kh·kw, L) summed into an image (N, C, H, W) (col2im)", func() FoldParams { return FoldParams{UnfoldParams: def} },
		func(p FoldParams, _ *layerCtx) (Module, error) {
			return &Fold{OutputSize: p.OutputSize, KernelSize: p.KernelSize, Dilation: p.Dilation, Padding: p.Padding, Stride: p.Stride}, nil
		})
}
