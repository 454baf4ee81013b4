package nn

import (
	"encoding/json"
	"fmt"
	"slices"
)

// ConvPadding is the padding of a 1-d or 3-d convolution: an integer (the
// same on every side), a list of one integer per spatial dimension,
// "valid" (no padding) or "same" (the output keeps the input's size, for
// stride 1; an odd total puts the extra element on the right, as PyTorch
// does).
type ConvPadding struct {
	Size IntList
	Same bool
}

// UnmarshalJSON reads 1, [1, 2, 3], "valid" or "same".
func (p *ConvPadding) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "valid":
			*p = ConvPadding{}
			return nil
		case "same":
			*p = ConvPadding{Same: true}
			return nil
		}
		return fmt.Errorf("is %q, expected an integer, a list of integers, \"valid\" or \"same\"", s)
	}
	var l IntList
	if err := l.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("expected an integer, a list of integers, \"valid\" or \"same\", got %s", abbrev(b))
	}
	*p = ConvPadding{Size: l}
	return nil
}

// MarshalJSON writes "same", or the sizes.
func (p ConvPadding) MarshalJSON() ([]byte, error) {
	switch {
	case p.Same:
		return []byte(`"same"`), nil
	case len(p.Size) == 1:
		return json.Marshal(p.Size[0])
	case len(p.Size) == 0:
		return []byte("0"), nil
	}
	return json.Marshal([]int(p.Size))
}

// ParamType names the type "padding" in the catalogue.
func (ConvPadding) ParamType() (string, string) { return "padding", "" }

// ParamNumbers returns the sizes, which the bounds apply to.
func (p ConvPadding) ParamNumbers() []float64 { return p.Size.ParamNumbers() }

// paddingModes are the padding_mode values of PyTorch's convolutions.
var paddingModes = []string{"zeros", "reflect", "replicate", "circular"}

// checkPaddingMode refuses an unknown mode as PyTorch does, and any mode
// but zeros for a transposed convolution.
func checkPaddingMode(layer, mode string, transposed bool) error {
	if !slices.Contains(paddingModes, mode) {
		return fmt.Errorf("padding_mode is %q, expected one of %q", mode, paddingModes)
	}
	if transposed && mode != "zeros" {
		return fmt.Errorf("padding_mode is %q: only \"zeros\" padding mode is supported for %s", mode, layer)
	}
	return nil
}

// expand reads a geometry parameter of an n-d layer: one integer for every
// dimension, or one per dimension.
func expand(name string, l IntList, n int, def int) ([]int, error) {
	switch len(l) {
	case 0:
		return slices.Repeat([]int{def}, n), nil
	case 1:
		return slices.Repeat([]int{l[0]}, n), nil
	case n:
		return slices.Clone([]int(l)), nil
	}
	return nil, fmt.Errorf("%s is %v, expected an integer or a list of %d integers", name, []int(l), n)
}

// samePadding returns PyTorch's padding="same" for a kernel and dilation:
// total dilation*(kernel-1) per dimension, the smaller half before.
func samePadding(k, dil []int) (lo, hi []int) {
	lo, hi = make([]int, len(k)), make([]int, len(k))
	for i := range k {
		t := dil[i] * (k[i] - 1)
		lo[i] = t / 2
		hi[i] = t - lo[i]
	}
	return lo, hi
}

// padSpec is an explicit padding of the last len(lo) dimensions (at most
// 3) of an input: lo before and hi after along each, filled by mode
// (zeros, reflect, replicate or circular).
type padSpec struct {
	lo, hi []int
	mode   string
}

// none reports whether the padding is empty.
func (p *padSpec) none() bool {
	for i := range p.lo {
		if p.lo[i] != 0 || p.hi[i] != 0 {
			return false
		}
	}
	return true
}

