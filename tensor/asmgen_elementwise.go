//go:build ignore

package main

import "fmt"

// elementwise emits elementwise_amd64.s: the AVX2 kernels of the
// element-wise operations, each over n elements, n a multiple of 8 (of 32
// for sum and dot); the Go wrappers finish the tail.
func elementwise() {
	p("")
	p("// Each kernel handles n elements, n a multiple of 8 (of 32 for sum and dot);")
	p("// the Go wrappers finish the tail.")

	// y += alpha*x.
	f.Text("axpyAVX2", "(alpha float32, x, y *float32, n int)", 32)
	p("\tVBROADCASTSS alpha+0(FP), Y15")
	p("\tMOVQ x+8(FP), SI")
	p("\tMOVQ y+16(FP), DI")
	p("\tMOVQ n+24(FP), CX")
	loop32x8("axpy", []string{"SI", "DI"}, func(nv int) {
		for v := range nv {
			p("\tVMOVUPS %s, Y%d", off(32*v, "DI"), v)
		}
		for v := range nv {
			p("\tVFMADD231PS %s, Y15, Y%d", off(32*v, "SI"), v)
		}
		for v := range nv {
			p("\tVMOVUPS Y%d, %s", v, off(32*v, "DI"))
		}
	})
	f.Ret()

	for _, op := range []struct{ name, instr string }{{"add", "VADDPS"}, {"sub", "VSUBPS"}, {"mul", "VMULPS"}} {
		// dst = a op b.
		f.Text(op.name+"AVX2", "(dst, a, b *float32, n int)", 32)
		p("\tMOVQ dst+0(FP), DI")
		p("\tMOVQ a+8(FP), SI")
		p("\tMOVQ b+16(FP), DX")
		p("\tMOVQ n+24(FP), CX")
		loop32x8(op.name, []string{"SI", "DX", "DI"}, func(nv int) {
			for v := range nv {
				p("\tVMOVUPS %s, Y%d", off(32*v, "SI"), v)
			}
			for v := range nv {
				p("\t%s %s, Y%d, Y%d", op.instr, off(32*v, "DX"), v, v)
			}
			for v := range nv {
				p("\tVMOVUPS Y%d, %s", v, off(32*v, "DI"))
			}
		})
		f.Ret()
	}

	f.Text("reluAVX2", "(dst, x *float32, n int)", 24,
		"VMAXPS returns its second source (x) when either is NaN, so NaN survives.")
	p("\tMOVQ dst+0(FP), DI")
	p("\tMOVQ x+8(FP), SI")
	p("\tMOVQ n+16(FP), CX")
	p("\tVXORPS Y15, Y15, Y15")
	loop32x8("relu", []string{"SI", "DI"}, func(nv int) {
		for v := range nv {
			p("\tVMOVUPS %s, Y%d", off(32*v, "SI"), v)
		}
		for v := range nv {
			p("\tVMAXPS Y%d, Y15, Y%d", v, v)
		}
		for v := range nv {
			p("\tVMOVUPS Y%d, %s", v, off(32*v, "DI"))
		}
	})
	f.Ret()

	for _, acc := range []bool{false, true} {
		name := "reluGradAVX2"
		if acc {
			name = "reluGradAccAVX2"
		}
		f.Text(name, "(dst, gy, y *float32, n int)", 32,
			"dst = (or +=) gy where y, read as an int32, is positive (y > 0 or a",
			"positive NaN), else 0 (or nothing): an integer compare, no branch.")
		p("\tMOVQ dst+0(FP), DI")
		p("\tMOVQ gy+8(FP), SI")
		p("\tMOVQ y+16(FP), DX")
		p("\tMOVQ n+24(FP), CX")
		p("\tVPXOR Y15, Y15, Y15")
		loop32x8(name, []string{"SI", "DX", "DI"}, func(nv int) {
			for v := range nv {
				p("\tVMOVDQU %s, Y%d", off(32*v, "DX"), v)
			}
			for v := range nv {
				p("\tVPCMPGTD Y15, Y%d, Y%d", v, v)
			}
			for v := range nv {
				p("\tVANDPS %s, Y%d, Y%d", off(32*v, "SI"), v, v)
			}
			if acc {
				for v := range nv {
					p("\tVADDPS %s, Y%d, Y%d", off(32*v, "DI"), v, v)
				}
			}
			for v := range nv {
				p("\tVMOVUPS Y%d, %s", v, off(32*v, "DI"))
			}
		})
		f.Ret()
	}

	f.Text("sumAVX2", "(x *float32, n int) float32", 20)
	p("\tMOVQ x+0(FP), SI")
	p("\tMOVQ n+8(FP), CX")
	reduction("sum", 16, func() {
		for v := range 4 {
			p("\tVADDPS %s, Y%d, Y%d", off(32*v, "SI"), v, v)
		}
		p("\tADDQ $128, SI")
	})

	f.Text("dotAVX2", "(x, y *float32, n int) float32", 28)
	p("\tMOVQ x+0(FP), SI")
	p("\tMOVQ y+8(FP), DI")
	p("\tMOVQ n+16(FP), CX")
	reduction("dot", 24, func() {
		for v := range 4 {
			p("\tVMOVUPS %s, Y%d", off(32*v, "SI"), 4+v)
		}
		for v := range 4 {
			p("\tVFMADD231PS %s, Y%d, Y%d", off(32*v, "DI"), 4+v, v)
		}
		p("\tADDQ $128, SI")
		p("\tADDQ $128, DI")
	})

	exp()
}

