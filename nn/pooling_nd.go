package nn

import (
	"fmt"
	"math"
	"slices"
)

// PoolNd is a window pooling over the last Dims (1 to 3) dimensions of an
// (N, C, *) input, like torch.nn.MaxPool1d/2d/3d (Kind "max"),
// AvgPool1d/2d/3d ("avg") and LPPool1d/2d ("lp"). Geometry slices have Dims
// entries. MaxPool2d and AvgPool2d are built as their own types unless
// return_indices or divisor_override asks for this one.
type PoolNd struct {
	noParams
	Kind                                  string
	Dims                                  int
	KernelSize, Stride, Padding, Dilation []int
	CeilMode                              bool
	// CountIncludePad counts the zero padding in an average's divisor;
	// DivisorOverride, when positive, replaces the divisor.
	CountIncludePad bool
	DivisorOverride int
	// NormType is LPPool's power p.
	NormType float64
	// ReturnIndices makes a max pooling keep the positions of its maxima
	// for a following MaxUnpool (its output is still the maxima alone).
	ReturnIndices bool
}

// Name returns the PyTorch class name: MaxPool1d, AvgPool3d, LPPool2d...
func (p *PoolNd) Name() string {
	kind := map[string]string{"max": "MaxPool", "avg": "AvgPool", "lp": "LPPool"}[p.Kind]
	return fmt.Sprintf("%s%dd", kind, p.Dims)
}

// poolWin is a pooling's window geometry along (depth, height, width),
// size 1 where the layer has fewer dimensions.
type poolWin struct {
	k, s, p, d [3]int
	in, out    [3]int
}

// win returns the window geometry for the spatial sizes of in.
func (p *PoolNd) win(in []int) poolWin {
	var w poolWin
	off := 3 - p.Dims
	for i := range 3 {
		w.k[i], w.s[i], w.d[i], w.in[i], w.out[i] = 1, 1, 1, 1, 1
	}
	for i := range p.Dims {
		j := off + i
		w.k[j], w.s[j], w.p[j], w.d[j] = p.KernelSize[i], p.Stride[i], p.Padding[i], p.Dilation[i]
		w.in[j] = in[len(in)-p.Dims+i]
		w.out[j] = poolOut(w.in[j], w.k[j], w.p[j], w.s[j], w.d[j], p.CeilMode)
	}
	return w
}

// check validates the geometry as PyTorch does.
func (p *PoolNd) check() error {
	name := p.Name()
	for _, v := range []struct {
		name string
		vals []int
		min  int
	}{{"kernel_size", p.KernelSize, 1}, {"stride", p.Stride, 1}, {"padding", p.Padding, 0}, {"dilation", p.Dilation, 1}} {
		if len(v.vals) != p.Dims {
			return fmt.Errorf("%s: %s %v, expected %d values", name, v.name, v.vals, p.Dims)
		}
		for _, x := range v.vals {
			if x < v.min {
				return fmt.Errorf("%s: %s %v, expected values of at least %d", name, v.name, v.vals, v.min)
			}
		}
	}
	for i := range p.Dims {
		if p.Padding[i] > ((p.KernelSize[i]-1)*p.Dilation[i]+1)/2 {
			return fmt.Errorf("%s: padding %v should be at most half of the effective kernel size %v", name, p.Padding, p.KernelSize)
		}
	}
	if p.Kind == "lp" && !(p.NormType > 0) {
		return fmt.Errorf("%s: norm_type %v, expected a positive power", name, p.NormType)
	}
	return nil
}

// OutShape returns (N, C, *out).
func (p *PoolNd) OutShape(in []int) ([]int, error) {
	if len(in) != p.Dims+2 {
		return nil, shapeErr(p.Name(), spatialWords(p.Dims), in)
	}
	w := p.win(in)
	out := slices.Clone(in[:2])
	for i := range p.Dims {
		o := w.out[3-p.Dims+i]
		if o < 1 {
			return nil, fmt.Errorf("%s: input of shape %v is smaller than kernel_size %v (output size %d)", p.Name(), in, p.KernelSize, o)
		}
		out = append(out, o)
	}
	return out, nil
}

