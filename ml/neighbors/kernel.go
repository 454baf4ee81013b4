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
// at mask[r*np:]).
func distMaskGo(k int, a, b, yy, thr []float64, np int, mask []byte) {
	var acc [mr][nr]float64
	for p := 0; p < np; p++ {
		acc = [mr][nr]float64{}
		bp := b[p*k*nr : (p+1)*k*nr]
		for j := 0; j < k; j++ {
			bj := bp[j*nr : j*nr+nr]
			aj := a[j*mr : j*mr+mr]
			for r := 0; r < mr; r++ {
				ar := aj[r]
				for t := 0; t < nr; t++ {
					acc[r][t] += ar * bj[t]
				}
			}
		}
		yp := yy[p*nr : p*nr+nr]
		for r := 0; r < mr; r++ {
			var m byte
			for t := 0; t < nr; t++ {
				if yp[t]-(acc[r][t]+acc[r][t]) <= thr[r] {
					m |= 1 << t
				}
			}
			mask[r*np+p] = m
		}
	}
}

// lanesGo is the portable lanes kernel: for query x (k = len(x) features)
// and np panels b (as in distMaskGo) it sets bit t of mask[p] when the
// reduced distance of panel row t, added in feature order exactly as
// metric.rdist does, is ≤ thr, and stores that distance in out[p*nr+t].
// (The entries of rows that do not pass are only known to exceed thr: this
// version stops adding once they do.) Rows of NaN (padding) never pass.
func lanesGo(m metric, x, b []float64, np int, thr float64, out []float64, mask []byte) {
	k := len(x)
	for p := 0; p < np; p++ {
		bp := b[p*k*nr : (p+1)*k*nr]
		var mb byte
		for t := 0; t < nr; t++ {
			var s float64
			for j, xj := range x {
				s += m.term(math.Abs(xj - bp[j*nr+t]))
				if s > thr {
					break
				}
			}
			out[p*nr+t] = s
			if s <= thr {
				mb |= 1 << t
			}
		}
		mask[p] = mb
	}
}
