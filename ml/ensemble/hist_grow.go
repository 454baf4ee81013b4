package ensemble

import (
	"math"
)

// minHessianToSplit is scikit-learn's min_hessian_to_split.
const minHessianToSplit = 1e-3

// histBin is one bin of a histogram (HISTOGRAM_DTYPE): float64 sums of
// the float32 gradients and hessians, and the count.
type histBin struct {
	g, h float64
	n    uint32
}

// hgbSplit is SplitInfo: the best split of a node.
type hgbSplit struct {
	gain        float64
	feature     int
	bin         int
	missingLeft bool
	gl, hl      float64
	gr, hr      float64
	nl, nr      int
	vl, vr      float64
	// cat is set for a categorical split: the bins that go left, missing
	// included.
	cat *[4]uint64
}

func inBitset(b *[4]uint64, v uint8) bool { return b[v>>6]>>(v&63)&1 == 1 }

// minCatSupport is MIN_CAT_SUPPORT, the smoothing of the categories'
// ratios and the least (hessian-weighted) support of a category.
const minCatSupport = 10.0

// hgbNode is the grower's TreeNode.
type hgbNode struct {
	depth       int
	start, stop int
	sumG, sumH  float64
	value       float64
	hist        []histBin
	split       hgbSplit
	left, right *hgbNode
	leaf        bool
	id          int
}

// hgbGrower is TreeGrower: best-first growth by
// gain with scikit-learn's gain and leaf-value formulas, histograms by
// subtraction for the larger child.
type hgbGrower struct {
	binned          []uint8 // feature-major, n per feature
	n, nf           int
	nBins           int // histogram bins per feature: max_bins + 1
	nBinsNonMissing []int
	hasMissing      []bool
	isCat           []bool
	missingBin      int
	g, h            []float32
	constH          bool
	maxLeafNodes    int // 0: no limit
	maxDepth        int // 0: no limit
	minSamplesLeaf  int
	l2              float64
	shrinkage       float64
	// procs bounds the goroutines that build a histogram.
	procs int
	// splitsL and splitsR hold the children's per-feature best splits.
	splitsL, splitsR []hgbSplit
	// resid and residW are the residuals' and their weights' buffers of
	// the absolute error, pbuf weightedPercentile's.
	resid, residW []float64
	pbuf          percentileBuf

	part, buf []int32
	heap      []*hgbNode
	leaves    []*hgbNode
	nNodes    int
	pool      [][]histBin
}

func (gr *hgbGrower) newHist() []histBin {
	if k := len(gr.pool); k > 0 {
		h := gr.pool[k-1]
		gr.pool = gr.pool[:k-1]
		clear(h)
		return h
	}
	return make([]histBin, gr.nf*gr.nBins)
}

func (gr *hgbGrower) freeHist(n *hgbNode) {
	if n.hist != nil {
		gr.pool = append(gr.pool, n.hist)
		n.hist = nil
	}
}

// grow grows one tree and returns its root; leaves holds the finalized
// leaves in scikit-learn's order, their values shrunk.
func (gr *hgbGrower) grow() *hgbNode {
	gr.heap, gr.leaves, gr.nNodes = gr.heap[:0], gr.leaves[:0], 1
	for i := range gr.part {
		gr.part[i] = int32(i)
	}
	sumG := 0.0
	for _, v := range gr.g {
		sumG += float64(v)
	}
	var sumH float64
	if gr.constH {
		sumH = float64(gr.h[0]) * float64(gr.n)
	} else {
		for _, v := range gr.h {
			sumH += float64(v)
		}
	}
	root := &hgbNode{start: 0, stop: gr.n, sumG: sumG, sumH: sumH}
	switch {
	case gr.n < 2*gr.minSamplesLeaf, sumH < minHessianToSplit:
		gr.finalize(root)
	default:
		root.hist = gr.newHist()
		gr.buildHist(root)
		gr.splitAndPush(root)
	}
	for len(gr.heap) > 0 {
		gr.splitNext()
	}
	for _, l := range gr.leaves {
		l.value *= gr.shrinkage
	}
	return root
}

func (gr *hgbGrower) finalize(n *hgbNode) {
	n.leaf = true
	gr.leaves = append(gr.leaves, n)
}

