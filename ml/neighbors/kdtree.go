package neighbors

import (
	"math"
	"math/bits"
)

// kdTree is a k-d tree in scikit-learn's layout: a complete binary tree of
// 2^levels − 1 nodes with levels = 1 + ⌊log2(max(1, (n−1)/leafSize))⌋, so
// every leaf holds between leafSize and 2·leafSize points (fewer when n is
// smaller than leafSize). Each inner node splits its points at the median of the dimension
// where they spread most; every node keeps the tight bounding box of its
// points. The training rows are stored in tree order, so a leaf is one
// contiguous block, packed in panels for the lanes kernel.
type kdTree struct {
	d         int
	panels    []float64 // each leaf's rows as ⌈rows/nr⌉ NaN-padded panels
	leafPanel []int     // first panel of each leaf (leaf i is node firstLeaf+i)
	maxPanels int       // the most panels in one leaf
	idx       []int     // training index of each tree-order row
	start     []int     // first tree-order row of each node
	end       []int     // one past its last row
	lo, hi    []float64 // nodes×d bounding boxes
	firstLeaf int       // nodes from here on are leaves
}

// buildKDTree builds the tree over x (n×d, row-major), n ≥ 1, leafSize ≥ 1.
func buildKDTree(x []float64, n, d, leafSize int) *kdTree {
	levels := 1 + int(math.Log2(math.Max(1, float64(n-1)/float64(leafSize))))
	nodes := 1<<levels - 1
	t := &kdTree{
		d:         d,
		idx:       make([]int, n),
		start:     make([]int, nodes),
		end:       make([]int, nodes),
		lo:        make([]float64, nodes*d),
		hi:        make([]float64, nodes*d),
		firstLeaf: 1<<(levels-1) - 1,
	}
	for i := range t.idx {
		t.idx[i] = i
	}
	vals := make([]float64, n)
	t.build(x, 0, 0, n, vals)
	leaves := nodes - t.firstLeaf
	t.leafPanel = make([]int, leaves+1)
	for l := 0; l < leaves; l++ {
		c := t.end[t.firstLeaf+l] - t.start[t.firstLeaf+l]
		t.maxPanels = max(t.maxPanels, (c+nr-1)/nr)
		t.leafPanel[l+1] = t.leafPanel[l] + (c+nr-1)/nr
	}
	t.panels = make([]float64, t.leafPanel[leaves]*d*nr)
	rows := make([]float64, 2*leafSize*d+nr*d)
	for l := 0; l < leaves; l++ {
		s, e := t.start[t.firstLeaf+l], t.end[t.firstLeaf+l]
		rows = rows[:0]
		for _, k := range t.idx[s:e] {
			rows = append(rows, x[k*d:(k+1)*d]...)
		}
		packPanels(t.panels[t.leafPanel[l]*d*nr:t.leafPanel[l+1]*d*nr], rows, e-s, d)
	}
	return t
}

// build fills node i with rows idx[s:e] and splits it unless it is a leaf.
func (t *kdTree) build(x []float64, i, s, e int, vals []float64) {
	d := t.d
	t.start[i], t.end[i] = s, e
	lo, hi := t.lo[i*d:(i+1)*d], t.hi[i*d:(i+1)*d]
	copy(lo, x[t.idx[s]*d:(t.idx[s]+1)*d])
	copy(hi, lo)
	for _, k := range t.idx[s+1 : e] {
		for j, v := range x[k*d : (k+1)*d] {
			lo[j] = min(lo[j], v)
			hi[j] = max(hi[j], v)
		}
	}
	if i >= t.firstLeaf {
		return
	}
	dim, spread := 0, -1.0
	for j := range lo {
		if w := hi[j] - lo[j]; w > spread {
			dim, spread = j, w
		}
	}
	seg, v := t.idx[s:e], vals[s:e]
	for r, k := range seg {
		v[r] = x[k*d+dim]
	}
	mid := (e - s) / 2
	selectKth(v, seg, mid)
	t.build(x, 2*i+1, s, s+mid, vals)
	t.build(x, 2*i+2, s+mid, e, vals)
}

