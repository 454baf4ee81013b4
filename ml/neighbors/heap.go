package neighbors

import "math"

// before reports whether neighbour (d1, i1) ranks before (d2, i2): by reduced
// distance, then by training index. Both searches rank by this order, so they
// return the same neighbours in the same order, ties included.
func before(d1 float64, i1 int, d2 float64, i2 int) bool {
	return d1 < d2 || d1 == d2 && i1 < i2
}

// kheap keeps the k best neighbours seen so far as a max-heap on the order
// of before: the root is the worst kept neighbour. It starts full of
// sentinels (+Inf, MaxInt) that any real point displaces.
type kheap struct {
	d []float64
	i []int
}

func (h *kheap) reset(d []float64, i []int) {
	h.d, h.i = d, i
	for j := range d {
		d[j], i[j] = math.Inf(1), math.MaxInt
	}
}

// worst returns the root's reduced distance: a point farther than it cannot
// enter.
func (h *kheap) worst() float64 { return h.d[0] }

// push offers neighbour (d, i); it replaces the root if it ranks before it.
// It reports whether the heap changed.
func (h *kheap) push(d float64, i int) bool {
	if !before(d, i, h.d[0], h.i[0]) {
		return false
	}
	h.siftDown(d, i, len(h.d))
	return true
}

// siftDown puts (d, i) at the root and restores the heap over the first n
// entries.
func (h *kheap) siftDown(d float64, i int, n int) {
	hd, hi := h.d, h.i
	pos := 0
	for {
		c := 2*pos + 1
		if c >= n {
			break
		}
		if c+1 < n && before(hd[c], hi[c], hd[c+1], hi[c+1]) {
			c++
		}
		if !before(d, i, hd[c], hi[c]) {
			break
		}
		hd[pos], hi[pos] = hd[c], hi[c]
		pos = c
	}
	hd[pos], hi[pos] = d, i
}

// sort orders the entries best first (heap sort), leaving the heap invalid.
func (h *kheap) sort() {
	for n := len(h.d) - 1; n > 0; n-- {
		d, i := h.d[n], h.i[n]
		h.d[n], h.i[n] = h.d[0], h.i[0]
		h.siftDown(d, i, n)
	}
}
