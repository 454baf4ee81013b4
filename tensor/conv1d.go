package tensor

// This file holds the products of a 1-d convolution (stride 1, dilation 1,
// zero padding) on its columns without the column matrix: the packing
// routines read the input samples directly. The columns of ns samples x
// (ns, c, l) for a kernel of k taps and padding pad are the K1 x ns*lout
// matrix, lout = l + 2*pad - k + 1, whose row ch*k + j holds, at position
// s*lout + t, x[s][ch][t+j-pad] (zero outside the row), with, when bias is
// set, a last row of ones (K1 = c*k + 1; c*k without). That is Im2col's
// matrix of the samples side by side, so the products below equal Gemm's
// on the materialized columns value for value: they use the same
// micro-kernel and the same blocking of the reduction.

// Conv1dCols describes the columns of ns samples of a 1-d convolution.
type Conv1dCols struct {
	X              []float32 // ns samples (ns, C, L)
	NS, C, L, K    int
	Pad            int
	Bias           bool // a last row of ones
	lout, rows, cl int
}

func (g *Conv1dCols) init() {
	g.lout = g.L + 2*g.Pad - g.K + 1
	g.rows = g.C * g.K
	if g.Bias {
		g.rows++
	}
	g.cl = g.C * g.L
}

// Rows is K1, the row count of the columns.
func (g *Conv1dCols) Rows() int { g.init(); return g.rows }

// Cols is ns*lout, the column count of the columns.
func (g *Conv1dCols) Cols() int { g.init(); return g.NS * g.lout }

// seg is a run of positions of one sample: n positions from position t of
// sample s, at offset at of the destination.
type seg struct{ at, s, t, n int }

// segments appends to segs the runs of positions [p0, p0+n).
func (g *Conv1dCols) segments(segs []seg, p0, n int) []seg {
	segs = segs[:0]
	for i := 0; i < n; {
		pos := p0 + i
		s, t := pos/g.lout, pos%g.lout
		m := min(n-i, g.lout-t)
		segs = append(segs, seg{at: i, s: s, t: t, n: m})
		i += m
	}
	return segs
}

// row writes column row r over the runs segs into d.
func (g *Conv1dCols) row(d []float32, r int, segs []seg) {
	if r == g.C*g.K {
		Fill(d, 1)
		return
	}
	ch, j := r/g.K, r%g.K
	off := j - g.Pad
	for _, sg := range segs {
		src := g.X[sg.s*g.cl+ch*g.L : sg.s*g.cl+(ch+1)*g.L]
		dd := d[sg.at : sg.at+sg.n]
		// Input index t+u+off for u in [0, n): valid where in [0, L).
		a := sg.t + off
		lo, hi := max(0, -a), min(sg.n, g.L-a)
		if lo == 0 && hi == 32 && sg.n == 32 {
			*(*[32]float32)(dd) = *(*[32]float32)(src[a : a+32])
			continue
		}
		if hi <= lo {
			clear(dd)
			continue
		}
		clear(dd[:lo])
		copy(dd[lo:hi], src[a+lo:a+hi])
		clear(dd[hi:])
	}
}

// packB packs rows [pc, pc+kc) and positions [jc, jc+nc) of the columns as
// packB does the same block of a materialized matrix. A full panel inside
// one sample whose taps of a channel all read the input is that channel's
// run of the sample shifted by one per tap: copyRows moves its rows.
func (g *Conv1dCols) packB(pc, jc, kc, nc, nr int, dst []float32, segs []seg) []seg {
	K := g.K
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		p := dst[jr*kc : (jr+nr)*kc]
		segs = g.segments(segs, jc+jr, cols)
		// inside: the taps read positions t-pad .. t-pad+K-1+cols-1 of the
		// sample, all in [0, L).
		sg := segs[0]
		inside := len(segs) == 1 && cols == nr && sg.t-g.Pad >= 0 && sg.t-g.Pad+K-1+cols <= g.L
		for q := 0; q < kc; {
			r := pc + q
			if inside && r < g.C*K {
				ch, j := r/K, r%K
				m := min(K-j, kc-q)
				if copyRows(p[q*nr:(q+m)*nr], g.X[sg.s*g.cl+ch*g.L+sg.t+j-g.Pad:], 1, m, nr) {
					q += m
					continue
				}
			}
			d := p[q*nr : q*nr+nr]
			g.row(d[:cols], r, segs)
			clear(d[cols:])
			q++
		}
	}
	return segs
}

// conv1dBuffers are a goroutine's pack buffers and a block of columns.
type conv1dBuffers struct {
	a, b, tile, blk []float32
	segs            []seg
}

var conv1dFree freeList[conv1dBuffers]

// Conv1dPackedLen is the length of PackConv1dWeights's output for an o x k1
// weight.
func Conv1dPackedLen(o, k1 int) int { return roundUp(o, active.mr) * k1 }

// PackConv1dWeights packs w (o x k1, row stride ldw) for Conv1dForward into
// dst (Conv1dPackedLen values): the micro-kernel's row panels over the
// whole reduction, so that each reduction block of a panel is contiguous.
func PackConv1dWeights(dst, w []float32, ldw, o, k1 int) {
	packA(false, w, ldw, 0, 0, o, k1, active.mr, dst[:Conv1dPackedLen(o, k1)])
}