// outShape checks the input (its last len(lo) dimensions) and returns the
// padded shape. Reflect needs every padding smaller than its dimension,
// circular at most the dimension, as PyTorch's F.pad.
func (p *padSpec) outShape(layer string, in []int) ([]int, error) {
	k := len(p.lo)
	if len(in) < k {
		return nil, fmt.Errorf("%s: input of shape %v has fewer than %d dimensions", layer, in, k)
	}
	out := slices.Clone(in)
	for j := range k {
		i := len(in) - k + j
		n, lo, hi := in[i], p.lo[j], p.hi[j]
		switch p.mode {
		case "reflect":
			if lo >= n || hi >= n {
				return nil, fmt.Errorf("%s: padding_mode \"reflect\" needs padding (%d, %d) smaller than dimension %d of input shape %v", layer, lo, hi, i, in)
			}
		case "circular", "replicate":
			if (lo > n || hi > n) && p.mode == "circular" || n < 1 {
				return nil, fmt.Errorf("%s: padding_mode %q needs padding (%d, %d) at most dimension %d of input shape %v", layer, p.mode, lo, hi, i, in)
			}
		}
		out[i] = n + lo + hi
	}
	return out, nil
}

// maps returns for the last three dimensions of in (size 1 where fewer are
// padded) the input and output sizes, and for each output index the input
// index it reads, or -1 for zero.
func (p *padSpec) maps(in []int) (isz, osz [3]int, m [3][]int) {
	k := len(p.lo)
	for d := range 3 {
		isz[d], osz[d], m[d] = 1, 1, []int{0}
	}
	for j := range k {
		d := 3 - k + j
		n := in[len(in)-k+j]
		lo, hi := p.lo[j], p.hi[j]
		o := n + lo + hi
		isz[d], osz[d] = n, o
		idx := make([]int, o)
		for t := range idx {
			s := t - lo
			switch p.mode {
			case "reflect":
				if s < 0 {
					s = -s
				}
				if s >= n {
					s = 2*(n-1) - s
				}
			case "replicate":
				s = min(max(s, 0), n-1)
			case "circular":
				s = ((s % n) + n) % n
			default:
				if s < 0 || s >= n {
					s = -1
				}
			}
			idx[t] = s
		}
		m[d] = idx
	}
	return isz, osz, m
}

// padded holds a padding's index maps for the backward pass.
type padded struct {
	isz, osz [3]int
	m        [3][]int
}

// padInput pads the last len(p.lo) dimensions of x.
func (g *Graph) padInput(layer string, x *Var, p padSpec) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := p.outShape(layer, x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	y := g.buf(out...)
	isz, osz, m := p.maps(x.Data.Shape)
	xd, yd := x.Data.Data, y.Data
	iblk, oblk := isz[0]*isz[1]*isz[2], osz[0]*osz[1]*osz[2]
	for b := 0; b < len(xd)/max(iblk, 1); b++ {
		xb, yb := xd[b*iblk:(b+1)*iblk], yd[b*oblk:(b+1)*oblk]
		for a, ia := range m[0] {
			for c, ic := range m[1] {
				row := yb[(a*osz[1]+c)*osz[2] : (a*osz[1]+c+1)*osz[2]]
				if ia < 0 || ic < 0 {
					clear(row)
					continue
				}
				src := xb[(ia*isz[1]+ic)*isz[2] : (ia*isz[1]+ic+1)*isz[2]]
				for k, ik := range m[2] {
					if ik < 0 {
						row[k] = 0
					} else {
						row[k] = src[ik]
					}
				}
			}
		}
	}
	n := g.newNode(y, padInputBack, x, nil, nil)
	n.ctx = &padded{isz: isz, osz: osz, m: m}
	return n
}

// padInputBack adds each output gradient to the input element it was read
// from.
func padInputBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	p := n.ctx.(*padded)
	ga, gy := n.a.grad(), n.Grad.Data
	isz, osz, m := p.isz, p.osz, p.m
	iblk, oblk := isz[0]*isz[1]*isz[2], osz[0]*osz[1]*osz[2]
	for b := 0; b < len(ga)/max(iblk, 1); b++ {
		gb, yb := ga[b*iblk:(b+1)*iblk], gy[b*oblk:(b+1)*oblk]
		for a, ia := range m[0] {
			if ia < 0 {
				continue
			}
			for c, ic := range m[1] {
				if ic < 0 {
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
