//go:build ignore

// asmgen writes sgd_amd64.s, the AVX2 kernel of SGD with momentum. Run it
// with `go generate ./nn/optim` (or `go run asmgen.go` inside nn/optim).
package main

import (
	"fmt"

	"github.com/mlforge/mlforge/internal/asmgen"
)

func main() {
	f := asmgen.New("asmgen.go")
	f.Text("sgdMomentumAVX2", "(w, grad, buf *float32, n int, lr, mom, damp float32)", 44,
		"buf = mom*buf + damp*g; w += (-lr)*buf, 16 then 8 elements at a time.")
	f.I("MOVQ w+0(FP), DI")
	f.I("MOVQ grad+8(FP), SI")
	f.I("MOVQ buf+16(FP), DX")
	f.I("MOVQ n+24(FP), CX")
	f.I("MOVSS lr+32(FP), X0")
	f.I("XORPS X1, X1")
	f.I("SUBSS X0, X1")
	f.I("VBROADCASTSS X1, Y13") // -lr
	f.I("VBROADCASTSS mom+36(FP), Y14")
	f.I("VBROADCASTSS damp+40(FP), Y15")
	// step handles nv vectors of 8: Y0.. hold the new buf, Y2.. the new w.
	step := func(nv int) {
		for v := range nv {
			f.I("VMULPS %s, Y15, Y%d", mem("SI", v), v)
		}
		for v := range nv {
			f.I("VFMADD231PS %s, Y14, Y%d", mem("DX", v), v)
		}
		for v := range nv {
			f.I("VMOVUPS Y%d, %s", v, mem("DX", v))
		}
		for v := range nv {
			f.I("VMOVUPS %s, Y%d", mem("DI", v), 2+v)
		}
		for v := range nv {
			f.I("VFMADD231PS Y%d, Y13, Y%d", v, 2+v)
		}
		for v := range nv {
			f.I("VMOVUPS Y%d, %s", 2+v, mem("DI", v))
		}
		for _, r := range []string{"SI", "DX", "DI"} {
			f.I("ADDQ $%d, %s", 32*nv, r)
		}
		f.I("SUBQ $%d, CX", 8*nv)
	}
	f.Label("sgd_loop16")
	f.I("CMPQ CX, $16")
	f.I("JLT sgd_loop8")
	step(2)
	f.I("JMP sgd_loop16")
	f.Label("sgd_loop8")
	f.I("TESTQ CX, CX")
	f.I("JEQ sgd_done")
	step(1)
	f.I("JMP sgd_loop8")
	f.Label("sgd_done")
	f.Ret()
	f.Write("sgd_amd64.s")
}

// mem addresses vector v (32 bytes each) from register r.
func mem(r string, v int) string {
	if v == 0 {
		return "(" + r + ")"
	}
	return fmt.Sprintf("%d(%s)", 32*v, r)
}
