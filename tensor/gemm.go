package tensor

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(X) is X or its transpose. op(A) is m x k, op(B) is k x n and C is m x n;
// lda, ldb and ldc are the row strides. It follows BLAS sgemm semantics
// (beta == 0 overwrites C, NaNs in C included).
//
// Gemm uses the Goto/BLIS scheme: op(A) is packed into MR-row panels and
// op(B) into NR-column panels, cache-blocked by MC/KC/NC, and a register-tiled
// micro-kernel (AVX-512 or AVX2+FMA assembly on amd64, chosen at run time;
// pure Go elsewhere or with the purego build tag) runs over the panels. For
// short reductions (k up to 64) the AVX2 kernel reads op(A) and a
// non-transposed B in place instead, packing only the edge panels. Large
// products are split over up to GOMAXPROCS goroutines; small ones run on the
// calling goroutine. Pack buffers are pooled, so steady-state calls do not
// allocate. Gemm panics if a slice is too short for its dimensions.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if gemv(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	threads := gemmThreads(m, n, k)
	if threads <= 1 {
		gemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemmParallel(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmSerial is Gemm on the calling goroutine only, for callers that
// already run one product per core (a batch of images split over the
// cores): Gemm's own split would start helpers that compete with them and
// pack an operand once more per strip.
func GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if gemv(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	gemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemv handles products with a single row or column of C through the
// vector kernels (Dot, Axpy): a register tile would waste most of its lanes
// on them. It reports false when the shape is not one of those.
func gemv(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	switch {
	case n == 1 && !transA && transB:
		// C[i] = alpha*dot(A[i,:], B[0,:]) + beta*C[i]; both rows contiguous.
		brow := b[:k]
		for i := 0; i < m; i++ {
			d := alpha * Dot(a[i*lda:i*lda+k], brow)
			if beta != 0 {
				d += beta * c[i*ldc]
			}
			c[i*ldc] = d
		}
		return true
	case m == 1 && !transB && n >= 8:
		// C[0,:] = alpha * sum_p op(A)[0,p] * B[p,:] + beta*C[0,:].
		crow := c[:n]
		if beta == 0 {
			clear(crow)
		} else if beta != 1 {
			Scale(beta, crow)
		}
		for p := 0; p < k; p++ {
			av := a[p]
			if transA {
				av = a[p*lda]
			}
			// No skip for av == 0: like the tiled path, NaN and Inf in B
			// propagate.
			axpy(alpha*av, b[p*ldb:p*ldb+n], crow)
		}
		return true
	}
	return false
}

// checkGemm panics with a clear message when the arguments cannot describe
// the product: that is a programming error in the caller.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("tensor.Gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	need := func(name string, s []float32, rows, cols, ld int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic(fmt.Sprintf("tensor.Gemm: ld%s=%d is less than the %d columns of %s", name, ld, cols, name))
		}
		if len(s) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("tensor.Gemm: %s has %d values, a %dx%d matrix with stride %d needs %d", name, len(s), rows, cols, ld, (rows-1)*ld+cols))
		}
	}
	need("a", a, ar, ac, lda)
	need("b", b, br, bc, ldb)
	need("c", c, m, n, ldc)
}

// scaleMatrix sets C = beta*C, overwriting with zeros when beta == 0.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else {
			Scale(beta, row)
		}
	}
}

// microKernel computes the MR x NR tile C = alpha*Ap*Bp + beta*C, where Ap is
// a packed kc x MR panel and Bp a packed kc x NR panel. beta == 0 must not
// read C. c points at the top-left element; ldc is the row stride in elements.
type microKernel func(kc int, ap, bp, c []float32, ldc int, alpha, beta float32)

