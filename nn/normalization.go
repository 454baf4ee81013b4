package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// BatchNorm normalises each channel of (N, C), (N, C, L) (BatchNorm1d),
// (N, C, H, W) (BatchNorm2d) or (N, C, D, H, W) (BatchNorm3d) inputs with batch statistics in training mode
// and running statistics in evaluation mode.
type BatchNorm struct {
	mode
	NumFeatures int
	Eps         float64
	// Momentum weighs the newest batch in the running statistics.
	Momentum float64
	// CumulativeAverage replaces Momentum by 1/num_batches_tracked, so the
	// running statistics are plain averages (PyTorch's momentum=None).
	CumulativeAverage bool
	Affine            bool
	TrackRunningStats bool
	// Dims is 1, 2 or 3 for BatchNorm1d, BatchNorm2d or BatchNorm3d.
	Dims int
	// Weight and Bias (nil unless Affine) scale and shift the result.
	Weight, Bias *Var
	// RunningMean, RunningVar and NumBatchesTracked are buffers (nil unless
	// TrackRunningStats).
	RunningMean, RunningVar, NumBatchesTracked *Var
}

// NewBatchNorm returns a BatchNorm1d, 2d or 3d (dims 1, 2 or 3) with
// weight 1, bias 0, running mean 0 and running variance 1, as PyTorch
// initialises them. PyTorch's defaults are eps 1e-5, momentum 0.1, affine
// and track_running_stats true.
func NewBatchNorm(dims, numFeatures int, eps, momentum float64, affine, track bool) (*BatchNorm, error) {
	name := fmt.Sprintf("BatchNorm%dd", dims)
	if dims < 1 || dims > 3 {
		return nil, fmt.Errorf("BatchNorm: dims is %d, expected 1, 2 or 3", dims)
	}
	if numFeatures < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1) {
		return nil, fmt.Errorf("%s: num_features %d must be positive, eps %v positive and momentum %v in [0, 1]", name, numFeatures, eps, momentum)
	}
	b := &BatchNorm{NumFeatures: numFeatures, Eps: eps, Momentum: momentum, Affine: affine, TrackRunningStats: track, Dims: dims}
	b.allocate(nil)
	return b, nil
}

// batchNormShell checks the arguments and returns the layer without its
// tensors.
func batchNormShell(dims, numFeatures int, eps, momentum float64, affine, track bool) (*BatchNorm, error) {
	name := fmt.Sprintf("BatchNorm%dd", dims)
	if dims < 1 || dims > 3 {
		return nil, fmt.Errorf("BatchNorm: dims is %d, expected 1, 2 or 3", dims)
	}
	if numFeatures < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1) {
		return nil, fmt.Errorf("%s: num_features %d must be positive, eps %v positive and momentum %v in [0, 1]", name, numFeatures, eps, momentum)
	}
	return &BatchNorm{NumFeatures: numFeatures, Eps: eps, Momentum: momentum, Affine: affine, TrackRunningStats: track, Dims: dims}, nil
}

// allocate makes the weights and buffers of a layer described by its
// fields; it draws no random numbers.
func (b *BatchNorm) allocate(*rand.Rand) {
	n := b.NumFeatures
	if b.Affine {
		w := tensor.New(n)
		for i := range w.Data {
			w.Data[i] = 1
		}
		b.Weight, b.Bias = NewParam(w), NewParam(tensor.New(n))
	}
	if b.TrackRunningStats {
		v := tensor.New(n)
		for i := range v.Data {
			v.Data[i] = 1
		}
		b.RunningMean, b.RunningVar = NewBuffer(tensor.New(n)), NewBuffer(v)
		b.NumBatchesTracked = NewBuffer(&tensor.Tensor{Shape: []int{}, Data: []float32{0}})
	}
}

// sizes counts the parameters and buffer elements allocate makes.
func (b *BatchNorm) sizes() (params, buffers int64) {
	n := int64(b.NumFeatures)
	if b.Affine {
		params = 2 * n
	}
	if b.TrackRunningStats {
		buffers = 2*n + 1
	}
	return params, buffers
}

