package svm

// cache keeps columns of Q as float32 in at most maxCols buffers of length
// l each, evicting the least recently used column when it is full, as
// libsvm's Cache does (libsvm sizes its buffers to the requested length;
// here each buffer holds a whole column, so a column's buffer is reused,
// never reallocated, when it grows). A column holds its first len values:
// getData says from where the caller must fill it.
type cache struct {
	pool    *colPool
	l       int
	maxCols int
	head    []int32 // column → slot, -1 when not cached
	slots   []cacheSlot
	clock   uint64
}

type cacheSlot struct {
	buf  []float32
	len  int
	col  int // -1 when free
	used uint64
}

// colPool keeps the column buffers of finished solves for the next ones
// (the pairs of classes, the folds of the probability estimates), so that
// a fit allocates one cache's worth, not one per solve.
type colPool struct{ free [][]float32 }

func (p *colPool) get(l int) []float32 {
	for len(p.free) > 0 {
		b := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		if cap(b) >= l {
			return b[:l]
		}
	}
	return make([]float32, l)
}

// release hands the cache's buffers back to its pool.
func (c *cache) release() {
	if c.pool == nil {
		return
	}
	for _, sl := range c.slots {
		c.pool.free = append(c.pool.free, sl.buf)
	}
	c.slots = nil
	for i := range c.head {
		c.head[i] = -1
	}
}

// newCache returns a cache of l columns within bytes (at least two
// columns, as libsvm guarantees), its buffers from pool (which may be
// nil).
func newCache(l int, bytes int64, pool *colPool) *cache {
	cols := bytes / (4 * int64(max(l, 1)))
	cols = max(cols, 2)
	cols = min(cols, int64(l))
	c := &cache{pool: pool, l: l, maxCols: int(cols), head: make([]int32, l)}
	for i := range c.head {
		c.head[i] = -1
	}
	return c
}

// getData returns the buffer of column i, valid for its first length
// values from start on: the caller fills buf[start:length].
func (c *cache) getData(i, length int) (buf []float32, start int) {
	c.clock++
	if s := c.head[i]; s >= 0 {
		sl := &c.slots[s]
		sl.used = c.clock
		start = sl.len
		if length > sl.len {
			sl.len = length
		}
		return sl.buf, min(start, length)
	}
	var s int
	if len(c.slots) < c.maxCols {
		var buf []float32
		if c.pool != nil {
			buf = c.pool.get(c.l)
		} else {
			buf = make([]float32, c.l)
		}
		c.slots = append(c.slots, cacheSlot{buf: buf, col: -1})
		s = len(c.slots) - 1
	} else {
		s = 0
		for k := range c.slots {
			if c.slots[k].col < 0 {
				s = k
				break
			}
			if c.slots[k].used < c.slots[s].used {
				s = k
			}
		}
		if old := c.slots[s].col; old >= 0 {
			c.head[old] = -1
		}
	}
	sl := &c.slots[s]
	sl.col, sl.len, sl.used = i, length, c.clock
	c.head[i] = int32(s)
	return sl.buf, 0
}

// swap exchanges the positions i and j: the columns and, within every
// cached column, the two values (a column that holds i but not j is
// dropped, as libsvm does).
func (c *cache) swap(i, j int) {
	if i == j {
		return
	}
	if i > j {
		i, j = j, i
	}
	c.head[i], c.head[j] = c.head[j], c.head[i]
	if s := c.head[i]; s >= 0 {
		c.slots[s].col = i
	}
	if s := c.head[j]; s >= 0 {
		c.slots[s].col = j
	}
	for k := range c.slots {
		sl := &c.slots[k]
		if sl.col < 0 || sl.len <= i {
			continue
		}
		if sl.len > j {
			sl.buf[i], sl.buf[j] = sl.buf[j], sl.buf[i]
			continue
		}
		c.head[sl.col] = -1
		sl.col, sl.len = -1, 0
	}
}
