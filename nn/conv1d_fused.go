package nn

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mlforge/mlforge/tensor"
)

// This file holds the fused Conv1d, ReLU, MaxPool1d(2) of a Sequential
// (the usual block of 1-d convolutional networks). It computes what the
// three layers compute on the batched convolution path (conv2dBatched) bit
// for bit: the same products in the same order, on the same micro-kernel.
// What it saves is memory traffic and synchronisation: the columns are
// never materialized (tensor.Conv1dCols packs the GEMM panels straight from
// the input), the convolution's output is pooled chunk by chunk while in
// cache instead of being copied to (N, C, L), passed through ReLU and
// pooled, and the forward pass is one parallel phase (the backward pass
// one too) instead of about eight, whose parts claim chunks of work and
// never wait for a worker that has not started (c1dTeam).

// conv1dFusedTask runs a phase of the fused op over its parts.
type conv1dFusedTask struct {
	phase int // c1dForward or c1dBack
	// next is the next chunk to claim (atomically): parts take chunks of
	// samples until none are left, so a part slowed by other load takes
	// fewer.
	next                        int64
	nchunks                     int
	ns                          int // samples per chunk
	x, y                        []float32
	idx                         []int32
	ap                          []float32 // the packed weights (forward)
	w                           []float32 // the weights (O x K), for the input gradient
	gy, dyb                     []float32 // the pooled output's gradient, the dense output gradient (O x N*lout)
	gx, gwT                     []float32 // the input's gradient (or nil), the weight gradient transposed (K1 x O)
	N, C, L, O, k, pad, lout, P int
	bias                        bool
	units                       int // row panels of gwT
	wranges                     int // ranges of them
	// dchunks is the count of dense chunks, the first of c1dBack, and
	// denseDone (atomic) how many are done.
	dchunks, denseDone int64
	out                [maxFuseParts][]float32
}

const (
	c1dForward = iota // convolution, ReLU and pooling by chunks of samples
	// c1dBack is, in this order of chunks, the dense output gradient by
	// chunks of samples, the weight gradient by ranges of row panels of gwT
	// and the input gradient by chunks of samples, whose small chunks even
	// out the parts at the end. The chunks after the dense ones wait for
	// the dense gradient to be complete: at most for the chunks that other
	// parts are finishing (one phase instead of two, one hand-off fewer).
	c1dBack
)

// conv1dChunk returns how many samples a chunk holds: about the column
// count of one GEMM block.
func conv1dChunk(lout int) int { return max(1, 512/lout) }