// Name returns "BatchNorm1d", "BatchNorm2d" or "BatchNorm3d".
func (b *BatchNorm) Name() string { return fmt.Sprintf("BatchNorm%dd", b.Dims) }

// Parameters returns weight, bias and the running statistics buffers.
func (b *BatchNorm) Parameters() []Param {
	var ps []Param
	if b.Affine {
		ps = append(ps, Param{Name: "weight", Var: b.Weight, Trainable: true}, Param{Name: "bias", Var: b.Bias, Trainable: true})
	}
	if b.TrackRunningStats {
		ps = append(ps, Param{Name: "running_mean", Var: b.RunningMean}, Param{Name: "running_var", Var: b.RunningVar},
			Param{Name: "num_batches_tracked", Var: b.NumBatchesTracked})
	}
	return ps
}

// OutShape checks the input's rank and channels and returns it.
func (b *BatchNorm) OutShape(in []int) ([]int, error) {
	ok := len(in) >= 2 && in[1] == b.NumFeatures
	if b.Dims == 1 {
		ok = ok && (len(in) == 2 || len(in) == 3)
		if !ok {
			return nil, shapeErr(b.Name(), fmt.Sprintf("(N, %d) or (N, %d, L)", b.NumFeatures, b.NumFeatures), in)
		}
	} else if b.Dims == 2 && (!ok || len(in) != 4) {
		return nil, shapeErr(b.Name(), fmt.Sprintf("(N, %d, H, W)", b.NumFeatures), in)
	} else if b.Dims == 3 && (!ok || len(in) != 5) {
		return nil, shapeErr(b.Name(), fmt.Sprintf("(N, %d, D, H, W)", b.NumFeatures), in)
	}
	return in, nil
}

// Forward normalises x and, in training mode, updates the running
// statistics.
func (b *BatchNorm) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := b.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	xs := x.Data.Shape
	N, C := xs[0], xs[1]
	L := len(x.Data.Data) / max(N*C, 1)
	useBatch := !b.eval || !b.TrackRunningStats
	M := N * L
	if useBatch && M <= 1 {
		return g.fail("%s: expected more than 1 value per channel when training, got input of shape %v", b.Name(), xs)
	}
	stats := g.buf(2 * C)
	y := g.bufLike(x.Data)
	t := &g.bnT
	*t = batchNormTask{bn: b, useBatch: useBatch, N: N, C: C, L: L, x: x.Data.Data, y: y.Data, mean: stats.Data[:C], invstd: stats.Data[C:]}
	if b.TrackRunningStats && !b.eval && b.CumulativeAverage {
		t.mom = 1 / float64(b.NumBatchesTracked.Data.Data[0]+1)
	} else {
		t.mom = b.Momentum
	}
	g.parallelFine(t, C, 3*N*C*L)
	*t = batchNormTask{}
	if b.TrackRunningStats && !b.eval {
		b.NumBatchesTracked.Data.Data[0]++
	}
	var w, bias *Var
	if b.Affine {
		w, bias = b.Weight, b.Bias
	}
	node := g.newNode(y, batchNormBack, x, w, bias)
	node.s1 = stats
	node.ints[0], node.ints[1], node.ints[2], node.ints[3] = N, C, L, 0
	if useBatch {
		node.ints[3] = 1
	}
	return node
}

func batchNormBack(n *Var) {
	x, w, b := n.a, n.b, n.c
	N, C, L, batch := n.ints[0], n.ints[1], n.ints[2], n.ints[3] == 1
	t := &n.g.bnT
	*t = batchNormTask{back: true, useBatch: batch, N: N, C: C, L: L, x: x.Data.Data, gy: n.Grad.Data,
		mean: n.s1.Data[:C], invstd: n.s1.Data[C:]}
	if x.requiresGrad {
		t.gx, t.acc = x.gradOut()
	}
	if w != nil {
		t.gamma = w.Data.Data
		if w.requiresGrad {
			t.gw = w.grad()
		}
	}
	if b != nil && b.requiresGrad {
		t.gb = b.grad()
	}
	n.g.parallelFine(t, C, 2*N*C*L)
	*t = batchNormTask{}
}

