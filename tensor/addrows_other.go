//go:build !amd64 || purego

package tensor

func addRows(dst []float32, dld int, src []float32, sld int, rows, cols int) {
	addRowsGeneric(dst, dld, src, sld, rows, cols)
}
