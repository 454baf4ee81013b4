//go:build ignore

// adam_asmgen writes adam_amd64.s, the AVX2 kernel of Adam's update. Run
// it with `go run adam_asmgen.go` inside nn/optim.
package main

import "github.com/mlforge/mlforge/internal/asmgen"

func main() {
	f := asmgen.New("adam_asmgen.go")
	f.Text("adamAVX2", "(w, grad, m, v *float32, n int, b1, ob1, b2, ob2, bc2s, eps, step float32)", 68,
		"See adamUpdate: 8 elements at a time, each operation rounded as the",
		"loop's (multiplies and adds apart, no fused multiply-add; VSQRTPS and",
		"VDIVPS round correctly, as the loop's float64 square root does once",
		"rounded to float32).")
	f.I("MOVQ w+0(FP), DI")
	f.I("MOVQ grad+8(FP), SI")
	f.I("MOVQ m+16(FP), DX")
	f.I("MOVQ v+24(FP), BX")
	f.I("MOVQ n+32(FP), CX")
	for r, name := range []string{"b1+40", "ob1+44", "b2+48", "ob2+52", "bc2s+56", "eps+60", "step+64"} {
		f.I("VBROADCASTSS %s(FP), Y%d", name, 8+r)
	}
	f.Label("adam_loop")
	f.I("TESTQ CX, CX")
	f.I("JEQ adam_done")
	f.I("VMOVUPS (SI), Y0 // g")
	f.I("VMULPS (DX), Y8, Y1 // m*b1")
	f.I("VMULPS Y0, Y9, Y2 // ob1*g")
	f.I("VADDPS Y2, Y1, Y1")
	f.I("VMOVUPS Y1, (DX)")
	f.I("VMULPS Y0, Y11, Y3 // ob2*g")
	f.I("VMULPS Y0, Y3, Y3 // (ob2*g)*g")
	f.I("VMULPS (BX), Y10, Y4 // v*b2")
	f.I("VADDPS Y3, Y4, Y4")
	f.I("VMOVUPS Y4, (BX)")
	f.I("VSQRTPS Y4, Y5")
	f.I("VDIVPS Y12, Y5, Y5 // sqrt(v)/bc2s")
	f.I("VADDPS Y13, Y5, Y5 // + eps")
	f.I("VDIVPS Y5, Y1, Y6 // m/denom")
	f.I("VMULPS Y6, Y14, Y6 // step*(m/denom)")
	f.I("VMOVUPS (DI), Y7")
	f.I("VSUBPS Y6, Y7, Y7")
	f.I("VMOVUPS Y7, (DI)")
	for _, r := range []string{"SI", "DX", "BX", "DI"} {
		f.I("ADDQ $32, %s", r)
	}
	f.I("SUBQ $8, CX")
	f.I("JMP adam_loop")
	f.Label("adam_done")
	f.Ret()
	f.Write("adam_amd64.s")
}
