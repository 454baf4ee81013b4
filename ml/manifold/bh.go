package manifold

import (
	"math"
)

// cell is one node of scikit-learn's _QuadTree (a quad tree in 2-D, an
// oct tree in 3-D, a binary tree in 1-D).
type cell struct {
	children   [8]int32
	leaf       bool
	size       float64 // cumulative_size
	sqMaxWidth float64
	center     [3]float64
	minB, maxB [3]float64
	bary       [3]float64
}

// tree is scikit-learn's _QuadTree, its cells kept between iterations.
type tree struct {
	d     int
	cells []cell
}

func (t *tree) newCell(minB, maxB [3]float64) int32 {
	c := cell{leaf: true, minB: minB, maxB: maxB}
	for i := range c.children {
		c.children[i] = -1
	}
	for a := 0; a < t.d; a++ {
		c.center[a] = (minB[a] + maxB[a]) / 2
		w := maxB[a] - minB[a]
		c.sqMaxWidth = math.Max(c.sqMaxWidth, w*w)
	}
	t.cells = append(t.cells, c)
	return int32(len(t.cells) - 1)
}

// build is build_tree: the root's bounds are the data's, the maximum
// widened (M·(1 + 1e-3·sign(M)), at least M + 1e-3), then the points are
// inserted in order.
func (t *tree) build(y []float64, n int) {
	d := t.d
	t.cells = t.cells[:0]
	var lo, hi [3]float64
	for a := 0; a < d; a++ {
		lo[a], hi[a] = math.Inf(1), math.Inf(-1)
	}
	for i := 0; i < n; i++ {
		for a := 0; a < d; a++ {
			v := y[i*d+a]
			lo[a], hi[a] = math.Min(lo[a], v), math.Max(hi[a], v)
		}
	}
	for a := 0; a < d; a++ {
		s := 0.0
		switch {
		case hi[a] > 0:
			s = 1
		case hi[a] < 0:
			s = -1
		}
		hi[a] = math.Max(hi[a]*(1+1e-3*s), hi[a]+1e-3)
	}
	t.newCell(lo, hi)
	var pt [3]float64
	for i := 0; i < n; i++ {
		copy(pt[:d], y[i*d:(i+1)*d])
		t.insert(pt, 0)
	}
}

func (t *tree) childIndex(pt [3]float64, c *cell) int {
	idx := 0
	for a := 0; a < t.d; a++ {
		idx *= 2
		if pt[a] >= c.center[a] {
			idx++
		}
	}
	return idx
}

func (t *tree) duplicate(a, b [3]float64) bool {
	for i := 0; i < t.d; i++ {
		if math.Abs(a[i]-b[i]) > duplicateEps {
			return false
		}
	}
	return true
}

// insert is insert_point.
func (t *tree) insert(pt [3]float64, id int32) {
	for {
		c := &t.cells[id]
		if c.size == 0 {
			c.size = 1
			c.bary = pt
			return
		}
		if !c.leaf {
			for a := 0; a < t.d; a++ {
				c.bary[a] = (c.size*c.bary[a] + pt[a]) / (c.size + 1)
			}
			c.size++
			ci := t.childIndex(pt, c)
			if c.children[ci] == -1 {
				t.newChild(pt, id, 1)
				return
			}
			id = c.children[ci]
			continue
		}
		if t.duplicate(pt, c.bary) {
			c.size++
			return
		}
		// Move the leaf's point into a child, then insert again here.
		t.newChild(c.bary, id, c.size)
	}
}

// newChild is _insert_point_in_new_child: a child of parent holding pt
// with size points; parent becomes an inner cell.
func (t *tree) newChild(pt [3]float64, parent int32, size float64) {
	p := t.cells[parent]
	ci := t.childIndex(pt, &p)
	var lo, hi [3]float64
	for a := 0; a < t.d; a++ {
		if pt[a] >= p.center[a] {
			lo[a], hi[a] = p.center[a], p.maxB[a]
		} else {
			lo[a], hi[a] = p.minB[a], p.center[a]
		}
	}
	id := t.newCell(lo, hi)
	ch := &t.cells[id]
	ch.bary, ch.size = pt, size
	pc := &t.cells[parent]
	pc.leaf = false
	pc.children[ci] = id
}

