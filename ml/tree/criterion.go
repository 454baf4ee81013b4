package tree

import "math"

// criterion measures the impurity of a node and of the two children of a
// candidate split, as scikit-learn's sklearn.tree._criterion classes do. The
// formulas and the order of every floating-point operation follow
// scikit-learn 1.2 so that ties between candidate splits break the same way.
type criterion interface {
	// init computes the statistics of the node samples[start:end].
	init(start, end int)
	// reset moves the split position to start (everything goes right).
	reset()
	// update moves the split position to newPos > the current one.
	update(newPos int)
	// weights returns the weight of the node and of the current left and
	// right children.
	weights() (node, left, right float64)
	// proxy returns a value that orders candidate splits as the impurity
	// improvement does, but is cheaper to compute.
	proxy() float64
	// childrenImpurity returns the impurity of the current children.
	childrenImpurity() (left, right float64)
	// improvement returns the weighted impurity decrease of the current
	// split, given the impurities of the parent and the children.
	improvement(parent, left, right float64) float64
	// nodeImpurity returns the impurity of the node.
	nodeImpurity() float64
	// nodeValue writes the node's value: class fractions or the mean.
	nodeValue(dst []float64)
}

// common holds the split-position bookkeeping shared by the criteria.
type common struct {
	samples    []pair    // the builder's sample order; .i is the row
	w          []float64 // sample weights, nil for unit weights
	wTotal     float64   // weight of all training samples
	start, end int
	pos        int
	wNode      float64
	wLeft      float64
	wRight     float64
}

func (c *common) weights() (float64, float64, float64) { return c.wNode, c.wLeft, c.wRight }

// improvement is Criterion.impurity_improvement.
func (c *common) improvement(parent, left, right float64) float64 {
	return (c.wNode / c.wTotal) *
		(parent - float64(c.wRight/c.wNode*right) - float64(c.wLeft/c.wNode*left))
}

// log2 is sklearn.tree._utils.log: the logarithm in base 2 computed as
// ln(x)/ln(2).
func log2(x float64) float64 { return math.Log(x) / math.Ln2 }

// classCrit is the Gini or entropy criterion for one output.
type classCrit struct {
	common
	y        []int32 // class index of each training row
	nClasses int
	entropy  bool
	sumTotal []float64
	sumLeft  []float64
	sumRight []float64
}

func newClassCrit(samples []pair, y []int32, w []float64, wTotal float64, nClasses int, entropy bool) *classCrit {
	return &classCrit{
		common:   common{samples: samples, w: w, wTotal: wTotal},
		y:        y,
		nClasses: nClasses,
		entropy:  entropy,
		sumTotal: make([]float64, nClasses),
		sumLeft:  make([]float64, nClasses),
		sumRight: make([]float64, nClasses),
	}
}

func (c *classCrit) init(start, end int) {
	c.start, c.end = start, end
	clear(c.sumTotal)
	c.wNode = 0
	for _, s := range c.samples[start:end] {
		wi := 1.0
		if c.w != nil {
			wi = c.w[s.i]
		}
		c.sumTotal[c.y[s.i]] += wi
		c.wNode += wi
	}
	c.reset()
}

func (c *classCrit) reset() {
	c.pos = c.start
	c.wLeft = 0
	c.wRight = c.wNode
	clear(c.sumLeft)
	copy(c.sumRight, c.sumTotal)
}

func (c *classCrit) reverseReset() {
	c.pos = c.end
	c.wLeft = c.wNode
	c.wRight = 0
	copy(c.sumLeft, c.sumTotal)
	clear(c.sumRight)
}

func (c *classCrit) update(newPos int) {
	y, sumLeft := c.y, c.sumLeft
	if newPos-c.pos <= c.end-newPos {
		if c.w == nil {
			for _, s := range c.samples[c.pos:newPos] {
				sumLeft[y[s.i]]++
			}
			c.wLeft += float64(newPos - c.pos)
		} else {
			for _, s := range c.samples[c.pos:newPos] {
				wi := c.w[s.i]
				sumLeft[y[s.i]] += wi
				c.wLeft += wi
			}
		}
	} else {
		c.reverseReset()
		for p := c.end - 1; p >= newPos; p-- {
			s := c.samples[p]
			wi := 1.0
			if c.w != nil {
				wi = c.w[s.i]
			}
			sumLeft[y[s.i]] -= wi
			c.wLeft -= wi
		}
	}
	c.wRight = c.wNode - c.wLeft
	for k, t := range c.sumTotal {
		c.sumRight[k] = t - sumLeft[k]
	}
	c.pos = newPos
}

func (c *classCrit) impurityOf(sum []float64, w float64) float64 {
	if c.entropy {
		e := 0.0
		for _, ck := range sum {
			if ck > 0 {
				ck /= w
				e -= float64(ck * log2(ck))
			}
		}
		return e
	}
	sq := 0.0
	for _, ck := range sum {
		sq += float64(ck * ck)
	}
	return 1.0 - sq/float64(w*w)
}

func (c *classCrit) nodeImpurity() float64 { return c.impurityOf(c.sumTotal, c.wNode) }

func (c *classCrit) childrenImpurity() (float64, float64) {
	return c.impurityOf(c.sumLeft, c.wLeft), c.impurityOf(c.sumRight, c.wRight)
}

// proxy is Criterion.proxy_impurity_improvement, which the classification
// criteria of scikit-learn 1.2 do not override.
func (c *classCrit) proxy() float64 {
	l, r := c.childrenImpurity()
	return -float64(c.wRight*r) - float64(c.wLeft*l)
}