// batchNormTask is BatchNorm's forward or backward pass over a range of
// channels: each channel's statistics, normalisation and gradients are
// independent of the others', so the parts give the same values as one
// pass, and a channel's values are still in cache for its second and
// third passes.
type batchNormTask struct {
	back, useBatch, acc bool
	bn                  *BatchNorm
	mom                 float64
	N, C, L             int
	x, y, mean, invstd  []float32
	gy, gx, gamma       []float32
	gw, gb              []float32
}

func (t *batchNormTask) run(part, parts int) {
	lo, hi := span(t.C, part, parts)
	// Two channels at a time where there are two: their sums are
	// independent chains of additions (each in its own order, as for one
	// channel), which the core overlaps.
	for c := lo; c < hi; c += 2 {
		two := c+1 < hi
		switch {
		case t.back && two:
			sdy0, sdyx0, sdy1, sdyx1 := t.gradSums2(c)
			t.backward(c, sdy0, sdyx0)
			t.backward(c+1, sdy1, sdyx1)
		case t.back:
			sdy, sdyx := t.gradSums(c)
			t.backward(c, sdy, sdyx)
		case !t.useBatch:
			t.forward(c, 0, 0)
			if two {
				t.forward(c+1, 0, 0)
			}
		case two:
			m0, v0, m1, v1 := t.stats2(c)
			t.forward(c, m0, v0)
			t.forward(c+1, m1, v1)
		default:
			m, v := t.stats(c)
			t.forward(c, m, v)
		}
	}
}

// mean64 is the batch mean of channel c, in float64.
func (t *batchNormTask) mean64(c int) float64 {
	N, C, L, xd := t.N, t.C, t.L, t.x
	var s float64
	for n := 0; n < N; n++ {
		s += sum64(xd[(n*C+c)*L : (n*C+c+1)*L])
	}
	return s / float64(N*L)
}

// stats returns channel c's batch mean and (biased) variance.
func (t *batchNormTask) stats(c int) (m, v float64) {
	N, C, L, xd := t.N, t.C, t.L, t.x
	m = t.mean64(c)
	var ss float64
	for n := 0; n < N; n++ {
		for _, e := range xd[(n*C+c)*L : (n*C+c+1)*L] {
			d := float64(e) - m
			ss += d * d
		}
	}
	return m, ss / float64(N*L)
}

// stats2 is stats for channels c and c+1 in one pass.
func (t *batchNormTask) stats2(c int) (m0, v0, m1, v1 float64) {
	N, C, L, xd := t.N, t.C, t.L, t.x
	m0, m1 = t.mean64(c), t.mean64(c+1)
	var ss0, ss1 float64
	for n := 0; n < N; n++ {
		x0 := xd[(n*C+c)*L : (n*C+c+1)*L]
		x1 := xd[(n*C+c+1)*L : (n*C+c+2)*L]
		x1 = x1[:len(x0)]
		for j, e := range x0 {
			d0 := float64(e) - m0
			ss0 += d0 * d0
			d1 := float64(x1[j]) - m1
			ss1 += d1 * d1
		}
	}
	return m0, ss0 / float64(N*L), m1, ss1 / float64(N*L)
}

// gradSums returns channel c's sums of the output gradient and of its
// products with the normalised input.
func (t *batchNormTask) gradSums(c int) (sdy, sdyx float64) {
	N, C, L, xd, gy := t.N, t.C, t.L, t.x, t.gy
	m, is := t.mean[c], t.invstd[c]
	for i := 0; i < N; i++ {
		src, d := xd[(i*C+c)*L:(i*C+c+1)*L], gy[(i*C+c)*L:(i*C+c+1)*L]
		for j, e := range src {
			sdy += float64(d[j])
			sdyx += float64(d[j]) * float64((e-m)*is)
		}
	}
	return sdy, sdyx
}

