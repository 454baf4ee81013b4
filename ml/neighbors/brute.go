package neighbors

import (
	"math"
	"math/bits"
)

// packedRows is the training data laid out for the kernels: panels of nr
// rows stored feature-major (panels[p*d*nr+j*nr+t] is feature j of row
// p*nr+t), with the rows' squared norms. Padding rows are NaN, so they never
// pass a kernel's screen.
type packedRows struct {
	panels  []float64
	yy      []float64
	maxYY   float64
	normsOK bool // every squared norm is finite: the GEMM screen may be used
}

// packRows packs x (n×d, row-major).
func packRows(x []float64, n, d int) *packedRows {
	np := (n + nr - 1) / nr
	pk := &packedRows{panels: make([]float64, np*d*nr), yy: make([]float64, np*nr), normsOK: true}
	packPanels(pk.panels, x, n, d)
	for i := range pk.yy {
		pk.yy[i] = math.NaN()
	}
	for i := 0; i < n; i++ {
		var s float64
		for _, v := range x[i*d : (i+1)*d] {
			s += float64(v * v)
		}
		pk.yy[i] = s
		pk.maxYY = max(pk.maxYY, s)
		pk.normsOK = pk.normsOK && !math.IsInf(s, 0)
	}
	return pk
}

// packPanels writes the n rows of x (row-major, d columns) into dst as
// ⌈n/nr⌉ panels, padding the last one with NaN rows.
func packPanels(dst, x []float64, n, d int) {
	np := (n + nr - 1) / nr
	for i := 0; i < np*nr; i++ {
		p, t := i/nr, i%nr
		out := dst[p*d*nr+t:]
		if i >= n {
			for j := 0; j < d; j++ {
				out[j*nr] = math.NaN()
			}
			continue
		}
		for j, v := range x[i*d : (i+1)*d] {
			out[j*nr] = v
		}
	}
}

// bruteL2 is the euclidean brute-force search. Each worker takes a range of
// queries, packs them in blocks of mr, seeds every heap with the first
// training rows, then sweeps the training panels in chunks (growing from one
// panel, so the thresholds tighten early, to a cache-sized maximum). The
// kernel flags the pairs whose GEMM-style squared distance
// ‖x‖² + ‖y‖² − 2x·y is within a rounding margin of the query's current k-th
// best; only those are measured exactly (rdistL2) and offered to the heap.
//
// The margin bounds the rounding error of the GEMM form: each dot product,
// norm and the final subtraction are off by at most about (d+2)·u·(‖x‖²+‖y‖²)
// with u = 2⁻⁵³, and the exact sum differs from the true one by d·u·r. With
// margin 4(d+4)·u·(‖x‖² + max‖y‖² + r), every point whose exact reduced
// distance r' ≤ r is flagged, so the result is exactly the k smallest of the
// exactly computed distances: the same as the k-d tree and the lanes kernel.
func (ix *index) bruteL2(q []float64, m, k, workers int, dist []float64, ind []int) {
	pk, n, d := ix.pack, ix.n, ix.d
	npanels := len(pk.yy) / nr
	maxChunk := max(1, (256<<10)/(8*d*nr)) // panels per chunk: about 256 KiB
	margin := 4 * float64(d+4) * 0x1p-53
	parallelRanges(m, mr, workers, func(lo, hi int) {
		cnt := hi - lo
		nb := (cnt + mr - 1) / mr
		a := make([]float64, nb*d*mr)
		xx := make([]float64, nb*mr)
		for i := 0; i < cnt; i++ {
			b, r := i/mr, i%mr
			ab := a[b*d*mr+r:]
			var s float64
			for j, v := range q[(lo+i)*d : (lo+i+1)*d] {
				ab[j*mr] = v
				s += float64(v * v)
			}
			xx[i] = s
		}
		if !finite(xx[:cnt]) {
			ix.lanesRange(q, lo, hi, k, dist, ind)
			return
		}
		heaps := make([]kheap, cnt)
		hd, hi2 := make([]float64, cnt*k), make([]int, cnt*k)
		for i := range heaps {
			heaps[i].reset(hd[i*k:(i+1)*k], hi2[i*k:(i+1)*k])
		}
		// Seed with the first rows, a whole number of panels, so that every
		// heap is full and the thresholds are finite.
		s0 := min(n, (k+nr-1)/nr*nr)
		for i := range heaps {
			x := q[(lo+i)*d : (lo+i+1)*d]
			h := &heaps[i]
			for t := 0; t < s0; t++ {
				h.push(rdistL2(x, ix.x[t*d:(t+1)*d], h.worst()), t)
			}
		}
		thr := make([]float64, nb*mr)
		threshold := func(i int) float64 {
			w := heaps[i].worst()
			return w + margin*(xx[i]+pk.maxYY+w) - xx[i]
		}
		for i := range thr {
			thr[i] = math.Inf(-1)
			if i < cnt {
				thr[i] = threshold(i)
			}
		}
		mask := make([]byte, mr*maxChunk)
		p := s0 / nr
		if s0%nr != 0 {
			p = npanels
		}
		for size := 1; p < npanels; size *= 2 {
			c := min(size, maxChunk, npanels-p)
			bp := pk.panels[p*d*nr : (p+c)*d*nr]
			yp := pk.yy[p*nr : (p+c)*nr]
			for b := 0; b < nb; b++ {
				distMask(d, a[b*d*mr:(b+1)*d*mr], bp, yp, thr[b*mr:(b+1)*mr], c, mask)
				for r := 0; r < mr; r++ {
					i := b*mr + r
					if i >= cnt {
						break
					}
					x := q[(lo+i)*d : (lo+i+1)*d]
					h := &heaps[i]
					changed := false
					for pi, mb := range mask[r*c : (r+1)*c] {
						for mb != 0 {
							t := (p+pi)*nr + bits.TrailingZeros8(mb)
							mb &= mb - 1
							if t < n && h.push(rdistL2(x, ix.x[t*d:(t+1)*d], h.worst()), t) {
								changed = true
							}
						}
					}
					if changed {
						thr[i] = threshold(i)
					}
				}
			}
			p += c
		}
		for i := range heaps {
			finish(&heaps[i], lo+i, k, dist, ind)
		}
	})
}

