package neighbors

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Search methods, named as scikit-learn's _fit_method.
const (
	methodBrute  = "brute"
	methodKDTree = "kd_tree"
)

// index answers exact k-nearest-neighbour queries over a copy of the training
// data with either method. Both return, for each query, the k training points
// with the smallest distance, ties broken by the smaller training index,
// sorted in that order, so they agree exactly.
type index struct {
	n, d   int
	x      []float64 // n×d row-major copy of the training data
	metric metric
	method string
	tree   *kdTree     // method kd_tree
	pack   *packedRows // method brute
	// precomputed: x is the n×n matrix of distances between the training
	// points (metric="precomputed") and a query row is the distances from
	// the query to them: the search reads them, it computes none.
	precomputed bool
}

// newPrecomputedIndex keeps x, the n×n distances between the training
// points, for metric="precomputed" (scikit-learn's _fit_method "brute").
func newPrecomputedIndex(x []float64, n int) *index {
	return &index{n: n, d: n, x: x, metric: newMetric(2), method: methodBrute, precomputed: true}
}

// precomputedKNN fills dist and ind with the k smallest distances of each
// query row of q (m×n, row-major), ties by the smaller training index.
func (ix *index) precomputedKNN(q []float64, m, k, workers int, dist []float64, ind []int) {
	n := ix.n
	parallelRanges(m, 1, workers, func(lo, hi int) {
		var h kheap
		for i := lo; i < hi; i++ {
			h.reset(dist[i*k:(i+1)*k], ind[i*k:(i+1)*k])
			for j, v := range q[i*n : (i+1)*n] {
				h.push(v, j)
			}
			h.sort()
		}
	})
}

// newIndex builds the index; x (n×d, row-major) is kept, not copied.
func newIndex(x []float64, n, d int, p float64, method string, leafSize int) *index {
	ix := &index{n: n, d: d, x: x, metric: newMetric(p), method: method}
	if method == methodKDTree {
		ix.tree = buildKDTree(x, n, d, leafSize)
	} else {
		ix.pack = packRows(x, n, d)
	}
	return ix
}

// chooseMethod resolves algorithm "auto" as scikit-learn 1.2 does for the
// Minkowski metrics: brute force when there are more than 15 features, when
// k ≥ n/2 or when p < 1 (a k-d tree needs a true metric), else a k-d tree.
// "ball_tree" maps to the k-d tree: both are exact, so they return the same
// neighbours.
func chooseMethod(algorithm string, n, d, k int, p float64) string {
	switch algorithm {
	case "brute":
		return methodBrute
	case "kd_tree", "ball_tree":
		return methodKDTree
	}
	if d > 15 || k >= n/2 || p < 1 {
		return methodBrute
	}
	return methodKDTree
}

// kneighbors returns the k nearest training points of each of the m query
// rows in q (m×d, row-major): distances and training indices, m×k row-major,
// nearest first. It runs on up to workers goroutines. 1 ≤ k ≤ n.
func (ix *index) kneighbors(q []float64, m, k, workers int) ([]float64, []int) {
	dist := make([]float64, m*k)
	ind := make([]int, m*k)
	if m == 0 {
		return dist, ind
	}
	switch {
	case ix.precomputed:
		ix.precomputedKNN(q, m, k, workers, dist, ind)
		return dist, ind
	case ix.tree != nil:
		ix.treeSearch(q, m, k, workers, dist, ind)
	case ix.metric.kind == kindL2 && ix.pack.normsOK:
		ix.bruteL2(q, m, k, workers, dist, ind)
	default:
		ix.bruteLanes(q, m, k, workers, dist, ind)
	}
	// The heaps hold reduced distances; turn them into distances.
	if ix.metric.kind != kindL1 {
		for i, r := range dist {
			dist[i] = ix.metric.dist(r)
		}
	}
	return dist, ind
}

// finish sorts the heap of query i and copies it to row i of dist and ind.
func finish(h *kheap, i, k int, dist []float64, ind []int) {
	h.sort()
	copy(dist[i*k:(i+1)*k], h.d)
	copy(ind[i*k:(i+1)*k], h.i)
}

// parallelRanges splits [0, m) into at most workers contiguous ranges whose
// starts are multiples of align and runs f on each in its own goroutine.
func parallelRanges(m, align, workers int, f func(lo, hi int)) {
	blocks := (m + align - 1) / align
	if workers > blocks {
		workers = blocks
	}
	if workers <= 1 {
		f(0, m)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo := blocks * w / workers * align
		hi := min(blocks*(w+1)/workers*align, m)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

// parallelChunks runs f over [0, m) in chunks of size chunk handed out to
// workers goroutines on demand, which balances uneven work such as tree
// queries. f gets the worker number for its scratch space.
func parallelChunks(m, chunk, workers int, f func(w, lo, hi int)) {
	nchunks := (m + chunk - 1) / chunk
	if workers > nchunks {
		workers = nchunks
	}
	if workers <= 1 {
		f(0, 0, m)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= nchunks {
					return
				}
				f(w, c*chunk, min((c+1)*chunk, m))
			}
		}()
	}
	wg.Wait()
}

// effectiveWorkers maps scikit-learn's n_jobs to a goroutine count: 0 (null)
// and -1 mean runtime.GOMAXPROCS(0), -2 one fewer and so on (as joblib),
// and a positive value is used as given.
func effectiveWorkers(nJobs int) int {
	procs := runtime.GOMAXPROCS(0)
	switch {
	case nJobs > 0:
		return nJobs
	case nJobs == 0:
		return procs
	}
	return max(1, procs+1+nJobs)
}

// finite reports whether every value is finite.
func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// metricName is scikit-learn's effective_metric_: "precomputed", or the
// Minkowski metric's name.
func (ix *index) metricName() string {
	if ix.precomputed {
		return "precomputed"
	}
	return ix.metric.name()
}
