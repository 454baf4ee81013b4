package nn

import "github.com/mlforge/mlforge/tensor"

// This file holds the batched form of an ungrouped Conv2d's training step.
// Per image, a convolution is the GEMM weight (O x K) times the image's
// columns (K x L); on the small maps of a ResNet's later stages (L = 64 down
// to 1 pixels for 32x32 inputs) those products are thin, and every image
// packs the whole weight again for a handful of columns. The batched form
// unfolds all N images side by side into one K x N*L matrix and runs one
// GEMM per pass (forward, weight gradient, column gradient), each split over
// the cores by tensor.Gemm, with the weight packed once per batch. The
// output and its gradient go through a channel-major O x N*L copy.

// convBatchTask runs the per-image steps around the batched GEMMs over a
// range of images.
type convBatchTask struct {
	phase                         int // convIm2col, convScatter, convGather or convCol2im
	x, cols, yb, y, gy, dyb, gx   []float32
	N, C, H, W, O, kh, kw, oh, ow int
	sh, sw, ph, pw, dh, dw        int
	tp                            tensor.Taps

	// The chunked phases (convForward, convColGrad): the weight (O x K1,
	// taps pruned; for the column gradient its first K columns, row
	// stride ldw), the images per chunk and each part's scratch.
	wt             []float32
	K, K1, ldw, cb int
	scr            []float32
	scrPart        int
	pa             tensor.PackedA // wt, packed once for all chunks
}

const (
	convIm2col  = iota // x -> cols (K x N*L)
	convScatter        // yb (O x N*L) -> y (N, O, L)
	convGather         // gy (N, O, L) -> dyb (O x N*L)
	convCol2im         // dcols (in cols, K x N*L) -> gx, added
	convForward        // x -> cols and y, chunk by chunk (see convChunk)
	convColGrad        // dyb -> gx through scratch columns, chunk by chunk
)

// convChunkOff turns the chunked phases off (tests compare them with the
// batched GEMMs).
var convChunkOff bool

// convChunk returns how many images at a time the chunked phases take for
// a batch of N images of L output pixels each and O output channels, or 0
// when the whole batch goes through one GEMM. When the columns are much
// wider than the weight is tall (the first stages: N*L >= 8*O), each part
// runs the GEMMs over a chunk of about 64 columns right after unfolding
// it (forward) or right before folding it back (column gradient), so the
// columns are reused from cache instead of being streamed through memory
// once more; the weight is packed once for all chunks (tensor.PackA). Each
// column of the products is the same sum, in the same order, whichever
// columns share a GEMM, so the results are those of the batched GEMMs.
func convChunk(N, L, O int) int {
	if convChunkOff || N*L < 8*O || L == 0 || L > 256 {
		return 0
	}
	// The fewest images of at least 64 columns (up to 256) whose columns
	// fill the GEMM's register tiles best: a chunk of 196 columns (a 14x14
	// map) would compute 224, an eighth more than the batched GEMM.
	best, waste := 0, 1.0
	for cb := max(1, 64/L); cb*L <= 256; cb++ {
		w := cb * L
		if f := float64(roundUp32(w)-w) / float64(w); f < waste-1e-9 {
			best, waste = cb, f
		}
	}
	if waste > 1.0/16 {
		return 0
	}
	return best
}

// roundUp32 rounds n up to a whole number of 32-column register tiles.
func roundUp32(n int) int { return (n + 31) &^ 31 }

