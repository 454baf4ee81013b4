package tensor

// AddRows adds rows rows of cols values of src, row r at src[r*sld:], into
// those of dst, row r at dst[r*dld:]: Axpy(1, src row, dst row) for each
// row, with the same sums bit for bit, for the short rows of image planes
// (a padded plane's interior into an image), where Axpy's dispatch per row
// costs more than its adds.
func AddRows(dst []float32, dld int, src []float32, sld int, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_ = dst[(rows-1)*dld+cols-1]
	_ = src[(rows-1)*sld+cols-1]
	addRows(dst, dld, src, sld, rows, cols)
}

func addRowsGeneric(dst []float32, dld int, src []float32, sld int, rows, cols int) {
	for r := range rows {
		d := dst[r*dld : r*dld+cols]
		s := src[r*sld : r*sld+cols]
		for j, v := range s {
			d[j] += v
		}
	}
}
