package tree

import (
	"context"
	"math"
)

// featureThreshold is scikit-learn's FEATURE_THRESHOLD, a float32: feature
// values closer than this are treated as equal.
const featureThreshold float32 = 1e-7

// epsilon is np.finfo(np.float64).eps, scikit-learn's EPSILON in the builder.
const epsilon = 2.220446049250313e-16

// splitRec is a candidate split: rows samples[start:pos] go left, the others
// right.
type splitRec struct {
	feature     int
	pos         int
	threshold   float64
	improvement float64
	impLeft     float64
	impRight    float64
}

// builder grows one tree depth first, as scikit-learn's
// DepthFirstTreeBuilder with a BestSplitter or RandomSplitter.
type builder struct {
	xc   []float32 // training features, column-major: xc[f*n+i]
	n, d int       // rows and features of xc

	pairs         []pair // the samples with positive weight, in node order
	features      []int  // feature permutation (sklearn's features)
	constFeatures []int  // features known constant (sklearn's constant_features)
	rng           uint32
	crit          criterion
	gini          *classCrit // set for unweighted Gini: the fast scan
	mse           *regCrit   // set for unweighted squared error: the fast scan
	counts        *classCrit // set for unit or integer weights: exact class counts
	cnt           []int      // countLeft's class counts

	random              bool
	maxFeatures         int
	maxDepth            int
	minSamplesSplit     int
	minSamplesLeaf      int
	minWeightLeaf       float64
	minImpurityDecrease float64
	maxLeafNodes        int // 0: depth-first, unlimited

	nValues int

	// exactTies is set when the order of samples with equal feature values
	// changes the result in the last bits (sums of float targets or
	// weights). Nodes whose values of a feature tie are then sorted with
	// scikit-learn's introsort, which leaves ties in its own order; radix
	// sort, much faster, gives the same order when all values differ.
	exactTies bool
	scratch   []pair // radix sort buffer
	orig      []pair // the node's order before a fast sort, when exactTies
	// tieMin holds, per feature, the smallest node seen with tied values;
	// nodes at least as large go straight to introsort (a guess that only
	// saves time: a wrong one gives the same tree).
	tieMin []int
	// groups, set when exactTies with the best splitter, names the rows
	// that are interchangeable in features (rowGroups); yValues,
	// yClasses and weights complete the test (sameRow).
	groups   []int32
	yValues  []float64
	yClasses []int32
	weights  []float64
	ws       *Workspace
}

type stackRec struct {
	start, end int
	depth      int
	parent     int
	isLeft     bool
	impurity   float64
	nConst     int
}

// prepare allocates the sort buffers, or takes them from the workspace.
func (b *builder) prepare() {
	ws := b.ws
	ws.pairs, ws.features, ws.constFeatures = b.pairs, b.features, b.constFeatures
	b.scratch = grown(ws.scratch, len(b.pairs))
	ws.scratch = b.scratch
	if b.exactTies {
		b.orig = grown(ws.orig, len(b.pairs))
		// The guesses of tieMin hold for every tree grown on the same
		// features (boosting's stages), so they are kept for them.
		same := len(ws.tieMin) == b.d && len(b.xc) > 0 && ws.tieData == &b.xc[0]
		b.tieMin = grown(ws.tieMin, b.d)
		ws.orig, ws.tieMin = b.orig, b.tieMin
		if !same {
			for f := range b.tieMin {
				b.tieMin[f] = math.MaxInt
			}
		}
		if len(b.xc) > 0 {
			ws.tieData = &b.xc[0]
		}
		if !b.random && useRowGroups {
			// The groups depend on the features alone, so they too are
			// kept for the trees grown on the same features.
			if !same || len(ws.groups) != b.n {
				ws.groups = rowGroups(b.xc, b.n, b.d, ws.groups)
			}
			b.groups = ws.groups
		}
	}
}

