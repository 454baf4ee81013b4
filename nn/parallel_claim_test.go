package nn

import (
	"sync/atomic"
	"testing"
)

// countTask counts the runs of each part and checks the part count.
type countTask struct {
	t     *testing.T
	parts int
	runs  []atomic.Int32
}

func (c *countTask) run(part, parts int) {
	if parts != c.parts {
		c.t.Errorf("run(%d, %d), want %d parts", part, parts, c.parts)
	}
	c.runs[part].Add(1)
}

// TestParallelClaimsEachPartOnce runs many back-to-back parallel calls on
// one graph (so that late jobs of a call meet the next one) and checks
// that every part of every call ran exactly once, with its call's count.
func TestParallelClaimsEachPartOnce(t *testing.T) {
	g := new(Graph)
	workers.once.Do(startWorkers)
	for i := range 2000 {
		maxParts := 1 + i%4
		c := &countTask{t: t, parts: min(workers.n, maxParts), runs: make([]atomic.Int32, maxParts)}
		g.parallel(c, maxParts, 1<<20)
		for p := range c.parts {
			if n := c.runs[p].Load(); n != 1 {
				t.Fatalf("call %d: part %d of %d ran %d times", i, p, c.parts, n)
			}
		}
	}
}
