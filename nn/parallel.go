package nn

import (
	"runtime"
	"sync"

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
				j.wg.Done()
			}
		}()
	}
}

// parallel runs t in up to maxParts parts (one per CPU) and waits; the
// caller runs part 0. work is a rough count of operations: small jobs run
// in one part, where a hand-off would cost more than it saves.
func (g *Graph) parallel(t partTask, maxParts, work int) {
	workers.once.Do(startWorkers)
	parts := min(workers.n, maxParts)
	if work < 1<<15 {
		parts = 1
	}
	if parts <= 1 {
		t.run(0, 1)
		return
	}
	g.wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		workers.ch <- poolJob{t: t, part: p, parts: parts, wg: &g.wg}
	}
	t.run(0, parts)
	g.wg.Wait()
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