// parallelWork is the least work buildHistThen gives a goroutine.
const parallelWork = 1 << 13

// buildHist fills n.hist from its samples, in parallel over features when
// the work is large.
func (gr *hgbGrower) buildHist(n *hgbNode) { gr.buildHistThen(n, nil) }

// buildHistThen is buildHist, calling then(j), when not nil, after
// feature j's histogram is built, on the same goroutine: the work that
// needs one feature's histogram alone shares the parallel blocks.
func (gr *hgbGrower) buildHistThen(n *hgbNode, then func(j int)) {
	idx := gr.part[n.start:n.stop]
	fill := func(j int) {
		h := n.hist[j*gr.nBins : (j+1)*gr.nBins]
		col := gr.binned[j*gr.n : (j+1)*gr.n]
		if gr.constH {
			for _, i := range idx {
				b := &h[col[i]]
				b.g += float64(gr.g[i])
				b.n++
			}
			return
		}
		for _, i := range idx {
			b := &h[col[i]]
			b.g += float64(gr.g[i])
			b.h += float64(gr.h[i])
			b.n++
		}
	}
	one := fill
	if then != nil {
		one = func(j int) {
			fill(j)
			then(j)
		}
	}
	// Work in units of about a nanosecond: a histogram adds one sample
	// of one feature per unit, a scan reads about two bins per unit, a
	// goroutine costs a microsecond or two to start and join, so blocks
	// of less than parallelWork units go on the caller's alone.
	work := len(idx) * gr.nf
	if then != nil {
		work += gr.nf * gr.nBins
	}
	nw := min(gr.procs, gr.nf, max(1, work/parallelWork))
	if nw <= 1 {
		for j := range gr.nf {
			one(j)
		}
		return
	}
	parallelBlocks(gr.nf, nw, one)
}

// splitAndPush is _compute_best_split_and_push.
func (gr *hgbGrower) splitAndPush(n *hgbNode) { gr.pushSplit(n, gr.findSplit(n)) }

// pushSplit is the rest of _compute_best_split_and_push, given the best
// split s of n.
func (gr *hgbGrower) pushSplit(n *hgbNode, s hgbSplit) {
	n.split = s
	if n.split.gain <= 0 {
		gr.finalize(n)
		gr.freeHist(n)
		return
	}
	gr.heapPush(n)
}

// findSplit is Splitter.find_node_split: the first feature with the
// largest gain.
func (gr *hgbGrower) findSplit(n *hgbNode) hgbSplit {
	best := hgbSplit{gain: -1}
	for j := range gr.nf {
		s := gr.scanFeature(n, j)
		if j == 0 || s.gain > best.gain {
			best = s
		}
	}
	return best
}

// bestSplit is findSplit's choice among the per-feature splits s.
func bestSplit(s []hgbSplit) hgbSplit {
	best := s[0]
	for _, c := range s[1:] {
		if c.gain > best.gain {
			best = c
		}
	}
	return best
}

func grownSplits(s *[]hgbSplit, n int) []hgbSplit {
	if cap(*s) < n {
		*s = make([]hgbSplit, n)
	}
	return (*s)[:n]
}

// scanFeature is the best split of node n on feature j. It reads the
// grower and n alone, so features can be scanned concurrently.
func (gr *hgbGrower) scanFeature(n *hgbNode, j int) hgbSplit {
	s := hgbSplit{gain: -1, feature: j}
	switch {
	case gr.isCat != nil && gr.isCat[j]:
		gr.scanCategories(n, j, &s)
	default:
		gr.scanLeftToRight(n, j, &s)
		if gr.hasMissing[j] {
			gr.scanRightToLeft(n, j, &s)
		}
	}
	return s
}

func nodeValue(g, h, l2 float64) float64 { return -g / (h + l2 + 1e-15) }

func (gr *hgbGrower) gain(gl, hl, grr, hr, lossCurrent float64) float64 {
	vl, vr := nodeValue(gl, hl, gr.l2), nodeValue(grr, hr, gr.l2)
	return lossCurrent - gl*vl - grr*vr
}

