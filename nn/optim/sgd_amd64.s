//go:build amd64 && !purego

#include "textflag.h"

// func sgdMomentumAVX2(w, grad, buf *float32, n int, lr, mom, damp float32)
// buf = mom*buf + damp*g; w += (-lr)*buf, 16 then 8 elements at a time.
TEXT ·sgdMomentumAVX2(SB), NOSPLIT, $0-44
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ buf+16(FP), DX
	MOVQ n+24(FP), CX
	MOVSS lr+32(FP), X0
	XORPS X1, X1
	SUBSS X0, X1
	VBROADCASTSS X1, Y13
	VBROADCASTSS mom+36(FP), Y14
	VBROADCASTSS damp+40(FP), Y15
sgd_loop16:
	CMPQ CX, $16
	JLT sgd_loop8
	VMULPS (SI), Y15, Y0
	VMULPS 32(SI), Y15, Y1
	VFMADD231PS (DX), Y14, Y0
	VFMADD231PS 32(DX), Y14, Y1
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS (DI), Y2
	VMOVUPS 32(DI), Y3
	VFMADD231PS Y0, Y13, Y2
	VFMADD231PS Y1, Y13, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP sgd_loop16
sgd_loop8:
	TESTQ CX, CX
	JEQ sgd_done
	VMULPS (SI), Y15, Y0
	VFMADD231PS (DX), Y14, Y0
	VMOVUPS Y0, (DX)
	VMOVUPS (DI), Y2
	VFMADD231PS Y0, Y13, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP sgd_loop8
sgd_done:
	VZEROUPPER
	RET
