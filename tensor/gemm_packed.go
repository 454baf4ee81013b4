package tensor

// PackedA is op(A) of a product packed once for several GemmPackedA calls
// (the same left operand times different right ones: a convolution's
// weight times the columns of one chunk of images after another). It
// holds the panels gemmSerial would pack for each cache block, so the
// products are those of GemmSerial bit for bit.
type PackedA struct {
	transA   bool
	m, k     int
	a        []float32
	lda      int
	fallback bool // GemmSerial reads A itself (short reductions, gemv)
	data     []float32
}

// PackedASize returns the length of the buffer PackA needs for an m x k
// op(A).
func PackedASize(m, k int) int { return roundUp(m, active.mr) * k }

// PackA packs the m x k op(A) (A, or its transpose when transA; row
// stride lda) into buf (at least PackedASize(m, k) long) and returns it
// for GemmPackedA. A and buf must not change while it is in use.
func PackA(transA bool, m, k int, a []float32, lda int, buf []float32) PackedA {
	checkGemm(transA, false, m, 0, k, a, lda, nil, 0, nil, 0)
	p := PackedA{transA: transA, m: m, k: k, a: a, lda: lda}
	cfg := &active
	if m <= 1 || k == 0 || (k <= shortK && cfg.strided != nil) {
		p.fallback = true
		return p
	}
	mp := roundUp(m, cfg.mr)
	p.data = buf[:mp*k]
	for pc := 0; pc < k; pc += cfg.kc {
		kc := min(cfg.kc, k-pc)
		for ic := 0; ic < m; ic += cfg.mc {
			mc := min(cfg.mc, m-ic)
			packA(transA, a, lda, ic, pc, mc, kc, cfg.mr, p.data[mp*pc+ic*kc:])
		}
	}
	return p
}

// GemmPackedA is GemmSerial(transA, false, m, n, k, alpha, A, lda, b, ldb,
// beta, c, ldc) for the op(A) packed in p, on the calling goroutine.
func GemmPackedA(p *PackedA, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if p.fallback || alpha == 0 {
		GemmSerial(p.transA, false, p.m, n, p.k, alpha, p.a, p.lda, b, ldb, beta, c, ldc)
		return
	}
	m, k := p.m, p.k
	checkGemm(false, false, m, n, k, p.data, k, b, ldb, c, ldc)
	if n == 0 {
		return
	}
	cfg := &active
	mr, nr := cfg.mr, cfg.nr
	mp := roundUp(m, mr)
	bufs := bufFree.get()
	kcMax := min(cfg.kc, k)
	ncMax := roundUp(min(cfg.nc, n), nr)
	bufs.b = grow(bufs.b, ncMax*kcMax)
	bufs.tile = grow(bufs.tile, mr*nr)
	bb, tile := bufs.b, bufs.tile
	for jc := 0; jc < n; jc += cfg.nc {
		nc := min(cfg.nc, n-jc)
		for pc := 0; pc < k; pc += cfg.kc {
			kc := min(cfg.kc, k-pc)
			packB(false, b, ldb, pc, jc, kc, nc, nr, bb)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < m; ic += cfg.mc {
				mc := min(cfg.mc, m-ic)
				ab := p.data[mp*pc+ic*kc:]
				cfg.macroKernel(mc, nc, kc, ab, bb, tile, c[ic*ldc+jc:], ldc, alpha, bet)
			}
		}
	}
	bufFree.put(bufs)
}