func (gr *hgbGrower) scanLeftToRight(n *hgbNode, j int, s *hgbSplit) {
	h := n.hist[j*gr.nBins : (j+1)*gr.nBins]
	nSamples := n.stop - n.start
	lossCurrent := n.value * n.sumG
	var gl, hl float64
	nl := 0
	bestGain := -1.0
	found := false
	var bBin, bnl int
	var bgl, bhl float64
	// With missing values the last non-missing bin is scanned too: the
	// split that sends only the missing values right.
	end := gr.nBinsNonMissing[j] - 1
	if gr.hasMissing[j] {
		end++
	}
	for b := range end {
		nl += int(h[b].n)
		nr := nSamples - nl
		if gr.constH {
			hl += float64(h[b].n)
		} else {
			hl += h[b].h
		}
		hr := n.sumH - hl
		gl += h[b].g
		grr := n.sumG - gl
		if nl < gr.minSamplesLeaf {
			continue
		}
		if nr < gr.minSamplesLeaf {
			break
		}
		if hl < minHessianToSplit {
			continue
		}
		if hr < minHessianToSplit {
			break
		}
		g := gr.gain(gl, hl, grr, hr, lossCurrent)
		if g > bestGain && g > 0 {
			found, bestGain, bBin, bgl, bhl, bnl = true, g, b, gl, hl, nl
		}
	}
	if found {
		*s = hgbSplit{gain: bestGain, feature: j, bin: bBin, missingLeft: false,
			gl: bgl, hl: bhl, gr: n.sumG - bgl, hr: n.sumH - bhl, nl: bnl, nr: nSamples - bnl,
			vl: nodeValue(bgl, bhl, gr.l2), vr: nodeValue(n.sumG-bgl, n.sumH-bhl, gr.l2)}
	}
}

func (gr *hgbGrower) scanRightToLeft(n *hgbNode, j int, s *hgbSplit) {
	h := n.hist[j*gr.nBins : (j+1)*gr.nBins]
	nSamples := n.stop - n.start
	lossCurrent := n.value * n.sumG
	var grr, hr float64
	nr := 0
	bestGain := s.gain
	found := false
	var bBin, bnr int
	var bgr, bhr float64
	for b := gr.nBinsNonMissing[j] - 2; b >= 0; b-- {
		nr += int(h[b+1].n)
		nl := nSamples - nr
		if gr.constH {
			hr += float64(h[b+1].n)
		} else {
			hr += h[b+1].h
		}
		hl := n.sumH - hr
		grr += h[b+1].g
		gl := n.sumG - grr
		if nr < gr.minSamplesLeaf {
			continue
		}
		if nl < gr.minSamplesLeaf {
			break
		}
		if hr < minHessianToSplit {
			continue
		}
		if hl < minHessianToSplit {
			break
		}
		g := gr.gain(gl, hl, grr, hr, lossCurrent)
		if g > bestGain && g > 0 {
			found, bestGain, bBin, bgr, bhr, bnr = true, g, b, grr, hr, nr
		}
	}
	if found {
		*s = hgbSplit{gain: bestGain, feature: j, bin: bBin, missingLeft: true,
			gl: n.sumG - bgr, hl: n.sumH - bhr, gr: bgr, hr: bhr, nl: nSamples - bnr, nr: bnr,
			vl: nodeValue(n.sumG-bgr, n.sumH-bhr, gr.l2), vr: nodeValue(bgr, bhr, gr.l2)}
	}
}

// catInfo is categorical_info: a bin and its smoothed gradient ratio.
type catInfo struct {
	bin   int
	value float64
}