func (t *convBatchTask) run(part, parts int) {
	lo, hi := span(t.N, part, parts)
	L := t.oh * t.ow
	NL, CHW := t.N*L, t.C*t.H*t.W
	switch t.phase {
	case convForward:
		t.forwardChunks(part, lo, hi)
		return
	case convColGrad:
		t.colGradChunks(part, lo, hi)
		return
	}
	for n := lo; n < hi; n++ {
		switch t.phase {
		case convIm2col:
			tensor.Im2colTaps(t.x[n*CHW:(n+1)*CHW], t.C, t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw, t.tp, t.cols[n*L:], NL)
		case convScatter:
			y := t.y[n*t.O*L : (n+1)*t.O*L]
			if L == 1 {
				for o := range y {
					y[o] = t.yb[o*NL+n]
				}
				continue
			}
			for o := 0; o < t.O; o++ {
				copy(y[o*L:(o+1)*L], t.yb[o*NL+n*L:o*NL+(n+1)*L])
			}
		case convGather:
			gy := t.gy[n*t.O*L : (n+1)*t.O*L]
			if L == 1 {
				for o, v := range gy {
					t.dyb[o*NL+n] = v
				}
				continue
			}
			for o := 0; o < t.O; o++ {
				copy(t.dyb[o*NL+n*L:o*NL+(n+1)*L], gy[o*L:(o+1)*L])
			}
		case convCol2im:
			tensor.Col2imTapsScratch(t.cols[n*L:], NL, t.C, t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw, t.tp, t.gx[n*CHW:(n+1)*CHW])
		}
	}
}

// forwardChunks unfolds images [lo, hi) chunk by chunk into the columns
// and multiplies each chunk by the weight, into y directly when a chunk is
// one image and through the part's scratch otherwise.
func (t *convBatchTask) forwardChunks(part, lo, hi int) {
	L := t.oh * t.ow
	NL, CHW, O := t.N*L, t.C*t.H*t.W, t.O
	for n0 := lo; n0 < hi; n0 += t.cb {
		nb := min(t.cb, hi-n0)
		for n := n0; n < n0+nb; n++ {
			tensor.Im2colTaps(t.x[n*CHW:(n+1)*CHW], t.C, t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw, t.tp, t.cols[n*L:], NL)
		}
		if nb == 1 {
			tensor.GemmPackedA(&t.pa, L, 1, t.cols[n0*L:], NL, 0, t.y[n0*O*L:(n0+1)*O*L], L)
			continue
		}
		w := nb * L
		s := t.scr[part*t.scrPart : part*t.scrPart+O*w]
		tensor.GemmPackedA(&t.pa, w, 1, t.cols[n0*L:], NL, 0, s, w)
		for n := n0; n < n0+nb; n++ {
			y := t.y[n*O*L : (n+1)*O*L]
			j := (n - n0) * L
			if L == 1 {
				for o := range y {
					y[o] = s[o*w+j]
				}
				continue
			}
			for o := 0; o < O; o++ {
				copy(y[o*L:(o+1)*L], s[o*w+j:o*w+j+L])
			}
		}
	}
}

// colGradChunks computes the column gradient of images [lo, hi) chunk by
// chunk into the part's scratch and folds it into gx.
func (t *convBatchTask) colGradChunks(part, lo, hi int) {
	L := t.oh * t.ow
	NL, CHW := t.N*L, t.C*t.H*t.W
	for n0 := lo; n0 < hi; n0 += t.cb {
		nb := min(t.cb, hi-n0)
		w := nb * L
		s := t.scr[part*t.scrPart : part*t.scrPart+t.K*w]
		tensor.GemmPackedA(&t.pa, w, 1, t.dyb[n0*L:], NL, 0, s, w)
		for n := n0; n < n0+nb; n++ {
			tensor.Col2imTapsScratch(s[(n-n0)*L:], w, t.C, t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw, t.tp, t.gx[n*CHW:(n+1)*CHW])
		}
	}
}

// useBatchedConv reports whether a training-mode convolution takes the
// batched path: ungrouped, with a kernel that needs columns, and a
// reduction long enough for a GEMM (the per-image path's vector updates win
// below that).
func useBatchedConv(G, K1 int, direct bool) bool {
	return G == 1 && !direct && K1 > 16
}

