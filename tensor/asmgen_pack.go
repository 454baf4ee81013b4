//go:build ignore

package main

import "fmt"

// pack emits pack_amd64.s: copyRows* copy rows of a B panel densely and
// packT8AVX transposes 8 rows into an A panel or a transposed B panel.
func pack() {
	copyRows("copyRows32AVX512", "c32", "Z", 64, 2, "Copies rows rows of 32 floats, src rows ld floats apart, into dst densely.")
	copyRows("copyRows16AVX", "c16", "Y", 32, 2)
	packT8()
	copyRows("copyRows8AVX", "c8", "Y", 32, 1)
}

// copyRows emits a copy of rows rows of nv vectors (reg prefix, vbytes
// each) from src, ld floats apart, to dst, densely.
func copyRows(name, lbl, reg string, vbytes, nv int, comment ...string) {
	f.Text(name, "(dst, src *float32, ld, rows int)", 32, comment...)
	p("\tMOVQ dst+0(FP), DI")
	p("\tMOVQ src+8(FP), SI")
	p("\tMOVQ ld+16(FP), DX")
	p("\tSHLQ $2, DX")
	p("\tMOVQ rows+24(FP), CX")
	p("\tTESTQ CX, CX")
	p("\tJEQ %s_done", lbl)
	p("%s_loop:", lbl)
	for v := range nv {
		p("\tVMOVUPS %s, %s%d", off(v*vbytes, "SI"), reg, v)
	}
	for v := range nv {
		p("\tVMOVUPS %s%d, %s", reg, v, off(v*vbytes, "DI"))
	}
	p("\tADDQ DX, SI")
	p("\tADDQ $%d, DI", nv*vbytes)
	p("\tDECQ CX")
	p("\tJNE %s_loop", lbl)
	p("%s_done:", lbl)
	f.Ret()
}

// off is the address d(r), or (r) for d == 0.
func off(d int, r string) string {
	if d == 0 {
		return "(" + r + ")"
	}
	return fmt.Sprintf("%d(%s)", d, r)
}

// packT8 emits the 8x8 transposes of packT8AVX: unpack pairs of rows,
// shuffle pairs of pairs, then swap 128-bit halves.
func packT8() {
	f.Text("packT8AVX", "(dst, src *float32, ld, kc, stride int)", 40,
		"Transposes 8 rows of src (ld floats apart) into dst: dst[q*stride+r] =",
		"src[r*ld+q] for r < 8 and q < kc, kc a multiple of 8, by 8x8 transposes",
		"in YMM registers. stride 8 packs an A panel; 16 or 32 fill 8 columns of a",
		"transposed B panel.")
	p("\tMOVQ dst+0(FP), DI")
	p("\tMOVQ src+8(FP), SI")
	p("\tMOVQ ld+16(FP), DX")
	p("\tSHLQ $2, DX")
	p("\tMOVQ kc+24(FP), CX")
	p("\tMOVQ stride+32(FP), R10")
	p("\tSHLQ $2, R10")
	p("\tLEAQ (R10)(R10*2), R11 // 3*stride")
	p("\tLEAQ (DX)(DX*2), R8  // 3*ld")
	p("\tLEAQ (SI)(DX*4), R9  // row 4")
	p("\tTESTQ CX, CX")
	p("\tJEQ pa_done")
	p("pa_loop:")
	// Rows 0-3 from SI, 4-7 from R9, at offsets 0, ld, 2ld, 3ld; the 8
	// outputs go to DI and R12 (= DI + 4 stride) at 0, stride, 2, 3 stride.
	rows := []string{"", "(DX*1)", "(DX*2)", "(R8*1)"}
	for r := range 8 {
		base := "(SI)"
		if r >= 4 {
			base = "(R9)"
		}
		p("\tVMOVUPS %s%s, Y%d", base, rows[r%4], r)
	}
	for i := range 4 {
		p("\tVUNPCKLPS Y%d, Y%d, Y%d", 2*i+1, 2*i, 8+2*i)
		p("\tVUNPCKHPS Y%d, Y%d, Y%d", 2*i+1, 2*i, 9+2*i)
	}
	for i := range 4 {
		lo, hi := 8+4*(i/2)+i%2, 10+4*(i/2)+i%2
		p("\tVSHUFPS $0x44, Y%d, Y%d, Y%d", hi, lo, 2*i)
		p("\tVSHUFPS $0xEE, Y%d, Y%d, Y%d", hi, lo, 2*i+1)
	}
	for i := range 4 {
		p("\tVPERM2F128 $0x20, Y%d, Y%d, Y%d", 4+i, i, 8+i)
	}
	for i := range 4 {
		p("\tVPERM2F128 $0x31, Y%d, Y%d, Y%d", 4+i, i, 12+i)
	}
	p("\tLEAQ (DI)(R10*4), R12")
	cols := []string{"", "(R10*1)", "(R10*2)", "(R11*1)"}
	for r := range 8 {
		base := "(DI)"
		if r >= 4 {
			base = "(R12)"
		}
		p("\tVMOVUPS Y%d, %s%s", 8+r, base, cols[r%4])
	}
	p("\tADDQ $32, SI")
	p("\tADDQ $32, R9")
	p("\tLEAQ (R12)(R10*4), DI")
	p("\tSUBQ $8, CX")
	p("\tJNE pa_loop")
	p("pa_done:")
	f.Ret()
}
