package nn

import (
	"fmt"
	"math"
	"slices"
)

// Upsample resizes the last 1 to 3 dimensions of an (N, C, *) input, like
// torch.nn.Upsample (F.interpolate): Mode "nearest", "nearest-exact",
// "linear" (3-d inputs), "bilinear" and "bicubic" (4-d), "trilinear" (5-d)
// or "area" (adaptive average pooling). The output has Size, or the input's
// sizes times ScaleFactor (rounded down). AlignCorners aligns the corner
// pixels of input and output (interpolating modes only). Scales given by
// ScaleFactor are used as given unless RecomputeScaleFactor, as PyTorch's.
type Upsample struct {
	noParams
	name                 string
	Size                 []int
	ScaleFactor          []float64
	Mode                 string
	AlignCorners         bool
	RecomputeScaleFactor bool
}

// Name returns "Upsample" (or UpsamplingNearest2d / UpsamplingBilinear2d
// when built as one).
func (u *Upsample) Name() string {
	if u.name != "" {
		return u.name
	}
	return "Upsample"
}

// modeDims is the input dimensions each interpolating mode needs (0: any
// of 3 to 5).
var modeDims = map[string]int{"nearest": 0, "nearest-exact": 0, "area": 0, "linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}

// OutShape returns (N, C, *out).
func (u *Upsample) OutShape(in []int) ([]int, error) {
	name := u.Name()
	want, ok := modeDims[u.Mode]
	if !ok {
		return nil, fmt.Errorf("%s: mode %q, expected one of nearest, linear, bilinear, bicubic, trilinear, area, nearest-exact", name, u.Mode)
	}
	if u.name != "" {
		want = 4
	}
	if len(in) < 3 || len(in) > 5 || want != 0 && len(in) != want {
		if want != 0 {
			return nil, fmt.Errorf("%s: got a %d-d input of shape %v, but mode %q needs a %d-d input", name, len(in), in, u.Mode, want)
		}
		return nil, fmt.Errorf("%s: input of shape %v, expected 3 to 5 dimensions (N, C, ...)", name, in)
	}
	dims := len(in) - 2
	out := slices.Clone(in[:2])
	for i := range dims {
		var o int
		switch {
		case len(u.Size) == 1:
			o = u.Size[0]
		case len(u.Size) == dims:
			o = u.Size[i]
		case len(u.Size) > 0:
			return nil, fmt.Errorf("%s: size %v for an input of %d spatial dimensions, expected one size or %d", name, u.Size, dims, dims)
		case len(u.ScaleFactor) == 1:
			o = int(math.Floor(float64(in[2+i]) * u.ScaleFactor[0]))
		case len(u.ScaleFactor) == dims:
			o = int(math.Floor(float64(in[2+i]) * u.ScaleFactor[i]))
		default:
			return nil, fmt.Errorf("%s: scale_factor %v for an input of %d spatial dimensions, expected one factor or %d", name, u.ScaleFactor, dims, dims)
		}
		if o < 1 || in[2+i] < 1 {
			return nil, fmt.Errorf("%s: output size %d along dimension %d of input shape %v, expected a positive size", name, o, 2+i, in)
		}
		out = append(out, o)
	}
	return out, nil
}

// scale returns the scale factor PyTorch passes to its kernel for
// dimension i (0: none, computed from the sizes).
func (u *Upsample) scale(i int) float64 {
	if len(u.Size) > 0 || u.RecomputeScaleFactor {
		return 0
	}
	if len(u.ScaleFactor) == 1 {
		return u.ScaleFactor[0]
	}
	return u.ScaleFactor[i]
}

// taps are, for every output index along one dimension, the input indices
// it reads and their weights.
type taps struct {
	n   int // taps per output
	idx []int
	w   []float32
}

// interpTaps returns the taps of one dimension from in to out, computed in
// float32 as PyTorch's CPU kernels do for float inputs.
func (u *Upsample) interpTaps(in, out int, scale float64) taps {
	t := taps{n: 1}
	switch u.Mode {
	case "linear", "bilinear", "trilinear":
		t.n = 2
	case "bicubic":
		t.n = 4
	}
	t.idx, t.w = make([]int, out*t.n), make([]float32, out*t.n)
	// area_pixel_compute_scale.
	var s float32
	switch {
	case u.AlignCorners && out > 1:
		s = float32(in-1) / float32(out-1)
	case u.AlignCorners:
		s = 0
	case scale > 0:
		s = float32(1 / scale)
	default:
		s = float32(in) / float32(out)
	}
	for o := range out {
		switch u.Mode {
		case "nearest", "nearest-exact":
			// nearest_idx: compute_scales_value ignores align_corners.
			ns := float32(in) / float32(out)
			if scale > 0 {
				ns = float32(1 / scale)
			}
			var src int
			switch {
			case out == in:
				src = o
			case out == 2*in && u.Mode == "nearest":
				src = o >> 1
			case u.Mode == "nearest":
				src = min(int(float32(math.Floor(float64(float32(o)*ns)))), in-1)
			default:
				src = min(int(float32(math.Floor(float64((float32(o)+0.5)*ns)))), in-1)
			}
			t.idx[o], t.w[o] = src, 1
		case "bicubic":
			var real float32
			if u.AlignCorners {
				real = s * float32(o)
			} else {
				real = s*(float32(o)+0.5) - 0.5
			}
			ix := int(math.Floor(float64(real)))
			f := real - float32(ix)
			const A = -0.75
			cc1 := func(x float32) float32 { return ((A+2)*x-(A+3))*x*x + 1 }
			cc2 := func(x float32) float32 { return ((A*x-5*A)*x+8*A)*x - 4*A }
			ws := [4]float32{cc2(f + 1), cc1(f), cc1(1 - f), cc2(2 - f)}
			for k := range 4 {
				t.idx[o*4+k] = min(max(ix-1+k, 0), in-1)
				t.w[o*4+k] = ws[k]
			}
		default:
			var real float32
			if u.AlignCorners {
				real = s * float32(o)
			} else {
				real = max(s*(float32(o)+0.5)-0.5, 0)
			}
			i0 := int(real)
			l1 := real - float32(i0)
			i1 := i0
			if i0 < in-1 {
				i1 = i0 + 1
			}
			t.idx[o*2], t.idx[o*2+1] = i0, i1
			t.w[o*2], t.w[o*2+1] = 1-l1, l1
		}
	}
	return t
}

// upsampleNode keeps an interpolation's taps for the backward pass.
type upsampleNode struct {
	t        [3]taps
	isz, osz [3]int
}

// Forward resizes x.
func (u *Upsample) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := u.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	dims := len(out) - 2
	if u.Mode == "area" {
		return (&AdaptivePool{Kind: "avg", Dims: dims, OutputSize: out[2:]}).Forward(g, x)
	}
	un := &upsampleNode{}
	off := 3 - dims
	for d := range 3 {
		un.isz[d], un.osz[d] = 1, 1
		un.t[d] = taps{n: 1, idx: []int{0}, w: []float32{1}}
	}
	for i := range dims {
		d := off + i
		un.isz[d], un.osz[d] = x.Data.Shape[2+i], out[2+i]
		un.t[d] = u.interpTaps(un.isz[d], un.osz[d], u.scale(i))
	}
	y := g.buf(out...)
	S, L := vol(un.isz), vol(un.osz)
	xd, yd := x.Data.Data, y.Data
	for q := range len(yd) / max(L, 1) {
		un.apply(xd[q*S:(q+1)*S], yd[q*L:(q+1)*L], false)
	}
	n := g.newNode(y, upsampleBack, x, nil, nil)
	n.ctx = un
	return n
}