// Conv1dForward computes out (o x Cols(), row stride ldo) = W · columns,
// W packed by PackConv1dWeights (o x Rows()): Gemm(false, false, o,
// Cols(), Rows(), 1, W, Rows(), columns, Cols(), 0, out, ldo) bit for bit.
// It runs on the calling goroutine.
func Conv1dForward(ap []float32, o int, cc Conv1dCols, out []float32, ldo int) {
	cc.init()
	cfg := &active
	mr, nr := cfg.mr, cfg.nr
	n, k1 := cc.NS*cc.lout, cc.rows
	if o == 0 || n == 0 {
		return
	}
	_ = ap[Conv1dPackedLen(o, k1)-1]
	_ = out[(o-1)*ldo+n-1]
	bufs := conv1dFree.get()
	bufs.b = grow(bufs.b, roundUp(min(cfg.nc, n), nr)*min(cfg.kc, k1))
	bufs.tile = grow(bufs.tile, mr*nr)
	bb, tile := bufs.b, bufs.tile
	for jc := 0; jc < n; jc += cfg.nc {
		nc := min(cfg.nc, n-jc)
		for pc := 0; pc < k1; pc += cfg.kc {
			kc := min(cfg.kc, k1-pc)
			bufs.segs = cc.packB(pc, jc, kc, nc, nr, bb, bufs.segs)
			var bet float32
			if pc > 0 {
				bet = 1
			}
			for ir := 0; ir < o; ir += mr {
				apn := ap[ir*k1+pc*mr : ir*k1+(pc+kc)*mr]
				rows := min(mr, o-ir)
				for jr := 0; jr < nc; jr += nr {
					bp := bb[jr*kc : (jr+nr)*kc]
					cols := min(nr, nc-jr)
					off := ir*ldo + jc + jr
					if rows == mr && cols == nr {
						cfg.kernel(kc, apn, bp, out[off:], ldo, 1, bet)
						continue
					}
					cfg.kernel(kc, apn, bp, tile, nr, 1, 0)
					storeEdge(rows, cols, tile, nr, bet, out[off:], ldo)
				}
			}
		}
	}
	conv1dFree.put(bufs)
}

// Conv1dWeightGradT computes rows [r0, r1) of gT (Rows() x m, row stride
// ldg; row r0 at gT[0]) = columns · dyᵀ for dy (m x Cols(), row stride
// ldd): the transpose of Gemm(false, true, m, Rows(), Cols(), 1, dy, ldd,
// columns, Cols(), 0, g, Rows()) bit for bit (the same reduction blocks,
// each product term the same). It runs on the calling goroutine.
func Conv1dWeightGradT(dy []float32, ldd, m int, cc Conv1dCols, r0, r1 int, gT []float32, ldg int) {
	cc.init()
	cfg := &active
	mr, nr := cfg.mr, cfg.nr
	k := cc.NS * cc.lout // the reduction: positions
	rowsAll := r1 - r0
	if m == 0 || rowsAll <= 0 {
		return
	}
	if k == 0 {
		for i := range rowsAll {
			clear(gT[i*ldg : i*ldg+m])
		}
		return
	}
	_ = dy[(m-1)*ldd+k-1]
	_ = gT[(rowsAll-1)*ldg+m-1]
	bufs := conv1dFree.get()
	mcMax := roundUp(min(cfg.mc, rowsAll), mr)
	kcMax := min(cfg.kc, k)
	bufs.a = grow(bufs.a, mcMax*kcMax)
	bufs.b = grow(bufs.b, roundUp(min(cfg.nc, m), nr)*kcMax)
	bufs.blk = grow(bufs.blk, mcMax*kcMax)
	bufs.tile = grow(bufs.tile, mr*nr)
	ab, bb, blk, tile := bufs.a, bufs.b, bufs.blk, bufs.tile
	for jc := 0; jc < m; jc += cfg.nc {
		nc := min(cfg.nc, m-jc)
		for pc := 0; pc < k; pc += cfg.kc {
			kc := min(cfg.kc, k-pc)
			packB(true, dy, ldd, pc, jc, kc, nc, nr, bb)
			var bet float32
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < rowsAll; ic += cfg.mc {
				mc := min(cfg.mc, rowsAll-ic)
				bufs.segs = cc.segments(bufs.segs, pc, kc)
				for i := range mc {
					cc.row(blk[i*kc:(i+1)*kc], r0+ic+i, bufs.segs)
				}
				packA(false, blk, kc, 0, 0, mc, kc, mr, ab)
				cfg.macroKernel(mc, nc, kc, ab, bb, tile, gT[ic*ldg+jc:], ldg, 1, bet)
			}
		}
	}
	conv1dFree.put(bufs)
}

// Conv1dPanelRows is the row count of the micro-kernel's panels: splitting
// the rows of Conv1dWeightGradT at multiples of it keeps every part's
// panels full.
func Conv1dPanelRows() int { return active.mr }