// scanCategories is _find_best_bin_to_split_category: the categories with
// enough support (missing values one of them) sorted by their smoothed
// ratio of gradients to hessians, scanned from both ends to the middle as
// ordered values; the others always go right.
func (gr *hgbGrower) scanCategories(n *hgbNode, j int, s *hgbSplit) {
	h := n.hist[j*gr.nBins : (j+1)*gr.nBins]
	nSamples := n.stop - n.start
	support := float64(nSamples) / n.sumH
	infos := make([]catInfo, 0, gr.nBinsNonMissing[j]+1)
	add := func(b int) {
		hb := h[b].h
		if gr.constH {
			hb = float64(h[b].n)
		}
		if hb*support >= minCatSupport {
			infos = append(infos, catInfo{b, h[b].g / (hb + minCatSupport)})
		}
	}
	for b := range gr.nBinsNonMissing[j] {
		add(b)
	}
	if gr.hasMissing[j] {
		add(gr.missingBin)
	}
	if len(infos) <= 1 {
		return
	}
	glibcMsort(infos, make([]catInfo, len(infos)))
	lossCurrent := n.value * n.sumG
	bestGain, found := -1.0, false
	var bestThresh, bestDir, bnl int
	var bgl, bhl float64
	nu := len(infos)
	for _, dir := range [2]int{1, -1} {
		middle := (nu + 1) / 2
		if dir == -1 {
			middle = (nu+1)/2 - 1
		}
		var gl, hl float64
		nl := 0
		for i := range middle {
			si := i
			if dir == -1 {
				si = nu - 1 - i
			}
			b := infos[si].bin
			nl += int(h[b].n)
			nr := nSamples - nl
			if gr.constH {
				hl += float64(h[b].n)
			} else {
				hl += h[b].h
			}
			hr := n.sumH - hl
			gl += h[b].g
			grr := n.sumG - gl
			if nl < gr.minSamplesLeaf || hl < minHessianToSplit {
				continue
			}
			if nr < gr.minSamplesLeaf || hr < minHessianToSplit {
				break
			}
			g := gr.gain(gl, hl, grr, hr, lossCurrent)
			if g > bestGain && g > 0 {
				found, bestGain, bestThresh, bgl, bhl, bnl, bestDir = true, g, si, gl, hl, nl, dir
			}
		}
	}
	if !found {
		return
	}
	var bits [4]uint64
	if bestDir == 1 {
		for si := 0; si <= bestThresh; si++ {
			b := infos[si].bin
			bits[b>>6] |= 1 << (b & 63)
		}
	} else {
		for si := nu - 1; si >= bestThresh; si-- {
			b := infos[si].bin
			bits[b>>6] |= 1 << (b & 63)
		}
	}
	*s = hgbSplit{gain: bestGain, feature: j, gl: bgl, hl: bhl, gr: n.sumG - bgl, hr: n.sumH - bhl,
		nl: bnl, nr: nSamples - bnl, vl: nodeValue(bgl, bhl, gr.l2), vr: nodeValue(n.sumG-bgl, n.sumH-bhl, gr.l2), cat: &bits}
	if gr.hasMissing[j] {
		s.missingLeft = inBitset(&bits, uint8(gr.missingBin))
	}
}

// glibcMsort sorts by value as glibc's qsort (msort_with_tmp, a top-down
// merge sort) does with scikit-learn's comparator, which never reports
// equal: on ties the right run's element comes first.
func glibcMsort(a, tmp []catInfo) {
	n := len(a)
	if n <= 1 {
		return
	}
	n1 := n / 2
	glibcMsort(a[:n1], tmp)
	glibcMsort(a[n1:], tmp)
	i, j, k := 0, n1, 0
	for i < n1 && j < n {
		// compare_cat_infos(a, b) is -1 when a < b, else 1; glibc takes the
		// left element when the comparison is ≤ 0.
		if a[i].value < a[j].value {
			tmp[k] = a[i]
			i++
		} else {
			tmp[k] = a[j]
			j++
		}
		k++
	}
	for i < n1 {
		tmp[k] = a[i]
		i++
		k++
	}
	copy(a[:k], tmp[:k])
}