// convTaps returns the window of kernel taps that ever read the input (on
// small maps the others only meet padding: a 3x3 kernel over a 1x1 map
// with padding 1 reads its centre only), encoded for a node's ints, and its
// size. Their rows of the columns would be zero, so the batched path leaves
// them and the matching weight columns out of its GEMMs.
func convTaps(H, W, kh, kw, ph, pw, sh, sw, dh, dw int) (tensor.Taps, int) {
	full := tensor.Taps{KI0: 0, KI1: kh, KJ0: 0, KJ1: kw}
	i0, i1, ok1 := tensor.ValidTaps(H, kh, ph, sh, dh)
	j0, j1, ok2 := tensor.ValidTaps(W, kw, pw, sw, dw)
	if !ok1 || !ok2 || max(kh, kw) >= 1<<14 || (i1-i0)*(j1-j0) == kh*kw {
		return full, 1
	}
	tp := tensor.Taps{KI0: i0, KI1: i1, KJ0: j0, KJ1: j1}
	return tp, 1 | i0<<1 | i1<<16 | j0<<31 | j1<<46
}

// decodeTaps inverts convTaps's encoding.
func decodeTaps(code, kh, kw int) tensor.Taps {
	if code == 1 {
		return tensor.Taps{KI0: 0, KI1: kh, KJ0: 0, KJ1: kw}
	}
	m := 1<<15 - 1
	return tensor.Taps{KI0: code >> 1 & m, KI1: code >> 16 & m, KJ0: code >> 31 & m, KJ1: code >> 46 & m}
}

// tapWeights copies the weight columns of the taps tp (and the folded bias
// column, when K1 > C*kh*kw) of w (O x K1, row stride ldw) into dst
// (O x Kp1); Kp1 is returned.
func (g *Graph) tapWeights(dst, w []float32, ldw, O, C, kh, kw, K1 int, tp tensor.Taps) int {
	t := &g.convW
	*t = convWeightTask{taps: true, dst: dst, w: w, ldw: ldw, O: O, C: C, kh: kh, kw: kw, K1: K1, tp: tp}
	g.parallelFine(t, O, O*K1)
	*t = convWeightTask{}
	ni, nj := tp.KI1-tp.KI0, tp.KJ1-tp.KJ0
	return C*ni*nj + K1 - C*kh*kw
}

// convWeightTask is the per-output-channel work around the batched
// convolution's GEMMs, over a range of output channels: copying the
// weight's pruned taps (taps) or adding the weight-gradient GEMM's result
// gwb (O x K1, the pruned taps' columns and the bias's last) into the
// weight's gradient gw and the bias's gb (when not nil).
type convWeightTask struct {
	taps                  bool
	dst, w, gwb, gw, gb   []float32
	ldw, O, C, kh, kw, K1 int
	pruned                bool
	tp                    tensor.Taps
}

func (t *convWeightTask) run(part, parts int) {
	lo, hi := span(t.O, part, parts)
	if t.taps {
		tapWeightRows(t.dst, t.w, t.ldw, lo, hi, t.C, t.kh, t.kw, t.K1, t.tp)
		return
	}
	t.accumulate(lo, hi)
}

// accumulate adds rows [lo, hi) of gwb into the gradients.
func (t *convWeightTask) accumulate(lo, hi int) {
	C, kh, kw, tp, K1, gwb, gw := t.C, t.kh, t.kw, t.tp, t.K1, t.gwb, t.gw
	ni, nj := tp.KI1-tp.KI0, tp.KJ1-tp.KJ0
	fullK, K := C*kh*kw, C*ni*nj
	for o := lo; o < hi; o++ {
		if t.gb != nil {
			t.gb[o] += gwb[o*K1+K]
		}
		if !t.pruned {
			tensor.Axpy(1, gwb[o*K1:o*K1+K], gw[o*fullK:(o+1)*fullK])
			continue
		}
		r := o * K1
		if nj < 8 {
			// Short runs (one or two taps of a row on the smallest
			// maps): element adds, the same sums as Axpy's.
			for c := 0; c < C; c++ {
				for i := tp.KI0; i < tp.KI1; i++ {
					at := ((o*C+c)*kh+i)*kw + tp.KJ0
					s, d := gwb[r:r+nj], gw[at:at+nj]
					for j := range s {
						d[j] += s[j]
					}
					r += nj
				}
			}
			continue
		}
		for c := 0; c < C; c++ {
			for i := tp.KI0; i < tp.KI1; i++ {
				at := ((o*C+c)*kh+i)*kw + tp.KJ0
				tensor.Axpy(1, gwb[r:r+nj], gw[at:at+nj])
				r += nj
			}
		}
	}
}