// gradSums2 is gradSums for channels c and c+1 in one pass.
func (t *batchNormTask) gradSums2(c int) (sdy0, sdyx0, sdy1, sdyx1 float64) {
	N, C, L, xd, gy := t.N, t.C, t.L, t.x, t.gy
	m0, is0, m1, is1 := t.mean[c], t.invstd[c], t.mean[c+1], t.invstd[c+1]
	for i := 0; i < N; i++ {
		x0, d0 := xd[(i*C+c)*L:(i*C+c+1)*L], gy[(i*C+c)*L:(i*C+c+1)*L]
		x1, d1 := xd[(i*C+c+1)*L:(i*C+c+2)*L], gy[(i*C+c+1)*L:(i*C+c+2)*L]
		d0, x1, d1 = d0[:len(x0)], x1[:len(x0)], d1[:len(x0)]
		for j, e := range x0 {
			sdy0 += float64(d0[j])
			sdyx0 += float64(d0[j]) * float64((e-m0)*is0)
			sdy1 += float64(d1[j])
			sdyx1 += float64(d1[j]) * float64((x1[j]-m1)*is1)
		}
	}
	return sdy0, sdyx0, sdy1, sdyx1
}

// forward normalises channel c with the batch statistics m and v (when
// the batch's are used; it updates the running ones in training mode) or
// the running ones.
func (t *batchNormTask) forward(c int, m, v float64) {
	b, N, C, L, xd := t.bn, t.N, t.C, t.L, t.x
	M := N * L
	if t.useBatch {
		if b.TrackRunningStats && !b.eval {
			mom := t.mom
			rm, rv := b.RunningMean.Data.Data, b.RunningVar.Data.Data
			rm[c] = float32((1-mom)*float64(rm[c]) + mom*m)
			rv[c] = float32((1-mom)*float64(rv[c]) + mom*v*float64(M)/float64(M-1))
		}
	} else {
		m, v = float64(b.RunningMean.Data.Data[c]), float64(b.RunningVar.Data.Data[c])
	}
	mean, invstd := float32(m), float32(1/math.Sqrt(v+b.Eps))
	t.mean[c], t.invstd[c] = mean, invstd
	sc, sh := invstd, -mean*invstd
	if b.Affine {
		w, bb := b.Weight.Data.Data[c], b.Bias.Data.Data[c]
		sc, sh = sc*w, sh*w+bb
	}
	for n := 0; n < N; n++ {
		src, dst := xd[(n*C+c)*L:(n*C+c+1)*L], t.y[(n*C+c)*L:(n*C+c+1)*L]
		bnScaleShift(dst, src, sc, sh)
	}
}

// bnScaleShiftGeneric sets dst[i] = src[i]*sc + sh.
func bnScaleShiftGeneric(dst, src []float32, sc, sh float32) {
	src = src[:len(dst)]
	for i, e := range src {
		dst[i] = e*sc + sh
	}
}

// bnGradGeneric stores (or adds, when acc) BatchNorm's input gradient
// k*(d[i]-mdy-(src[i]-m)*is*mdyx) into dst.
func bnGradGeneric(dst, src, d []float32, k, m, is, mdy, mdyx float32, acc bool) {
	src, d = src[:len(dst)], d[:len(dst)]
	if acc {
		for j, e := range src {
			dst[j] += k * (d[j] - mdy - (e-m)*is*mdyx)
		}
		return
	}
	for j, e := range src {
		dst[j] = k * (d[j] - mdy - (e-m)*is*mdyx)
	}
}