// bruteLanes measures every pair exactly with the lanes kernel; it serves
// every metric but the euclidean one with finite norms.
func (ix *index) bruteLanes(q []float64, m, k, workers int, dist []float64, ind []int) {
	parallelRanges(m, 1, workers, func(lo, hi int) {
		ix.lanesRange(q, lo, hi, k, dist, ind)
	})
}

// lanesRange is bruteLanes for queries [lo, hi). It sweeps the training
// panels in chunks that grow from one panel (so the k-th best tightens
// early) to a cache-sized maximum; in each chunk the kernel measures a query
// against every row and flags those no farther than its current k-th best,
// and only the flagged ones are offered to the heap.
func (ix *index) lanesRange(q []float64, lo, hi, k int, dist []float64, ind []int) {
	n, d := ix.n, ix.d
	panels := ix.pack.panels
	npanels := len(panels) / (d * nr)
	maxChunk := max(1, (256<<10)/(8*d*nr))
	cnt := hi - lo
	heaps := make([]kheap, cnt)
	hd, hi2 := make([]float64, cnt*k), make([]int, cnt*k)
	for i := range heaps {
		heaps[i].reset(hd[i*k:(i+1)*k], hi2[i*k:(i+1)*k])
	}
	out := make([]float64, maxChunk*nr)
	mask := make([]byte, maxChunk)
	p := 0
	for size := 1; p < npanels; size *= 2 {
		c := min(size, maxChunk, npanels-p)
		bp := panels[p*d*nr : (p+c)*d*nr]
		for i := range heaps {
			h := &heaps[i]
			lanes(ix.metric, q[(lo+i)*d:(lo+i+1)*d], bp, c, h.worst(), out, mask)
			for pi, mb := range mask[:c] {
				for mb != 0 {
					b := bits.TrailingZeros8(mb)
					mb &= mb - 1
					if t := (p+pi)*nr + b; t < n {
						h.push(out[pi*nr+b], t)
					}
				}
			}
		}
		p += c
	}
	for i := range heaps {
		finish(&heaps[i], lo+i, k, dist, ind)
	}
}