// workspace counts what one sample keeps besides the output: a max
// pooling's indices, an LPPool's powers and window sums.
func (p *PoolNd) workspace(in, out []int) int64 {
	switch p.Kind {
	case "max":
		return mul(out[1:]...)
	case "lp":
		return mul(in[1:]...) + mul(out[1:]...)
	}
	return 0
}

// workspace counts a max pooling's indices for one sample.
func (p *AdaptivePool) workspace(_, out []int) int64 {
	if p.Kind == "max" {
		return mul(out[1:]...)
	}
	return 0
}

// spatialWords describes an (N, C, *) input of dims spatial dimensions.
func spatialWords(dims int) string {
	return [...]string{"(N, C)", "(N, C, L)", "(N, C, H, W)", "(N, C, D, H, W)"}[dims]
}

// poolNode is what a pooling node keeps for its backward pass and for a
// MaxUnpool.
type poolNode struct {
	layer indexSource
	w     poolWin
	idx   []int32
	// sums are LPPool's window sums of x^p.
	sums []float32
}

// Forward applies the pooling.
func (p *PoolNd) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := p.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	w := p.win(x.Data.Shape)
	y := g.buf(out...)
	planes := x.Data.Shape[0] * x.Data.Shape[1]
	xd, yd := x.Data.Data, y.Data
	S, L := vol(w.in), vol(w.out)
	pn := &poolNode{layer: p, w: w}
	switch p.Kind {
	case "max":
		pn.idx = g.ibuf(len(yd))
		t := &g.poolNdT
		*t = maxPlanesTask{x: xd, y: yd, idx: pn.idx, w: w, S: S, L: L, planes: planes}
		g.parallel(t, planes, planes*S)
	case "avg":
		for q := range planes {
			avgWindows(xd[q*S:(q+1)*S], yd[q*L:(q+1)*L], w, p.CountIncludePad, p.DivisorOverride, false)
		}
	case "lp":
		pn.sums = g.buf(len(yd)).Data
		pw := g.bufLike(x.Data).Data
		for i, v := range xd {
			pw[i] = powf(v, p.NormType)
		}
		K := float32(vol(w.k))
		for q := range planes {
			avgWindows(pw[q*S:(q+1)*S], pn.sums[q*L:(q+1)*L], w, true, 0, false)
		}
		for i, s := range pn.sums {
			yd[i] = powf(s*K, 1/p.NormType)
		}
	}
	n := g.newNode(y, poolNdBack, x, nil, nil)
	n.ctx = pn
	return n
}

// powf is x^p in float32 (x*x for p 2, x for p 1).
func powf(x float32, p float64) float32 {
	switch p {
	case 1:
		return x
	case 2:
		return x * x
	}
	return float32(math.Pow(float64(x), p))
}

func poolNdBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	pn := n.ctx.(*poolNode)
	p := pn.layer.(*PoolNd)
	w := pn.w
	S, L := vol(w.in), vol(w.out)
	ga, gy, xd := n.a.grad(), n.Grad.Data, n.a.Data.Data
	planes := len(gy) / max(L, 1)
	switch p.Kind {
	case "max":
		t := &n.g.poolNdT
		*t = maxPlanesTask{back: true, y: gy, gx: ga, idx: pn.idx, S: S, L: L, planes: planes}
		n.g.parallel(t, planes, planes*L)
	case "avg":
		for q := range planes {
			avgWindows(ga[q*S:(q+1)*S], gy[q*L:(q+1)*L], w, p.CountIncludePad, p.DivisorOverride, true)
		}
	case "lp":
		// y = (K s)^(1/p) with s the window average of x^p: dy/ds =
		// K/p (K s)^(1/p-1), and ds/dx = p x^(p-1) / divisor.
		K := float32(vol(w.k))
		gs := n.g.buf(len(gy)).Data
		for i, s := range pn.sums {
			gs[i] = gy[i] * K / float32(p.NormType) * powf(s*K, 1/p.NormType-1)
			if s == 0 {
				gs[i] = float32(math.NaN()) // PyTorch's sign(0) * inf
				if gy[i] == 0 {
					gs[i] = 0
				}
			}
		}
		gp := n.g.zbuf(len(xd)).Data
		for q := range planes {
			avgWindows(gp[q*S:(q+1)*S], gs[q*L:(q+1)*L], w, true, 0, true)
		}
		for i, v := range xd {
			ga[i] += gp[i] * float32(p.NormType) * powf(v, p.NormType-1)
		}
	}
}