// backward computes channel c's parameter gradients from its sums (see
// gradSums) and adds (or, when the input's gradient is still unwritten,
// writes) its input gradient.
func (t *batchNormTask) backward(c int, sdy, sdyx float64) {
	N, C, L, xd, gy, gx := t.N, t.C, t.L, t.x, t.gy, t.gx
	M := float64(N * L)
	m, is := t.mean[c], t.invstd[c]
	gamma := float32(1)
	if t.gamma != nil {
		gamma = t.gamma[c]
	}
	if t.gw != nil {
		t.gw[c] += float32(sdyx)
	}
	if t.gb != nil {
		t.gb[c] += float32(sdy)
	}
	if gx == nil {
		return
	}
	k := gamma * is
	if !t.useBatch {
		for i := 0; i < N; i++ {
			dst := gx[(i*C+c)*L : (i*C+c+1)*L]
			if !t.acc {
				clear(dst)
			}
			axpy(dst, k, gy[(i*C+c)*L:(i*C+c+1)*L])
		}
		return
	}
	mdy, mdyx := float32(sdy/M), float32(sdyx/M)
	for i := 0; i < N; i++ {
		src, d, dst := xd[(i*C+c)*L:(i*C+c+1)*L], gy[(i*C+c)*L:(i*C+c+1)*L], gx[(i*C+c)*L:(i*C+c+1)*L]
		bnGrad(dst, src, d, k, m, is, mdy, mdyx, t.acc)
	}
}

// LayerNorm normalises over the trailing NormalizedShape dimensions of its
// input, then scales and shifts elementwise (when ElementwiseAffine).
type LayerNorm struct {
	noMode
	NormalizedShape   []int
	Eps               float64
	ElementwiseAffine bool
	// Weight and Bias have shape NormalizedShape, or are nil.
	Weight, Bias *Var
}

// noMode provides a no-op Train.
type noMode struct{}

// Train has no effect.
func (noMode) Train(bool) {}

// NewLayerNorm returns a LayerNorm with weight 1 and bias 0; PyTorch's
// defaults are eps 1e-5 and elementwise_affine true.
func NewLayerNorm(shape []int, eps float64, affine bool) (*LayerNorm, error) {
	if len(shape) == 0 || tensor.Numel(shape) < 1 || !(eps > 0) {
		return nil, fmt.Errorf("LayerNorm: normalized_shape %v must be non-empty and positive and eps %v positive", shape, eps)
	}
	for _, d := range shape {
		if d < 1 {
			return nil, fmt.Errorf("LayerNorm: normalized_shape %v must be positive", shape)
		}
	}
	l := &LayerNorm{NormalizedShape: append([]int(nil), shape...), Eps: eps, ElementwiseAffine: affine}
	l.allocate(nil)
	return l, nil
}

// layerNormShell checks the arguments and returns the layer without its
// tensors.
func layerNormShell(shape []int, eps float64, affine bool) (*LayerNorm, error) {
	if len(shape) == 0 || !(eps > 0) {
		return nil, fmt.Errorf("LayerNorm: normalized_shape %v must be non-empty and positive and eps %v positive", shape, eps)
	}
	for _, d := range shape {
		if d < 1 {
			return nil, fmt.Errorf("LayerNorm: normalized_shape %v must be positive", shape)
		}
	}
	return &LayerNorm{NormalizedShape: append([]int(nil), shape...), Eps: eps, ElementwiseAffine: affine}, nil
}

// allocate makes the weights of a layer described by its fields; it draws
// no random numbers.
func (l *LayerNorm) allocate(*rand.Rand) {
	if !l.ElementwiseAffine {
		return
	}
	w := tensor.New(l.NormalizedShape...)
	for i := range w.Data {
		w.Data[i] = 1
	}
	l.Weight, l.Bias = NewParam(w), NewParam(tensor.New(l.NormalizedShape...))
}

// sizes counts the parameters allocate makes.
func (l *LayerNorm) sizes() (params, buffers int64) {
	if !l.ElementwiseAffine {
		return 0, 0
	}
	return budget.Mul(2, mul(l.NormalizedShape...)), 0
}

// Name returns "LayerNorm".
func (l *LayerNorm) Name() string { return "LayerNorm" }