// loop32x8 emits a loop taking 4 vectors (32 floats) at a time while CX
// allows, then one vector (8 floats) at a time until CX is 0; body(nv)
// handles nv vectors, then the pointers ptrs advance.
func loop32x8(name string, ptrs []string, body func(nv int)) {
	for _, nv := range []int{4, 1} {
		p("%s_loop%d:", name, 8*nv)
		if nv == 4 {
			p("\tCMPQ CX, $32")
			p("\tJLT %s_loop8", name)
		} else {
			p("\tTESTQ CX, CX")
			p("\tJEQ %s_done", name)
		}
		body(nv)
		for _, r := range ptrs {
			p("\tADDQ $%d, %s", 32*nv, r)
		}
		p("\tSUBQ $%d, CX", 8*nv)
		p("\tJMP %s_loop%d", name, 8*nv)
	}
	p("%s_done:", name)
}

// reduction emits a loop of 32 floats a time into the four accumulators
// Y0-Y3, then their horizontal sum, returned at ret+retOff(FP).
func reduction(name string, retOff int, step func()) {
	for v := range 4 {
		p("\tVXORPS Y%d, Y%d, Y%d", v, v, v)
	}
	p("%s_loop:", name)
	p("\tTESTQ CX, CX")
	p("\tJEQ %s_reduce", name)
	step()
	p("\tSUBQ $32, CX")
	p("\tJMP %s_loop", name)
	p("%s_reduce:", name)
	p("\tVADDPS Y1, Y0, Y0")
	p("\tVADDPS Y3, Y2, Y2")
	p("\tVADDPS Y2, Y0, Y0")
	p("\tVEXTRACTF128 $1, Y0, X1")
	p("\tVADDPS X1, X0, X0")
	p("\tVMOVHLPS X0, X1, X1")
	p("\tVADDPS X1, X0, X0")
	p("\tVMOVSHDUP X0, X1")
	p("\tVADDSS X1, X0, X0")
	p("\tVMOVSS X0, ret+%d(FP)", retOff)
	f.Ret()
}

// expConsts are the constants of expAVX2 in expconst<>, 4 bytes each.
var expConsts = []struct{ value, comment string }{
	{"1.44269504088896341", "log2(e)"},
	{"0.693359375", "ln2 high part"},
	{"-2.12194440e-4", "ln2 low part"},
	{"1.9875691500e-4", "polynomial, highest degree first"},
	{"1.3981999507e-3", ""},
	{"8.3334519073e-3", ""},
	{"4.1665795894e-2", ""},
	{"1.6666665459e-1", ""},
	{"5.0000001201e-1", ""},
	{"1.0", ""},
	{"-87.3", "fast-path bounds: 2^n stays normal"},
	{"88.3", ""},
	{"127", "exponent bias (an integer)"},
}