// Workspace holds the buffers one Grow works in, for the next to reuse:
// an ensemble keeps one per goroutine, so that growing many trees does not
// allocate them again for each. The zero value is ready to use; a
// Workspace must not be used by two Grows at once.
type Workspace struct {
	pairs, scratch, orig    []pair
	features, constFeatures []int
	tieMin                  []int
	tieData                 *float32 // the features tieMin was learnt on
	groups                  []int32  // rowGroups of the features at tieData
}

// grown returns s resliced to n elements, reallocated when it is too
// short; the contents are not kept.
func grown[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// build grows the tree; ctx is checked every few nodes.
func (b *builder) build(ctx context.Context) (*Tree, error) {
	b.prepare()
	if b.maxLeafNodes > 0 {
		return b.buildBestFirst(ctx)
	}
	t := &Tree{NFeatures: b.d, NValues: b.nValues}
	stack := []stackRec{{start: 0, end: len(b.pairs), parent: -1, impurity: math.Inf(1)}}
	first := true
	for len(stack) > 0 {
		if len(t.Feature)%64 == 63 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nNode := r.end - r.start
		b.crit.init(r.start, r.end)
		wNode, _, _ := b.crit.weights()
		isLeaf := r.depth >= b.maxDepth || nNode < b.minSamplesSplit ||
			nNode < 2*b.minSamplesLeaf || wNode < 2*b.minWeightLeaf
		if first {
			r.impurity = b.crit.nodeImpurity()
			first = false
		}
		isLeaf = isLeaf || r.impurity <= epsilon
		var sp splitRec
		nConst := r.nConst
		if !isLeaf {
			sp = b.split(r.start, r.end, r.impurity, &nConst)
			isLeaf = sp.pos >= r.end || sp.improvement+epsilon < b.minImpurityDecrease
		}
		id := t.addNode(r.parent, r.isLeft, isLeaf, sp.feature, sp.threshold, r.impurity, nNode, wNode)
		b.crit.nodeValue(t.Value[id*b.nValues : (id+1)*b.nValues])
		if !isLeaf {
			stack = append(stack,
				stackRec{start: sp.pos, end: r.end, depth: r.depth + 1, parent: id, impurity: sp.impRight, nConst: nConst},
				stackRec{start: r.start, end: sp.pos, depth: r.depth + 1, parent: id, isLeft: true, impurity: sp.impLeft, nConst: nConst})
		}
		t.MaxDepth = max(t.MaxDepth, r.depth)
	}
	t.pack()
	return t, nil
}

// split finds the best split of samples[start:end] with the configured
// splitter; nConst is the number of features known to be constant, updated
// with those found constant here.
func (b *builder) split(start, end int, impurity float64, nConst *int) splitRec {
	mse, counts := b.mse, b.counts
	if plainRandomSplits {
		mse, counts = nil, nil
	}
	if b.random && (mse != nil || counts != nil) {
		return b.splitRandomFused(start, end, impurity, nConst)
	}
	best := splitRec{pos: end, improvement: math.Inf(-1), impLeft: math.Inf(1), impRight: math.Inf(1)}
	bestProxy := math.Inf(-1)
	features := b.features
	nKnown := *nConst
	nTotal := nKnown
	nFound, nDrawn, nVisited := 0, 0, 0
	fi := b.d
	ps := b.pairs[start:end]
	n := end - start
	msl := b.minSamplesLeaf
	mwl := b.minWeightLeaf
	current := -1
	for fi > nTotal && (nVisited < b.maxFeatures || nVisited <= nFound+nDrawn) {
		nVisited++
		fj := randInt(nDrawn, fi-nFound, &b.rng)
		if fj < nKnown {
			features[nDrawn], features[fj] = features[fj], features[nDrawn]
			nDrawn++
			continue
		}
		fj += nFound
		f := features[fj]
		current = f
		col := b.xc[f*b.n : (f+1)*b.n]
		var minV, maxV float32
		if b.random {
			minV = col[ps[0].i]
			maxV = minV
			ps[0].v = minV
			for k := 1; k < n; k++ {
				v := col[ps[k].i]
				ps[k].v = v
				if v < minV {
					minV = v
				} else if v > maxV {
					maxV = v
				}
			}
		} else {
			for k := range ps {
				ps[k].v = col[ps[k].i]
			}
			switch {
			case !b.exactTies:
				fastSort(ps, b.scratch)
			case n >= b.tieMin[f]:
				sortPairs(ps)
			default:
				orig := b.orig[:n]
				copy(orig, ps)
				fastSort(ps, b.scratch)
				if b.tiesMatter(ps) {
					b.tieMin[f] = n
					copy(ps, orig)
					sortPairs(ps)
				}
			}
			minV, maxV = ps[0].v, ps[n-1].v
		}
		if maxV <= minV+featureThreshold {
			features[fj], features[nTotal] = features[nTotal], features[fj]
			nFound++
			nTotal++
			continue
		}
		fi--
		features[fi], features[fj] = features[fj], features[fi]

		if b.random {
			thr := randUniform(float64(minV), float64(maxV), &b.rng)
			if thr == float64(maxV) {
				thr = float64(minV)
			}
			var pe int
			pe = partition(ps, thr)
			if pe < msl || n-pe < msl {
				continue
			}
			b.crit.reset()
			b.crit.update(start + pe)
			_, wl, wr := b.crit.weights()
			if wl < mwl || wr < mwl {
				continue
			}
			if pr := b.crit.proxy(); pr > bestProxy {
				bestProxy = pr
				best = splitRec{feature: f, pos: start + pe, threshold: thr}
			}
			continue
		}

		if b.gini != nil {
			if k, pr := b.scanGini(ps, bestProxy); k >= 0 {
				bestProxy = pr
				best = splitRec{feature: f, pos: start + k, threshold: midpoint(ps[k-1].v, ps[k].v)}
			}
			continue
		}
		if b.mse != nil {
			if k, pr := b.scanMSE(ps, bestProxy); k >= 0 {
				bestProxy = pr
				best = splitRec{feature: f, pos: start + k, threshold: midpoint(ps[k-1].v, ps[k].v)}
			}
			continue
		}
		b.crit.reset()
		k := 0
		for k < n {
			for k+1 < n && ps[k+1].v <= ps[k].v+featureThreshold {
				k++
			}
			k++
			if k >= n || n-k < msl {
				break
			}
			if k < msl {
				continue
			}
			b.crit.update(start + k)
			_, wl, wr := b.crit.weights()
			if wl < mwl || wr < mwl {
				continue
			}
			if pr := b.crit.proxy(); pr > bestProxy {
				bestProxy = pr
				best = splitRec{feature: f, pos: start + k, threshold: midpoint(ps[k-1].v, ps[k].v)}
			}
		}
	}

	if best.pos < end {
		if !b.random || current != best.feature {
			col := b.xc[best.feature*b.n : (best.feature+1)*b.n]
			p, pe := 0, n
			for p < pe {
				if float64(col[ps[p].i]) <= best.threshold {
					p++
				} else {
					pe--
					ps[p], ps[pe] = ps[pe], ps[p]
				}
			}
		}
		b.crit.reset()
		b.crit.update(best.pos)
		best.impLeft, best.impRight = b.crit.childrenImpurity()
		best.improvement = b.crit.improvement(impurity, best.impLeft, best.impRight)
	}
	// Restore the order of the known constant features for siblings and
	// children, and record the newly found ones after them.
	copy(features[:nKnown], b.constFeatures[:nKnown])
	copy(b.constFeatures[nKnown:nKnown+nFound], features[nKnown:nKnown+nFound])
	*nConst = nTotal
	return best
}

// plainRandomSplits, set by tests, makes the random splitter partition on
// every candidate feature and update the criterion after, as
// scikit-learn's RandomSplitter does, instead of its fused passes (which
// must grow the same trees).
var plainRandomSplits = false

// splitRandomFused is split's random splitter for unweighted squared
// error (and friedman_mse), with the same draws in the same order, the
// same partitions and the same sums, and for classification with unit or
// integer weights, whose class counts do not depend on the order of the
// samples: it only counts each candidate's left part, and partitions for
// the best feature alone. It draws the next feature to examine before
// splitting on the current one (the draws depend on counts alone), and
// gathers the next feature's values and their range in the same pass,
// which saves the separate pass over the node that gathering takes.
func (b *builder) splitRandomFused(start, end int, impurity float64, nConst *int) splitRec {
	best := splitRec{pos: end, improvement: math.Inf(-1), impLeft: math.Inf(1), impRight: math.Inf(1)}
	bestProxy := math.Inf(-1)
	features := b.features
	nKnown := *nConst
	nTotal := nKnown
	nFound, nDrawn, nVisited := 0, 0, 0
	fi := b.d
	ps := b.pairs[start:end]
	n := end - start
	msl := b.minSamplesLeaf
	mwl := b.minWeightLeaf
	current := -1
	// draw returns the position in features of the next feature to
	// examine, skipping those known constant, or -1 when the search ends.
	draw := func() int {
		for fi > nTotal && (nVisited < b.maxFeatures || nVisited <= nFound+nDrawn) {
			nVisited++
			fj := randInt(nDrawn, fi-nFound, &b.rng)
			if fj < nKnown {
				features[nDrawn], features[fj] = features[fj], features[nDrawn]
				nDrawn++
				continue
			}
			return fj + nFound
		}
		return -1
	}
	gather := func(f int) (float32, float32) {
		col := b.xc[f*b.n : (f+1)*b.n]
		minV := col[ps[0].i]
		maxV := minV
		ps[0].v = minV
		for k := 1; k < n; k++ {
			v := col[ps[k].i]
			ps[k].v = v
			if v < minV {
				minV = v
			} else if v > maxV {
				maxV = v
			}
		}
		return minV, maxV
	}
	fj := draw()
	var minV, maxV float32
	if fj >= 0 {
		minV, maxV = gather(features[fj])
	}
	for fj >= 0 {
		f := features[fj]
		current = f
		if maxV <= minV+featureThreshold {
			features[fj], features[nTotal] = features[nTotal], features[fj]
			nFound++
			nTotal++
			if fj = draw(); fj >= 0 {
				minV, maxV = gather(features[fj])
			}
			continue
		}
		fi--
		features[fi], features[fj] = features[fj], features[fi]
		thr := randUniform(float64(minV), float64(maxV), &b.rng)
		if thr == float64(maxV) {
			thr = float64(minV)
		}
		var pe int
		fj = draw()
		switch {
		case fj >= 0 && b.mse != nil:
			nf := features[fj]
			pe, minV, maxV = b.partitionMSENext(ps, thr, start, b.xc[nf*b.n:(nf+1)*b.n])
		case fj >= 0:
			nf := features[fj]
			pe, minV, maxV = b.countLeftNext(ps, thr, start, b.xc[nf*b.n:(nf+1)*b.n])
		case b.mse != nil:
			pe = b.partitionMSE(ps, thr, start)
		default:
			pe = b.countLeft(ps, thr, start)
		}
		if pe < msl || n-pe < msl {
			continue
		}
		_, wl, wr := b.crit.weights()
		if wl < mwl || wr < mwl {
			continue
		}
		if pr := b.crit.proxy(); pr > bestProxy {
			bestProxy = pr
			best = splitRec{feature: f, pos: start + pe, threshold: thr}
		}
	}
	if best.pos < end {
		if current != best.feature || b.mse == nil {
			partitionCol(ps, b.xc[best.feature*b.n:(best.feature+1)*b.n], best.threshold)
		}
		b.crit.reset()
		b.crit.update(best.pos)
		best.impLeft, best.impRight = b.crit.childrenImpurity()
		best.improvement = b.crit.improvement(impurity, best.impLeft, best.impRight)
	}
	copy(features[:nKnown], b.constFeatures[:nKnown])
	copy(b.constFeatures[nKnown:nKnown+nFound], features[nKnown:nKnown+nFound])
	*nConst = nTotal
	return best
}

// countLeftNext is countLeft that also sets each sample's value to next's
// and returns next's range, as partitionMSENext.
func (b *builder) countLeftNext(ps []pair, thr float64, start int, next []float32) (int, float32, float32) {
	c := b.counts
	y := c.y
	sumLeft := c.sumLeft
	pe := 0
	wl := 0.0
	minV, maxV := float32(math.Inf(1)), float32(math.Inf(-1))
	if c.w == nil {
		cnt := b.cnt
		clear(cnt)
		for k, s := range ps {
			v := next[s.i]
			if v < minV {
				minV = v
			}
			if v > maxV {
				maxV = v
			}
			le := 0
			if float64(s.v) <= thr {
				le = 1
			}
			cnt[y[s.i]] += le
			pe += le
			ps[k].v = v
		}
		for k, m := range cnt {
			sumLeft[k] = float64(m)
		}
		wl = float64(pe)
	} else {
		clear(sumLeft)
		w := c.w
		for k, s := range ps {
			v := next[s.i]
			if v < minV {
				minV = v
			}
			if v > maxV {
				maxV = v
			}
			if float64(s.v) <= thr {
				sumLeft[y[s.i]] += w[s.i]
				wl += w[s.i]
				pe++
			}
			ps[k].v = v
		}
	}
	c.pos = start + pe
	c.wLeft = wl
	c.wRight = c.wNode - wl
	for k, t := range c.sumTotal {
		c.sumRight[k] = t - sumLeft[k]
	}
	return pe, minV, maxV
}

// partitionCol is partition on the values col[i] of the samples.
func partitionCol(ps []pair, col []float32, thr float64) {
	p, pe := 0, len(ps)
	for p < pe {
		if float64(col[ps[p].i]) <= thr {
			p++
		} else {
			pe--
			ps[p], ps[pe] = ps[pe], ps[p]
		}
	}
}

// partitionMSENext is partitionMSE that also sets each sample's value to
// next's, as it takes its final place, and returns next's range among
// the samples (the smallest and largest values, as the gathering loop
// finds them, up to the sign of a zero).
func (b *builder) partitionMSENext(ps []pair, thr float64, start int, next []float32) (int, float32, float32) {
	c := b.mse
	y := c.y
	p, pe := 0, len(ps)
	sl, sr := 0.0, c.sumTotal
	minV, maxV := float32(math.Inf(1)), float32(math.Inf(-1))
	for p < pe {
		s := ps[p]
		v := next[s.i]
		if v < minV {
			minV = v
		}
		if v > maxV {
			maxV = v
		}
		if float64(s.v) <= thr {
			sl += y[s.i]
			ps[p].v = v
			p++
		} else {
			sr -= y[s.i]
			pe--
			ps[p] = ps[pe]
			ps[pe] = pair{v: v, i: s.i}
		}
	}
	n := len(ps)
	c.pos = start + pe
	if pe <= n-pe {
		c.sumLeft = sl
		c.wLeft = float64(pe)
	} else {
		c.sumLeft = sr
		c.wLeft = c.wNode - float64(n-pe)
	}
	c.wRight = c.wNode - c.wLeft
	c.sumRight = c.sumTotal - c.sumLeft
	return pe, minV, maxV
}

// partition moves the samples of ps with values at most thr to its front,
// as scikit-learn's RandomSplitter does, and returns their number.
func partition(ps []pair, thr float64) int {
	p, pe := 0, len(ps)
	for p < pe {
		if float64(ps[p].v) <= thr {
			p++
		} else {
			pe--
			ps[p], ps[pe] = ps[pe], ps[p]
		}
	}
	return pe
}

// partitionMSE is partition fused with the squared-error criterion's
// reset and update to the split position (unit weights): the left
// samples take their final places in increasing position and the right
// ones in decreasing position, the orders in which update sums the
// targets forward (left part the smaller) or backward, so the sums are
// those of update, bit for bit, without a third pass over the node.
func (b *builder) partitionMSE(ps []pair, thr float64, start int) int {
	c := b.mse
	y := c.y
	p, pe := 0, len(ps)
	sl, sr := 0.0, c.sumTotal
	for p < pe {
		s := ps[p]
		if float64(s.v) <= thr {
			sl += y[s.i]
			p++
		} else {
			sr -= y[s.i]
			pe--
			ps[p], ps[pe] = ps[pe], s
		}
	}
	n := len(ps)
	c.pos = start + pe
	if pe <= n-pe {
		c.sumLeft = sl
		c.wLeft = float64(pe)
	} else {
		// reverse_reset then one subtraction of 1.0 per right sample,
		// each exact.
		c.sumLeft = sr
		c.wLeft = c.wNode - float64(n-pe)
	}
	c.wRight = c.wNode - c.wLeft
	c.sumRight = c.sumTotal - c.sumLeft
	return pe
}

// countLeft sets the classification criterion as reset and update to the
// split at thr would (unit or integer weights, whose class counts are exact
// in any order), counting the left part without moving the samples; it
// returns the size of the left part.
func (b *builder) countLeft(ps []pair, thr float64, start int) int {
	c := b.counts
	y := c.y
	sumLeft := c.sumLeft
	pe := 0
	wl := 0.0
	if c.w == nil {
		cnt := b.cnt
		clear(cnt)
		for _, s := range ps {
			le := 0
			if float64(s.v) <= thr {
				le = 1
			}
			cnt[y[s.i]] += le
			pe += le
		}
		for k, m := range cnt {
			sumLeft[k] = float64(m)
		}
		wl = float64(pe)
	} else {
		clear(sumLeft)
		w := c.w
		for _, s := range ps {
			if float64(s.v) <= thr {
				sumLeft[y[s.i]] += w[s.i]
				wl += w[s.i]
				pe++
			}
		}
	}
	c.pos = start + pe
	c.wLeft = wl
	c.wRight = c.wNode - wl
	for k, t := range c.sumTotal {
		c.sumRight[k] = t - sumLeft[k]
	}
	return pe
}

// midpoint is the threshold between two consecutive distinct values, as
// scikit-learn computes it: the sum of halves (no overflow), or the lower
// value when the midpoint rounds up to the upper one.
func midpoint(lo32, hi32 float32) float64 {
	lo, hi := float64(lo32), float64(hi32)
	thr := lo/2.0 + hi/2.0
	if thr == hi || math.IsInf(thr, 0) {
		thr = lo
	}
	return thr
}

// scanGini is the search over the sorted values of one feature for
// unweighted Gini impurity. Class counts are integers, so the sums of
// squared counts can be kept incrementally, in O(1) per sample, and are
// exactly those that ClassificationCriterion recomputes per candidate; the
// proxy is then computed with scikit-learn's operations. It returns the
// position of the best split that beats bestProxy and its proxy, or -1.
func (b *builder) scanGini(ps []pair, bestProxy float64) (int, float64) {
	g := b.gini
	cl, cr := g.sumLeft, g.sumRight
	clear(cl)
	copy(cr, g.sumTotal)
	sqL, sqR := 0.0, 0.0
	for _, c := range cr {
		sqR += c * c
	}
	y, w := g.y, g.w
	n, msl, mwl := len(ps), b.minSamplesLeaf, b.minWeightLeaf
	wn := float64(n)
	if w != nil {
		wn = g.wNode
	}
	bestK := -1
	k, moved := 0, 0
	wl := 0.0
	for k < n {
		for k+1 < n && ps[k+1].v <= ps[k].v+featureThreshold {
			k++
		}
		k++
		if k >= n || n-k < msl {
			break
		}
		if k < msl {
			continue
		}
		if w == nil {
			for ; moved < k; moved++ {
				c := y[ps[moved].i]
				l, r := cl[c], cr[c]
				sqL += 2*l + 1
				sqR -= 2*r - 1
				cl[c], cr[c] = l+1, r-1
			}
			wl = float64(k)
		} else {
			// Whole-number weights (intWeights): every term is an exact
			// integer, as the counts scikit-learn squares.
			for ; moved < k; moved++ {
				i := ps[moved].i
				c, wi := y[i], w[i]
				l, r := cl[c], cr[c]
				sqL += 2*l*wi + wi*wi
				sqR -= 2*r*wi - wi*wi
				cl[c], cr[c] = l+wi, r-wi
				wl += wi
			}
		}
		wr := wn - wl
		if wl < mwl || wr < mwl {
			continue
		}
		gl := 1.0 - sqL/float64(wl*wl)
		gr := 1.0 - sqR/float64(wr*wr)
		if pr := -float64(wr*gr) - float64(wl*gl); pr > bestProxy {
			bestProxy, bestK = pr, k
		}
	}
	return bestK, bestProxy
}

// scanMSE is the search over the sorted values of one feature for
// unweighted squared error (or friedman_mse): regCrit's update and proxy
// inlined, with the same additions in the same order, including the
// restart from the node total that RegressionCriterion.update takes when
// the remaining samples are fewer than those to move.
func (b *builder) scanMSE(ps []pair, bestProxy float64) (int, float64) {
	r := b.mse
	y := r.y
	n, msl, mwl := len(ps), b.minSamplesLeaf, b.minWeightLeaf
	wn, sumTotal := r.wNode, r.sumTotal
	sumLeft, wl, pos := 0.0, 0.0, 0
	bestK := -1
	k := 0
	for k < n {
		for k+1 < n && ps[k+1].v <= ps[k].v+featureThreshold {
			k++
		}
		k++
		if k >= n || n-k < msl {
			break
		}
		if k < msl {
			continue
		}
		if k-pos <= n-k {
			for _, p := range ps[pos:k] {
				sumLeft += y[p.i]
			}
			wl += float64(k - pos)
		} else {
			sumLeft, wl = sumTotal, wn
			for p := n - 1; p >= k; p-- {
				sumLeft -= y[ps[p].i]
			}
			wl -= float64(n - k)
		}
		pos = k
		wr := wn - wl
		if wl < mwl || wr < mwl {
			continue
		}
		sumRight := sumTotal - sumLeft
		var pr float64
		if r.friedman {
			diff := float64(wr*sumLeft) - float64(wl*sumRight)
			pr = float64(diff*diff) / float64(wl*wr)
		} else {
			pr = float64(sumLeft*sumLeft)/wl + float64(sumRight*sumRight)/wr
		}
		if pr > bestProxy {
			bestProxy, bestK = pr, k
		}
	}
	return bestK, bestProxy
}

// frontierRec is a node waiting in best-first growth.
type frontierRec struct {
	node        int
	start, end  int
	pos         int
	depth       int
	isLeaf      bool
	impurity    float64
	impLeft     float64
	impRight    float64
	improvement float64
}

// buildBestFirst grows at most maxLeafNodes leaves, always splitting the
// frontier node with the largest impurity improvement, as scikit-learn's
// BestFirstTreeBuilder. The frontier is a binary max-heap kept with the same
// sift steps as libstdc++'s push_heap and pop_heap, so nodes with equal
// improvements are expanded in the same order as in scikit-learn.
func (b *builder) buildBestFirst(ctx context.Context) (*Tree, error) {
	t := &Tree{NFeatures: b.d, NValues: b.nValues}
	maxSplit := b.maxLeafNodes - 1
	var frontier []frontierRec
	frontier = append(frontier, b.addSplitNode(t, 0, len(b.pairs), math.Inf(1), true, false, -1, 0))
	for len(frontier) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec := heapPop(&frontier)
		if rec.isLeaf || maxSplit <= 0 {
			t.ChildrenLeft[rec.node], t.ChildrenRight[rec.node] = Leaf, Leaf
			t.Feature[rec.node], t.Threshold[rec.node] = Undefined, Undefined
		} else {
			maxSplit--
			left := b.addSplitNode(t, rec.start, rec.pos, rec.impLeft, false, true, rec.node, rec.depth+1)
			right := b.addSplitNode(t, rec.pos, rec.end, rec.impRight, false, false, rec.node, rec.depth+1)
			heapPush(&frontier, left)
			heapPush(&frontier, right)
		}
		t.MaxDepth = max(t.MaxDepth, rec.depth)
	}
	t.pack()
	return t, nil
}