// fuseConv1d runs Conv1d, ReLU, MaxPool1d at the head of layers fused, or
// returns nil when they do not take the fused path: the batched
// convolution's geometry only (ungrouped, stride and dilation 1, zero
// padding with every kernel tap reading the input, a reduction longer than
// 16), and a max pooling of windows of 2 with stride 2.
func (g *Graph) fuseConv1d(layers []Module, x *Var) *Var {
	if len(layers) < 3 {
		return nil
	}
	c, ok := layers[0].(*ConvNd)
	if !ok || c.Dims != 1 || c.Transposed || c.Groups != 1 || len(c.pad.lo) > 0 || c.Stride[0] != 1 || c.Dilation[0] != 1 {
		return nil
	}
	if _, ok := layers[1].(*ReLU); !ok {
		return nil
	}
	p, ok := layers[2].(*PoolNd)
	if !ok || p.Kind != "max" || p.Dims != 1 || p.ReturnIndices || p.KernelSize[0] != 2 || p.Stride[0] != 2 || p.Padding[0] != 0 || p.Dilation[0] != 1 {
		return nil
	}
	xs := x.Data.Shape
	if len(xs) != 3 || xs[1] != c.InChannels || xs[0] < 1 {
		return nil
	}
	N, C, L := xs[0], xs[1], xs[2]
	O, k, pad := c.OutChannels, c.KernelSize[0], c.inner[0]
	w, b := c.Weight, c.Bias
	lout := convOut(L, k, pad, 1, 1)
	K := C * k
	K1 := K
	if b != nil {
		K1++
	}
	if lout < 2 || O < 2 || K1 <= 16 || (k == 1 && pad == 0) || len(w.Data.Data) != O*K || (b != nil && len(b.Data.Data) != O) {
		return nil
	}
	if _, code := convTaps(1, L, 1, k, 0, pad, 1, 1, 1, 1); code != 1 {
		return nil
	}
	if !g.noGrad && !w.requiresGrad {
		return nil // the per-image path (no saved columns)
	}
	P := lout / 2
	if p.CeilMode && poolOut(lout, 2, 0, 2, 1, true) != P {
		return nil // a last window past the end
	}
	// The bias folded into the weights as a last column, as Conv2d does.
	wb := w.Data.Data
	if b != nil {
		wf := g.buf(O * K1).Data
		for o := 0; o < O; o++ {
			copy(wf[o*K1:o*K1+K], wb[o*K:(o+1)*K])
			wf[o*K1+K] = b.Data.Data[o]
		}
		wb = wf
	}
	ap := g.buf(tensor.Conv1dPackedLen(O, K1)).Data
	tensor.PackConv1dWeights(ap, wb, K1, O, K1)
	y := g.buf(N, O, P)
	idx := g.ibuf(N * O * P)
	t := &g.fuseT.c1d
	ns := conv1dChunk(lout)
	*t = conv1dFusedTask{phase: c1dForward, nchunks: (N + ns - 1) / ns, ns: ns, x: x.Data.Data, y: y.Data, idx: idx, ap: ap,
		N: N, C: C, L: L, O: O, k: k, pad: pad, lout: lout, P: P, bias: b != nil}
	nparts := g.parts(t.nchunks)
	for q := range nparts {
		t.out[q] = g.buf(O * ns * lout).Data
	}
	g.c1dPhase(t, nparts, N*O*lout*K1)
	n := g.newNode(y, conv1dFusedBack, x, w, b)
	n.idx = idx
	n.ints = [10]int{k, pad, lout}
	return n
}

func (t *conv1dFusedTask) cols(n0, n1 int) tensor.Conv1dCols {
	CL := t.C * t.L
	return tensor.Conv1dCols{X: t.x[n0*CL : n1*CL], NS: n1 - n0, C: t.C, L: t.L, K: t.k, Pad: t.pad, Bias: t.bias}
}

// work claims chunks of the phase until none are left; id names the
// participant's scratch.
func (t *conv1dFusedTask) work(id int) {
	out := t.out[id]
	for {
		ci := int(atomic.AddInt64(&t.next, 1)) - 1
		if ci >= t.nchunks {
			return
		}
		if t.phase == c1dBack {
			if ci < int(t.dchunks) {
				n0 := ci * t.ns
				t.dense(n0, min(t.N, n0+t.ns))
				atomic.AddInt64(&t.denseDone, 1)
				continue
			}
			ci -= int(t.dchunks)
			for atomic.LoadInt64(&t.denseDone) < t.dchunks {
				runtime.Gosched()
			}
			if ci < t.wranges {
				t.weight(ci)
				continue
			}
			ci -= t.wranges
		}
		n0 := ci * t.ns
		n1 := min(t.N, n0+t.ns)
		if t.phase == c1dForward {
			t.forward(n0, n1, out)
		} else {
			t.input(n0, n1, out)
		}
	}
}

// weight computes range ci of the row panels of the transposed weight
// gradient.
func (t *conv1dFusedTask) weight(ci int) {
	lo, hi := span(t.units, ci, t.wranges)
	K1 := t.C * t.k
	if t.bias {
		K1++
	}
	mr := tensor.Conv1dPanelRows()
	r0, r1 := lo*mr, min(K1, hi*mr)
	if r0 < r1 {
		tensor.Conv1dWeightGradT(t.dyb, t.N*t.lout, t.O, t.cols(0, t.N), r0, r1, t.gwT[r0*t.O:], t.O)
	}
}

