package tensor

// This file holds the forward product of a stride-1 2-d convolution in the
// "wide" form on its padded image, without the column matrix: the packing
// of B reads the padded planes directly. The padded image P holds C planes
// of Hp x Wp (zero borders) and (KW-1)*DW values past them; its columns are
// the C*KH*KW x OH*Wp matrix (OH = Hp - (KH-1)*DH) whose row (c, i, j) is
// the run of OH*Wp values of P starting at c*Hp*Wp + i*DH*Wp + j*DW. Each
// output row then holds Wp values, of which the first Wp - (KW-1)*DW are
// the convolution's. The product below equals Gemm's on the materialized
// columns value for value: the same micro-kernel, the same packing of A
// and the same blocking of the reduction.

// Conv2dWideCols describes the columns of a padded image.
type Conv2dWideCols struct {
	P                         []float32
	C, Hp, Wp, KH, KW, DH, DW int
}

// Rows is the row count of the columns, C*KH*KW.
func (g *Conv2dWideCols) Rows() int { return g.C * g.KH * g.KW }

// Cols is the column count of the columns, OH*Wp.
func (g *Conv2dWideCols) Cols() int { return (g.Hp - (g.KH-1)*g.DH) * g.Wp }

// rowOff is the offset in P of column row r.
func (g *Conv2dWideCols) rowOff(r int) int {
	taps := g.KH * g.KW
	c, t := r/taps, r%taps
	return c*g.Hp*g.Wp + (t/g.KW)*g.DH*g.Wp + (t%g.KW)*g.DW
}

// Conv2dWideDirect reports whether Conv2dWideForward computes an o-row
// product over these columns as Gemm does (its blocked path): Gemm takes
// other routes for short reductions and single rows or columns.
func Conv2dWideDirect(o int, cc Conv2dWideCols) bool {
	k, n := cc.Rows(), cc.Cols()
	return o >= 2 && n >= 2 && (k > shortK || active.strided == nil)
}

// packB packs rows [pc, pc+kc) and columns [jc, jc+nc) of the columns as
// packB does the same block of a materialized matrix; the KW taps of one
// kernel row are runs DW apart, which copyRows moves together.
func (g *Conv2dWideCols) packB(pc, jc, kc, nc, nr int, dst []float32) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		p := dst[jr*kc : (jr+nr)*kc]
		for q := 0; q < kc; {
			r := pc + q
			off := g.rowOff(r) + jc + jr
			if cols == nr {
				m := min(g.KW-r%g.KW, kc-q)
				if copyRows(p[q*nr:(q+m)*nr], g.P[off:], g.DW, m, nr) {
					q += m
					continue
				}
			}
			d := p[q*nr : q*nr+nr]
			copy(d, g.P[off:off+cols])
			clear(d[cols:])
			q++
		}
	}
}

// Conv2dWideForward computes out (o x Cols(), row stride ldo) = w (o x
// Rows(), row stride ldw) · columns + beta*out: Gemm(false, false, o,
// Cols(), Rows(), 1, w, ldw, columns, Cols(), beta, out, ldo) bit for bit
// where Conv2dWideDirect holds. It runs on the calling goroutine.
func Conv2dWideForward(w []float32, ldw, o int, cc Conv2dWideCols, beta float32, out []float32, ldo int) {
	cfg := &active
	mr, nr := cfg.mr, cfg.nr
	n, k := cc.Cols(), cc.Rows()
	if o == 0 || n == 0 {
		return
	}
	_ = w[(o-1)*ldw+k-1]
	_ = out[(o-1)*ldo+n-1]
	_ = cc.P[cc.rowOff(k-1)+n-1]
	bufs := bufFree.get()
	mcMax := roundUp(min(cfg.mc, o), mr)
	kcMax := min(cfg.kc, k)
	bufs.a = grow(bufs.a, mcMax*kcMax)
	bufs.b = grow(bufs.b, roundUp(min(cfg.nc, n), nr)*kcMax)
	bufs.tile = grow(bufs.tile, mr*nr)
	ab, bb, tile := bufs.a, bufs.b, bufs.tile
	for jc := 0; jc < n; jc += cfg.nc {
		nc := min(cfg.nc, n-jc)
		for pc := 0; pc < k; pc += cfg.kc {
			kc := min(cfg.kc, k-pc)
			cc.packB(pc, jc, kc, nc, nr, bb)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < o; ic += cfg.mc {
				mc := min(cfg.mc, o-ic)
				packA(false, w, ldw, ic, pc, mc, kc, mr, ab)
				cfg.macroKernel(mc, nc, kc, ab, bb, tile, out[ic*ldo+jc:], ldo, 1, bet)
			}
		}
	}
	bufFree.put(bufs)
}