// tapWeightRows is tapWeights for the output channels [o0, o1).
func tapWeightRows(dst, w []float32, ldw, o0, o1, C, kh, kw, K1 int, tp tensor.Taps) {
	K := C * kh * kw
	ni, nj := tp.KI1-tp.KI0, tp.KJ1-tp.KJ0
	Kp := C * ni * nj
	Kp1 := Kp + K1 - K
	for o := o0; o < o1; o++ {
		src, d := w[o*ldw:], dst[o*Kp1:(o+1)*Kp1]
		r := 0
		if ni == 1 && nj == 1 {
			// One tap (a 3x3 kernel over a 1x1 map): a strided gather.
			s := src[tp.KI0*kw+tp.KJ0:]
			d := d[:C]
			for c := range d {
				d[c] = s[c*kh*kw]
			}
		} else {
			for c := 0; c < C; c++ {
				for i := tp.KI0; i < tp.KI1; i++ {
					s := src[(c*kh+i)*kw+tp.KJ0 : (c*kh+i)*kw+tp.KJ1]
					if nj < 8 {
						dd := d[r : r+nj]
						for j := range dd {
							dd[j] = s[j]
						}
					} else {
						copy(d[r:r+nj], s)
					}
					r += nj
				}
			}
		}
		if K1 > K {
			d[Kp] = src[K]
		}
	}
}

// conv2dBatched is Graph.Conv2d's forward pass on the batched path: t holds
// the geometry and the (bias-folded) weight; y receives the output.
func (g *Graph) conv2dBatched(t *convTask, y *tensor.Tensor) (cols, taps *tensor.Tensor, code int) {
	L := t.oh * t.ow
	NL := t.N * L
	tp, code := convTaps(t.H, t.W, t.kh, t.kw, t.ph, t.pw, t.sh, t.sw, t.dh, t.dw)
	K := t.C * (tp.KI1 - tp.KI0) * (tp.KJ1 - tp.KJ0)
	K1 := K + t.K1 - t.C*t.kh*t.kw
	wt := t.w
	if code != 1 {
		// The pruned weight is kept for the column gradient (the same
		// values: the weight does not change in between).
		taps = g.buf(t.O * K1)
		g.tapWeights(taps.Data, t.w, t.K1, t.O, t.C, t.kh, t.kw, t.K1, tp)
		wt = taps.Data
	}
	cols = g.buf(K1 * NL)
	bt := &g.convB
	*bt = convBatchTask{phase: convIm2col, x: t.x, cols: cols.Data, y: y.Data, N: t.N, C: t.C, H: t.H, W: t.W, O: t.O,
		kh: t.kh, kw: t.kw, oh: t.oh, ow: t.ow, sh: t.sh, sw: t.sw, ph: t.ph, pw: t.pw, dh: t.dh, dw: t.dw, tp: tp}
	nparts := min(t.N, 8)
	if cb := convChunk(t.N, L, t.O); cb > 0 {
		if K1 > K {
			tensor.Fill(cols.Data[K*NL:K1*NL], 1)
		}
		bt.phase, bt.wt, bt.K, bt.K1, bt.cb = convForward, wt, K, K1, cb
		bt.pa = tensor.PackA(false, t.O, K1, wt, K1, g.buf(tensor.PackedASize(t.O, K1)).Data)
		if cb > 1 {
			bt.scrPart = t.O * cb * L
			bt.scr = g.buf(nparts * bt.scrPart).Data
		}
		g.parallelFine(bt, nparts, t.O*K1*NL)
		bt.wt, bt.scr, bt.pa = nil, nil, tensor.PackedA{}
		return cols, taps, code
	}
	g.parallelFine(bt, nparts, K*NL)
	if K1 > K {
		tensor.Fill(cols.Data[K*NL:K1*NL], 1)
	}
	yb := g.buf(t.O * NL)
	tensor.Gemm(false, false, t.O, NL, K1, 1, wt, K1, cols.Data, NL, 0, yb.Data, NL)
	bt.phase, bt.yb = convScatter, yb.Data
	g.parallelFine(bt, nparts, t.O*NL)
	return cols, taps, code
}

