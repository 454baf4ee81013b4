//go:build amd64 && !purego

#include "textflag.h"

// func sagaFused4AVX(w, sg, x, xn *float64, p int, d, sc *float64, prox bool, sums *float64)
// For f in [0, p), with the 4 lanes k of w[4f:4f+4], sg[4f:4f+4] and d:
//   gc = x[f]*d; w -= ((gc*step)*seenFrac)/wscale; sg += gc; w -= c*sg;
//   with prox: w = w-cp where w > cp, w+cp where w < -cp, else 0;
//   s += w*xn[f]
// and sums = s (from +0). Each lane does sagaUpdate.fused3's operations.
TEXT ·sagaFused4AVX(SB), NOSPLIT, $0-72
	MOVQ w+0(FP), DI
	MOVQ sg+8(FP), SI
	MOVQ x+16(FP), R8
	MOVQ xn+24(FP), R9
	MOVQ p+32(FP), CX
	MOVQ d+40(FP), AX
	MOVQ sc+48(FP), BX
	MOVBLZX prox+56(FP), DX
	MOVQ sums+64(FP), R10
	VMOVUPD (AX), Y0
	VBROADCASTSD 0(BX), Y1
	VBROADCASTSD 8(BX), Y2
	VBROADCASTSD 16(BX), Y3
	VBROADCASTSD 24(BX), Y4
	VBROADCASTSD 32(BX), Y5
	VBROADCASTSD 40(BX), Y6
	VXORPD Y7, Y7, Y7
	TESTQ CX, CX
	JEQ done

loop:
	VBROADCASTSD (R8), Y8
	VMULPD Y0, Y8, Y8       // gc = x*d
	VMULPD Y1, Y8, Y9       // gc*step
	VMULPD Y2, Y9, Y9       // *seenFrac
	VDIVPD Y3, Y9, Y9       // /wscale
	VMOVUPD (DI), Y10
	VSUBPD Y9, Y10, Y10     // w -= ...
	VADDPD (SI), Y8, Y11    // g = sg + gc
	VMOVUPD Y11, (SI)
	VMULPD Y4, Y11, Y12     // c*g
	VSUBPD Y12, Y10, Y10    // w -= c*g
	TESTQ DX, DX
	JEQ store
	VSUBPD Y5, Y10, Y12     // w - cp
	VADDPD Y5, Y10, Y13     // w + cp
	VCMPPD $0x1e, Y5, Y10, Y14 // w > cp (GT_OQ)
	VCMPPD $0x11, Y6, Y10, Y15 // w < -cp (LT_OQ)
	VANDPD Y14, Y12, Y12
	VANDPD Y15, Y13, Y13
	VORPD Y13, Y12, Y10

store:
	VMOVUPD Y10, (DI)
	VBROADCASTSD (R9), Y12
	VMULPD Y12, Y10, Y12    // w*xn
	VADDPD Y12, Y7, Y7      // s += w*xn
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $8, R8
	ADDQ $8, R9
	DECQ CX
	JNZ loop

done:
	VMOVUPD Y7, (R10)
	VZEROUPPER
	RET