// Parameters returns weight and bias.
func (l *LayerNorm) Parameters() []Param {
	if !l.ElementwiseAffine {
		return nil
	}
	return []Param{{Name: "weight", Var: l.Weight, Trainable: true}, {Name: "bias", Var: l.Bias, Trainable: true}}
}

// OutShape checks that the input ends with NormalizedShape.
func (l *LayerNorm) OutShape(in []int) ([]int, error) {
	k := len(l.NormalizedShape)
	if len(in) < k || !sameShape(in[len(in)-k:], l.NormalizedShape) {
		return nil, shapeErr("LayerNorm", fmt.Sprintf("(*, %v)", l.NormalizedShape), in)
	}
	return in, nil
}

// Forward normalises x.
func (l *LayerNorm) Forward(g *Graph, x *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	if _, err := l.OutShape(x.Data.Shape); err != nil {
		return g.fail("%v", err)
	}
	D := tensor.Numel(l.NormalizedShape)
	R := len(x.Data.Data) / D
	stats := g.buf(2 * R)
	y := g.bufLike(x.Data)
	t := &g.lnT
	*t = layerNormTask{x: x.Data.Data, y: y.Data, stats: stats.Data, R: R, D: D, eps: l.Eps}
	if l.ElementwiseAffine {
		t.w, t.b = l.Weight.Data.Data, l.Bias.Data.Data
	}
	g.parallel(t, R, R*D*4)
	node := g.newNode(y, layerNormBack, x, l.Weight, l.Bias)
	node.s1 = stats
	node.ints[0], node.ints[1] = R, D
	return node
}

func layerNormBack(n *Var) {
	x, w, b := n.a, n.b, n.c
	R, D := n.ints[0], n.ints[1]
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
	t := &n.g.lnT
	*t = layerNormTask{back: true, x: xd, gy: gy, gx: gx, gw: gw, gb: gb, w: wd, stats: n.s1.Data, R: R, D: D}
	if gx != nil {
		n.g.parallel(t, R, R*D*6)
	}
	if gw != nil || gb != nil {
		// The parameters' gradients sum over the rows in row order, split
		// over the columns.
		t.cols = true
		n.g.parallel(t, D/8, R*D*3)
	}
}

// layerNormTask is a LayerNorm's forward pass (x to y and the rows' mean
// and inverse deviation in stats) or backward pass over a range of rows;
// with cols, the backward pass's weight and bias gradients over a range
// of columns instead, each still summed over the rows in order.
type layerNormTask struct {
	back, cols                 bool
	x, y, gy, gx, gw, gb, w, b []float32
	stats                      []float32
	R, D                       int
	eps                        float64
}

func (t *layerNormTask) run(part, parts int) {
	R, D, xd := t.R, t.D, t.x
	if t.cols {
		c0, c1 := span(D, part, parts)
		for r := 0; r < R; r++ {
			m, is := t.stats[r], t.stats[R+r]
			row, d := xd[r*D+c0:r*D+c1], t.gy[r*D+c0:r*D+c1]
			for i, e := range row {
				xh := (e - m) * is
				if t.gw != nil {
					t.gw[c0+i] += d[i] * xh
				}
				if t.gb != nil {
					t.gb[c0+i] += d[i]
				}
			}
		}
		return
	}
	lo, hi := span(R, part, parts)
	if !t.back {
		for r := lo; r < hi; r++ {
			row := xd[r*D : (r+1)*D]
			m := sum64(row) / float64(D)
			var ss float64
			for _, e := range row {
				d := float64(e) - m
				ss += d * d
			}
			is := float32(1 / math.Sqrt(ss/float64(D)+t.eps))
			mf := float32(m)
			t.stats[r], t.stats[R+r] = mf, is
			out := t.y[r*D : (r+1)*D]
			for i, e := range row {
				out[i] = (e - mf) * is
			}
			if t.w != nil {
				w, b := t.w[:D], t.b[:D]
				for i := range out {
					out[i] = out[i]*w[i] + b[i]
				}
			}
		}
		return
	}
	wd := t.w
	for r := lo; r < hi; r++ {
		m, is := t.stats[r], t.stats[R+r]
		row, d := xd[r*D:(r+1)*D], t.gy[r*D:(r+1)*D]
		var sdx, sdxx float64
		for i, e := range row {
			xh := (e - m) * is
			dxh := d[i]
			if wd != nil {
				dxh *= wd[i]
			}
			sdx += float64(dxh)
			sdxx += float64(dxh * xh)
		}
		mdx, mdxx := float32(sdx/float64(D)), float32(sdxx/float64(D))
		dst := t.gx[r*D : (r+1)*D]
		for i, e := range row {
			xh := (e - m) * is
			dxh := d[i]
			if wd != nil {
				dxh *= wd[i]
			}
			dst[i] += is * (dxh - mdx - xh*mdxx)
		}
	}
}