// exp emits expAVX2, Cephes expf 8 lanes at a time.
func exp() {
	p("")
	for i, c := range expConsts {
		line := fmt.Sprintf("DATA expconst<>+%d(SB)/4, $%s", 4*i, c.value)
		if c.comment != "" {
			line = fmt.Sprintf("%-40s // %s", line, c.comment)
		}
		p("%s", line)
	}
	p("GLOBL expconst<>(SB), RODATA|NOPTR, $%d", 4*len(expConsts))
	c := func(i int) string { return fmt.Sprintf("expconst<>+%d(SB)", 4*i) }

	f.Text("expAVX2", "(dst, x *float32, n int) int", 32,
		"Computes dst = exp(x) 8 at a time (n a multiple of 8), Cephes expf as in",
		"Expf, and stops before the first block holding a value outside",
		"[-87.3, 88.3] or a NaN, returning how many it wrote; Go handles that block.")
	p("\tMOVQ dst+0(FP), DI")
	p("\tMOVQ x+8(FP), SI")
	p("\tMOVQ n+16(FP), CX")
	p("\tXORQ AX, AX")
	p("\tVBROADCASTSS %s, Y15", c(0))
	p("\tVBROADCASTSS %s, Y14", c(1))
	p("\tVBROADCASTSS %s, Y13", c(2))
	p("\tVBROADCASTSS %s, Y12", c(10))
	p("\tVBROADCASTSS %s, Y11", c(11))
	p("\tVBROADCASTSS %s, Y10", c(9))
	p("\tVPBROADCASTD %s, Y9", c(12))
	p("exp_loop:")
	p("\tCMPQ AX, CX")
	p("\tJGE exp_done")
	p("\tVMOVUPS (SI)(AX*4), Y0")
	p("\t// In range and ordered: lo <= x && x <= hi (false for NaN).")
	p("\tVCMPPS $0x1D, Y12, Y0, Y1 // x >= lo (GE_OQ)")
	p("\tVCMPPS $0x12, Y11, Y0, Y2 // x <= hi (LE_OQ)")
	p("\tVANDPS Y2, Y1, Y1")
	p("\tVMOVMSKPS Y1, DX")
	p("\tCMPL DX, $0xff")
	p("\tJNE exp_done")
	p("\tVMULPS Y15, Y0, Y1        // x*log2e")
	p("\tVCVTPS2DQ Y1, Y2          // n = round to nearest")
	p("\tVCVTDQ2PS Y2, Y1          // z = float(n)")
	p("\tVFNMADD231PS Y14, Y1, Y0  // r = x - z*c1")
	p("\tVFNMADD231PS Y13, Y1, Y0  // r -= z*c2")
	p("\tVMULPS Y0, Y0, Y3         // r2")
	// Horner: p = c3, then p = p*r + c for c4..c8.
	p("\tVBROADCASTSS %s, Y4", c(3))
	for i := 4; i <= 8; i++ {
		p("\tVBROADCASTSS %s, Y5", c(i))
		p("\tVFMADD213PS Y5, Y0, Y4    // p = p*r + c")
	}
	p("\tVFMADD213PS Y0, Y3, Y4    // p*r2 + r")
	p("\tVADDPS Y10, Y4, Y4        // + 1")
	p("\tVPADDD Y9, Y2, Y2         // n + 127")
	p("\tVPSLLD $23, Y2, Y2        // 2^n")
	p("\tVMULPS Y2, Y4, Y4")
	p("\tVMOVUPS Y4, (DI)(AX*4)")
	p("\tADDQ $8, AX")
	p("\tJMP exp_loop")
	p("exp_done:")
	p("\tMOVQ AX, ret+24(FP)")
	f.Ret()
}
