package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ChannelDropout zeroes whole channels, each with probability P, in
// training mode and scales the others by 1/(1-P) (torch.nn.Dropout1d, 2d
// and 3d); in evaluation mode it is the identity. A channel is input[n, c]
// of an (N, C, ...) input, or input[c] of an unbatched one (Dropout1d's
// (C, L), Dropout3d's (C, D, H, W)). Its random numbers come from its own
// generator.
type ChannelDropout struct {
	mode
	noGradParams
	P float64
	// Dims is 1, 2 or 3.
	Dims int
	rng  *rand.Rand
}

func (d *ChannelDropout) allocate(rng *rand.Rand) {
	if d.rng == nil {
		d.rng = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	}
}

// Name returns "Dropout1d", "Dropout2d" or "Dropout3d".
func (d *ChannelDropout) Name() string { return fmt.Sprintf("Dropout%dd", d.Dims) }

// channels returns the number of channels of an input, as PyTorch 1.13
// counts them: Dropout1d takes (N, C, L) or (C, L); Dropout2d any input of
// at least 2 dimensions as (N, C, ...) (PyTorch warns for other than 4-d,
// and reads 3-d inputs as (N, C, L)); Dropout3d (C, D, H, W) unbatched and
// anything else of at least 2 dimensions as (N, C, ...).
func (d *ChannelDropout) channels(in []int) (int, error) {
	switch {
	case d.Dims == 1 && len(in) == 2, d.Dims == 3 && len(in) == 4:
		return in[0], nil
	case d.Dims == 1 && len(in) != 3, len(in) < 2:
		want := "(N, C, L) or (C, L)"
		if d.Dims != 1 {
			want = "(N, C, ...)"
		}
		return 0, shapeErr(d.Name(), want, in)
	}
	return in[0] * in[1], nil
}

// OutShape checks the input and returns it.
func (d *ChannelDropout) OutShape(in []int) ([]int, error) {
	if _, err := d.channels(in); err != nil {
		return nil, err
	}
	return in, nil
}

// Forward drops channels in training mode.
func (d *ChannelDropout) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	units, err := d.channels(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	if d.eval || d.P == 0 {
		return x
	}
	if d.rng == nil {
		return g.fail("%s: no random generator (build it with NewLayer or Build)", d.Name())
	}
	L := len(x.Data.Data) / max(units, 1)
	mask, out := g.bufLike(x.Data), g.bufLike(x.Data)
	scale := float32(0)
	if d.P < 1 {
		scale = float32(1 / (1 - d.P))
	}
	for u := 0; u < units; u++ {
		m := scale
		if d.rng.Float64() < d.P {
			m = 0
		}
		for i := u * L; i < (u+1)*L; i++ {
			mask.Data[i] = m
			out.Data[i] = x.Data.Data[i] * m
		}
	}
	n := g.newNode(out, dropoutBack, x, nil, nil)
	n.s1 = mask
	return n
}

// alphaDropoutAlpha is -SELU's negative saturation, scale·alpha, as
// PyTorch writes it.
const alphaDropoutAlpha = 1.7580993408473766

// AlphaDropout keeps the mean and variance of SELU activations in training
// mode (torch.nn.AlphaDropout): each element is dropped with probability P
// and set to SELU's saturation value -α', and the result is scaled by a and
// shifted by b so that a unit-normal input stays unit-normal:
//
//	a = 1/√((α'²·P + 1)(1 - P)),  kept: a·x + α'·a·P,  dropped: α'·a·(P - 1)
//
// In evaluation mode it is the identity; with P = 1 the output is 0.
type AlphaDropout struct {
	mode
	noGradParams
	P   float64
	rng *rand.Rand
}

func (d *AlphaDropout) allocate(rng *rand.Rand) {
	if d.rng == nil {
		d.rng = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	}
}

// Name returns "AlphaDropout".
func (*AlphaDropout) Name() string { return "AlphaDropout" }

// OutShape returns in.
func (*AlphaDropout) OutShape(in []int) ([]int, error) { return in, nil }

// Forward applies alpha dropout in training mode.
func (d *AlphaDropout) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if d.eval || d.P == 0 {
		return x
	}
	if d.rng == nil {
		return g.fail("AlphaDropout: no random generator (build it with NewLayer or Build)")
	}
	mask, out := g.bufLike(x.Data), g.bufLike(x.Data)
	if d.P >= 1 {
		for i := range out.Data {
			out.Data[i], mask.Data[i] = 0, 0
		}
	} else {
		p := d.P
		a := 1 / math.Sqrt((alphaDropoutAlpha*alphaDropoutAlpha*p+1)*(1-p))
		kept, dropped := float32(alphaDropoutAlpha*a*p), float32(alphaDropoutAlpha*a*(p-1))
		fa := float32(a)
		for i, v := range x.Data.Data {
			if d.rng.Float64() < p {
				mask.Data[i], out.Data[i] = 0, dropped
			} else {
				mask.Data[i], out.Data[i] = fa, v*fa+kept
			}
		}
	}
	n := g.newNode(out, dropoutBack, x, nil, nil)
	n.s1 = mask
	return n
}

func init() {
	for dims := 1; dims <= 3; dims++ {
		registerLayer(fmt.Sprintf("Dropout%dd", dims), "zero whole channels with probability p during training",
			func() DropoutParams { return DropoutParams{P: 0.5} },
			func(p DropoutParams, _ *layerCtx) (Module, error) { return &ChannelDropout{P: p.P, Dims: dims}, nil })
	}
	registerLayer("AlphaDropout", "dropout that keeps SELU activations' mean and variance during training",
		func() DropoutParams { return DropoutParams{P: 0.5} },
		func(p DropoutParams, _ *layerCtx) (Module, error) { return &AlphaDropout{P: p.P}, nil })
}

// workspace counts the mask kept for the backward pass, per sample.
func (*ChannelDropout) workspace(in, _ []int) int64 { return mul(in[1:]...) }

// workspace counts the mask kept for the backward pass, per sample.
func (*AlphaDropout) workspace(in, _ []int) int64 { return mul(in[1:]...) }
