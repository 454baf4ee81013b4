package nn

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mlforge/mlforge/tensor"
)

// partTask is work split into parts that can run concurrently.
type partTask interface {
	run(part, parts int)
}

type poolJob struct {
	t           partTask
	part, parts int
	wg          *sync.WaitGroup
}

// workers is a fixed set of goroutines shared by all graphs. It holds no
// per-model state: a job carries everything it needs, so concurrent
// trainings only share CPU time.
var workers struct {
	once sync.Once
	ch   chan poolJob
	n    int
}

func startWorkers() {
	workers.n = runtime.GOMAXPROCS(0)
	workers.ch = make(chan poolJob, 4*workers.n)
	for i := 1; i < workers.n; i++ {
		go func() {
			for j := range workers.ch {
				j.t.run(j.part, j.parts)
				if j.wg != nil {
					j.wg.Done()
				}
			}
		}()
	}
}

// parallel runs t in up to maxParts parts (one per CPU) and waits. work is
// a rough count of operations: small jobs run in one part, where a hand-off
// would cost more than it saves. The parts are claimed, not assigned: the
// caller and each woken worker take the next unclaimed part until none is
// left, so a worker woken late on a loaded machine costs no waiting (the
// caller runs its part too). Each part runs exactly once, as run(p, parts),
// whichever goroutine runs it, so the results do not depend on who did.
func (g *Graph) parallel(t partTask, maxParts, work int) {
	workers.once.Do(startWorkers)
	g.runParts(t, min(workers.n, maxParts), work)
}

// parallelFine is parallel for a task whose results do not depend on how
// many parts it is split into (each output is computed the same way
// whichever part holds it): with more than one CPU it is cut into up to
// maxParts parts, up to 4 per CPU, which the goroutines claim one by one,
// so a goroutine slowed down by other load takes fewer. t must handle
// part indices below maxParts (its per-part scratch sized for them).
func (g *Graph) parallelFine(t partTask, maxParts, work int) {
	workers.once.Do(startWorkers)
	parts := 1
	if workers.n > 1 {
		parts = min(maxParts, 4*workers.n)
	}
	if fineOff {
		parts = min(workers.n, maxParts)
	}
	g.runParts(t, parts, work)
}

// fineOff makes parallelFine split as parallel does (tests compare them).
var fineOff bool

// runParts runs t in parts parts, claimed by the caller and the workers.
func (g *Graph) runParts(t partTask, parts, work int) {
	if work < 1<<15 {
		parts = 1
	}
	if parts <= 1 {
		t.run(0, 1)
		return
	}
	c := g.par
	if c == nil {
		c = new(partCall)
		g.par = c
	}
	c.t = t
	c.done.Add(parts)
	// parts in the high half, the next part to claim in the low half: a
	// stale job from an earlier call reads both in one claim.
	c.state.Store(uint64(parts) << 32)
	for range parts - 1 {
		select {
		case workers.ch <- poolJob{t: c}:
		default: // the queue is full: the caller claims that part itself
		}
	}
	c.claim()
	c.done.Wait()
	c.t = nil
}

// partCall is the claim state of one Graph's parallel call, reused from
// call to call. A worker whose job outlives its call finds no part left to
// claim (or claims a part of the current call, which is as good).
type partCall struct {
	t     partTask
	state atomic.Uint64
	done  sync.WaitGroup
}

// run is the worker's side: claim parts until none is left.
func (c *partCall) run(int, int) { c.claim() }

func (c *partCall) claim() {
	for {
		v := c.state.Add(1)
		p, parts := int(uint32(v))-1, int(v>>32)
		if p >= parts {
			return
		}
		c.t.run(p, parts)
		c.done.Done()
	}
}

// gemmFunc is tensor.Gemm's signature.
type gemmFunc = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// partGemm returns the GEMM for the body of a part of a task split into
// parts: with more than one part each core already runs a part, and a
// product that split itself again would only add hand-offs and packing.
func partGemm(parts int) gemmFunc {
	if parts > 1 {
		return tensor.GemmSerial
	}
	return tensor.Gemm
}

// span returns the half-open range of part p of n items split into parts.
func span(n, p, parts int) (lo, hi int) {
	return n * p / parts, n * (p + 1) / parts
}