// maxPlanesTask runs a max pooling's forward pass (x to y and idx) or its
// backward pass (y holding the output gradient, added into gx at idx) over
// a range of planes; planes are disjoint, so parts never share memory.
type maxPlanesTask struct {
	back         bool
	x, y, gx     []float32
	idx          []int32
	w            poolWin
	S, L, planes int
}

func (t *maxPlanesTask) run(part, parts int) {
	lo, hi := span(t.planes, part, parts)
	S, L := t.S, t.L
	for q := lo; q < hi; q++ {
		if t.back {
			dst, gy := t.gx[q*S:(q+1)*S], t.y[q*L:(q+1)*L]
			for i, j := range t.idx[q*L : (q+1)*L] {
				dst[j] += gy[i]
			}
			continue
		}
		maxWindows(t.x[q*S:(q+1)*S], t.y[q*L:(q+1)*L], t.idx[q*L:(q+1)*L], t.w)
	}
}

// maxWindows takes the maximum of every window of one plane src into dst,
// with the flat position of the first maximum (NaN wins) in idx.
func maxWindows(src, dst []float32, idx []int32, w poolWin) {
	H, W := w.in[1], w.in[2]
	if w.k[0] == 1 && w.k[1] == 1 && w.p == [3]int{} && w.d[2] == 1 && w.inside() {
		maxRows(src, dst, idx, w)
		return
	}
	o := 0
	for od := range w.out[0] {
		z0 := od*w.s[0] - w.p[0]
		for oh := range w.out[1] {
			y0 := oh*w.s[1] - w.p[1]
			for ow := range w.out[2] {
				x0 := ow*w.s[2] - w.p[2]
				m := float32(math.Inf(-1))
				mi := -1
				for a := range w.k[0] {
					iz := z0 + a*w.d[0]
					if iz < 0 || iz >= w.in[0] {
						continue
					}
					for b := range w.k[1] {
						iy := y0 + b*w.d[1]
						if iy < 0 || iy >= H {
							continue
						}
						row := (iz*H + iy) * W
						for c := range w.k[2] {
							ix := x0 + c*w.d[2]
							if ix < 0 || ix >= W {
								continue
							}
							if v := src[row+ix]; mi < 0 || v > m || v != v {
								m, mi = v, row+ix
							}
						}
					}
				}
				dst[o], idx[o] = m, int32(max(mi, 0))
				o++
			}
		}
	}
}

// inside reports whether every window lies inside the input (ceil_mode's
// last window may not).
func (w *poolWin) inside() bool {
	for i := range 3 {
		if w.out[i] > 0 && (w.out[i]-1)*w.s[i]+(w.k[i]-1)*w.d[i] >= w.in[i] {
			return false
		}
	}
	return true
}

// maxRows is maxWindows for windows along the last dimension only, with
// no padding and no dilation there (MaxPool1d's usual form): every window
// lies inside its row.
func maxRows(src, dst []float32, idx []int32, w poolWin) {
	H, W := w.in[1], w.in[2]
	k, s := w.k[2], w.s[2]
	o := 0
	for od := range w.out[0] {
		for oh := range w.out[1] {
			row := (od*w.s[0]*H + oh*w.s[1]) * W
			r := src[row : row+W]
			d, ix := dst[o:o+w.out[2]], idx[o:o+w.out[2]]
			if k == 2 && s == 2 {
				maxPairs(r, d, ix, int32(row))
				o += w.out[2]
				continue
			}
			for ow := range d {
				x0 := ow * s
				win := r[x0 : x0+k]
				m, mi := win[0], 0
				for c := 1; c < len(win); c++ {
					if v := win[c]; v > m || v != v {
						m, mi = v, c
					}
				}
				d[ow], ix[ow] = m, int32(row+x0+mi)
			}
			o += w.out[2]
		}
	}
}

