package images

import (
	"cmp"
	"slices"
)

// Median-cut quantisation as Pillow 9.4's Image.convert("P",
// palette=ADAPTIVE, colors=n) does it (libImaging's ImagingQuantize with
// method 0 and no k-means): the image's colours are counted (reduced by
// dropping low bits until at most 65,536 distinct ones remain), boxes of
// colours are split at the median of the axis of the largest weighted
// range (77 R, 150 G, 29 B), always splitting the box of most pixels
// next, each box's colour is its pixels' mean, and every pixel takes the
// nearest of those colours. The result is the same palette and indices as
// Pillow's; Pillow's colour hash, which in rare cases merges two colours
// whose 32-bit hashes collide, is kept too.

// maxQuantColours is Quant.c's MAX_HASH_ENTRIES.
const maxQuantColours = 65536

// pixelHash is Quant.c's PIXEL_HASH.
func pixelHash(r, g, b uint8) uint32 {
	return uint32(r)*463 ^ (uint32(g)<<8)*10069 ^ (uint32(b)<<16)*64997
}

// qColour is a distinct (reduced) colour and its pixel count.
type qColour struct {
	c     [3]uint8
	count uint32
}

// qBox is a median-cut box: its colours, split into l and r once split.
type qBox struct {
	cols       []int // indices into the colours
	l, r       *qBox
	pixelCount uint32
	volume     int
}

// qHeap is Quant.c's heap (QuantHeap.c) of boxes by pixel count, kept
// as it is so that ties between boxes of as many pixels are broken as
// Pillow breaks them.
type qHeap struct{ h []*qBox } // h[0] unused

func qCmp(a, b *qBox) int { return int(int32(a.pixelCount) - int32(b.pixelCount)) }

func (q *qHeap) add(v *qBox) {
	q.h = append(q.h, nil)
	k := len(q.h) - 1
	for k != 1 {
		if qCmp(v, q.h[k/2]) <= 0 {
			break
		}
		q.h[k] = q.h[k/2]
		k >>= 1
	}
	q.h[k] = v
}

func (q *qHeap) remove() (*qBox, bool) {
	n := len(q.h) - 1
	if n == 0 {
		return nil, false
	}
	r := q.h[1]
	v := q.h[n]
	q.h = q.h[:n]
	n--
	k := 1
	for k*2 <= n {
		l := k * 2
		if l < n && qCmp(q.h[l], q.h[l+1]) < 0 {
			l++
		}
		if qCmp(v, q.h[l]) > 0 {
			break
		}
		q.h[k] = q.h[l]
		k = l
	}
	if n > 0 {
		q.h[k] = v
	}
	return r, true
}

