//go:build amd64 && !purego

package nn

//go:generate go run fused_asmgen.go

import "golang.org/x/sys/cpu"

var useAVX512 = cpu.X86.HasAVX512F

// reluPool2AVX512 is reluPool2 over planes planes of oh x ow values; idx
// may be nil.
//
//go:noescape
func reluPool2AVX512(dst *float32, idx *int32, src *float32, planes, oh, ow int)

// reluPool2 writes max(0, max of each 2x2 window) of the O planes of src
// (oh x ow each) to dst (O planes of oh/2 x ow/2) and, when idx is not nil,
// the plane position of each window's first maximum; see reluPool2Go.
func reluPool2(dst []float32, idx []int32, src []float32, O, oh, ow int) {
	P := (oh / 2) * (ow / 2)
	if !useAVX512 || P == 0 || O == 0 {
		reluPool2Go(dst, idx, src, O, oh, ow)
		return
	}
	_, _ = dst[O*P-1], src[O*oh*ow-1]
	var ip *int32
	if idx != nil {
		_ = idx[O*P-1]
		ip = &idx[0]
	}
	reluPool2AVX512(&dst[0], ip, &src[0], O, oh, ow)
}

// reluPool2LdAVX512 is reluPool2Ld over planes planes of oh rows of ld
// values; idx may be nil.
//
//go:noescape
func reluPool2LdAVX512(dst *float32, idx *int32, src *float32, planes, oh, ow, ld int)

// reluPool2Ld writes max(0, max of each 2x2 window) of the O planes of src
// (oh rows of ld values, of which the first ow count) to dst and, when idx is
// not nil, each window's first maximum's position; see reluPool2LdGo.
func reluPool2Ld(dst []float32, idx []int32, src []float32, O, oh, ow, ld int) {
	P := (oh / 2) * (ow / 2)
	if !useAVX512 || P == 0 || O == 0 || ld < ow {
		reluPool2LdGo(dst, idx, src, O, oh, ow, ld)
		return
	}
	_, _ = dst[O*P-1], src[O*oh*ld-1]
	var ip *int32
	if idx != nil {
		_ = idx[O*P-1]
		ip = &idx[0]
	}
	reluPool2LdAVX512(&dst[0], ip, &src[0], O, oh, ow, ld)
}

// convSmallKAVX512 computes out (O x L) = w (O x K) · col (K x L) + b for O
// a multiple of 4 and K >= 1.
//
//go:noescape
func convSmallKAVX512(out, w, b, col *float32, O, K, L int)

// convSmallK computes out (O x L) = w (O x K) · col (K x L) + b (b may be
// nil) for a short reduction K: see convSmallKGo.
func convSmallK(out, w, b, col []float32, O, K, L int) {
	O4 := O &^ 3
	if !useAVX512 || b == nil || O4 == 0 || K == 0 || L == 0 {
		convSmallKGo(out, w, b, col, O, K, L)
		return
	}
	_, _, _, _ = out[O*L-1], w[O*K-1], b[O-1], col[K*L-1]
	convSmallKAVX512(&out[0], &w[0], &b[0], &col[0], O4, K, L)
	if O4 < O {
		convSmallKGo(out[O4*L:], w[O4*K:], b[O4:], col, O-O4, K, L)
	}
}

// convGradSmallKAVX512 adds dy (O x L) · colᵀ to gw (O x K), 1 <= K <= 16,
// and the row sums of dy to gb unless gb is nil.
//
//go:noescape
func convGradSmallKAVX512(gw, gb, dy, col *float32, O, K, L int)

// convGradSmallK adds dy (O x L) · colᵀ (col is K x L) to gw (O x K) and,
// when gb is not nil, the row sums of dy to gb; see convGradSmallKGo.
func convGradSmallK(gw, gb, dy, col []float32, O, K, L int) {
	if !useAVX512 || K < 1 || K > 16 || O == 0 || L == 0 {
		convGradSmallKGo(gw, gb, dy, col, O, K, L)
		return
	}
	_, _, _ = gw[O*K-1], dy[O*L-1], col[K*L-1]
	var pb *float32
	if gb != nil {
		_ = gb[O-1]
		pb = &gb[0]
	}
	convGradSmallKAVX512(&gw[0], pb, &dy[0], &col[0], O, K, L)
}

// reluPairsAVX512 is reluPairs over n pairs.
//
//go:noescape
func reluPairsAVX512(d *float32, ix *int32, r *float32, n int)

// reluPairs writes max(ReLU(r[2i]), ReLU(r[2i+1])) to d[i] and the offset
// of that maximum in r to ix[i]; see reluPairsGo.
func reluPairs(r, d []float32, ix []int32) {
	n := len(d)
	if !useAVX512 || n == 0 {
		reluPairsGo(r, d, ix)
		return
	}
	_, _ = r[2*n-1], ix[n-1]
	reluPairsAVX512(&d[0], &ix[0], &r[0], n)
}

// poolGradPairsAVX512 is poolGradPairs over n pairs.
//
//go:noescape
func poolGradPairsAVX512(d, y, gy *float32, ix *int32, n int)

// poolGradPairs writes the gradient of ReLU then MaxPool1d(2) to the
// 2*len(y) values of d; see poolGradPairsGo.
func poolGradPairs(d, y, gy []float32, ix []int32) {
	n := len(y)
	if !useAVX512 || n == 0 {
		poolGradPairsGo(d, y, gy, ix)
		return
	}
	_, _, _ = d[2*n-1], gy[n-1], ix[n-1]
	poolGradPairsAVX512(&d[0], &y[0], &gy[0], &ix[0], n)
}

// poolGradDenseAVX512 is poolGradDense over planes planes.
//
//go:noescape
func poolGradDenseAVX512(d, y, gy *float32, idx *int32, planes, oh, ow, ld int)

// poolGradDense is poolGradScatterGo for planes of oh rows of ld values
// pooled 2x2 (ow values of a row used) whose positions idx each lie in
// their window: it writes every window's four values, the kept gradient at
// the position and zeros at the other three, with no scatter.
func poolGradDense(d, y, gy []float32, idx []int32, O, oh, ow, ld int) {
	P, L := (oh/2)*(ow/2), oh*ld
	if !useAVX512 || O == 0 || P == 0 || ld < ow {
		poolGradScatterGo(d, y, gy, idx, O, P, L)
		return
	}
	_, _, _, _ = d[O*L-1], y[O*P-1], gy[O*P-1], idx[O*P-1]
	poolGradDenseAVX512(&d[0], &y[0], &gy[0], &idx[0], O, oh, ow, ld)
}