// stridedMicroKernel is a microKernel that reads its operands in place:
// element (r, q) of the MR x kc block of A at a[r*rsa+q*csa], the NR
// values of B's row q at b[q*ldb:].
type stridedMicroKernel func(kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// gemmConfig describes the active micro-kernel and its cache blocking;
// strided, when not nil, is the same tile's kernel on operands in place,
// for short reductions (gemmShortK).
type gemmConfig struct {
	name       string
	mr, nr     int
	mc, kc, nc int
	kernel     microKernel
	strided    stridedMicroKernel
}

// active is the configuration chosen at init for this CPU.
var active gemmConfig

// KernelName reports which GEMM micro-kernel this process uses:
// "avx512" (8x32 register tiles with AVX-512F), "avx2" (6x16 tiles with
// AVX2+FMA) or "go" (the portable 4x4 kernel).
func KernelName() string { return active.name }

// genericConfig is the pure-Go kernel configuration.
var genericConfig = gemmConfig{name: "go", mr: 4, nr: 4, mc: 128, kc: 256, nc: 1024, kernel: kernelGeneric4x4}

// gemmBuffers are the per-goroutine pack buffers.
type gemmBuffers struct {
	a, b, tile []float32
}

// freeList keeps idle objects for reuse. Unlike a sync.Pool it is not
// emptied by the garbage collector, so steady-state Gemm calls never
// allocate; it holds at most as many objects as were in use at once.
type freeList[T any] struct {
	mu   sync.Mutex
	list []*T
}

func (f *freeList[T]) get() *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.list); n > 0 {
		x := f.list[n-1]
		f.list = f.list[:n-1]
		return x
	}
	return new(T)
}

func (f *freeList[T]) put(x *T) {
	f.mu.Lock()
	f.list = append(f.list, x)
	f.mu.Unlock()
}

var bufFree freeList[gemmBuffers]

// grow returns s resized to n elements, reallocating only when needed.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// shortK is the longest reduction gemmShortK takes: up to it, packing
// op(A) and a row-major B costs about as much as the multiply-adds that
// read them (a convolution's K of a few dozen, attention's head size and
// sequence length, a small layer's features), and the kernel reads both
// in place from at most shortK rows of each.
const shortK = 64

// macroKernel multiplies the packed mc x kc block ab by the packed kc x nc
// panel bb into c (row stride ldc, at the block's first element) as
// alpha·ab·bb + beta·c: full register tiles in place, edge tiles through
// tile. Every blocked product here (gemmSerial, GemmPackedA and the
// convolutions packed straight from their inputs) runs its blocks through
// it, so they sum in the same order.
func (cfg *gemmConfig) macroKernel(mc, nc, kc int, ab, bb, tile, c []float32, ldc int, alpha, beta float32) {
	mr, nr := cfg.mr, cfg.nr
	for ir := 0; ir < mc; ir += mr {
		ap := ab[ir*kc : (ir+mr)*kc]
		rows := min(mr, mc-ir)
		for jr := 0; jr < nc; jr += nr {
			bp := bb[jr*kc : (jr+nr)*kc]
			cols := min(nr, nc-jr)
			off := ir*ldc + jr
			if rows == mr && cols == nr {
				cfg.kernel(kc, ap, bp, c[off:], ldc, alpha, beta)
				continue
			}
			cfg.kernel(kc, ap, bp, tile, nr, alpha, 0)
			storeEdge(rows, cols, tile, nr, beta, c[off:], ldc)
		}
	}
}