// apply computes one plane's output dst from src, or with back spreads the
// output gradient dst into src.
func (un *upsampleNode) apply(src, dst []float32, back bool) {
	t0, t1, t2 := un.t[0], un.t[1], un.t[2]
	H, W := un.isz[1], un.isz[2]
	o := 0
	for a := range un.osz[0] {
		for b := range un.osz[1] {
			for c := range un.osz[2] {
				var s float32
				for i := range t0.n {
					z, wz := t0.idx[a*t0.n+i], t0.w[a*t0.n+i]
					for j := range t1.n {
						yy, wy := t1.idx[b*t1.n+j], wz*t1.w[b*t1.n+j]
						row := (z*H + yy) * W
						for k := range t2.n {
							w := wy * t2.w[c*t2.n+k]
							if back {
								src[row+t2.idx[c*t2.n+k]] += w * dst[o]
							} else {
								s += w * src[row+t2.idx[c*t2.n+k]]
							}
						}
					}
				}
				if !back {
					dst[o] = s
				}
				o++
			}
		}
	}
}

func upsampleBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	un := n.ctx.(*upsampleNode)
	S, L := vol(un.isz), vol(un.osz)
	ga, gy := n.a.grad(), n.Grad.Data
	for q := range len(gy) / max(L, 1) {
		un.apply(ga[q*S:(q+1)*S], gy[q*L:(q+1)*L], true)
	}
}