// avgWindows averages the windows of one plane src into dst as PyTorch's
// avg_pool: the divisor counts the padding with countPad (up to the padded
// edge) or is override when positive. With back, it spreads the output
// gradient dst back over src instead.
func avgWindows(src, dst []float32, w poolWin, countPad bool, override int, back bool) {
	H, W := w.in[1], w.in[2]
	o := 0
	for od := range w.out[0] {
		z0, z1, zs := avgWindow(od, w.s[0], w.p[0], w.k[0], w.in[0])
		for oh := range w.out[1] {
			y0, y1, ys := avgWindow(oh, w.s[1], w.p[1], w.k[1], H)
			for ow := range w.out[2] {
				x0, x1, xs := avgWindow(ow, w.s[2], w.p[2], w.k[2], W)
				div := zs * ys * xs
				if !countPad {
					div = (z1 - z0) * (y1 - y0) * (x1 - x0)
				}
				if override > 0 {
					div = override
				}
				if z0 >= z1 || y0 >= y1 || x0 >= x1 {
					if !back {
						dst[o] = 0
					}
					o++
					continue
				}
				if back {
					v := dst[o] / float32(div)
					for iz := z0; iz < z1; iz++ {
						for iy := y0; iy < y1; iy++ {
							row := src[(iz*H+iy)*W:]
							for ix := x0; ix < x1; ix++ {
								row[ix] += v
							}
						}
					}
				} else {
					var s float32
					for iz := z0; iz < z1; iz++ {
						for iy := y0; iy < y1; iy++ {
							row := src[(iz*H+iy)*W:]
							for ix := x0; ix < x1; ix++ {
								s += row[ix]
							}
						}
					}
					dst[o] = s / float32(div)
				}
				o++
			}
		}
	}
}

// AdaptivePool pools (N, C, *) inputs over their last Dims dimensions down
// to OutputSize, like torch.nn.AdaptiveMaxPool1d/2d/3d (Kind "max") and
// AdaptiveAvgPool1d/3d ("avg"), with PyTorch's windows floor(i*In/Out) to
// ceil((i+1)*In/Out). A zero OutputSize entry (None) keeps the input's
// size.
type AdaptivePool struct {
	noParams
	Kind          string
	Dims          int
	OutputSize    []int
	ReturnIndices bool
}

// Name returns AdaptiveMaxPool2d, AdaptiveAvgPool3d, ...
func (p *AdaptivePool) Name() string {
	kind := map[string]string{"max": "Max", "avg": "Avg"}[p.Kind]
	return fmt.Sprintf("Adaptive%sPool%dd", kind, p.Dims)
}

// OutShape returns (N, C, *output_size).
func (p *AdaptivePool) OutShape(in []int) ([]int, error) {
	if len(in) != p.Dims+2 {
		return nil, shapeErr(p.Name(), spatialWords(p.Dims), in)
	}
	if len(p.OutputSize) != p.Dims {
		return nil, fmt.Errorf("%s: output_size %v, expected %d values", p.Name(), p.OutputSize, p.Dims)
	}
	out := slices.Clone(in[:2])
	for i, o := range p.OutputSize {
		if o == 0 {
			o = in[2+i]
		}
		if o < 1 || in[2+i] < 1 {
			return nil, fmt.Errorf("%s: output_size %v and input of shape %v must be positive", p.Name(), p.OutputSize, in)
		}
		out = append(out, o)
	}
	return out, nil
}

// windows returns, along each of the three dimensions, every output's
// window [lo, hi) and the input and output sizes.
func (p *AdaptivePool) windows(in, out []int) (lo, hi [3][]int, isz, osz [3]int) {
	off := 3 - p.Dims
	for d := range 3 {
		isz[d], osz[d] = 1, 1
		if d >= off {
			isz[d], osz[d] = in[2+d-off], out[2+d-off]
		}
		for i := range osz[d] {
			lo[d] = append(lo[d], i*isz[d]/osz[d])
			hi[d] = append(hi[d], ((i+1)*isz[d]+osz[d]-1)/osz[d])
		}
	}
	return lo, hi, isz, osz
}

