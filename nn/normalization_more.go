package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// groupStats normalises x, (N, C, L...) viewed as N·G rows of C/G·L
// values (G groups of channels), with the rows' own statistics (stats
// nil) or with given per-channel means and variances (fixed, G = C), then
// scales and shifts per channel (w and b nil: none). It records the node
// whose backward is groupNormBack.
func (g *Graph) groupNorm(x *Var, N, C, G, L int, eps float64, w, b *Var, fixedMean, fixedVar []float32) *Var {
	if N*C*L == 0 || G == 0 { // an empty input: nothing to normalise
		N, C, G, L = 0, 1, 1, 0
	}
	R, Cg := N*G, C/G
	D := Cg * L
	stats := g.buf(2 * R)
	mean, invstd := stats.Data[:R], stats.Data[R:]
	xd := x.Data.Data
	for r := 0; r < R; r++ {
		if fixedMean != nil {
			c := r % C
			mean[r] = fixedMean[c]
			invstd[r] = float32(1 / math.Sqrt(float64(fixedVar[c])+eps))
			continue
		}
		row := xd[r*D : (r+1)*D]
		m := sum64(row) / float64(D)
		var ss float64
		for _, e := range row {
			d := float64(e) - m
			ss += d * d
		}
		mean[r] = float32(m)
		invstd[r] = float32(1 / math.Sqrt(ss/float64(D)+eps))
	}
	y := g.bufLike(x.Data)
	for r := 0; r < R; r++ {
		m, is := mean[r], invstd[r]
		for k := 0; k < Cg; k++ {
			c := (r%G)*Cg + k
			sc, sh := is, -m*is
			if w != nil {
				wc, bc := w.Data.Data[c], b.Data.Data[c]
				sc, sh = sc*wc, sh*wc+bc
			}
			off := r*D + k*L
			src, dst := xd[off:off+L], y.Data[off:off+L]
			for i, e := range src {
				dst[i] = e*sc + sh
			}
		}
	}
	node := g.newNode(y, groupNormBack, x, w, b)
	node.s1 = stats
	node.ints[0], node.ints[1], node.ints[2], node.ints[3] = N, C, G, L
	node.ints[4] = 0
	if fixedMean != nil {
		node.ints[4] = 1
	}
	return node
}

func groupNormBack(n *Var) {
	x, w, b := n.a, n.b, n.c
	N, C, G, L, fixed := n.ints[0], n.ints[1], n.ints[2], n.ints[3], n.ints[4] == 1
	R, Cg := N*G, C/G
	D := Cg * L
	mean, invstd := n.s1.Data[:R], n.s1.Data[R:]
	xd, gy := x.Data.Data, n.Grad.Data
	var gx, gw, gb, wd []float32
	if x.requiresGrad {
		gx = x.grad()
	}
	if w != nil {
		wd = w.Data.Data
		if w.requiresGrad {
			gw = w.grad()
		}
		if b.requiresGrad {
			gb = b.grad()
		}
	}
	for r := 0; r < R; r++ {
		m, is := mean[r], invstd[r]
		var sdx, sdxx float64
		for k := 0; k < Cg; k++ {
			c := (r%G)*Cg + k
			off := r*D + k*L
			wc := float32(1)
			if wd != nil {
				wc = wd[c]
			}
			var sgy, sgyx float64
			for i, e := range xd[off : off+L] {
				xh := (e - m) * is
				d := gy[off+i]
				sgy += float64(d)
				sgyx += float64(d * xh)
			}
			if gw != nil {
				gw[c] += float32(sgyx)
			}
			if gb != nil {
				gb[c] += float32(sgy)
			}
			sdx += float64(wc) * sgy
			sdxx += float64(wc) * sgyx
		}
		if gx == nil {
			continue
		}
		mdx, mdxx := float32(sdx/float64(D)), float32(sdxx/float64(D))
		for k := 0; k < Cg; k++ {
			c := (r%G)*Cg + k
			off := r*D + k*L
			wc := float32(1)
			if wd != nil {
				wc = wd[c]
			}
			dst := gx[off : off+L]
			if fixed {
				axpy(dst, wc*is, gy[off:off+L])
				continue
			}
			for i, e := range xd[off : off+L] {
				xh := (e - m) * is
				dst[i] += is * (gy[off+i]*wc - mdx - xh*mdxx)
			}
		}
	}
}

// affineParams makes a weight of ones and a bias of zeros of n elements.
func affineParams(n int) (w, b *Var) {
	wt := tensor.New(n)
	for i := range wt.Data {
		wt.Data[i] = 1
	}
	return NewParam(wt), NewParam(tensor.New(n))
}