// UpsampleParams are torch.nn.Upsample's keyword arguments.
type UpsampleParams struct {
	Size                 IntList   `json:"size" nullable:"true" min:"1" help:"output size: an int, or one per spatial dimension (this or scale_factor)"`
	ScaleFactor          FloatList `json:"scale_factor" nullable:"true" gt:"0" help:"multiplier of the input's size: a number, or one per spatial dimension"`
	Mode                 string    `json:"mode" enum:"nearest,linear,bilinear,bicubic,trilinear,area,nearest-exact" help:"interpolation"`
	AlignCorners         *bool     `json:"align_corners" nullable:"true" type:"bool" help:"align the corner pixels of input and output (linear, bilinear, bicubic, trilinear only; default false)"`
	RecomputeScaleFactor *bool     `json:"recompute_scale_factor" nullable:"true" type:"bool" help:"compute the interpolation's scale from the output size rather than scale_factor"`
}

// UpsamplingParams are torch.nn.UpsamplingNearest2d's and
// UpsamplingBilinear2d's keyword arguments.
type UpsamplingParams struct {
	Size        IntList   `json:"size" nullable:"true" min:"1" help:"output height and width: an int or a pair (this or scale_factor)"`
	ScaleFactor FloatList `json:"scale_factor" nullable:"true" gt:"0" help:"multiplier of the input's size: a number or a pair"`
}

func newUpsample(name string, size IntList, scale FloatList, mode string, align *bool, recompute *bool) (Module, error) {
	switch {
	case size != nil && scale != nil:
		return nil, fmt.Errorf("only one of size or scale_factor should be defined")
	case size == nil && scale == nil:
		return nil, fmt.Errorf("either size or scale_factor should be defined")
	}
	u := &Upsample{name: name, Size: size, ScaleFactor: scale, Mode: mode}
	if align != nil {
		switch mode {
		case "linear", "bilinear", "bicubic", "trilinear":
			u.AlignCorners = *align
		default:
			return nil, fmt.Errorf("align_corners can only be set with the interpolating modes linear, bilinear, bicubic and trilinear, not mode %q", mode)
		}
	}
	if recompute != nil {
		u.RecomputeScaleFactor = *recompute
		if *recompute && size != nil {
			return nil, fmt.Errorf("recompute_scale_factor is not meaningful with an explicit size")
		}
	}
	return u, nil
}

func init() {
	registerLayer("Upsample", "resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) by interpolation", func() UpsampleParams { return UpsampleParams{Mode: "nearest"} },
		func(p UpsampleParams, _ *layerCtx) (Module, error) {
			return newUpsample("", p.Size, p.ScaleFactor, p.Mode, p.AlignCorners, p.RecomputeScaleFactor)
		})
	registerLayer("UpsamplingNearest2d", "Upsample of (N, C, H, W) with mode nearest", func() UpsamplingParams { return UpsamplingParams{} },
		func(p UpsamplingParams, _ *layerCtx) (Module, error) {
			return newUpsample("UpsamplingNearest2d", p.Size, p.ScaleFactor, "nearest", nil, nil)
		})
	t := true
	registerLayer("UpsamplingBilinear2d", "Upsample of (N, C, H, W) with mode bilinear and align_corners", func() UpsamplingParams { return UpsamplingParams{} },
		func(p UpsamplingParams, _ *layerCtx) (Module, error) {
			return newUpsample("UpsamplingBilinear2d", p.Size, p.ScaleFactor, "bilinear", &t, nil)
		})
}
