//go:build !amd64 || purego

package nn

// reluPool2 writes max(0, max of each 2x2 window) of the O planes of src
// (oh x ow each) to dst (O planes of oh/2 x ow/2) and, when idx is not nil,
// the plane position of each window's first maximum; see reluPool2Go.
func reluPool2(dst []float32, idx []int32, src []float32, O, oh, ow int) {
	reluPool2Go(dst, idx, src, O, oh, ow)
}

// reluPool2Ld writes max(0, max of each 2x2 window) of the O planes of src
// (oh rows of ld values, of which the first ow count) to dst and, when idx is
// not nil, each window's first maximum's position; see reluPool2LdGo.
func reluPool2Ld(dst []float32, idx []int32, src []float32, O, oh, ow, ld int) {
	reluPool2LdGo(dst, idx, src, O, oh, ow, ld)
}

// convSmallK computes out (O x L) = w (O x K) · col (K x L) + b (b may be
// nil) for a short reduction K: see convSmallKGo.
func convSmallK(out, w, b, col []float32, O, K, L int) {
	convSmallKGo(out, w, b, col, O, K, L)
}

// convGradSmallK adds dy (O x L) · colᵀ (col is K x L) to gw (O x K) and,
// when gb is not nil, the row sums of dy to gb; see convGradSmallKGo.
func convGradSmallK(gw, gb, dy, col []float32, O, K, L int) {
	convGradSmallKGo(gw, gb, dy, col, O, K, L)
}

// reluPairs writes max(ReLU(r[2i]), ReLU(r[2i+1])) to d[i] and the offset
// of that maximum in r to ix[i]; see reluPairsGo.
func reluPairs(r, d []float32, ix []int32) { reluPairsGo(r, d, ix) }

// poolGradPairs writes the gradient of ReLU then MaxPool1d(2) to the
// 2*len(y) values of d; see poolGradPairsGo.
func poolGradPairs(d, y, gy []float32, ix []int32) { poolGradPairsGo(d, y, gy, ix) }

// poolGradDense is poolGradScatterGo for planes of oh rows of ld values
// pooled 2x2 (ow values of a row used) whose positions idx each lie in
// their window.
func poolGradDense(d, y, gy []float32, idx []int32, O, oh, ow, ld int) {
	poolGradScatterGo(d, y, gy, idx, O, (oh/2)*(ow/2), oh*ld)
}