// InstanceNorm normalises each channel of each sample over its spatial
// dimensions (torch.nn.InstanceNorm1d, 2d and 3d), with an optional
// per-channel scale and shift and optional running statistics, which are
// then used in evaluation mode.
type InstanceNorm struct {
	mode
	NumFeatures       int
	Eps, Momentum     float64
	Affine            bool
	TrackRunningStats bool
	// Dims is 1, 2 or 3 (spatial dimensions).
	Dims                                       int
	Weight, Bias                               *Var
	RunningMean, RunningVar, NumBatchesTracked *Var
}

func (l *InstanceNorm) allocate(*rand.Rand) {
	if l.Affine {
		l.Weight, l.Bias = affineParams(l.NumFeatures)
	}
	if l.TrackRunningStats {
		v := tensor.New(l.NumFeatures)
		for i := range v.Data {
			v.Data[i] = 1
		}
		l.RunningMean, l.RunningVar = NewBuffer(tensor.New(l.NumFeatures)), NewBuffer(v)
		l.NumBatchesTracked = NewBuffer(&tensor.Tensor{Shape: []int{}, Data: []float32{0}})
	}
}

func (l *InstanceNorm) sizes() (params, buffers int64) {
	n := int64(l.NumFeatures)
	if l.Affine {
		params = budget.Mul(2, n)
	}
	if l.TrackRunningStats {
		buffers = budget.Mul(2, n) + 1
	}
	return params, buffers
}

// Name returns "InstanceNorm1d", "InstanceNorm2d" or "InstanceNorm3d".
func (l *InstanceNorm) Name() string { return fmt.Sprintf("InstanceNorm%dd", l.Dims) }

// Parameters returns weight and bias (affine) and the running statistics
// (track_running_stats), under PyTorch's names.
func (l *InstanceNorm) Parameters() []Param {
	var ps []Param
	if l.Affine {
		ps = append(ps, Param{Name: "weight", Var: l.Weight, Trainable: true}, Param{Name: "bias", Var: l.Bias, Trainable: true})
	}
	if l.TrackRunningStats {
		ps = append(ps, Param{Name: "running_mean", Var: l.RunningMean}, Param{Name: "running_var", Var: l.RunningVar},
			Param{Name: "num_batches_tracked", Var: l.NumBatchesTracked})
	}
	return ps
}

// split returns N, C and the spatial size of an input, batched (N, C, ...)
// with Dims spatial dimensions or unbatched (C, ...).
func (l *InstanceNorm) split(in []int) (N, C, L int, err error) {
	switch len(in) {
	case l.Dims + 2:
		N, C = in[0], in[1]
	case l.Dims + 1:
		N, C = 1, in[0]
	default:
		sp := [...]string{"", "L", "H, W", "D, H, W"}[l.Dims]
		return 0, 0, 0, shapeErr(l.Name(), fmt.Sprintf("(N, C, %s) or (C, %s)", sp, sp), in)
	}
	if (l.Affine || l.TrackRunningStats) && C != l.NumFeatures {
		return 0, 0, 0, fmt.Errorf("%s: the input %v has %d channels, expected num_features %d", l.Name(), in, C, l.NumFeatures)
	}
	L = 1
	for _, d := range in[len(in)-l.Dims:] {
		L *= d
	}
	return N, C, L, nil
}

// OutShape checks the input and returns it.
func (l *InstanceNorm) OutShape(in []int) ([]int, error) {
	if _, _, _, err := l.split(in); err != nil {
		return nil, err
	}
	return in, nil
}

// Forward normalises x; in training mode with running statistics it
// updates them with the batch's average of the instances' means and
// unbiased variances, as PyTorch does.
func (l *InstanceNorm) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	N, C, L, err := l.split(x.Data.Shape)
	if err != nil {
		return g.fail("%v", err)
	}
	var w, b *Var
	if l.Affine {
		w, b = l.Weight, l.Bias
	}
	if l.TrackRunningStats && l.eval {
		return g.groupNorm(x, N, C, C, L, l.Eps, w, b, l.RunningMean.Data.Data, l.RunningVar.Data.Data)
	}
	if L <= 1 {
		return g.fail("%s: expected more than 1 spatial element per channel when training, got input of shape %v", l.Name(), x.Data.Shape)
	}
	if l.TrackRunningStats {
		rm, rv, xd := l.RunningMean.Data.Data, l.RunningVar.Data.Data, x.Data.Data
		mom := l.Momentum
		for c := 0; c < C; c++ {
			var sm, sv float64
			for n := 0; n < N; n++ {
				row := xd[(n*C+c)*L : (n*C+c+1)*L]
				m := sum64(row) / float64(L)
				var ss float64
				for _, e := range row {
					d := float64(e) - m
					ss += d * d
				}
				sm += (1-mom)*float64(rm[c]) + mom*m
				sv += (1-mom)*float64(rv[c]) + mom*ss/float64(L-1)
			}
			rm[c], rv[c] = float32(sm/float64(N)), float32(sv/float64(N))
		}
	}
	return g.groupNorm(x, N, C, C, L, l.Eps, w, b, nil, nil)
}

