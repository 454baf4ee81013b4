//go:build ignore

// saga_asmgen writes saga_amd64.s: sagaFused4AVX, saga's fused pass for 3
// classes (sagaUpdate.fused3) with a feature's 4 weights (stride 4, lane 3
// unused) in one YMM vector. Run it with `go generate ./ml/linear` (or
// `go run saga_asmgen.go` inside ml/linear).
//
// Every lane does fused3's IEEE operations in fused3's order, one AVX
// instruction each (no FMA), so the results are the same bits.
package main

import "github.com/mlforge/mlforge/internal/asmgen"

func main() {
	f := asmgen.New("saga_asmgen.go")
	i := f.I
	f.Text("sagaFused4AVX", "(w, sg, x, xn *float64, p int, d, sc *float64, prox bool, sums *float64)", 72,
		"For f in [0, p), with the 4 lanes k of w[4f:4f+4], sg[4f:4f+4] and d:",
		"  gc = x[f]*d; w -= ((gc*step)*seenFrac)/wscale; sg += gc; w -= c*sg;",
		"  with prox: w = w-cp where w > cp, w+cp where w < -cp, else 0;",
		"  s += w*xn[f]",
		"and sums = s (from +0); sc holds step, seenFrac, wscale, c, cp, -cp.",
		"Each lane does sagaUpdate.fused3's operations.")
	for _, a := range []struct{ name, reg string }{
		{"w+0(FP)", "DI"}, {"sg+8(FP)", "SI"}, {"x+16(FP)", "R8"}, {"xn+24(FP)", "R9"},
		{"p+32(FP)", "CX"}, {"d+40(FP)", "AX"}, {"sc+48(FP)", "BX"},
	} {
		i("MOVQ %s, %s", a.name, a.reg)
	}
	i("MOVBLZX prox+56(FP), DX")
	i("MOVQ sums+64(FP), R10")
	i("VMOVUPD (AX), Y0")
	// Y1-Y6: step, seenFrac, wscale, c, cp, -cp.
	for k := 0; k < 6; k++ {
		i("VBROADCASTSD %s, Y%d", asmgen.Off(8*k, "BX"), k+1)
	}
	i("VXORPD Y7, Y7, Y7")
	i("TESTQ CX, CX")
	i("JEQ done")
	f.P("")
	f.Label("loop")
	i("VBROADCASTSD (R8), Y8")
	i("VMULPD Y0, Y8, Y8       // gc = x*d")
	i("VMULPD Y1, Y8, Y9       // gc*step")
	i("VMULPD Y2, Y9, Y9       // *seenFrac")
	i("VDIVPD Y3, Y9, Y9       // /wscale")
	i("VMOVUPD (DI), Y10")
	i("VSUBPD Y9, Y10, Y10     // w -= ...")
	i("VADDPD (SI), Y8, Y11    // g = sg + gc")
	i("VMOVUPD Y11, (SI)")
	i("VMULPD Y4, Y11, Y12     // c*g")
	i("VSUBPD Y12, Y10, Y10    // w -= c*g")
	i("TESTQ DX, DX")
	i("JEQ store")
	i("VSUBPD Y5, Y10, Y12     // w - cp")
	i("VADDPD Y5, Y10, Y13     // w + cp")
	i("VCMPPD $0x1e, Y5, Y10, Y14 // w > cp (GT_OQ)")
	i("VCMPPD $0x11, Y6, Y10, Y15 // w < -cp (LT_OQ)")
	i("VANDPD Y14, Y12, Y12")
	i("VANDPD Y15, Y13, Y13")
	i("VORPD Y13, Y12, Y10")
	f.P("")
	f.Label("store")
	i("VMOVUPD Y10, (DI)")
	i("VBROADCASTSD (R9), Y12")
	i("VMULPD Y12, Y10, Y12    // w*xn")
	i("VADDPD Y12, Y7, Y7      // s += w*xn")
	i("ADDQ $32, DI")
	i("ADDQ $32, SI")
	i("ADDQ $8, R8")
	i("ADDQ $8, R9")
	i("DECQ CX")
	i("JNZ loop")
	f.P("")
	f.Label("done")
	i("VMOVUPD Y7, (R10)")
	f.Ret()
	f.Write("saga_amd64.s")
}