// conv2dBatchedBack is conv2dBack on the batched path: cols are the saved
// columns (K1 x N*L, the bias's row of ones last when K1 > K) and taps the
// forward pass's pruned weight (O x K1) when taps were left out.
func conv2dBatchedBack(n *Var, cols, taps []float32, fullK1 int) {
	x, w, b := n.a, n.b, n.c
	g := n.g
	xs, ws := x.Data.Shape, w.Data.Shape
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	O, kh, kw := ws[0], ws[2], ws[3]
	oh, ow := n.Data.Shape[2], n.Data.Shape[3]
	L := oh * ow
	NL := N * L
	fullK := C * kh * kw
	tp := decodeTaps(n.ints[8], kh, kw)
	pruned := n.ints[8] != 1
	ni, nj := tp.KI1-tp.KI0, tp.KJ1-tp.KJ0
	K := C * ni * nj
	K1 := K + fullK1 - fullK
	bt := &g.convB
	*bt = convBatchTask{phase: convGather, x: x.Data.Data, gy: n.Grad.Data, N: N, C: C, H: H, W: W, O: O,
		kh: kh, kw: kw, oh: oh, ow: ow, sh: n.ints[0], sw: n.ints[1], ph: n.ints[2], pw: n.ints[3], dh: n.ints[4], dw: n.ints[5], tp: tp}
	nparts := min(N, 8)
	dyb := g.buf(O * NL).Data
	bt.dyb = dyb
	g.parallelFine(bt, nparts, O*NL)
	if n.ints[9] == 1 && w.requiresGrad {
		// An earlier Backward on this tape took the columns for the column
		// gradient: unfold the input again.
		bt.phase, bt.cols = convIm2col, cols
		g.parallelFine(bt, nparts, K*NL)
		if K1 > K {
			tensor.Fill(cols[K*NL:K1*NL], 1)
		}
	}
	if w.requiresGrad {
		gwb := g.buf(O * K1).Data
		tensor.Gemm(false, true, O, K1, NL, 1, dyb, NL, cols, NL, 0, gwb, K1)
		t := &g.convW
		*t = convWeightTask{gwb: gwb, gw: w.grad(), O: O, C: C, kh: kh, kw: kw, K1: K1, pruned: pruned, tp: tp}
		if K1 > K && b != nil && b.requiresGrad {
			t.gb = b.grad()
		}
		g.parallelFine(t, O, O*K1)
		*t = convWeightTask{}
	}
	if x.requiresGrad {
		// The columns are not needed any more: their first K rows take the
		// column gradient.
		wt, ldw := w.Data.Data, fullK
		if pruned {
			// The forward pass's pruned weight (O x K1: the bias's
			// column, if any, is left out by the row stride).
			wt, ldw = taps, K1
		}
		n.ints[9] = 1
		if cb := convChunk(N, L, O); cb > 0 {
			// The columns are free now: each part's scratch is a stretch
			// of them when they are long enough.
			bt.phase, bt.gx, bt.dyb, bt.wt, bt.ldw, bt.K, bt.cb = convColGrad, x.grad(), dyb, wt, ldw, K, cb
			bt.pa = tensor.PackA(true, K, O, wt, ldw, g.buf(tensor.PackedASize(K, O)).Data)
			bt.scrPart = K * cb * L
			if nparts*bt.scrPart <= len(cols) {
				bt.scr = cols
			} else {
				bt.scr = g.buf(nparts * bt.scrPart).Data
			}
			g.parallelFine(bt, nparts, O*K*NL)
			bt.wt, bt.scr, bt.pa = nil, nil, tensor.PackedA{}
			return
		}
		tensor.Gemm(true, false, K, NL, O, 1, wt, ldw, dyb, NL, 0, cols[:K*NL], NL)
		bt.phase, bt.cols, bt.gx = convCol2im, cols, x.grad()
		g.parallelFine(bt, nparts, K*NL)
	}
}