// selectKth reorders v (and idx alongside) so that v[k] is the value a sort
// would put there, with no larger value before it and no smaller one after.
// Hoare partitioning keeps runs of equal values cheap.
func selectKth(v []float64, idx []int, k int) {
	lo, hi := 0, len(v)-1
	for hi > lo {
		m := lo + (hi-lo)/2
		// Median of three as the pivot.
		a, b, c := v[lo], v[m], v[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				idx[i], idx[j] = idx[j], idx[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

// treeQuery is one query's depth-first search state.
type treeQuery struct {
	t     *kdTree
	m     metric
	x     []float64
	h     kheap
	slack float64 // relative tolerance on pruning, for math.Pow's rounding
	out   []float64
	mask  []byte
}

// minRdist returns a lower bound on the reduced distance from x to any point
// in node i's box: the sum over features of term(gap), where gap is how far
// x lies outside the box's extent in that feature. For p = 1 and 2 four
// partial sums break the addition chain; the result may then differ from a
// sequential sum by a few units in the last place, which the pruning slack
// in visit absorbs.
func (q *treeQuery) minRdist(i int) float64 {
	d := q.t.d
	lo, hi := q.t.lo[i*d:(i+1)*d], q.t.hi[i*d:(i+1)*d]
	x := q.x
	lo, hi = lo[:len(x)], hi[:len(x)]
	switch q.m.kind {
	case kindL2:
		var s0, s1, s2, s3 float64
		j := 0
		for ; j+4 <= len(x); j += 4 {
			g0 := max(lo[j]-x[j], 0) + max(x[j]-hi[j], 0)
			g1 := max(lo[j+1]-x[j+1], 0) + max(x[j+1]-hi[j+1], 0)
			g2 := max(lo[j+2]-x[j+2], 0) + max(x[j+2]-hi[j+2], 0)
			g3 := max(lo[j+3]-x[j+3], 0) + max(x[j+3]-hi[j+3], 0)
			s0 += float64(g0 * g0)
			s1 += float64(g1 * g1)
			s2 += float64(g2 * g2)
			s3 += float64(g3 * g3)
		}
		for ; j < len(x); j++ {
			g := max(lo[j]-x[j], 0) + max(x[j]-hi[j], 0)
			s0 += float64(g * g)
		}
		return (s0 + s1) + (s2 + s3)
	case kindL1:
		var s0, s1, s2, s3 float64
		j := 0
		for ; j+4 <= len(x); j += 4 {
			s0 += max(lo[j]-x[j], 0) + max(x[j]-hi[j], 0)
			s1 += max(lo[j+1]-x[j+1], 0) + max(x[j+1]-hi[j+1], 0)
			s2 += max(lo[j+2]-x[j+2], 0) + max(x[j+2]-hi[j+2], 0)
			s3 += max(lo[j+3]-x[j+3], 0) + max(x[j+3]-hi[j+3], 0)
		}
		for ; j < len(x); j++ {
			s0 += max(lo[j]-x[j], 0) + max(x[j]-hi[j], 0)
		}
		return (s0 + s1) + (s2 + s3)
	}
	var s float64
	for j, xj := range x {
		if g := max(lo[j]-xj, 0) + max(xj-hi[j], 0); g > 0 {
			s += q.m.term(g)
		}
	}
	return s
}

// visit searches node i, whose bound is lb, nearer child first. A node is
// skipped only when its bound exceeds the k-th best by more than the relative
// slack, so no point at or below the k-th best is missed (a tied point with
// a smaller index included): each gap is exact (rounding is monotone, so it
// is no larger than the difference rdist computes for a point in the box),
// and the bound's sum differs from rdist's by less than the slack.
func (q *treeQuery) visit(i int, lb float64) {
	if lb > q.h.worst()*(1+q.slack) {
		return
	}
	t := q.t
	if i >= t.firstLeaf {
		l := i - t.firstLeaf
		d, p0, p1 := t.d, t.leafPanel[l], t.leafPanel[l+1]
		lanes(q.m, q.x, t.panels[p0*d*nr:p1*d*nr], p1-p0, q.h.worst(), q.out, q.mask)
		idx := t.idx[t.start[i]:t.end[i]]
		for p, mb := range q.mask[:p1-p0] {
			for mb != 0 {
				b := bits.TrailingZeros8(mb)
				mb &= mb - 1
				if r := p*nr + b; r < len(idx) {
					q.h.push(q.out[r], idx[r])
				}
			}
		}
		return
	}
	c1, c2 := 2*i+1, 2*i+2
	l1, l2 := q.minRdist(c1), q.minRdist(c2)
	if l1 <= l2 {
		q.visit(c1, l1)
		q.visit(c2, l2)
	} else {
		q.visit(c2, l2)
		q.visit(c1, l1)
	}
}

// treeSearch answers the queries with the k-d tree, handing chunks of
// queries to the workers on demand.
func (ix *index) treeSearch(q []float64, m, k, workers int, dist []float64, ind []int) {
	d := ix.d
	// Each sum of d terms is within (d+2)·u relative of the exact sum, and
	// a term with math.Pow or repeated multiplication within 16u of its
	// value; 16(d+16)·u covers both sums with room to spare.
	slack := 16 * float64(d+16) * 0x1p-53
	parallelChunks(m, 32, workers, func(_, lo, hi int) {
		tq := treeQuery{t: ix.tree, m: ix.metric, slack: slack,
			out: make([]float64, ix.tree.maxPanels*nr), mask: make([]byte, ix.tree.maxPanels)}
		hd, hi2 := make([]float64, k), make([]int, k)
		for i := lo; i < hi; i++ {
			tq.x = q[i*d : (i+1)*d]
			tq.h.reset(hd, hi2)
			tq.visit(0, tq.minRdist(0))
			finish(&tq.h, i, k, dist, ind)
		}
	})
}