// negative is compute_gradient_negative for one point: the repulsive
// force's numerator and the point's share of sum_Q, walking the tree with
// summarize's rule (a leaf, or a cell with squared width / squared
// distance < angle², is one summary; a leaf within 1e-6 of the point in
// every coordinate is the point itself and left out).
func (t *tree) negative(pt [3]float64, sqTheta, dof, exponent float64, force []float64, stack []int32) (float64, []int32) {
	d := t.d
	for a := range force {
		force[a] = 0
	}
	var sumQ float64
	stack = append(stack[:0], 0)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c := &t.cells[id]
		var delta [3]float64
		var dist2 float64
		dup := true
		for a := 0; a < d; a++ {
			delta[a] = pt[a] - c.bary[a]
			dist2 += delta[a] * delta[a]
			dup = dup && math.Abs(delta[a]) <= duplicateEps
		}
		if dup && c.leaf {
			continue
		}
		if c.leaf || c.sqMaxWidth/dist2 < sqTheta {
			q := dof / (dof + dist2)
			if dof != 1 {
				q = math.Pow(q, exponent)
			}
			sumQ += c.size * q
			mult := c.size * q * q
			for a := 0; a < d; a++ {
				force[a] += mult * delta[a]
			}
			continue
		}
		// The children in reverse so that they are visited in order, as
		// summarize's recursion does.
		for k := (1 << d) - 1; k >= 0; k-- {
			if ch := c.children[k]; ch != -1 {
				stack = append(stack, ch)
			}
		}
	}
	return sumQ, stack
}

// bhObjective is _kl_divergence_bh: the attractive forces over the
// sparse P, the repulsive ones from the tree.
type bhObjective struct {
	P        *csr
	n, c     int
	dof      float64
	sqTheta  float64
	tree     tree
	neg      []float64
	sumQ     []float64
	klRow    []float64
	stacks   [][]int32
	workers  int
	exponent float64
}

func newBHObjective(P *csr, n, c int, dof, angle float64) *bhObjective {
	w := max(1, min(maxWorkers(), n/64))
	o := &bhObjective{P: P, n: n, c: c, dof: dof, sqTheta: angle * angle, tree: tree{d: c, cells: make([]cell, 0, 4*n+16)},
		neg: make([]float64, n*c), sumQ: make([]float64, n), klRow: make([]float64, n), stacks: make([][]int32, w), workers: w,
		exponent: (dof + 1) / 2}
	for i := range o.stacks {
		o.stacks[i] = make([]int32, 0, 256)
	}
	return o
}

func (o *bhObjective) scale(f float64) {
	for i := range o.P.val {
		o.P.val[i] *= f
	}
}

func (o *bhObjective) eval(y, grad []float64, withError bool) float64 {
	n, c := o.n, o.c
	o.tree.build(y, n)
	parallel(n, o.workers, func(w, lo, hi int) {
		var pt [3]float64
		stack := o.stacks[w]
		for i := lo; i < hi; i++ {
			copy(pt[:c], y[i*c:(i+1)*c])
			o.sumQ[i], stack = o.tree.negative(pt, o.sqTheta, o.dof, o.exponent, o.neg[i*c:(i+1)*c], stack)
		}
		o.stacks[w] = stack
	})
	var sQ float64
	for _, v := range o.sumQ {
		sQ += v
	}
	coef := 2 * (o.dof + 1) / o.dof
	parallel(n, o.workers, func(_, lo, hi int) {
		var buf [3]float64
		for i := lo; i < hi; i++ {
			g := grad[i*c : (i+1)*c]
			for a := range g {
				g[a] = 0
			}
			var kl float64
			for e := o.P.ptr[i]; e < o.P.ptr[i+1]; e++ {
				j := int(o.P.ind[e])
				pij := o.P.val[e]
				var dij float64
				for a := 0; a < c; a++ {
					buf[a] = y[i*c+a] - y[j*c+a]
					dij += buf[a] * buf[a]
				}
				q := o.dof / (o.dof + dij)
				if o.dof != 1 {
					q = math.Pow(q, o.exponent)
				}
				f := pij * q
				if withError {
					qn := q / sQ
					kl += pij * math.Log(math.Max(pij, float32Tiny)/math.Max(qn, float32Tiny))
				}
				for a := 0; a < c; a++ {
					g[a] += f * buf[a]
				}
			}
			for a := range g {
				g[a] = coef * (g[a] - o.neg[i*c+a]/sQ)
			}
			o.klRow[i] = kl
		}
	})
	if !withError {
		return math.NaN()
	}
	var kl float64
	for _, v := range o.klRow {
		kl += v
	}
	return kl
}
