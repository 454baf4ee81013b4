package nn

import (
	"cmp"
	"encoding/json"
	"fmt"
)

// Pad pads the last len(Padding)/2 dimensions of its input, like
// PyTorch's ConstantPad1d/2d/3d, ZeroPad2d, ReflectionPad1d/2d/3d and
// ReplicationPad1d/2d/3d: Padding is (left, right[, top, bottom[, front,
// back]]), the last dimension first as PyTorch writes it. Mode "constant"
// fills with Value (negative padding crops); "reflect" mirrors the input
// without repeating the edge (each padding smaller than the dimension);
// "replicate" repeats the edge.
type Pad struct {
	noParams
	name    string
	Mode    string
	Padding []int
	Value   float32
}

// Name returns the PyTorch class name: ConstantPad2d, ReflectionPad1d, ...
// (ZeroPad2d when built as one).
func (p *Pad) Name() string {
	if p.name != "" {
		return p.name
	}
	kind := map[string]string{"reflect": "Reflection", "replicate": "Replication"}[p.Mode]
	return fmt.Sprintf("%sPad%dd", cmp.Or(kind, "Constant"), p.dims())
}

// dims returns how many trailing dimensions p pads.
func (p *Pad) dims() int { return len(p.Padding) / 2 }

// OutShape returns in with each padded dimension grown by its padding.
func (p *Pad) OutShape(in []int) ([]int, error) {
	d := p.dims()
	if len(in) != d+1 && len(in) != d+2 {
		return nil, fmt.Errorf("%s: expected an input of %d or %d dimensions, got shape %v", p.Name(), d+1, d+2, in)
	}
	out := append([]int(nil), in...)
	for k := range d {
		i := len(in) - 1 - k
		lo, hi := p.Padding[2*k], p.Padding[2*k+1]
		switch p.Mode {
		case "reflect":
			if lo >= in[i] || hi >= in[i] {
				return nil, fmt.Errorf("%s: padding (%d, %d) of dimension %d must be smaller than its size %d (input shape %v)", p.Name(), lo, hi, i, in[i], in)
			}
		case "replicate":
			if in[i] < 1 {
				return nil, fmt.Errorf("%s: dimension %d of input shape %v is empty", p.Name(), i, in)
			}
		}
		out[i] = in[i] + lo + hi
		if out[i] < 1 {
			return nil, fmt.Errorf("%s: padding (%d, %d) leaves dimension %d of input shape %v with size %d", p.Name(), lo, hi, i, in, out[i])
		}
	}
	return out, nil
}

// maps returns, for the last three dimensions of the input (size 1 when
// fewer are padded), the input and output sizes and for each output index
// the input index it reads, or -1 for the constant.
func (p *Pad) maps(in []int) (isz, osz [3]int, m [3][]int) {
	d := p.dims()
	for k := range 3 {
		isz[2-k], osz[2-k] = 1, 1
		m[2-k] = []int{0}
		if k >= d {
			continue
		}
		n := in[len(in)-1-k]
		lo, hi := p.Padding[2*k], p.Padding[2*k+1]
		o := n + lo + hi
		isz[2-k], osz[2-k] = n, o
		idx := make([]int, o)
		for j := range idx {
			s := j - lo
			switch p.Mode {
			case "reflect":
				if s < 0 {
					s = -s
				}
				if s >= n {
					s = 2*(n-1) - s
				}
			case "replicate":
				s = min(max(s, 0), n-1)
			default:
				if s < 0 || s >= n {
					s = -1
				}
			}
			idx[j] = s
		}
		m[2-k] = idx
	}
	return isz, osz, m
}

// Forward pads x.
func (p *Pad) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := p.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	y := g.buf(out...)
	isz, osz, m := p.maps(x.Data.Shape)
	xin, yd := x.Data.Data, y.Data
	iblk, oblk := isz[0]*isz[1]*isz[2], osz[0]*osz[1]*osz[2]
	for b := 0; b < len(xin)/iblk; b++ {
		xb, yb := xin[b*iblk:(b+1)*iblk], yd[b*oblk:(b+1)*oblk]
		for a, ia := range m[0] {
			for c, ic := range m[1] {
				row := yb[(a*osz[1]+c)*osz[2] : (a*osz[1]+c+1)*osz[2]]
				if ia < 0 || ic < 0 {
					for k := range row {
						row[k] = p.Value
					}
					continue
				}
				src := xb[(ia*isz[1]+ic)*isz[2] : (ia*isz[1]+ic+1)*isz[2]]
				for k, ik := range m[2] {
					if ik < 0 {
						row[k] = p.Value
					} else {
						row[k] = src[ik]
					}
				}
			}
		}
	}
	n := g.newNode(y, padBack, x, nil, nil)
	n.ctx = p
	return n
}