// BatchNormParams are torch.nn.BatchNorm1d's, 2d's and 3d's keyword
// arguments.
type BatchNormParams struct {
	NumFeatures       int      `json:"num_features" auto:"true" min:"1" help:"channels C of the input (N, C, ...)"`
	Eps               float64  `json:"eps" min:"0" help:"added to the variance"`
	Momentum          *float64 `json:"momentum" nullable:"true" type:"float" min:"0" max:"1" help:"weight of the running statistics' update (null: cumulative average)"`
	Affine            bool     `json:"affine" help:"learn a scale and a shift"`
	TrackRunningStats bool     `json:"track_running_stats" help:"keep running mean and variance for evaluation"`
}

// DefaultBatchNorm returns PyTorch's defaults: eps 1e-5, momentum 0.1,
// affine, tracking running statistics.
func DefaultBatchNorm() BatchNormParams {
	m := 0.1
	return BatchNormParams{Eps: 1e-5, Momentum: &m, Affine: true, TrackRunningStats: true}
}

// LayerNormParams are torch.nn.LayerNorm's keyword arguments.
type LayerNormParams struct {
	NormalizedShape   IntList `json:"normalized_shape" auto:"true" min:"1" help:"trailing shape to normalize (auto: the last dimension)"`
	Eps               float64 `json:"eps" min:"0" help:"added to the variance"`
	ElementwiseAffine bool    `json:"elementwise_affine" help:"learn a scale and a shift"`
}

func init() {
	bn := func(dims int) func(BatchNormParams, *layerCtx) (Module, error) {
		return func(p BatchNormParams, c *layerCtx) (Module, error) {
			n, err := orAuto(p.NumFeatures, "num_features", c.channels)
			if err != nil {
				return nil, err
			}
			mom, cumulative := 0.1, p.Momentum == nil
			if !cumulative {
				mom = *p.Momentum
			}
			b, err := batchNormShell(dims, n, p.Eps, mom, p.Affine, p.TrackRunningStats)
			if err == nil {
				b.CumulativeAverage = cumulative
			}
			return b, err
		}
	}
	registerLayer("BatchNorm1d", "batch normalization over (N, C) or (N, C, L)", DefaultBatchNorm, bn(1))
	registerLayer("BatchNorm2d", "batch normalization over (N, C, H, W)", DefaultBatchNorm, bn(2))
	registerLayer("BatchNorm3d", "batch normalization over (N, C, D, H, W)", DefaultBatchNorm, bn(3))
	registerLayer("LayerNorm", "layer normalization over the last dimensions",
		func() LayerNormParams { return LayerNormParams{Eps: 1e-5, ElementwiseAffine: true} },
		func(p LayerNormParams, c *layerCtx) (Module, error) {
			shape := []int(p.NormalizedShape)
			if shape == nil {
				d, err := c.lastDim("normalized_shape")
				if err != nil {
					return nil, err
				}
				shape = []int{d}
			}
			return layerNormShell(shape, p.Eps, p.ElementwiseAffine)
		})
}
