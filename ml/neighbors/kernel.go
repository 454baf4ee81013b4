package neighbors

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