// c1dTeam runs a phase of the fused op on the calling goroutine and on the
// worker goroutines that join while work is left. Unlike Graph.parallel,
// the caller never waits for a worker that has not started: once it has
// claimed the last chunk itself it withdraws the slots nobody took and
// waits only for the workers that did (tensor's Gemm does the same), so a
// worker woken late on a loaded machine costs nothing. A late worker finds
// its slot withdrawn and touches nothing but the slot count.
type c1dTeam struct {
	t     *conv1dFusedTask
	slots atomic.Int32
	ids   atomic.Int32 // the last participant id handed out
	done  sync.WaitGroup
	sent  sync.WaitGroup // the worker loop's Done for each job sent; never waited on
}

func (m *c1dTeam) run(int, int) {
	if m.slots.Add(-1) < 0 {
		return
	}
	m.t.work(int(m.ids.Add(1)))
	m.done.Done()
}

// c1dPhase runs t's phase on up to parts participants (t.out holds that
// many scratch buffers); work is a rough operation count, below which the
// phase runs on the caller alone.
func (g *Graph) c1dPhase(t *conv1dFusedTask, parts, work int) {
	workers.once.Do(startWorkers)
	helpers := min(parts, workers.n) - 1
	if work < 1<<15 {
		helpers = 0
	}
	t.next = 0
	if helpers <= 0 {
		t.work(0)
		return
	}
	m := g.fuseT.c1dTeam
	if m == nil {
		m = new(c1dTeam)
		g.fuseT.c1dTeam = m
	}
	m.t = t
	m.ids.Store(0)
	m.done.Add(helpers)
	m.slots.Store(int32(helpers))
	for range helpers {
		m.sent.Add(1)
		select {
		case workers.ch <- poolJob{t: m, wg: &m.sent}:
		default: // the queue is full: the slot stays unclaimed
			m.sent.Done()
		}
	}
	t.work(0)
	for {
		s := m.slots.Load()
		if s <= 0 {
			break
		}
		if m.slots.CompareAndSwap(s, 0) {
			m.done.Add(-int(s))
			break
		}
	}
	m.done.Wait()
}

// forward convolves samples [n0, n1) into out (O x their positions) and
// pools ReLU of it into y and idx.
func (t *conv1dFusedTask) forward(n0, n1 int, out []float32) {
	cols := (n1 - n0) * t.lout
	out = out[:t.O*cols]
	tensor.Conv1dForward(t.ap, t.O, t.cols(n0, n1), out, cols)
	P := t.P
	for s := 0; s < n1-n0; s++ {
		for o := 0; o < t.O; o++ {
			at := ((n0+s)*t.O + o) * P
			reluPairs(out[o*cols+s*t.lout:o*cols+(s+1)*t.lout], t.y[at:at+P], t.idx[at:at+P])
		}
	}
}

// reluPairsGo writes max(ReLU(r[2i]), ReLU(r[2i+1])) to d[i] and the
// offset of that maximum in r to ix[i], as ReLU then MaxPool1d(2) do: ReLU
// maps values below zero to +0 (NaN and -0 stay), the second of a pair wins
// when greater or NaN. Conditional moves, no branches on the data.
func reluPairsGo(r, d []float32, ix []int32) {
	r = r[:2*len(d)]
	ix = ix[:len(d)]
	for i := range d {
		a, b := r[2*i], r[2*i+1]
		var na, nb uint32
		if a < 0 {
			na = ^uint32(0)
		}
		if b < 0 {
			nb = ^uint32(0)
		}
		ab, bb := math.Float32bits(a)&^na, math.Float32bits(b)&^nb
		fa, fb := math.Float32frombits(ab), math.Float32frombits(bb)
		var s uint32
		if fb > fa {
			s = 1
		}
		if fb != fb {
			s = 1
		}
		d[i] = math.Float32frombits(ab ^ (ab^bb)&-s)
		ix[i] = int32(2*i) + int32(s)
	}
}

// dense writes the dense output gradient of samples [n0, n1) into dyb.
func (t *conv1dFusedTask) dense(n0, n1 int) {
	NL, lout, P := t.N*t.lout, t.lout, t.P
	for n := n0; n < n1; n++ {
		for o := 0; o < t.O; o++ {
			d := t.dyb[o*NL+n*lout : o*NL+(n+1)*lout]
			at := (n*t.O + o) * P
			poolGradPairs(d[:2*P], t.y[at:at+P], t.gy[at:at+P], t.idx[at:at+P])
			if lout > 2*P {
				d[2*P] = 0 // the last value, in no window
			}
		}
	}
}

