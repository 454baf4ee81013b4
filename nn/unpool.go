package nn

import (
	"fmt"
	"slices"
)

// indexSource is a max pooling that keeps the positions of its maxima
// (return_indices) for a MaxUnpool.
type indexSource interface {
	Module
	Name() string
	// indexDims returns the pooled dimensions, or 0 when the layer keeps
	// no indices.
	indexDims() int
}

func (p *PoolNd) indexDims() int {
	if p.Kind == "max" && p.ReturnIndices {
		return p.Dims
	}
	return 0
}

func (p *AdaptivePool) indexDims() int {
	if p.Kind == "max" && p.ReturnIndices {
		return p.Dims
	}
	return 0
}

// MaxUnpool is the partial inverse of a max pooling, like
// torch.nn.MaxUnpool1d/2d/3d: it writes each input value at the position
// of the maximum it came from and zeros elsewhere. In a layer list it reads
// the indices of the nearest max pooling before it with return_indices
// (Source), whose output shape its input must have; the output's spatial
// sizes are (in-1)*stride - 2*padding + kernel_size.
type MaxUnpool struct {
	noParams
	Dims                        int
	KernelSize, Stride, Padding []int
	Source                      indexSource
}

// Name returns MaxUnpool1d, MaxUnpool2d or MaxUnpool3d.
func (u *MaxUnpool) Name() string { return fmt.Sprintf("MaxUnpool%dd", u.Dims) }

// OutShape returns (N, C, *out).
func (u *MaxUnpool) OutShape(in []int) ([]int, error) {
	if len(in) != u.Dims+2 {
		return nil, shapeErr(u.Name(), spatialWords(u.Dims), in)
	}
	out := slices.Clone(in[:2])
	for i := range u.Dims {
		o := (in[2+i]-1)*u.Stride[i] - 2*u.Padding[i] + u.KernelSize[i]
		if o < 1 {
			return nil, fmt.Errorf("%s: output size %d is not positive for input of shape %v", u.Name(), o, in)
		}
		out = append(out, o)
	}
	return out, nil
}

// indices returns the indices the source recorded on g, with the shape of
// its output.
func (u *MaxUnpool) indices(g *Graph) ([]int32, []int) {
	for i := g.nnode - 1; i >= 0; i-- {
		n := g.nodes[i]
		switch c := n.ctx.(type) {
		case *poolNode:
			if c.layer == u.Source {
				return c.idx, n.Data.Shape
			}
		case *adaptiveNode:
			if indexSource(c.layer) == u.Source {
				return c.idx, n.Data.Shape
			}
		}
	}
	return nil, nil
}

// Forward scatters x to the positions of the source pooling's maxima.
func (u *MaxUnpool) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if u.Source == nil {
		return g.fail("%s: no MaxPool%dd with return_indices before it to take the indices from", u.Name(), u.Dims)
	}
	out, err := u.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	idx, shape := u.indices(g)
	if idx == nil {
		return g.fail("%s: %s has not run on this graph, so there are no indices", u.Name(), u.Source.Name())
	}
	if !sameShape(shape, x.Data.Shape) {
		return g.fail("%s: input of shape %v, expected the shape %v of the indices of %s", u.Name(), x.Data.Shape, shape, u.Source.Name())
	}
	y := g.zbuf(out...)
	L := vol3(out[2:])
	S := vol3(x.Data.Shape[2:])
	xd, yd := x.Data.Data, y.Data
	for q := range len(xd) / max(S, 1) {
		for i, j := range idx[q*S : (q+1)*S] {
			if int(j) >= L {
				return g.fail("%s: index %d of %s is out of range for the output of shape %v", u.Name(), j, u.Source.Name(), out)
			}
			yd[q*L+int(j)] = xd[q*S+i]
		}
	}
	n := g.newNode(y, maxUnpoolBack, x, nil, nil)
	n.idx = idx
	return n
}

func vol3(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

func maxUnpoolBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, gy := n.a.grad(), n.Grad.Data
	S, L := vol3(n.a.Data.Shape[2:]), vol3(n.Data.Shape[2:])
	for q := range len(ga) / max(S, 1) {
		for i, j := range n.idx[q*S : (q+1)*S] {
			ga[q*S+i] += gy[q*L+int(j)]
		}
	}
}