// GroupNorm normalises each of NumGroups groups of channels of each sample
// over the group's channels and spatial dimensions, then scales and shifts
// per channel (torch.nn.GroupNorm).
type GroupNorm struct {
	noMode
	NumGroups, NumChannels int
	Eps                    float64
	Affine                 bool
	Weight, Bias           *Var
}

func (l *GroupNorm) allocate(*rand.Rand) {
	if l.Affine {
		l.Weight, l.Bias = affineParams(l.NumChannels)
	}
}

func (l *GroupNorm) sizes() (params, buffers int64) {
	if l.Affine {
		return budget.Mul(2, int64(l.NumChannels)), 0
	}
	return 0, 0
}

// Name returns "GroupNorm".
func (*GroupNorm) Name() string { return "GroupNorm" }

// Parameters returns weight and bias (affine).
func (l *GroupNorm) Parameters() []Param {
	if !l.Affine {
		return nil
	}
	return []Param{{Name: "weight", Var: l.Weight, Trainable: true}, {Name: "bias", Var: l.Bias, Trainable: true}}
}

// OutShape checks for (N, num_channels, ...) and returns it.
func (l *GroupNorm) OutShape(in []int) ([]int, error) {
	if len(in) < 2 || in[1] != l.NumChannels {
		return nil, shapeErr("GroupNorm", fmt.Sprintf("(N, %d, ...)", l.NumChannels), in)
	}
	return in, nil
}

// Forward normalises x.
func (l *GroupNorm) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := l.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	N, C := x.Data.Shape[0], x.Data.Shape[1]
	L := len(x.Data.Data) / max(N*C, 1)
	var w, b *Var
	if l.Affine {
		w, b = l.Weight, l.Bias
	}
	return g.groupNorm(x, N, C, l.NumGroups, L, l.Eps, w, b, nil, nil)
}

// LocalResponseNorm divides each value by (k + alpha/size · Σ x²)^beta, the
// sum over the size neighbouring channels (size/2 before, (size-1)/2 after;
// torch.nn.LocalResponseNorm).
type LocalResponseNorm struct {
	noParams
	Size           int
	Alpha, Beta, K float64
}

// Name returns "LocalResponseNorm".
func (*LocalResponseNorm) Name() string { return "LocalResponseNorm" }

// OutShape checks for an input of at least 3 dimensions (N, C, ...).
func (*LocalResponseNorm) OutShape(in []int) ([]int, error) {
	if len(in) < 3 {
		return nil, shapeErr("LocalResponseNorm", "(N, C, ...) with at least one spatial dimension", in)
	}
	return in, nil
}

// Forward normalises x across channels.
func (l *LocalResponseNorm) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := l.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	N, C := x.Data.Shape[0], x.Data.Shape[1]
	L := len(x.Data.Data) / max(N*C, 1)
	xd := x.Data.Data
	s := g.bufLike(x.Data) // k + alpha/size · window sum of squares
	out := g.bufLike(x.Data)
	before, after := l.Size/2, (l.Size-1)/2
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			lo, hi := max(c-before, 0), min(c+after, C-1)
			for i := 0; i < L; i++ {
				var ss float64
				for j := lo; j <= hi; j++ {
					v := float64(xd[(n*C+j)*L+i])
					ss += v * v
				}
				k := (n*C+c)*L + i
				sv := l.K + l.Alpha*ss/float64(l.Size)
				s.Data[k] = float32(sv)
				out.Data[k] = float32(float64(xd[k]) * math.Pow(sv, -l.Beta))
			}
		}
	}
	node := g.newNode(out, lrnBack, x, nil, nil)
	node.s1 = s
	node.ints[0], node.ints[1], node.ints[2], node.ints[3] = N, C, L, l.Size
	node.ctx = l
	return node
}