// splitNext is TreeGrower.split_next.
func (gr *hgbGrower) splitNext() {
	node := gr.heapPop()
	s := &node.split
	// Stable partition of the node's samples.
	idx := gr.part[node.start:node.stop]
	col := gr.binned[s.feature*gr.n : (s.feature+1)*gr.n]
	nl := 0
	nr := 0
	right := gr.buf[:0]
	for _, i := range idx {
		b := int(col[i])
		if s.cat != nil && inBitset(s.cat, uint8(b)) || s.cat == nil && ((s.missingLeft && b == gr.missingBin) || b <= s.bin) {
			idx[nl] = i
			nl++
		} else {
			right = append(right, i)
			nr++
		}
	}
	copy(idx[nl:], right)
	depth := node.depth + 1
	nLeaf := len(gr.leaves) + len(gr.heap) + 2
	left := &hgbNode{depth: depth, start: node.start, stop: node.start + nl, sumG: s.gl, sumH: s.hl, value: s.vl}
	rightN := &hgbNode{depth: depth, start: node.start + nl, stop: node.stop, sumG: s.gr, sumH: s.hr, value: s.vr}
	node.left, node.right = left, rightN
	if !gr.hasMissing[s.feature] {
		s.missingLeft = nl > nr
	}
	gr.nNodes += 2
	if gr.maxLeafNodes > 0 && nLeaf == gr.maxLeafNodes {
		gr.finalize(left)
		gr.finalize(rightN)
		for len(gr.heap) > 0 {
			n := gr.heapPop()
			gr.finalize(n)
			gr.freeHist(n)
		}
		gr.freeHist(node)
		return
	}
	if gr.maxDepth > 0 && depth == gr.maxDepth {
		gr.finalize(left)
		gr.finalize(rightN)
		gr.freeHist(node)
		return
	}
	if nl < 2*gr.minSamplesLeaf {
		gr.finalize(left)
	}
	if nr < 2*gr.minSamplesLeaf {
		gr.finalize(rightN)
	}
	if !left.leaf || !rightN.leaf {
		small, large := rightN, left
		if nl < nr {
			small, large = left, rightN
		}
		small.hist = gr.newHist()
		// The larger child's histogram is the parent's minus the smaller's,
		// computed in the parent's memory. Each feature's is subtracted,
		// and the children that may split scanned on it, as soon as the
		// smaller child's histogram of the feature is built, on the
		// goroutine that built it.
		large.hist, node.hist = node.hist, nil
		scanL, scanR := !left.leaf, !rightN.leaf
		sl, sr := grownSplits(&gr.splitsL, gr.nf), grownSplits(&gr.splitsR, gr.nf)
		gr.buildHistThen(small, func(j int) {
			lh := large.hist[j*gr.nBins : (j+1)*gr.nBins]
			sh := small.hist[j*gr.nBins : (j+1)*gr.nBins]
			for b := range lh {
				p, c := &lh[b], &sh[b]
				p.g -= c.g
				p.h -= c.h
				p.n -= c.n
			}
			if scanL {
				sl[j] = gr.scanFeature(left, j)
			}
			if scanR {
				sr[j] = gr.scanFeature(rightN, j)
			}
		})
		if scanL {
			gr.pushSplit(left, bestSplit(sl))
		}
		if scanR {
			gr.pushSplit(rightN, bestSplit(sr))
		}
		if left.leaf {
			gr.freeHist(left)
		}
		if rightN.leaf {
			gr.freeHist(rightN)
		}
	}
	gr.freeHist(node)
}

// The heap is Python's heapq (a min-heap on "less" = larger gain), so
// that ties between gains pop in scikit-learn's order.
func (gr *hgbGrower) less(a, b *hgbNode) bool { return a.split.gain > b.split.gain }

func (gr *hgbGrower) heapPush(n *hgbNode) {
	gr.heap = append(gr.heap, n)
	gr.siftDown(0, len(gr.heap)-1)
}

func (gr *hgbGrower) heapPop() *hgbNode {
	h := gr.heap
	last := h[len(h)-1]
	h = h[:len(h)-1]
	gr.heap = h
	if len(h) == 0 {
		return last
	}
	top := h[0]
	h[0] = last
	gr.siftUp(0)
	return top
}

// siftDown is heapq._siftdown.
func (gr *hgbGrower) siftDown(start, pos int) {
	h := gr.heap
	item := h[pos]
	for pos > start {
		parent := (pos - 1) >> 1
		if gr.less(item, h[parent]) {
			h[pos] = h[parent]
			pos = parent
			continue
		}
		break
	}
	h[pos] = item
}

// siftUp is heapq._siftup.
func (gr *hgbGrower) siftUp(pos int) {
	h := gr.heap
	end := len(h)
	start := pos
	item := h[pos]
	child := 2*pos + 1
	for child < end {
		r := child + 1
		if r < end && !gr.less(h[child], h[r]) {
			child = r
		}
		h[pos] = h[child]
		pos = child
		child = 2*pos + 1
	}
	h[pos] = item
	gr.siftDown(start, pos)
}

