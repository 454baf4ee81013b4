//go:build amd64 && !purego

#include "textflag.h"

// func bnScaleShiftAVX2(dst, src *float32, n int, sc, sh float32)
// dst[i] = src[i]*sc + sh (a product, then a sum: no fused multiply-add),
// n a multiple of 8.
TEXT ·bnScaleShiftAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS sc+24(FP), Y0
	VBROADCASTSS sh+28(FP), Y1
	XORQ AX, AX
loop:
	CMPQ AX, CX
	JGE  done
	VMOVUPS (SI)(AX*4), Y2
	VMULPS  Y0, Y2, Y2
	VADDPS  Y1, Y2, Y2
	VMOVUPS Y2, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop
done:
	VZEROUPPER
	RET

// func bnGradAVX2(dst, src, d *float32, n int, k, m, is, mdy, mdyx float32, acc bool)
// r = k * ((d[i] - mdy) - ((src[i]-m)*is)*mdyx), stored (acc false) or added
// to dst, each operation rounded as Go's scalar code does; n a multiple
// of 8.
TEXT ·bnGradAVX2(SB), NOSPLIT, $0-53
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ d+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS k+32(FP), Y0
	VBROADCASTSS m+36(FP), Y1
	VBROADCASTSS is+40(FP), Y2
	VBROADCASTSS mdy+44(FP), Y3
	VBROADCASTSS mdyx+48(FP), Y4
	MOVBLZX acc+52(FP), BX
	XORQ AX, AX
loop:
	CMPQ AX, CX
	JGE  done
	VMOVUPS (SI)(AX*4), Y5
	VSUBPS  Y1, Y5, Y5
	VMULPS  Y2, Y5, Y5
	VMULPS  Y4, Y5, Y5
	VMOVUPS (DX)(AX*4), Y6
	VSUBPS  Y3, Y6, Y6
	VSUBPS  Y5, Y6, Y6
	VMULPS  Y6, Y0, Y6
	TESTQ   BX, BX
	JZ      store
	VADDPS  (DI)(AX*4), Y6, Y6
store:
	VMOVUPS Y6, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop
done:
	VZEROUPPER
	RET
