package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Dropout zeroes each element with probability P in training mode and
// scales the rest by 1/(1-P); in evaluation mode it is the identity. Its
// random numbers come from its own generator, so runs are reproducible.
type Dropout struct {
	mode
	noGradParams
	P   float64
	rng *rand.Rand
	// pcg is rng's source when allocate made it, for Graph.dropMask.
	pcg *rand.PCG
}

// noGradParams provides Parameters for modules without parameters that
// still have a mode.
type noGradParams struct{}

// Parameters returns nil.
func (noGradParams) Parameters() []Param { return nil }

// NewDropout returns a Dropout with probability p drawing from rng.
func NewDropout(p float64, rng *rand.Rand) (*Dropout, error) {
	if !(p >= 0 && p <= 1) {
		return nil, fmt.Errorf("Dropout: p is %v, expected a probability in [0, 1]", p)
	}
	return &Dropout{P: p, rng: rng}, nil
}

// allocate seeds the generator of a Dropout built without one.
func (d *Dropout) allocate(rng *rand.Rand) {
	if d.rng == nil {
		d.pcg = rand.NewPCG(rng.Uint64(), rng.Uint64())
		d.rng = rand.New(d.pcg)
	}
}

// Forward applies dropout in training mode.
func (d *Dropout) Forward(g *Graph, x *Var) *Var {
	if d.eval || d.P == 0 {
		return x
	}
	if d.pcg != nil {
		return g.dropoutPCG(x, d.P, d.pcg)
	}
	return g.Dropout(x, d.P, d.rng)
}

// OutShape returns in.
func (d *Dropout) OutShape(in []int) ([]int, error) { return in, nil }

// Name returns "Dropout".
func (d *Dropout) Name() string { return "Dropout" }

// Dropout zeroes elements of x with probability p, scaling the others by
// 1/(1-p), drawing from rng.
func (g *Graph) Dropout(x *Var, p float64, rng *rand.Rand) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if !(p >= 0 && p <= 1) {
		return g.fail("Dropout: p is %v, expected a probability in [0, 1]", p)
	}
	mask := g.bufLike(x.Data)
	out := g.bufLike(x.Data)
	scale := float32(0)
	if p < 1 {
		scale = float32(1 / (1 - p))
	}
	// rng.Float64() < p, without the conversion: Float64 is the low 53
	// bits of Uint64 over 2^53, so the test is those bits < ceil(p*2^53).
	thr := uint64(math.Ceil(p * (1 << 53)))
	for i, v := range x.Data.Data {
		if rng.Uint64()&(1<<53-1) < thr {
			mask.Data[i] = 0
		} else {
			mask.Data[i] = scale
		}
		out.Data[i] = v * mask.Data[i]
	}
	n := g.newNode(out, dropoutBack, x, nil, nil)
	n.s1 = mask
	return n
}

// dropoutPCG is Dropout drawing from rng's source pcg: the same mask
// (Graph.dropMask draws the same numbers), filled in parallel.
func (g *Graph) dropoutPCG(x *Var, p float64, pcg *rand.PCG) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if !(p >= 0 && p <= 1) {
		return g.fail("Dropout: p is %v, expected a probability in [0, 1]", p)
	}
	mask := g.bufLike(x.Data)
	out := g.bufLike(x.Data)
	g.dropMask(mask.Data, p, pcg, x.Data.Data, out.Data)
	n := g.newNode(out, dropoutBack, x, nil, nil)
	n.s1 = mask
	return n
}

func dropoutBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, m, gy := n.a.grad(), n.s1.Data, n.Grad.Data
	for i, v := range gy {
		ga[i] += v * m[i]
	}
}

// DropoutParams are torch.nn.Dropout's keyword arguments.
type DropoutParams struct {
	P       float64 `json:"p" min:"0" max:"1" expect:"a probability" help:"probability of an element to be zeroed"`
	Inplace bool    `json:"inplace" help:"accepted for PyTorch compatibility"`
}

func init() {
	registerLayer("Dropout", "zero elements with probability p during training", func() DropoutParams { return DropoutParams{P: 0.5} },
		func(p DropoutParams, _ *layerCtx) (Module, error) { return NewDropout(p.P, nil) }) // allocate seeds it
}