// addSplitNode is BestFirstTreeBuilder._add_split_node: it adds the node
// samples[start:end] to the tree and finds its best split.
func (b *builder) addSplitNode(t *Tree, start, end int, impurity float64, first, isLeft bool, parent, depth int) frontierRec {
	b.crit.init(start, end)
	wNode, _, _ := b.crit.weights()
	if first {
		impurity = b.crit.nodeImpurity()
	}
	nNode := end - start
	isLeaf := depth >= b.maxDepth || nNode < b.minSamplesSplit || nNode < 2*b.minSamplesLeaf ||
		wNode < 2*b.minWeightLeaf || impurity <= epsilon
	var sp splitRec
	if !isLeaf {
		nConst := 0
		sp = b.split(start, end, impurity, &nConst)
		isLeaf = sp.pos >= end || sp.improvement+epsilon < b.minImpurityDecrease
	}
	id := t.addNode(parent, isLeft, isLeaf, sp.feature, sp.threshold, impurity, nNode, wNode)
	b.crit.nodeValue(t.Value[id*b.nValues : (id+1)*b.nValues])
	rec := frontierRec{node: id, start: start, end: end, depth: depth, impurity: impurity}
	if isLeaf {
		rec.pos, rec.isLeaf = end, true
		rec.impLeft, rec.impRight = impurity, impurity
	} else {
		rec.pos, rec.improvement = sp.pos, sp.improvement
		rec.impLeft, rec.impRight = sp.impLeft, sp.impRight
	}
	return rec
}