// gemmSerial runs the blocked algorithm on the calling goroutine.
func gemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	cfg := &active
	if k <= shortK && cfg.strided != nil {
		gemmShortK(cfg, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	mr, nr := cfg.mr, cfg.nr
	bufs := bufFree.get()
	mcMax := roundUp(min(cfg.mc, m), mr)
	kcMax := min(cfg.kc, k)
	ncMax := roundUp(min(cfg.nc, n), nr)
	bufs.a = grow(bufs.a, mcMax*kcMax)
	bufs.b = grow(bufs.b, ncMax*kcMax)
	bufs.tile = grow(bufs.tile, mr*nr)
	ab, bb, tile := bufs.a, bufs.b, bufs.tile

	for jc := 0; jc < n; jc += cfg.nc {
		nc := min(cfg.nc, n-jc)
		for pc := 0; pc < k; pc += cfg.kc {
			kc := min(cfg.kc, k-pc)
			packB(transB, b, ldb, pc, jc, kc, nc, nr, bb)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < m; ic += cfg.mc {
				mc := min(cfg.mc, m-ic)
				packA(transA, a, lda, ic, pc, mc, kc, mr, ab)
				cfg.macroKernel(mc, nc, kc, ab, bb, tile, c[ic*ldc+jc:], ldc, alpha, bet)
			}
		}
	}
	bufFree.put(bufs)
}

// gemmShortK is gemmSerial for k <= shortK with the strided kernel: op(A)
// is read in place (row-major or transposed), and so is B unless
// transposed, whose nc-column blocks are packed as usual. Only the edge
// panels, with fewer than MR rows or NR columns, are packed (zero-padded)
// and computed into a scratch tile.
func gemmShortK(cfg *gemmConfig, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	mr, nr := cfg.mr, cfg.nr
	bufs := bufFree.get()
	ncMax := roundUp(min(cfg.nc, n), nr)
	bufs.a = grow(bufs.a, mr*k)
	if transB {
		bufs.b = grow(bufs.b, ncMax*k)
	} else {
		bufs.b = grow(bufs.b, nr*k)
	}
	bufs.tile = grow(bufs.tile, mr*nr)
	ab, bb, tile := bufs.a, bufs.b, bufs.tile
	// op(A)'s row stride and k stride.
	rsa, csa := lda, 1
	if transA {
		rsa, csa = 1, lda
	}
	for jc := 0; jc < n; jc += cfg.nc {
		nc := min(cfg.nc, n-jc)
		full := nc / nr * nr // columns of the full panels
		if transB {
			packB(true, b, ldb, 0, jc, k, nc, nr, bb)
		} else if full < nc {
			packB(false, b, ldb, 0, jc+full, k, nc-full, nr, bb)
		}
		for ir := 0; ir < m; ir += mr {
			rows := min(mr, m-ir)
			ap, ars, acs := a[ir*rsa:], rsa, csa
			if rows < mr {
				packA(transA, a, lda, ir, 0, rows, k, mr, ab)
				ap, ars, acs = ab, 1, mr
			}
			for jr := 0; jr < nc; jr += nr {
				cols := min(nr, nc-jr)
				var bp []float32
				bld := nr
				switch {
				case transB:
					bp = bb[jr*k:]
				case cols < nr:
					bp = bb
				default:
					bp, bld = b[jc+jr:], ldb
				}
				off := ir*ldc + jc + jr
				if rows == mr && cols == nr {
					cfg.strided(k, ap, ars, acs, bp, bld, c[off:], ldc, alpha, beta)
					continue
				}
				cfg.strided(k, ap, ars, acs, bp, bld, tile, nr, alpha, 0)
				storeEdge(rows, cols, tile, nr, beta, c[off:], ldc)
			}
		}
	}
	bufFree.put(bufs)
}

// storeEdge writes the valid rows x cols corner of an edge tile into C:
// C = tile + beta*C, overwriting when beta == 0.
func storeEdge(rows, cols int, tile []float32, ldt int, beta float32, c []float32, ldc int) {
	for i := 0; i < rows; i++ {
		t := tile[i*ldt : i*ldt+cols]
		d := c[i*ldc : i*ldc+cols]
		switch beta {
		case 0:
			copy(d, t)
		case 1:
			for j, v := range t {
				d[j] += v
			}
		default:
			for j, v := range t {
				d[j] = v + beta*d[j]
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packA packs the mc x kc block of op(A) starting at (ic, pc) into panels of
// mr rows: panel q holds rows q*mr..q*mr+mr-1 as kc groups of mr values, with
// rows past mc set to zero.
func packA(trans bool, a []float32, lda, ic, pc, mc, kc, mr int, dst []float32) {
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		p := dst[ir*kc : (ir+mr)*kc]
		if trans {
			// op(A)[i][p] = A[p][i]: each k step is a contiguous run of rows.
			if rows == mr && copyRows(p, a[pc*lda+ic+ir:], lda, kc, mr) {
				continue
			}
			if rows == 6 && mr == 6 {
				for q := 0; q < kc; q++ {
					src := a[(pc+q)*lda+ic+ir:]
					src = src[:6:6]
					d := p[q*6 : q*6+6 : q*6+6]
					d[0], d[1], d[2], d[3], d[4], d[5] = src[0], src[1], src[2], src[3], src[4], src[5]
				}
				continue
			}
			for q := 0; q < kc; q++ {
				src := a[(pc+q)*lda+ic+ir:]
				d := p[q*mr : q*mr+mr]
				copy(d, src[:rows])
				clear(d[rows:])
			}
			continue
		}
		if rows == mr && mr == 8 {
			packA8(a[(ic+ir)*lda+pc:], lda, kc, p)
			continue
		}
		if rows == mr && mr == 6 {
			// The rest of A and of dst: the vector form reads two rows
			// past the panel and writes two floats past it when there
			// are such.
			packA6(a[(ic+ir)*lda+pc:], lda, kc, dst[ir*kc:])
			continue
		}
		for r := 0; r < rows; r++ {
			src := a[(ic+ir+r)*lda+pc : (ic+ir+r)*lda+pc+kc]
			for q, v := range src {
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

// packA8Go packs 8 full rows of a non-transposed A: a starts at the first
// element of the block, p receives kc groups of 8.
func packA8Go(a []float32, lda, kc int, p []float32) {
	r0 := a[0:kc]
	r1 := a[lda : lda+kc]
	r2 := a[2*lda : 2*lda+kc]
	r3 := a[3*lda : 3*lda+kc]
	r4 := a[4*lda : 4*lda+kc]
	r5 := a[5*lda : 5*lda+kc]
	r6 := a[6*lda : 6*lda+kc]
	r7 := a[7*lda : 7*lda+kc]
	p = p[:8*kc]
	for q := range kc {
		d := p[q*8 : q*8+8 : q*8+8]
		d[0], d[1], d[2], d[3] = r0[q], r1[q], r2[q], r3[q]
		d[4], d[5], d[6], d[7] = r4[q], r5[q], r6[q], r7[q]
	}
}

// packA6Go packs 6 full rows of a non-transposed A (the AVX2 kernel's
// panels): a starts at the first element of the block, p receives kc
// groups of 6.
func packA6Go(a []float32, lda, kc int, p []float32) {
	r0 := a[0:kc]
	r1 := a[lda : lda+kc]
	r2 := a[2*lda : 2*lda+kc]
	r3 := a[3*lda : 3*lda+kc]
	r4 := a[4*lda : 4*lda+kc]
	r5 := a[5*lda : 5*lda+kc]
	p = p[:6*kc]
	for q := range kc {
		d := p[q*6 : q*6+6 : q*6+6]
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[q], r1[q], r2[q], r3[q], r4[q], r5[q]
	}
}

// packB packs the kc x nc block of op(B) starting at (pc, jc) into panels of
// nr columns: panel q holds kc groups of nr values, columns past nc zero.
func packB(trans bool, b []float32, ldb, pc, jc, kc, nc, nr int, dst []float32) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		p := dst[jr*kc : (jr+nr)*kc]
		if !trans {
			if cols == nr && copyRows(p, b[pc*ldb+jc+jr:], ldb, kc, nr) {
				continue
			}
			for q := 0; q < kc; q++ {
				src := b[(pc+q)*ldb+jc+jr:]
				d := p[q*nr : q*nr+nr]
				copy(d, src[:cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p][j] = B[j][p]: read each source row once, scatter by nr.
		if cols == nr && packBTrans(p, b[(jc+jr)*ldb+pc:], ldb, kc, nr) {
			continue
		}
		for c := 0; c < cols; c++ {
			src := b[(jc+jr+c)*ldb+pc : (jc+jr+c)*ldb+pc+kc]
			for q, v := range src {
				p[q*nr+c] = v
			}
		}
		for c := cols; c < nr; c++ {
			for q := 0; q < kc; q++ {
				p[q*nr+c] = 0
			}
		}
	}
}

// parallelMinWork is the number of multiply-adds below which Gemm stays on
// the calling goroutine: handing work to another goroutine costs a few
// microseconds, about what 2^18 multiply-adds take on one core.
const parallelMinWork = 1 << 18

// gemmThreads picks how many goroutines to use.
func gemmThreads(m, n, k int) int {
	p := runtime.GOMAXPROCS(0)
	if p <= 1 || float64(m)*float64(n)*float64(k) < parallelMinWork {
		return 1
	}
	// Each goroutine needs at least a few tiles of work along the split axis.
	tiles := max(n/active.nr, m/active.mr)
	return max(1, min(p, maxWorkers+1, tiles/2))
}

// maxWorkers caps the helper goroutines Gemm starts.
const maxWorkers = 63

// parJob is one parallel Gemm call: C is cut into chunks strips along N (or
// M), and the caller and the helpers take strips from next until none are
// left, so a goroutine slowed down by other load takes fewer.
type parJob struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	splitN         bool
	unit, chunks   int
	next           atomic.Int64
	team
}

// team lets helper goroutines join a caller's work without the caller ever
// depending on them: a helper first claims one of the offered slots, and the
// caller, once it has run out of work itself, withdraws the slots nobody
// claimed and waits only for the helpers that did. So a Gemm inside a
// parallelFor body (running on a helper) cannot deadlock waiting for helpers
// that are all busy, and a stale queue entry for a finished call is ignored.
type team struct {
	slots atomic.Int32
	wg    sync.WaitGroup
}

// offer queues t for up to helpers helper goroutines. Fields that the
// helpers read must be set before the call.
func (t *team) offer(helpers int, tk task) {
	workersOnce.Do(startWorkers)
	t.wg.Add(helpers)
	t.slots.Store(int32(helpers))
	for range helpers {
		select {
		case jobs <- tk:
		default: // queue full: the slot stays unclaimed and is withdrawn.
		}
	}
}

// claim reports whether a helper got a slot.
func (t *team) claim() bool { return t.slots.Add(-1) >= 0 }

// finish withdraws unclaimed slots and waits for the helpers that claimed one.
func (t *team) finish() {
	for {
		s := t.slots.Load()
		if s <= 0 {
			break
		}
		if t.slots.CompareAndSwap(s, 0) {
			t.wg.Add(-int(s))
			break
		}
	}
	t.wg.Wait()
}

// task is work shared by the caller and some helper goroutines; run returns
// when no work is left and then marks one helper done.
type task interface{ run() }

var (
	workersOnce sync.Once
	jobs        chan task
	jobFree     freeList[parJob]
)

// startWorkers starts the helper goroutines, GOMAXPROCS-1 of them (at least
// one), which live for the rest of the process.
func startWorkers() {
	n := min(runtime.GOMAXPROCS(0), maxWorkers+1) - 1
	jobs = make(chan task, 2*maxWorkers)
	for range max(n, 1) {
		go func() {
			for j := range jobs {
				j.run()
			}
		}()
	}
}

func (j *parJob) run() {
	if j.claim() {
		j.work()
		j.wg.Done()
	}
}

// parFor is a parallelFor call.
type parFor struct {
	n    int
	fn   func(i int)
	next atomic.Int64
	team
}

func (p *parFor) work() {
	for {
		i := int(p.next.Add(1)) - 1
		if i >= p.n {
			return
		}
		p.fn(i)
	}
}

func (p *parFor) run() {
	if p.claim() {
		p.work()
		p.wg.Done()
	}
}

// parallelFor calls fn(0..n-1) on the calling goroutine and up to
// GOMAXPROCS-1 helpers, each taking the next index until none are left.
func parallelFor(n int, fn func(i int)) {
	threads := min(runtime.GOMAXPROCS(0), maxWorkers+1, n)
	if threads <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	p := &parFor{n: n, fn: fn}
	p.offer(threads-1, p)
	p.work()
	p.finish()
}

// work runs strips until none are left.
func (j *parJob) work() {
	total := j.m
	if j.splitN {
		total = j.n
	}
	units := (total + j.unit - 1) / j.unit
	for {
		t := int(j.next.Add(1)) - 1
		if t >= j.chunks {
			return
		}
		start := units * t / j.chunks * j.unit
		end := min(total, units*(t+1)/j.chunks*j.unit)
		if end <= start {
			continue
		}
		a, b, c := j.a, j.b, j.c
		m, n := j.m, j.n
		if j.splitN {
			n = end - start
			if j.transB {
				b = b[start*j.ldb:]
			} else {
				b = b[start:]
			}
			c = c[start:]
		} else {
			m = end - start
			if j.transA {
				a = a[start:]
			} else {
				a = a[start*j.lda:]
			}
			c = c[start*j.ldc:]
		}
		gemmSerial(j.transA, j.transB, m, n, j.k, j.alpha, a, j.lda, b, j.ldb, j.beta, c, j.ldc)
	}
}

// gemmParallel splits C into strips, along N when it has at least as many
// column tiles as row tiles and along M otherwise, and runs them on threads
// goroutines. Each strip is an independent product (op(A) or op(B) is packed
// again per strip), so the goroutines never wait for each other mid-way.
func gemmParallel(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	j := jobFree.get()
	// Set the fields one by one: a stale queue entry may be touching the
	// atomics of this recycled job concurrently.
	j.transA, j.transB, j.m, j.n, j.k = transA, transB, m, n, k
	j.alpha, j.beta, j.a, j.b, j.c = alpha, beta, a, b, c
	j.lda, j.ldb, j.ldc = lda, ldb, ldc
	j.next.Store(0)
	j.splitN = n/active.nr >= m/active.mr
	total := m
	j.unit = active.mr
	if j.splitN {
		total, j.unit = n, active.nr
	}
	// Up to 4 strips per goroutine, so that a goroutine slowed down by other
	// load takes fewer. Each strip packs the other operand again (op(A) for
	// an N split, op(B) for an M split), so strips stay at least 4 tiles (and
	// for N splits 256 columns) wide.
	units := (total + j.unit - 1) / j.unit
	minUnits := 4
	if j.splitN {
		minUnits = max(minUnits, 256/j.unit)
	}
	j.chunks = max(threads, min(4*threads, units/minUnits))
	j.offer(threads-1, j)
	j.work()
	j.finish()
	j.a, j.b, j.c = nil, nil, nil
	jobFree.put(j)
}

// kernelGeneric4x4 is the portable micro-kernel: a 4x4 register tile.
func kernelGeneric4x4(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	ap = ap[:4*kc]
	bp = bp[:4*kc]
	for q := 0; q < kc; q++ {
		a := ap[q*4 : q*4+4 : q*4+4]
		b := bp[q*4 : q*4+4 : q*4+4]
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	store4(c[0:4:4], c00, c01, c02, c03, alpha, beta)
	store4(c[ldc:ldc+4:ldc+4], c10, c11, c12, c13, alpha, beta)
	store4(c[2*ldc:2*ldc+4:2*ldc+4], c20, c21, c22, c23, alpha, beta)
	store4(c[3*ldc:3*ldc+4:3*ldc+4], c30, c31, c32, c33, alpha, beta)
}

func store4(d []float32, v0, v1, v2, v3, alpha, beta float32) {
	if beta == 0 {
		d[0], d[1], d[2], d[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	d[0] = alpha*v0 + beta*d[0]
	d[1] = alpha*v1 + beta*d[1]
	d[2] = alpha*v2 + beta*d[2]
	d[3] = alpha*v3 + beta*d[3]
}

// gemmRef is the plain reference implementation.
func gemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(crow)
		} else if beta != 1 {
			for j := range crow {
				crow[j] *= beta
			}
		}
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if av == 0 {
				continue
			}
			if transB {
				for j := 0; j < n; j++ {
					crow[j] += av * b[j*ldb+p]
				}
			} else {
				brow := b[p*ldb : p*ldb+n]
				for j, bv := range brow {
					crow[j] += av * bv
				}
			}
		}
	}
}
