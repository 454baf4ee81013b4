package nn

import "fmt"

// PixelShuffle rearranges (*, C·r², H, W) into (*, C, H·r, W·r), like
// torch.nn.PixelShuffle with upscale factor r: output (c, h·r + i, w·r + j)
// is input channel c·r² + i·r + j at (h, w).
type PixelShuffle struct {
	noParams
	UpscaleFactor int
}

// Name returns "PixelShuffle".
func (*PixelShuffle) Name() string { return "PixelShuffle" }

// OutShape returns (*, C, H·r, W·r).
func (p *PixelShuffle) OutShape(in []int) ([]int, error) {
	r := p.UpscaleFactor
	if len(in) < 3 {
		return nil, fmt.Errorf("PixelShuffle: expected an input of at least 3 dimensions (*, C, H, W), got shape %v", in)
	}
	c := in[len(in)-3]
	if r < 1 || c%(r*r) != 0 {
		return nil, fmt.Errorf("PixelShuffle: channels %d of input shape %v are not divisible by upscale_factor² = %d", c, in, r*r)
	}
	out := append([]int(nil), in...)
	out[len(in)-3], out[len(in)-2], out[len(in)-1] = c/(r*r), in[len(in)-2]*r, in[len(in)-1]*r
	return out, nil
}

// index calls f(output index, input index) for every element of an input
// of shape in.
func (p *PixelShuffle) index(in []int, f func(o, i int)) {
	r := p.UpscaleFactor
	c, h, w := in[len(in)-3], in[len(in)-2], in[len(in)-1]
	oc, oh, ow := c/(r*r), h*r, w*r
	blk := c * h * w
	for b := 0; b < int(mul(in...))/max(blk, 1); b++ {
		for ch := range oc {
			for i := range r {
				for j := range r {
					src := b*blk + ((ch*r+i)*r+j)*h*w
					for y := range h {
						dst := b*blk + (ch*oh+y*r+i)*ow + j
						for x := range w {
							f(dst+x*r, src+y*w+x)
						}
					}
				}
			}
		}
	}
}

// Forward rearranges x.
func (p *PixelShuffle) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := p.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	y := g.buf(out...)
	xd, yd := x.Data.Data, y.Data
	p.index(x.Data.Shape, func(o, i int) { yd[o] = xd[i] })
	n := g.newNode(y, pixelShuffleBack, x, nil, nil)
	n.ctx = p
	return n
}

func pixelShuffleBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, gy := n.a.grad(), n.Grad.Data
	n.ctx.(*PixelShuffle).index(n.a.Data.Shape, func(o, i int) { ga[i] += gy[o] })
}

// ChannelShuffle splits the C channels of (N, C, *) into Groups groups and
// interleaves them, like torch.nn.ChannelShuffle: output channel
// j·Groups + i is input channel i·(C/Groups) + j.
type ChannelShuffle struct {
	noParams
	Groups int
}

// Name returns "ChannelShuffle".
func (*ChannelShuffle) Name() string { return "ChannelShuffle" }

// OutShape returns in, or an error when the channels do not divide.
func (s *ChannelShuffle) OutShape(in []int) ([]int, error) {
	if len(in) < 3 {
		return nil, fmt.Errorf("ChannelShuffle: expected an input of at least 3 dimensions (N, C, *), got shape %v", in)
	}
	if s.Groups < 1 || in[1]%s.Groups != 0 {
		return nil, fmt.Errorf("ChannelShuffle: channels %d of input shape %v are not divisible by groups %d", in[1], in, s.Groups)
	}
	return in, nil
}

// Forward shuffles the channels of x.
func (s *ChannelShuffle) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := s.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	y := g.bufLike(x.Data)
	s.copy(x.Data.Shape, y.Data, x.Data.Data, false)
	n := g.newNode(y, channelShuffleBack, x, nil, nil)
	n.ctx = s
	return n
}

// copy moves whole channels: dst's shuffled channel from src's (back
// false), or adds the gradient the other way (back true).
func (s *ChannelShuffle) copy(shape []int, dst, src []float32, back bool) {
	c, g := shape[1], s.Groups
	inner := int(mul(shape[2:]...))
	for b := range shape[0] {
		for i := range g {
			for j := range c / g {
				in := (b*c + i*(c/g) + j) * inner
				out := (b*c + j*g + i) * inner
				if back {
					axpy(dst[in:in+inner], 1, src[out:out+inner])
				} else {
					copy(dst[out:out+inner], src[in:in+inner])
				}
			}
		}
	}
}

func channelShuffleBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	n.ctx.(*ChannelShuffle).copy(n.a.Data.Shape, n.a.grad(), n.Grad.Data, true)
}

// PixelShuffleParams are torch.nn.PixelShuffle's keyword arguments.
type PixelShuffleParams struct {
	UpscaleFactor int `json:"upscale_factor" required:"true" min:"1" help:"factor r: (C·r², H, W) becomes (C, H·r, W·r)"`
}

// ChannelShuffleParams are torch.nn.ChannelShuffle's keyword arguments.
type ChannelShuffleParams struct {
	Groups int `json:"groups" required:"true" min:"1" help:"number of groups the channels are split into"`
}

func init() {
	registerLayer("PixelShuffle", "rearrange (C·r², H, W) into (C, H·r, W·r)", func() PixelShuffleParams { return PixelShuffleParams{} },
		func(p PixelShuffleParams, _ *layerCtx) (Module, error) {
			return &PixelShuffle{UpscaleFactor: p.UpscaleFactor}, nil
		})
	registerLayer("ChannelShuffle", "interleave the channels of groups", func() ChannelShuffleParams { return ChannelShuffleParams{} },
		func(p ChannelShuffleParams, _ *layerCtx) (Module, error) {
			return &ChannelShuffle{Groups: p.Groups}, nil
		})
}