// hgbTree is a fitted tree: node arrays in preorder (scikit-learn's
// predictor order), left < 0 for a leaf.
type hgbTree struct {
	feature     []int32
	threshold   []float64
	binT        []uint8
	missingLeft []bool
	left, right []int32
	value       []float64
	// cats holds, for a categorical split, the raw category values that go
	// left (values in [0, 256)); nil elsewhere.
	cats []*[4]uint64
	// binCats is the same in bins, for the validation rows.
	binCats []*[4]uint64
	// known holds, for a categorical split, the categories of its feature
	// seen by Fit; the others are treated as missing values.
	known []*[4]uint64
}

// makeTree flattens the grown nodes in preorder, the thresholds the bin
// thresholds of the split bins.
func makeTree(root *hgbNode, bm *binMapper) *hgbTree {
	t := &hgbTree{}
	var add func(n *hgbNode) int32
	add = func(n *hgbNode) int32 {
		id := int32(len(t.feature))
		t.feature = append(t.feature, 0)
		t.threshold = append(t.threshold, 0)
		t.binT = append(t.binT, 0)
		t.missingLeft = append(t.missingLeft, false)
		t.left = append(t.left, -1)
		t.right = append(t.right, -1)
		t.cats = append(t.cats, nil)
		t.binCats = append(t.binCats, nil)
		t.known = append(t.known, nil)
		t.value = append(t.value, n.value)
		if n.leaf || n.left == nil {
			return id
		}
		s := n.split
		t.feature[id] = int32(s.feature)
		if s.cat != nil {
			var raw, known [4]uint64
			for b, c := range bm.thresholds[s.feature] {
				v := int(c)
				known[v>>6] |= 1 << (v & 63)
				if inBitset(s.cat, uint8(b)) {
					raw[v>>6] |= 1 << (v & 63)
				}
			}
			t.cats[id], t.binCats[id], t.known[id] = &raw, s.cat, &known
		} else if s.bin == bm.nBinsNonMissing[s.feature]-1 {
			// A split of the missing values from the others.
			t.threshold[id] = math.Inf(1)
		} else {
			t.threshold[id] = bm.thresholds[s.feature][s.bin]
		}
		t.binT[id] = uint8(s.bin)
		t.missingLeft[id] = s.missingLeft
		l := add(n.left)
		r := add(n.right)
		t.left[id], t.right[id] = l, r
		return id
	}
	add(root)
	return t
}

// predictRow returns the leaf value of one raw row.
func (t *hgbTree) predictRow(x []float64) float64 {
	i := int32(0)
	for t.left[i] >= 0 {
		v := x[t.feature[i]]
		if t.cats != nil && t.cats[i] != nil && !math.IsNaN(v) && !(v >= 0 && v < 256 && v == math.Trunc(v) && inBitset(t.known[i], uint8(v))) {
			// An unknown category is a missing value.
			v = math.NaN()
		}
		switch {
		case math.IsNaN(v):
			if t.missingLeft[i] {
				i = t.left[i]
			} else {
				i = t.right[i]
			}
		case t.cats != nil && t.cats[i] != nil:
			if inBitset(t.cats[i], uint8(v)) {
				i = t.left[i]
			} else {
				i = t.right[i]
			}
		case v <= t.threshold[i]:
			i = t.left[i]
		default:
			i = t.right[i]
		}
	}
	return t.value[i]
}

// predictBinned returns the leaf value of row i of feature-major binned
// data with n rows.
func (t *hgbTree) predictBinned(binned []uint8, n, i, missingBin int) float64 {
	k := int32(0)
	for t.left[k] >= 0 {
		b := binned[int(t.feature[k])*n+i]
		switch {
		case int(b) == missingBin:
			if t.missingLeft[k] {
				k = t.left[k]
			} else {
				k = t.right[k]
			}
		case t.binCats[k] != nil:
			if inBitset(t.binCats[k], b) {
				k = t.left[k]
			} else {
				k = t.right[k]
			}
		case b <= t.binT[k]:
			k = t.left[k]
		default:
			k = t.right[k]
		}
	}
	return t.value[k]
}