// input adds the input gradient of samples [n0, n1) to gx; out is scratch
// for their column gradient.
func (t *conv1dFusedTask) input(n0, n1 int, out []float32) {
	NL, lout := t.N*t.lout, t.lout
	cols := (n1 - n0) * lout
	K := t.C * t.k
	gc := out[:K*cols]
	tensor.GemmSerial(true, false, K, cols, t.O, 1, t.w, K, t.dyb[n0*lout:], NL, 0, gc, cols)
	tp := tensor.Taps{KI0: 0, KI1: 1, KJ0: 0, KJ1: t.k}
	CL := t.C * t.L
	for s := 0; s < n1-n0; s++ {
		n := n0 + s
		tensor.Col2imTaps(gc[s*lout:], cols, t.C, 1, t.L, 1, t.k, 0, t.pad, 1, 1, 1, 1, tp, t.gx[n*CL:(n+1)*CL])
	}
}

// poolGradPairsGo writes the gradient of ReLU then MaxPool1d(2) with
// respect to their input r (the 2*len(y) values of d) from the pooled
// output y, its gradient gy and the positions ix of reluPairs: as the
// unfused layers do, the pooling's gradient lands on a zeroed buffer (+0
// plus gy) at each pair's maximum, zero at the other value, and ReLU's
// keeps it where the output is above zero.
func poolGradPairsGo(d, y, gy []float32, ix []int32) {
	d = d[:2*len(y)]
	gy, ix = gy[:len(y)], ix[:len(y)]
	for i, v := range y {
		b := int32(math.Float32bits(v))
		mask := uint32((-b & ^b) >> 31)
		g := math.Float32bits(gy[i]+0) & mask
		s := -uint32(ix[i] & 1)
		d[2*i] = math.Float32frombits(g &^ s)
		d[2*i+1] = math.Float32frombits(g & s)
	}
}

func conv1dFusedBack(n *Var) {
	x, w, b := n.a, n.b, n.c
	g := n.g
	xs := x.Data.Shape
	N, C, L := xs[0], xs[1], xs[2]
	O := w.Data.Shape[0]
	k, pad, lout := n.ints[0], n.ints[1], n.ints[2]
	P := lout / 2
	K := C * k
	K1 := K
	if b != nil {
		K1++
	}
	t := &g.fuseT.c1d
	ns := conv1dChunk(lout)
	nch := (N + ns - 1) / ns
	*t = conv1dFusedTask{phase: c1dBack, nchunks: nch, dchunks: int64(nch), ns: ns, x: x.Data.Data, y: n.Data.Data, idx: n.idx,
		w: w.Data.Data, gy: n.Grad.Data, N: N, C: C, L: L, O: O, k: k, pad: pad, lout: lout, P: P, bias: b != nil}
	t.dyb = g.buf(O * N * lout).Data
	if w.requiresGrad {
		mr := tensor.Conv1dPanelRows()
		t.units = (K1 + mr - 1) / mr
		t.wranges = min(g.parts(t.units), t.units)
		t.nchunks += t.wranges
		t.gwT = g.buf(K1 * O).Data
	}
	if x.requiresGrad {
		t.gx = x.grad()
		t.nchunks += nch
	}
	nparts := g.parts(t.nchunks)
	if x.requiresGrad {
		for q := range nparts {
			t.out[q] = g.buf(K * ns * lout).Data
		}
	}
	g.c1dPhase(t, nparts, N*O*lout*K1)
	if !w.requiresGrad {
		return
	}
	gw := w.grad()
	gT := t.gwT
	for o := 0; o < O; o++ {
		row := gw[o*K : (o+1)*K]
		for kk := range row {
			row[kk] += gT[kk*O+o]
		}
	}
	if b != nil && b.requiresGrad {
		gb := b.grad()
		for o := range gb {
			gb[o] += gT[K*O+o]
		}
	}
}