// padBack adds each output gradient to the input element it was read
// from (several, for reflect and replicate, near the edges).
func padBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	p := n.ctx.(*Pad)
	isz, osz, m := p.maps(n.a.Data.Shape)
	ga, gy := n.a.grad(), n.Grad.Data
	iblk, oblk := isz[0]*isz[1]*isz[2], osz[0]*osz[1]*osz[2]
	for b := 0; b < len(ga)/iblk; b++ {
		gb, yb := ga[b*iblk:(b+1)*iblk], gy[b*oblk:(b+1)*oblk]
		for a, ia := range m[0] {
			for c, ic := range m[1] {
				if ia < 0 || ic < 0 {
					continue
				}
				row := yb[(a*osz[1]+c)*osz[2] : (a*osz[1]+c+1)*osz[2]]
				dst := gb[(ia*isz[1]+ic)*isz[2] : (ia*isz[1]+ic+1)*isz[2]]
				for k, ik := range m[2] {
					if ik >= 0 {
						dst[ik] += row[k]
					}
				}
			}
		}
	}
}

// PadSizes is a padding layer's padding: one integer for every side, or
// a list of two per padded dimension, the last dimension first.
type PadSizes []int

// UnmarshalJSON reads 2 or [1, 2, 0, 3].
func (s *PadSizes) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*s = PadSizes{n}
		return nil
	}
	var l []int
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("expected an integer or a list of integers (left, right, top, bottom, front, back), got %s", abbrev(b))
	}
	*s = l
	return nil
}

// ParamType names the type "padding" in the catalogue.
func (PadSizes) ParamType() (string, string) { return "padding", "" }

// ParamNumbers returns the sizes, which the bounds apply to.
func (s PadSizes) ParamNumbers() []float64 { return IntList(s).ParamNumbers() }

// sides returns the 2·dims paddings: one integer repeated, or the list
// when it has 2·dims elements.
func (s PadSizes) sides(dims int) ([]int, error) {
	if len(s) == 1 {
		out := make([]int, 2*dims)
		for i := range out {
			out[i] = s[0]
		}
		return out, nil
	}
	if len(s) != 2*dims {
		return nil, fmt.Errorf("padding %v: expected an integer or a list of %d integers, two per padded dimension (the last first)", []int(s), 2*dims)
	}
	return append([]int(nil), s...), nil
}

// ConstantPadParams are torch.nn.ConstantPad1d/2d/3d's keyword arguments.
type ConstantPadParams struct {
	Padding PadSizes `json:"padding" required:"true" help:"an int for every side, or (left, right, top, bottom, front, back) as far as padded; negative crops"`
	Value   float64  `json:"value" required:"true" help:"the fill value"`
}

// PadParams are the keyword argument of torch.nn.ReflectionPad1d/2d/3d
// and ReplicationPad1d/2d/3d.
type PadParams struct {
	Padding PadSizes `json:"padding" required:"true" min:"0" help:"an int for every side, or (left, right, top, bottom, front, back) as far as padded"`
}

// ZeroPadParams is ZeroPad2d's keyword argument (negative crops).
type ZeroPadParams struct {
	Padding PadSizes `json:"padding" required:"true" help:"an int for every side, or (left, right, top, bottom); negative crops"`
}

func init() {
	for d := 1; d <= 3; d++ {
		name := fmt.Sprintf("ConstantPad%dd", d)
		registerLayer(name, fmt.Sprintf("pad the last %d dimension(s) with a constant", d), func() ConstantPadParams { return ConstantPadParams{} },
			func(p ConstantPadParams, _ *layerCtx) (Module, error) {
				sides, err := p.Padding.sides(d)
				if err != nil {
					return nil, err
				}
				return &Pad{name: name, Mode: "constant", Padding: sides, Value: float32(p.Value)}, nil
			})
	}
	registerLayer("ZeroPad2d", "pad the last 2 dimensions with zeros", func() ZeroPadParams { return ZeroPadParams{} },
		func(p ZeroPadParams, _ *layerCtx) (Module, error) {
			sides, err := p.Padding.sides(2)
			if err != nil {
				return nil, err
			}
			return &Pad{name: "ZeroPad2d", Mode: "constant", Padding: sides}, nil
		})
	for _, mode := range []struct{ name, mode, doc string }{{"Reflection", "reflect", "the reflection of the input (the edge not repeated)"}, {"Replication", "replicate", "copies of the edge"}} {
		for d := 1; d <= 3; d++ {
			name := fmt.Sprintf("%sPad%dd", mode.name, d)
			registerLayer(name, fmt.Sprintf("pad the last %d dimension(s) with %s", d, mode.doc), func() PadParams { return PadParams{} },
				func(p PadParams, _ *layerCtx) (Module, error) {
					sides, err := p.Padding.sides(d)
					if err != nil {
						return nil, err
					}
					return &Pad{name: name, Mode: mode.mode, Padding: sides}, nil
				})
		}
	}
}
