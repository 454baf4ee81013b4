package neighbors

import "math"

// The brute-force euclidean search screens training points with a fused
// "GEMM and compare" kernel. For a block of mr = 6 packed queries and a run
// of panels of nr = 8 packed training rows it computes, for every pair,
//
//	v = ‖y‖² − 2·x·y
//
// and sets bit t of mask[r*np+p] when v ≤ thr[r], where thr[r] is the query's
// current k-th best squared distance minus ‖x‖², plus a rounding margin. Only
// the pairs that pass are measured exactly, so no distance matrix is stored.
const (
	mr = 6 // queries per kernel block
	nr = 8 // training rows per panel
)

// distMaskGo is the portable kernel. a holds k×mr values (a[j*mr+r] is
// feature j of query r), b holds np panels of k×nr values (b[p*k*nr+j*nr+t]),
// yy the np×nr squared norms, thr the mr thresholds, mask np×mr bytes (row r
// at mask[r*np:]). Eight independent sums per query keep the scalar units
// busy.
func distMaskGo(k int, a, b, yy, thr []float64, np int, mask []byte) {
	a = a[:k*mr]
	for p := 0; p < np; p++ {
		bp := b[p*k*nr : (p+1)*k*nr]
		yp := yy[p*nr : p*nr+nr]
		for r := 0; r < mr; r++ {
			var c0, c1, c2, c3, c4, c5, c6, c7 float64
			for j := 0; j < k; j++ {
				ar := a[j*mr+r]
				bj := bp[j*nr : j*nr+nr]
				c0 += ar * bj[0]
				c1 += ar * bj[1]
				c2 += ar * bj[2]
				c3 += ar * bj[3]
				c4 += ar * bj[4]
				c5 += ar * bj[5]
				c6 += ar * bj[6]
				c7 += ar * bj[7]
			}
			t := thr[r]
			mask[r*np+p] = bit(yp[0]-(c0+c0) <= t, 0) | bit(yp[1]-(c1+c1) <= t, 1) |
				bit(yp[2]-(c2+c2) <= t, 2) | bit(yp[3]-(c3+c3) <= t, 3) |
				bit(yp[4]-(c4+c4) <= t, 4) | bit(yp[5]-(c5+c5) <= t, 5) |
				bit(yp[6]-(c6+c6) <= t, 6) | bit(yp[7]-(c7+c7) <= t, 7)
		}
	}
}

// bit returns 1<<i if ok, else 0.
func bit(ok bool, i uint) byte {
	if ok {
		return 1 << i
	}
	return 0
}

// lanesGo is the portable lanes kernel: for query x (k = len(x) features)
// and np panels b (as in distMaskGo) it sets bit t of mask[p] when the
// reduced distance of panel row t, added in feature order exactly as
// metric.rdist does, is ≤ thr, and stores that distance in out[p*nr+t].
// (For non-integer p the entries of rows that do not pass are only known to
// exceed thr: that version stops adding once they do.) Rows of NaN (padding)
// never pass.
func lanesGo(m metric, x, b []float64, np int, thr float64, out []float64, mask []byte) {
	k := len(x)
	for p := 0; p < np; p++ {
		bp := b[p*k*nr : (p+1)*k*nr]
		o := out[p*nr : p*nr+nr]
		if m.kind == kindPow {
			for t := 0; t < nr; t++ {
				var s float64
				for j, xj := range x {
					s += math.Pow(math.Abs(xj-bp[j*nr+t]), m.p)
					if s > thr {
						break
					}
				}
				o[t] = s
			}
		} else {
			lanes8Go(m, x, bp, o)
		}
		mask[p] = bit(o[0] <= thr, 0) | bit(o[1] <= thr, 1) | bit(o[2] <= thr, 2) | bit(o[3] <= thr, 3) |
			bit(o[4] <= thr, 4) | bit(o[5] <= thr, 5) | bit(o[6] <= thr, 6) | bit(o[7] <= thr, 7)
	}
}

// lanes8Go measures the eight rows of one panel bp at once, each summed in
// feature order, with the metric's loop chosen outside the feature loop.
func lanes8Go(m metric, x, bp, o []float64) {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	switch m.kind {
	case kindL2:
		for j, xj := range x {
			bj := bp[j*nr : j*nr+nr]
			d0, d1, d2, d3 := xj-bj[0], xj-bj[1], xj-bj[2], xj-bj[3]
			d4, d5, d6, d7 := xj-bj[4], xj-bj[5], xj-bj[6], xj-bj[7]
			s0 += float64(d0 * d0)
			s1 += float64(d1 * d1)
			s2 += float64(d2 * d2)
			s3 += float64(d3 * d3)
			s4 += float64(d4 * d4)
			s5 += float64(d5 * d5)
			s6 += float64(d6 * d6)
			s7 += float64(d7 * d7)
		}
	case kindL1:
		for j, xj := range x {
			bj := bp[j*nr : j*nr+nr]
			s0 += math.Abs(xj - bj[0])
			s1 += math.Abs(xj - bj[1])
			s2 += math.Abs(xj - bj[2])
			s3 += math.Abs(xj - bj[3])
			s4 += math.Abs(xj - bj[4])
			s5 += math.Abs(xj - bj[5])
			s6 += math.Abs(xj - bj[6])
			s7 += math.Abs(xj - bj[7])
		}
	default:
		for j, xj := range x {
			bj := bp[j*nr : j*nr+nr]
			s0 += ipow(math.Abs(xj-bj[0]), m.ip)
			s1 += ipow(math.Abs(xj-bj[1]), m.ip)
			s2 += ipow(math.Abs(xj-bj[2]), m.ip)
			s3 += ipow(math.Abs(xj-bj[3]), m.ip)
			s4 += ipow(math.Abs(xj-bj[4]), m.ip)
			s5 += ipow(math.Abs(xj-bj[5]), m.ip)
			s6 += ipow(math.Abs(xj-bj[6]), m.ip)
			s7 += ipow(math.Abs(xj-bj[7]), m.ip)
		}
	}
	o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7] = s0, s1, s2, s3, s4, s5, s6, s7
}