// adaptiveNode is what an adaptive pooling keeps for its backward pass.
type adaptiveNode struct {
	layer *AdaptivePool
	idx   []int32
}

// Forward applies the pooling.
func (p *AdaptivePool) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	out, err := p.OutShape(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	y := g.buf(out...)
	lo, hi, isz, osz := p.windows(x.Data.Shape, out)
	S, L := vol(isz), vol(osz)
	an := &adaptiveNode{layer: p}
	if p.Kind == "max" {
		an.idx = g.ibuf(len(y.Data))
	}
	xd, yd := x.Data.Data, y.Data
	for q := range len(yd) / max(L, 1) {
		src := xd[q*S : (q+1)*S]
		o := q * L
		for a := range osz[0] {
			for b := range osz[1] {
				for c := range osz[2] {
					var s float32
					m, mi := float32(math.Inf(-1)), -1
					for iz := lo[0][a]; iz < hi[0][a]; iz++ {
						for iy := lo[1][b]; iy < hi[1][b]; iy++ {
							row := (iz*isz[1] + iy) * isz[2]
							for ix := lo[2][c]; ix < hi[2][c]; ix++ {
								v := src[row+ix]
								s += v
								if mi < 0 || v > m || v != v {
									m, mi = v, row+ix
								}
							}
						}
					}
					if an.idx != nil {
						yd[o], an.idx[o] = m, int32(mi)
					} else {
						yd[o] = s / float32((hi[0][a]-lo[0][a])*(hi[1][b]-lo[1][b])*(hi[2][c]-lo[2][c]))
					}
					o++
				}
			}
		}
	}
	n := g.newNode(y, adaptivePoolBack, x, nil, nil)
	n.ctx = an
	return n
}

func adaptivePoolBack(n *Var) {
	if !n.a.requiresGrad {
		return
	}
	an := n.ctx.(*adaptiveNode)
	lo, hi, isz, osz := an.layer.windows(n.a.Data.Shape, n.Data.Shape)
	S, L := vol(isz), vol(osz)
	ga, gy := n.a.grad(), n.Grad.Data
	for q := range len(gy) / max(L, 1) {
		dst := ga[q*S : (q+1)*S]
		if an.idx != nil {
			for i, j := range an.idx[q*L : (q+1)*L] {
				dst[j] += gy[q*L+i]
			}
			continue
		}
		o := q * L
		for a := range osz[0] {
			for b := range osz[1] {
				for c := range osz[2] {
					v := gy[o] / float32((hi[0][a]-lo[0][a])*(hi[1][b]-lo[1][b])*(hi[2][c]-lo[2][c]))
					o++
					for iz := lo[0][a]; iz < hi[0][a]; iz++ {
						for iy := lo[1][b]; iy < hi[1][b]; iy++ {
							row := dst[(iz*isz[1]+iy)*isz[2]:]
							for ix := lo[2][c]; ix < hi[2][c]; ix++ {
								row[ix] += v
							}
						}
					}
				}
			}
		}
	}
}

// maxPairs is maxRows's loop for windows of 2 with stride 2 (MaxPool1d's
// default): d[i] = max(r[2i], r[2i+1]), the second winning when it is
// greater or NaN as in the general loop, with its flat position (row
// plus the offset in r) in ix; conditional moves, no branches on the data.
func maxPairs(r, d []float32, ix []int32, row int32) {
	r = r[:2*len(d)]
	ix = ix[:len(d)]
	for i := range d {
		a, b := r[2*i], r[2*i+1]
		var t uint32
		if b > a {
			t = 1
		}
		if b != b {
			t = 1
		}
		ab, bb := math.Float32bits(a), math.Float32bits(b)
		d[i] = math.Float32frombits(ab ^ (ab^bb)&-t)
		ix[i] = row + int32(2*i) + int32(t)
	}
}
