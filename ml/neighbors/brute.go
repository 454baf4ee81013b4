package neighbors

import (
	"math"
	"math/bits"
)

// packedRows is the training data laid out for the euclidean kernel: panels
// of nr rows stored feature-major (panels[p*d*nr+j*nr+t] is feature j of row
// p*nr+t), with the rows' squared norms. Padding rows are zero with norm
// +Inf, so they never pass the screen.
type packedRows struct {
	panels []float64
	yy     []float64
	maxYY  float64
}

// packRows packs x (n×d); it returns nil when a squared norm overflows, and
// the search then measures every pair directly.
func packRows(x []float64, n, d int) *packedRows {
	np := (n + nr - 1) / nr
	pk := &packedRows{panels: make([]float64, np*d*nr), yy: make([]float64, np*nr)}
	for i := range pk.yy {
		pk.yy[i] = math.Inf(1)
	}
	for i := 0; i < n; i++ {
		p, t := i/nr, i%nr
		dst := pk.panels[p*d*nr+t:]
		var s float64
		for j, v := range x[i*d : (i+1)*d] {
			dst[j*nr] = v
			s += float64(v * v)
		}
		if math.IsInf(s, 0) {
			return nil
		}
		pk.yy[i] = s
		pk.maxYY = max(pk.maxYY, s)
	}
	return pk
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
// exactly computed distances: the same as the k-d tree and the direct loop.
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
			ix.directRange(q, lo, hi, k, dist, ind)
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

// bruteDirect measures every pair with the metric's reduced distance,
// abandoning a pair once it exceeds the query's current k-th best.
func (ix *index) bruteDirect(q []float64, m, k, workers int, dist []float64, ind []int) {
	parallelRanges(m, 1, workers, func(lo, hi int) {
		ix.directRange(q, lo, hi, k, dist, ind)
	})
}

// directRange is bruteDirect for queries [lo, hi), sweeping the training rows
// in cache-sized chunks.
func (ix *index) directRange(q []float64, lo, hi, k int, dist []float64, ind []int) {
	n, d := ix.n, ix.d
	cnt := hi - lo
	heaps := make([]kheap, cnt)
	hd, hi2 := make([]float64, cnt*k), make([]int, cnt*k)
	for i := range heaps {
		heaps[i].reset(hd[i*k:(i+1)*k], hi2[i*k:(i+1)*k])
	}
	chunk := max(1, (256<<10)/(8*d))
	for s := 0; s < n; s += chunk {
		e := min(n, s+chunk)
		for i := range heaps {
			x := q[(lo+i)*d : (lo+i+1)*d]
			h := &heaps[i]
			w := h.worst()
			for t := s; t < e; t++ {
				if h.push(ix.metric.rdist(x, ix.x[t*d:(t+1)*d], w), t) {
					w = h.worst()
				}
			}
		}
	}
	for i := range heaps {
		finish(&heaps[i], lo+i, k, dist, ind)
	}
}