func (c *classCrit) nodeValue(dst []float64) {
	for k, t := range c.sumTotal {
		dst[k] = t / c.wNode
	}
}

// regCrit is the squared-error criterion, Friedman's improvement score on
// top of it (friedman_mse), or the half Poisson deviance (poisson).
type regCrit struct {
	common
	y          []float64
	friedman   bool
	poisson    bool
	sumTotal   float64
	sqSumTotal float64
	sumLeft    float64
	sumRight   float64
}

func newRegCrit(samples []pair, y, w []float64, wTotal float64, friedman bool) *regCrit {
	return &regCrit{common: common{samples: samples, w: w, wTotal: wTotal}, y: y, friedman: friedman}
}

func (c *regCrit) init(start, end int) {
	c.start, c.end = start, end
	c.sumTotal, c.sqSumTotal, c.wNode = 0, 0, 0
	for _, s := range c.samples[start:end] {
		wi := 1.0
		if c.w != nil {
			wi = c.w[s.i]
		}
		yi := c.y[s.i]
		wy := float64(wi * yi)
		c.sumTotal += wy
		c.sqSumTotal += float64(wy * yi)
		c.wNode += wi
	}
	c.reset()
}

func (c *regCrit) reset() {
	c.pos = c.start
	c.wLeft, c.wRight = 0, c.wNode
	c.sumLeft, c.sumRight = 0, c.sumTotal
}

func (c *regCrit) update(newPos int) {
	y := c.y
	if newPos-c.pos <= c.end-newPos {
		if c.w == nil {
			sum := c.sumLeft
			for _, s := range c.samples[c.pos:newPos] {
				sum += y[s.i]
			}
			c.sumLeft = sum
			// Adding 1.0 n times is exact, so this equals sklearn's loop.
			c.wLeft += float64(newPos - c.pos)
		} else {
			for _, s := range c.samples[c.pos:newPos] {
				wi := c.w[s.i]
				c.sumLeft += float64(wi * y[s.i])
				c.wLeft += wi
			}
		}
	} else {
		// reverse_reset, then remove samples[newPos:end] from the total.
		c.wLeft, c.wRight = c.wNode, 0
		c.sumLeft, c.sumRight = c.sumTotal, 0
		for p := c.end - 1; p >= newPos; p-- {
			s := c.samples[p]
			wi := 1.0
			if c.w != nil {
				wi = c.w[s.i]
			}
			c.sumLeft -= float64(wi * y[s.i])
			c.wLeft -= wi
		}
	}
	c.wRight = c.wNode - c.wLeft
	c.sumRight = c.sumTotal - c.sumLeft
	c.pos = newPos
}

func (c *regCrit) nodeImpurity() float64 {
	if c.poisson {
		return c.poissonLoss(c.start, c.end, c.sumTotal, c.wNode)
	}
	m := c.sumTotal / c.wNode
	return c.sqSumTotal/c.wNode - float64(m*m)
}

func (c *regCrit) childrenImpurity() (float64, float64) {
	if c.poisson {
		return c.poissonLoss(c.start, c.pos, c.sumLeft, c.wLeft), c.poissonLoss(c.pos, c.end, c.sumRight, c.wRight)
	}
	sqLeft := 0.0
	for _, s := range c.samples[c.start:c.pos] {
		wi := 1.0
		if c.w != nil {
			wi = c.w[s.i]
		}
		yi := c.y[s.i]
		sqLeft += float64(float64(wi*yi) * yi)
	}
	sqRight := c.sqSumTotal - sqLeft
	ml := c.sumLeft / c.wLeft
	mr := c.sumRight / c.wRight
	return sqLeft/c.wLeft - float64(ml*ml), sqRight/c.wRight - float64(mr*mr)
}

func (c *regCrit) proxy() float64 {
	if c.poisson {
		// Children whose targets sum to (about) zero would predict 0,
		// which the Poisson deviance forbids.
		if c.sumLeft <= epsilon || c.sumRight <= epsilon {
			return math.Inf(-1)
		}
		ml := c.sumLeft / c.wLeft
		mr := c.sumRight / c.wRight
		return float64(c.sumLeft*log2(ml)) + float64(c.sumRight*log2(mr))
	}
	if c.friedman {
		diff := float64(c.wRight*c.sumLeft) - float64(c.wLeft*c.sumRight)
		return float64(diff*diff) / float64(c.wLeft*c.wRight)
	}
	return float64(c.sumLeft*c.sumLeft)/c.wLeft + float64(c.sumRight*c.sumRight)/c.wRight
}

func (c *regCrit) improvement(parent, left, right float64) float64 {
	if c.friedman {
		diff := float64(c.wRight*c.sumLeft) - float64(c.wLeft*c.sumRight)
		return float64(diff*diff) / float64(float64(c.wLeft*c.wRight)*c.wNode)
	}
	return c.common.improvement(parent, left, right)
}

func (c *regCrit) nodeValue(dst []float64) { dst[0] = c.sumTotal / c.wNode }

// poissonLoss is Poisson.poisson_loss: the mean half Poisson deviance of
// samples[start:end] around their weighted mean ySum/w, or +Inf when ySum
// is not positive.
func (c *regCrit) poissonLoss(start, end int, ySum, w float64) float64 {
	if ySum <= epsilon {
		return math.Inf(1)
	}
	mean := ySum / w
	loss := 0.0
	for _, s := range c.samples[start:end] {
		wi := 1.0
		if c.w != nil {
			wi = c.w[s.i]
		}
		yi := c.y[s.i]
		xl := 0.0
		if yi != 0 {
			xl = float64(yi * math.Log(yi/mean))
		}
		loss += float64(wi * xl)
	}
	return loss / w
}