func lrnBack(n *Var) {
	x := n.a
	if !x.requiresGrad {
		return
	}
	l := n.ctx.(*LocalResponseNorm)
	N, C, L, size := n.ints[0], n.ints[1], n.ints[2], n.ints[3]
	before, after := size/2, (size-1)/2
	gx, xd, gy, s := x.grad(), x.Data.Data, n.Grad.Data, n.s1.Data
	coef := 2 * l.Alpha * l.Beta / float64(size)
	for b := 0; b < N; b++ {
		for j := 0; j < C; j++ {
			// channels c whose window holds j: j - after ≤ c ≤ j + before
			lo, hi := max(j-after, 0), min(j+before, C-1)
			for i := 0; i < L; i++ {
				k := (b*C+j)*L + i
				var acc float64
				for c := lo; c <= hi; c++ {
					kc := (b*C+c)*L + i
					acc += float64(gy[kc]) * float64(xd[kc]) * math.Pow(float64(s[kc]), -l.Beta-1)
				}
				gx[k] += float32(float64(gy[k])*math.Pow(float64(s[k]), -l.Beta) - coef*float64(xd[k])*acc)
			}
		}
	}
}

// InstanceNormParams are torch.nn.InstanceNorm1d's, 2d's and 3d's keyword
// arguments.
type InstanceNormParams struct {
	NumFeatures       int     `json:"num_features" auto:"true" min:"1" help:"channels C of the input (N, C, ...)"`
	Eps               float64 `json:"eps" min:"0" help:"added to the variance"`
	Momentum          float64 `json:"momentum" min:"0" max:"1" help:"weight of the running statistics' update"`
	Affine            bool    `json:"affine" help:"learn a scale and a shift per channel"`
	TrackRunningStats bool    `json:"track_running_stats" help:"keep running mean and variance for evaluation"`
}

// GroupNormParams are torch.nn.GroupNorm's keyword arguments.
type GroupNormParams struct {
	NumGroups   int     `json:"num_groups" required:"true" min:"1" help:"groups the channels are split into"`
	NumChannels int     `json:"num_channels" auto:"true" min:"1" help:"channels C of the input (N, C, ...), divisible by num_groups"`
	Eps         float64 `json:"eps" min:"0" help:"added to the variance"`
	Affine      bool    `json:"affine" help:"learn a scale and a shift per channel"`
}

// LocalResponseNormParams are torch.nn.LocalResponseNorm's keyword
// arguments.
type LocalResponseNormParams struct {
	Size  int     `json:"size" required:"true" min:"1" help:"neighbouring channels in the sum"`
	Alpha float64 `json:"alpha" help:"multiplicative factor"`
	Beta  float64 `json:"beta" help:"exponent"`
	K     float64 `json:"k" help:"additive factor"`
}

func init() {
	in := func(dims int) func(InstanceNormParams, *layerCtx) (Module, error) {
		return func(p InstanceNormParams, c *layerCtx) (Module, error) {
			n := p.NumFeatures
			if n == 0 {
				switch len(c.in) {
				case dims + 2:
					n = c.in[1]
				case dims + 1:
					n = c.in[0]
				default:
					return nil, fmt.Errorf("num_features: cannot infer \"auto\" from an input of shape %v", c.in)
				}
			}
			return &InstanceNorm{NumFeatures: n, Eps: p.Eps, Momentum: p.Momentum, Affine: p.Affine, TrackRunningStats: p.TrackRunningStats, Dims: dims}, nil
		}
	}
	def := func() InstanceNormParams { return InstanceNormParams{Eps: 1e-5, Momentum: 0.1} }
	registerLayer("InstanceNorm1d", "instance normalization of (N, C, L) or (C, L) over L", def, in(1))
	registerLayer("InstanceNorm2d", "instance normalization of (N, C, H, W) or (C, H, W) over H, W", def, in(2))
	registerLayer("InstanceNorm3d", "instance normalization of (N, C, D, H, W) or (C, D, H, W) over D, H, W", def, in(3))
	registerLayer("GroupNorm", "group normalization: each group of channels of a sample normalised together",
		func() GroupNormParams { return GroupNormParams{Eps: 1e-5, Affine: true} },
		func(p GroupNormParams, c *layerCtx) (Module, error) {
			n, err := orAuto(p.NumChannels, "num_channels", c.channels)
			if err != nil {
				return nil, err
			}
			if n%p.NumGroups != 0 {
				return nil, fmt.Errorf("num_channels %d is not divisible by num_groups %d", n, p.NumGroups)
			}
			return &GroupNorm{NumGroups: p.NumGroups, NumChannels: n, Eps: p.Eps, Affine: p.Affine}, nil
		})
	registerLayer("LocalResponseNorm", "normalization by the squares of neighbouring channels",
		func() LocalResponseNormParams { return LocalResponseNormParams{Alpha: 1e-4, Beta: 0.75, K: 1} },
		func(p LocalResponseNormParams, _ *layerCtx) (Module, error) {
			return &LocalResponseNorm{Size: p.Size, Alpha: p.Alpha, Beta: p.Beta, K: p.K}, nil
		})
}

// workspace counts the window sums kept for the backward pass, per sample.
func (*LocalResponseNorm) workspace(in, _ []int) int64 { return mul(in[1:]...) }
