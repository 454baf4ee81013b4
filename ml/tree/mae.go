package tree

import "math"

// medianCalc is scikit-learn's WeightedMedianCalculator: the weighted
// median of a multiset kept as an array sorted by value, with the index k
// and the weight sum_w_0_k of its first k records maintained after each
// insertion and removal exactly as scikit-learn does, so that the medians
// (and their last bits with weights) agree. Like scikit-learn's, the arrays
// keep their full capacity and a removal leaves the old last record in
// place past the end, where scikit-learn's k can briefly point with
// weights; reading it there gives the same value as in scikit-learn.
type medianCalc struct {
	data, weight []float64 // capacity: the node's samples
	n            int
	k            int
	total        float64
	sumW0k       float64
}

func newMedianCalc(capacity int) medianCalc {
	return medianCalc{data: make([]float64, capacity+1), weight: make([]float64, capacity+1)}
}

func (m *medianCalc) reset() { m.n, m.k, m.total, m.sumW0k = 0, 0, 0, 0 }

func (m *medianCalc) size() int { return m.n }

func (m *medianCalc) median() float64 {
	// k stays in [1, n] in exact arithmetic; the clamp only keeps rounding
	// in sum_w_0_k from reading outside the arrays.
	k := min(max(m.k, 1), len(m.data)-1)
	if m.sumW0k == m.total/2.0 {
		return (m.data[k] + m.data[k-1]) / 2.0
	}
	return m.data[k-1]
}

// push inserts (d, w) after the records of equal value.
func (m *medianCalc) push(d, w float64) {
	orig := 0.0
	if m.n != 0 {
		orig = m.median()
	}
	i := m.n
	m.data[i], m.weight[i] = d, w
	for ; i != 0 && m.data[i] < m.data[i-1]; i-- {
		m.data[i], m.data[i-1] = m.data[i-1], m.data[i]
		m.weight[i], m.weight[i-1] = m.weight[i-1], m.weight[i]
	}
	m.n++
	if m.n == 1 {
		m.k, m.total, m.sumW0k = 1, w, w
		return
	}
	m.total += w
	if d < orig {
		m.k++
		m.sumW0k += w
		m.shrinkK()
		return
	}
	m.growK()
}

// remove deletes the first record equal to (d, w).
func (m *medianCalc) remove(d, w float64) {
	orig := 0.0
	if m.n != 0 {
		orig = m.median()
	}
	for i := 0; i < m.n; i++ {
		if m.data[i] == d && m.weight[i] == w {
			copy(m.data[i:m.n-1], m.data[i+1:m.n])
			copy(m.weight[i:m.n-1], m.weight[i+1:m.n])
			m.n--
			break
		}
	}
	m.postRemove(d, w, orig)
}

// pop removes and returns the smallest record.
func (m *medianCalc) pop() (float64, float64) {
	orig := m.median()
	d, w := m.data[0], m.weight[0]
	copy(m.data[:m.n-1], m.data[1:m.n])
	copy(m.weight[:m.n-1], m.weight[1:m.n])
	m.n--
	m.postRemove(d, w, orig)
	return d, w
}

func (m *medianCalc) postRemove(d, w, orig float64) {
	switch m.n {
	case 0:
		m.k, m.total, m.sumW0k = 0, 0, 0
		return
	case 1:
		m.k = 1
		m.total -= w
		m.sumW0k = m.total
		return
	}
	m.total -= w
	if d < orig {
		m.k--
		m.sumW0k -= w
		m.growK()
		return
	}
	m.shrinkK()
}

// growK increases k until sum(W[0:k]) >= total/2.
func (m *medianCalc) growK() {
	for m.k < m.n && m.sumW0k < m.total/2.0 {
		m.k++
		m.sumW0k += m.weight[m.k-1]
	}
}

// shrinkK decreases k while sum(W[0:k-1]) >= total/2 still holds.
func (m *medianCalc) shrinkK() {
	for m.k > 1 && m.sumW0k-m.weight[m.k-1] >= m.total/2.0 {
		m.k--
		m.sumW0k -= m.weight[m.k]
	}
}

// maeCrit is the absolute-error criterion (scikit-learn's MAE): leaves
// predict the weighted median, and the impurity is the mean absolute
// deviation from it. Like scikit-learn's, it costs O(n) per candidate split.
type maeCrit struct {
	common
	y           []float64
	left, right medianCalc
	median      float64
}

func newMAECrit(samples []pair, y, w []float64, wTotal float64) *maeCrit {
	return &maeCrit{common: common{samples: samples, w: w, wTotal: wTotal}, y: y,
		left: newMedianCalc(len(samples)), right: newMedianCalc(len(samples))}
}

func (c *maeCrit) wt(i int32) float64 {
	if c.w == nil {
		return 1
	}
	return c.w[i]
}

func (c *maeCrit) init(start, end int) {
	c.start, c.end = start, end
	c.wNode = 0
	c.left.reset()
	c.right.reset()
	for _, s := range c.samples[start:end] {
		w := c.wt(s.i)
		c.right.push(c.y[s.i], w)
		c.wNode += w
	}
	c.median = c.right.median()
	c.reset()
}

func (c *maeCrit) reset() {
	c.wLeft, c.wRight, c.pos = 0, c.wNode, c.start
	for range c.left.size() {
		c.right.push(c.left.pop())
	}
}

func (c *maeCrit) reverseReset() {
	c.wLeft, c.wRight, c.pos = c.wNode, 0, c.end
	for range c.right.size() {
		c.left.push(c.right.pop())
	}
}

func (c *maeCrit) update(newPos int) {
	if newPos-c.pos <= c.end-newPos {
		for _, s := range c.samples[c.pos:newPos] {
			w := c.wt(s.i)
			c.right.remove(c.y[s.i], w)
			c.left.push(c.y[s.i], w)
			c.wLeft += w
		}
	} else {
		c.reverseReset()
		for p := c.end - 1; p >= newPos; p-- {
			s := c.samples[p]
			w := c.wt(s.i)
			c.left.remove(c.y[s.i], w)
			c.right.push(c.y[s.i], w)
			c.wLeft -= w
		}
	}
	c.wRight = c.wNode - c.wLeft
	c.pos = newPos
}

func (c *maeCrit) deviation(start, end int, median float64) float64 {
	sum := 0.0
	for _, s := range c.samples[start:end] {
		sum += float64(math.Abs(c.y[s.i]-median) * c.wt(s.i))
	}
	return sum
}

func (c *maeCrit) nodeImpurity() float64 {
	return c.deviation(c.start, c.end, c.median) / c.wNode
}

func (c *maeCrit) childrenImpurity() (float64, float64) {
	return c.deviation(c.start, c.pos, c.left.median()) / c.wLeft,
		c.deviation(c.pos, c.end, c.right.median()) / c.wRight
}

func (c *maeCrit) proxy() float64 {
	l, r := c.childrenImpurity()
	return -float64(c.wRight*r) - float64(c.wLeft*l)
}

func (c *maeCrit) nodeValue(dst []float64) { dst[0] = c.median }
