package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// FractionalMaxPool is a max pooling over pseudo-random windows of size
// KernelSize whose starts spread the input over OutputSize outputs, like
// torch.nn.FractionalMaxPool2d and FractionalMaxPool3d (Graham, 2014). Each
// (sample, channel) plane draws one uniform number per dimension from the
// layer's generator, in training and evaluation alike as PyTorch does.
// OutputSize, or when it is nil OutputRatio times the input's size, sets
// the output.
type FractionalMaxPool struct {
	noParams
	Dims          int
	KernelSize    []int
	OutputSize    []int
	OutputRatio   []float64
	ReturnIndices bool
	rng           *rand.Rand
	// samples, when set, replace the draws (PyTorch's _random_samples, for
	// tests): N x C x Dims values in PyTorch's order.
	samples []float32
}

// Name returns FractionalMaxPool2d or FractionalMaxPool3d.
func (p *FractionalMaxPool) Name() string { return fmt.Sprintf("FractionalMaxPool%dd", p.Dims) }

// allocate seeds the generator of a layer built without one.
func (p *FractionalMaxPool) allocate(rng *rand.Rand) {
	if p.rng == nil && rng != nil {
		p.rng = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	}
}

func (p *FractionalMaxPool) indexDims() int {
	if p.ReturnIndices {
		return p.Dims
	}
	return 0
}

// workspace counts the indices kept for the backward pass.
func (p *FractionalMaxPool) workspace(_, out []int) int64 { return mul(out[1:]...) }

// OutShape returns (N, C, *out).
func (p *FractionalMaxPool) OutShape(in []int) ([]int, error) {
	if len(in) != p.Dims+2 {
		return nil, shapeErr(p.Name(), spatialWords(p.Dims), in)
	}
	out := slices.Clone(in[:2])
	for i := range p.Dims {
		o := 0
		if p.OutputSize != nil {
			o = p.OutputSize[i]
		} else {
			o = int(float64(in[2+i]) * p.OutputRatio[i])
		}
		if o < 1 {
			return nil, fmt.Errorf("%s: output size %d along dimension %d of input shape %v, expected a positive size", p.Name(), o, 2+i, in)
		}
		if o+p.KernelSize[i]-1 > in[2+i] {
			return nil, fmt.Errorf("%s: kernel_size %v with output size %d is too large for dimension %d of input shape %v (output+kernel-1 must be at most the input size)", p.Name(), p.KernelSize, o, 2+i, in)
		}
		out = append(out, o)
	}
	return out, nil
}

// fractionalIntervals is PyTorch's generate_intervals, in float32 as its
// kernel computes for float inputs: it fills seq (one entry per output)
// with the window starts along one dimension.
func fractionalIntervals(seq []int, sample float32, in, out, k int) []int {
	if out > 1 {
		alpha := float32(in-k) / float32(out-1)
		for i := range out - 1 {
			seq[i] = int((float32(i)+sample)*alpha) - int(sample*alpha)
		}
	}
	seq[out-1] = in - k
	return seq
}

// Forward pools x.
func (p *FractionalMaxPool) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := p.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	planes := out[0] * out[1]
	if p.samples != nil && len(p.samples) != planes*p.Dims {
		return g.fail("%s: %d random samples for %d planes", p.Name(), len(p.samples), planes)
	}
	if p.samples == nil && p.rng == nil {
		return g.fail("%s: no random generator (build the layer through Build or NewLayer with a generator)", p.Name())
	}
	var isz, osz, k [3]int
	off := 3 - p.Dims
	for i := range 3 {
		isz[i], osz[i], k[i] = 1, 1, 1
	}
	for i := range p.Dims {
		isz[off+i], osz[off+i], k[off+i] = x.Data.Shape[2+i], out[2+i], p.KernelSize[i]
	}
	y := g.buf(out...)
	idx := g.ibuf(len(y.Data))
	S, L := vol(isz), vol(osz)
	xd, yd := x.Data.Data, y.Data
	u := make([]float32, p.Dims)
	var seq [3][]int
	for d := range 3 {
		seq[d] = make([]int, osz[d])
	}
	for q := range planes {
		for i := range u {
			if p.samples != nil {
				u[i] = p.samples[q*p.Dims+i]
			} else {
				u[i] = p.rng.Float32()
			}
		}
		// PyTorch's order of the samples: width first for 2-d, depth,
		// height, width for 3-d.
		if p.Dims == 2 {
			fractionalIntervals(seq[1], u[1], isz[1], osz[1], k[1])
			fractionalIntervals(seq[2], u[0], isz[2], osz[2], k[2])
		} else {
			for d := range 3 {
				fractionalIntervals(seq[d], u[d], isz[d], osz[d], k[d])
			}
		}
		src := xd[q*S : (q+1)*S]
		o := q * L
		for _, z0 := range seq[0] {
			for _, y0 := range seq[1] {
				for _, x0 := range seq[2] {
					m, mi := float32(math.Inf(-1)), -1
					for iz := z0; iz < z0+k[0]; iz++ {
						for iy := y0; iy < y0+k[1]; iy++ {
							row := (iz*isz[1] + iy) * isz[2]
							for ix := x0; ix < x0+k[2]; ix++ {
								if v := src[row+ix]; mi < 0 || v > m || v != v {
									m, mi = v, row+ix
								}
							}
						}
					}
					yd[o], idx[o] = m, int32(mi)
					o++
				}
			}
		}
	}
	n := g.newNode(y, fractionalBack, x, nil, nil)
	n.idx = idx
	n.ctx = &poolNode{layer: p, idx: idx}
	return n
}

func fractionalBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	ga, gy := n.a.grad(), n.Grad.Data
	S, L := vol3(n.a.Data.Shape[2:]), vol3(n.Data.Shape[2:])
	for q := range len(gy) / max(L, 1) {
		for i, j := range n.idx[q*L : (q+1)*L] {
			ga[q*S+int(j)] += gy[q*L+i]
		}
	}
}

// FractionalMaxPoolParams are torch.nn.FractionalMaxPool2d's and
// FractionalMaxPool3d's keyword arguments (but _random_samples: the draws
// come from the spec's seed).
type FractionalMaxPoolParams struct {
	KernelSize    IntList   `json:"kernel_size" required:"true" min:"1" help:"window size: an int, or one per spatial dimension"`
	OutputSize    IntList   `json:"output_size" nullable:"true" min:"1" help:"output size: an int, or one per spatial dimension (this or output_ratio)"`
	OutputRatio   FloatList `json:"output_ratio" nullable:"true" gt:"0" lt:"1" help:"output size as a fraction of the input's, in (0, 1): a number, or one per dimension"`
	ReturnIndices bool      `json:"return_indices" help:"keep the positions of the maxima for a following MaxUnpool"`
}

func init() {
	for _, dims := range []int{2, 3} {
		registerLayer(fmt.Sprintf("FractionalMaxPool%dd", dims), fmt.Sprintf("%d-D max pooling over pseudo-random windows (fractional strides)", dims),
			func() FractionalMaxPoolParams { return FractionalMaxPoolParams{} },
			func(p FractionalMaxPoolParams, _ *layerCtx) (Module, error) {
				k, err := expand("kernel_size", p.KernelSize, dims, 1)
				if err != nil {
					return nil, err
				}
				fm := &FractionalMaxPool{Dims: dims, KernelSize: k, ReturnIndices: p.ReturnIndices}
				switch {
				case p.OutputSize == nil && p.OutputRatio == nil:
					return nil, fmt.Errorf("output_size or output_ratio is required (FractionalMaxPool%dd needs either an output size or a pooling ratio)", dims)
				case p.OutputSize != nil && p.OutputRatio != nil:
					return nil, fmt.Errorf("output_size and output_ratio are both given, expected only one")
				case p.OutputSize != nil:
					if fm.OutputSize, err = expand("output_size", p.OutputSize, dims, 1); err != nil {
						return nil, err
					}
				default:
					switch len(p.OutputRatio) {
					case 1:
						fm.OutputRatio = slices.Repeat(p.OutputRatio, dims)
					case dims:
						fm.OutputRatio = p.OutputRatio
					default:
						return nil, fmt.Errorf("output_ratio is %v, expected a number or a list of %d numbers", p.OutputRatio, dims)
					}
				}
				return fm, nil
			})
	}
}

// FloatList is a number or a list of numbers (in JSON: 0.5 or [0.5, 0.7]).
type FloatList []float64

// UnmarshalJSON reads 0.5 or [0.5, 0.7].
func (l *FloatList) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		*l = FloatList{f}
		return nil
	}
	var v []float64
	if err := json.Unmarshal(b, &v); err != nil || len(v) == 0 {
		return fmt.Errorf("expected a number or a list of numbers, got %s", abbrev(b))
	}
	*l = v
	return nil
}

// ParamType names the type "[]float" in the catalogue.
func (FloatList) ParamType() (string, string) { return "[]float", "" }

// ParamNumbers returns the numbers, which the bounds apply to.
func (l FloatList) ParamNumbers() []float64 { return l }