// heapPush is std::push_heap with comparison a.improvement < b.improvement.
func heapPush(h *[]frontierRec, v frontierRec) {
	*h = append(*h, v)
	siftUp(*h, len(*h)-1, 0, v)
}

func siftUp(h []frontierRec, hole, top int, v frontierRec) {
	parent := (hole - 1) / 2
	for hole > top && h[parent].improvement < v.improvement {
		h[hole] = h[parent]
		hole = parent
		parent = (hole - 1) / 2
	}
	h[hole] = v
}

// heapPop is std::pop_heap followed by taking and removing the back.
func heapPop(h *[]frontierRec) frontierRec {
	a := *h
	n := len(a)
	if n > 1 {
		last := n - 1
		v := a[last]
		a[last] = a[0]
		// __adjust_heap(first, 0, last, v)
		length := last
		hole, second := 0, 0
		for second < (length-1)/2 {
			second = 2 * (second + 1)
			if a[second].improvement < a[second-1].improvement {
				second--
			}
			a[hole] = a[second]
			hole = second
		}
		if length&1 == 0 && second == (length-2)/2 {
			second = 2 * (second + 1)
			a[hole] = a[second-1]
			hole = second - 1
		}
		siftUp(a, hole, 0, v)
	}
	top := a[n-1]
	*h = a[:n-1]
	return top
}