// quantizeMedianCut returns the palette (at most colours entries) and the
// palette index of every pixel of px.
func quantizeMedianCut(px [][3]uint8, colours int) ([][3]uint8, []uint8) {
	// The colours, reduced by scale bits until few enough.
	var scale uint
	var cols []qColour
	var slot map[uint32]int
	for {
		slot = make(map[uint32]int)
		cols = cols[:0]
		for _, p := range px {
			h := pixelHash(p[0]>>scale, p[1]>>scale, p[2]>>scale)
			if i, ok := slot[h]; ok {
				cols[i].count++
				continue
			}
			slot[h] = len(cols)
			cols = append(cols, qColour{c: [3]uint8{p[0] >> scale, p[1] >> scale, p[2] >> scale}, count: 1})
		}
		if len(cols) <= maxQuantColours {
			break
		}
		scale++
	}
	root := &qBox{cols: make([]int, len(cols)), pixelCount: uint32(len(px)), volume: -1}
	for i := range root.cols {
		root.cols[i] = i
	}
	bounds := func(b *qBox) (lo, hi [3]int) {
		lo, hi = [3]int{255, 255, 255}, [3]int{}
		for _, i := range b.cols {
			for k := range 3 {
				v := int(cols[i].c[k])
				lo[k], hi[k] = min(lo[k], v), max(hi[k], v)
			}
		}
		return lo, hi
	}
	volume := func(b *qBox) int {
		if b.volume < 0 {
			b.volume = 0
			if len(b.cols) > 0 {
				lo, hi := bounds(b)
				b.volume = (hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1)
			}
		}
		return b.volume
	}
	split := func(b *qBox) {
		lo, hi := bounds(b)
		f := [3]int{(hi[0] - lo[0]) * 77, (hi[1] - lo[1]) * 150, (hi[2] - lo[2]) * 29}
		axis := 0
		for k := 1; k < 3; k++ {
			if f[axis] < f[k] {
				axis = k
			}
		}
		// The colours in descending order along the axis (the order of
		// equal values changes nothing: a split never parts them).
		s := slices.Clone(b.cols)
		slices.SortStableFunc(s, func(x, y int) int { return cmp.Compare(cols[y].c[axis], cols[x].c[axis]) })
		val := func(j int) uint8 { return cols[s[j]].c[axis] }
		var left, n0, n1 uint32
		j := 0
		for j < len(s) {
			left += cols[s[j]].count
			n0 += cols[s[j]].count
			j++
			if left*2 > b.pixelCount {
				break
			}
		}
		if j < len(s) {
			v := val(j - 1)
			for j < len(s) && val(j) == v {
				n0 += cols[s[j]].count
				j++
			}
		}
		for k := j; k < len(s); k++ {
			n1 += cols[s[k]].count
		}
		if j == len(s) {
			v := val(len(s) - 1)
			for j > 0 && val(j-1) == v {
				j--
				n0 -= cols[s[j]].count
				n1 += cols[s[j]].count
			}
		}
		b.l = &qBox{cols: s[:j:j], pixelCount: n0, volume: -1}
		b.r = &qBox{cols: s[j:], pixelCount: n1, volume: -1}
	}
	h := &qHeap{h: []*qBox{nil}}
	h.add(root)
cut:
	for n := colours - 1; n > 0; n-- {
		var b *qBox
		for {
			var ok bool
			if b, ok = h.remove(); !ok {
				break cut
			}
			if volume(b) != 1 {
				break
			}
		}
		split(b)
		h.add(b.l)
		h.add(b.r)
	}
	// The boxes in tree order are the palette's entries.
	box := make([]int, len(cols))
	n := 0
	var annotate func(b *qBox)
	annotate = func(b *qBox) {
		if b.l != nil {
			annotate(b.l)
			annotate(b.r)
			return
		}
		for _, i := range b.cols {
			box[i] = n
		}
		if len(b.cols) > 0 {
			n++
		}
	}
	annotate(root)
	boxOf := func(p [3]uint8) int { return box[slot[pixelHash(p[0]>>scale, p[1]>>scale, p[2]>>scale)]] }
	// Each entry is the mean of its box's pixels, rounded half up.
	sum := make([][3]uint64, n)
	count := make([]uint64, n)
	for _, p := range px {
		b := boxOf(p)
		for k := range 3 {
			sum[b][k] += uint64(p[k])
		}
		count[b]++
	}
	pal := make([][3]uint8, n)
	for i := range pal {
		for k := range 3 {
			pal[i][k] = uint8(int(0.5 + float64(uint32(sum[i][k]))/float64(uint32(count[i]))))
		}
	}
	// Every pixel takes the nearest entry, searched from its box's entry
	// outwards (the distances between entries sorted, ties by index).
	dist := func(a, b [3]uint8) uint32 {
		dr, dg, db := int(a[0])-int(b[0]), int(a[1])-int(b[1]), int(a[2])-int(b[2])
		return uint32(dr*dr + dg*dg + db*db)
	}
	avg := make([]uint32, n*n)
	order := make([][]int, n)
	for i := range n {
		for j := range n {
			avg[i*n+j] = dist(pal[i], pal[j])
		}
		o := make([]int, n)
		for j := range o {
			o[j] = j
		}
		row := avg[i*n : (i+1)*n]
		slices.SortStableFunc(o, func(a, b int) int { return cmp.Compare(row[a], row[b]) })
		order[i] = o
	}
	out := make([]uint8, len(px))
	seen := make(map[[3]uint8]uint8)
	for i, p := range px {
		if v, ok := seen[p]; ok {
			out[i] = v
			continue
		}
		b := boxOf(p)
		best, bd := b, dist(pal[b], p)
		limit := bd << 2
		for _, j := range order[b] {
			if avg[b*n+j] > limit {
				break
			}
			if d := dist(pal[j], p); d < bd {
				best, bd = j, d
			}
		}
		out[i] = uint8(best)
		if len(seen) < maxQuantColours { // a cache, bounded
			seen[p] = uint8(best)
		}
	}
	return pal, out
}
