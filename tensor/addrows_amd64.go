//go:build amd64 && !purego

package tensor

// addRows adds each row's first multiple of 8 values with the AVX2 Axpy
// kernel (1*x + y fused: the sum x + y) and the rest as axpyGeneric does.
func addRows(dst []float32, dld int, src []float32, sld int, rows, cols int) {
	v := cols &^ 7
	if !useAVX2 || v == 0 {
		addRowsGeneric(dst, dld, src, sld, rows, cols)
		return
	}
	for r := range rows {
		d := dst[r*dld : r*dld+cols]
		s := src[r*sld : r*sld+cols]
		axpyAVX2(1, &s[0], &d[0], v)
		for j := v; j < cols; j++ {
			d[j] += s[j]
		}
	}
}