// Conv2dWideWeightDirect reports whether Conv2dWideWeightGradT computes an
// o-row weight gradient over these columns as Gemm does (its blocked path).
func Conv2dWideWeightDirect(o int, cc Conv2dWideCols) bool {
	k, n := cc.Cols(), cc.Rows()
	return o >= 2 && n >= 2 && (k > shortK || active.strided == nil)
}

// vrow is the column row of virtual row v of the weight gradient's
// transposed product: the rows taken tap by tap (v = tap*C + c), so that
// consecutive channels of one tap lie Hp*Wp apart in P.
func (g *Conv2dWideCols) vrow(v int) int {
	t, c := v/g.C, v%g.C
	return c*g.KH*g.KW + t
}

// packAV packs rows [ic, ic+mc) (virtual) and positions [pc, pc+kc) of the
// columns into panels of mr rows as packA does.
func (g *Conv2dWideCols) packAV(ic, pc, mc, kc, mr int, dst []float32) {
	hw := g.Hp * g.Wp
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		p := dst[ir*kc : (ir+mr)*kc]
		v0 := ic + ir
		if rows == mr && v0/g.C == (v0+mr-1)/g.C {
			packA(false, g.P[g.rowOff(g.vrow(v0))+pc:], hw, 0, 0, mr, kc, mr, p)
			continue
		}
		for r := 0; r < rows; r++ {
			off := g.rowOff(g.vrow(v0+r)) + pc
			for q, v := range g.P[off : off+kc] {
				p[q*mr+r] = v
			}
		}
		for r := rows; r < mr; r++ {
			for q := 0; q < kc; q++ {
				p[q*mr+r] = 0
			}
		}
	}
}

// Conv2dWideVRow is the column row (c*KH*KW + tap) of row v (tap*C + c)
// of Conv2dWideWeightGradT's output.
func (g *Conv2dWideCols) Conv2dWideVRow(v int) int { return g.vrow(v) }

// Conv2dWideWeightGradT computes gT (Rows() x o, row stride ldg), the
// weight gradient dy (o x Cols(), row stride ldd) · columnsᵀ transposed with
// its rows taken tap by tap (row v is column row Conv2dWideVRow(v)), plus
// beta*gT, beta 0 or 1: gT[v][i] is Gemm(false, true, o, Rows(), Cols(), 1,
// dy, ldd, columns, Cols(), beta, g, Rows())'s g[i][Conv2dWideVRow(v)] bit
// for bit where Conv2dWideWeightDirect holds (the same reduction blocks,
// each product term the same, computed as columns · dyᵀ). Taking the rows
// tap by tap lets packA move 8 channels Hp*Wp apart at once. It runs on the
// calling goroutine.
func Conv2dWideWeightGradT(dy []float32, ldd, o int, cc Conv2dWideCols, beta float32, gT []float32, ldg int) {
	if beta != 0 && beta != 1 {
		panic("tensor: Conv2dWideWeightGradT: beta must be 0 or 1")
	}
	cfg := &active
	mr, nr := cfg.mr, cfg.nr
	rowsAll, k := cc.Rows(), cc.Cols()
	if o == 0 || rowsAll == 0 {
		return
	}
	_ = dy[(o-1)*ldd+k-1]
	_ = gT[(rowsAll-1)*ldg+o-1]
	_ = cc.P[cc.rowOff(rowsAll-1)+k-1]
	bufs := bufFree.get()
	mcMax := roundUp(min(cfg.mc, rowsAll), mr)
	kcMax := min(cfg.kc, k)
	bufs.a = grow(bufs.a, mcMax*kcMax+2*kcMax) // packA6 may write past a panel
	bufs.b = grow(bufs.b, roundUp(min(cfg.nc, o), nr)*kcMax)
	bufs.tile = grow(bufs.tile, mr*nr)
	ab, bb, tile := bufs.a, bufs.b, bufs.tile
	for jc := 0; jc < o; jc += cfg.nc {
		nc := min(cfg.nc, o-jc)
		for pc := 0; pc < k; pc += cfg.kc {
			kc := min(cfg.kc, k-pc)
			packB(true, dy, ldd, pc, jc, kc, nc, nr, bb)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < rowsAll; ic += cfg.mc {
				mc := min(cfg.mc, rowsAll-ic)
				cc.packAV(ic, pc, mc, kc, mr, ab)
				cfg.macroKernel(mc, nc, kc, ab, bb, tile, gT[ic*ldg+jc:], ldg, 1, bet)
			}
		}
	}
	bufFree.put(bufs)
}
