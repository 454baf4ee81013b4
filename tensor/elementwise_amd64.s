//go:build amd64 && !purego

#include "textflag.h"

// Each kernel handles n elements, n a multiple of 8 (of 32 for sum and dot);
// the Go wrappers finish the tail.

// func axpyAVX2(alpha float32, x, y *float32, n int)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y15
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX
axpy_loop32:
	CMPQ CX, $32
	JLT axpy_loop8
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VFMADD231PS (SI), Y15, Y0
	VFMADD231PS 32(SI), Y15, Y1
	VFMADD231PS 64(SI), Y15, Y2
	VFMADD231PS 96(SI), Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP axpy_loop32
axpy_loop8:
	TESTQ CX, CX
	JEQ axpy_done
	VMOVUPS (DI), Y0
	VFMADD231PS (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP axpy_loop8
axpy_done:
	VZEROUPPER
	RET

#define BINOP(name, op) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ dst+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ b+16(FP), DX \
	MOVQ n+24(FP), CX \
loop32: \
	CMPQ CX, $32 \
	JLT loop8 \
	VMOVUPS (SI), Y0 \
	VMOVUPS 32(SI), Y1 \
	VMOVUPS 64(SI), Y2 \
	VMOVUPS 96(SI), Y3 \
	op (DX), Y0, Y0 \
	op 32(DX), Y1, Y1 \
	op 64(DX), Y2, Y2 \
	op 96(DX), Y3, Y3 \
	VMOVUPS Y0, (DI) \
	VMOVUPS Y1, 32(DI) \
	VMOVUPS Y2, 64(DI) \
	VMOVUPS Y3, 96(DI) \
	ADDQ $128, SI \
	ADDQ $128, DX \
	ADDQ $128, DI \
	SUBQ $32, CX \
	JMP loop32 \
loop8: \
	TESTQ CX, CX \
	JEQ done \
	VMOVUPS (SI), Y0 \
	op (DX), Y0, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ $32, SI \
	ADDQ $32, DX \
	ADDQ $32, DI \
	SUBQ $8, CX \
	JMP loop8 \
done: \
	VZEROUPPER \
	RET

// func addAVX2(dst, a, b *float32, n int)
BINOP(·addAVX2, VADDPS)

// func subAVX2(dst, a, b *float32, n int)
BINOP(·subAVX2, VSUBPS)

// func mulAVX2(dst, a, b *float32, n int)
BINOP(·mulAVX2, VMULPS)

// func reluAVX2(dst, x *float32, n int)
// VMAXPS returns its second source (x) when either is NaN, so NaN survives.
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y15, Y15, Y15
relu_loop32:
	CMPQ CX, $32
	JLT relu_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMAXPS Y0, Y15, Y0
	VMAXPS Y1, Y15, Y1
	VMAXPS Y2, Y15, Y2
	VMAXPS Y3, Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP relu_loop32
relu_loop8:
	TESTQ CX, CX
	JEQ relu_done
	VMOVUPS (SI), Y0
	VMAXPS Y0, Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP relu_loop8
relu_done:
	VZEROUPPER
	RET

// func sumAVX2(x *float32, n int) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
sum_loop:
	TESTQ CX, CX
	JEQ sum_reduce
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP sum_loop
sum_reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X1, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func dotAVX2(x, y *float32, n int) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
dot_loop:
	TESTQ CX, CX
	JEQ dot_reduce
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP dot_loop
dot_reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X1, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

DATA expconst<>+0(SB)/4, $1.44269504088896341   // log2(e)
DATA expconst<>+4(SB)/4, $0.693359375           // ln2 high part
DATA expconst<>+8(SB)/4, $-2.12194440e-4        // ln2 low part
DATA expconst<>+12(SB)/4, $1.9875691500e-4
DATA expconst<>+16(SB)/4, $1.3981999507e-3
DATA expconst<>+20(SB)/4, $8.3334519073e-3
DATA expconst<>+24(SB)/4, $4.1665795894e-2
DATA expconst<>+28(SB)/4, $1.6666665459e-1
DATA expconst<>+32(SB)/4, $5.0000001201e-1
DATA expconst<>+36(SB)/4, $1.0
DATA expconst<>+40(SB)/4, $-87.3                // fast-path bounds: 2^n stays normal
DATA expconst<>+44(SB)/4, $88.3
DATA expconst<>+48(SB)/4, $127
GLOBL expconst<>(SB), RODATA|NOPTR, $52

// func expAVX2(dst, x *float32, n int) int
// Computes dst = exp(x) 8 at a time (n a multiple of 8), Cephes expf as in
// Expf, and stops before the first block holding a value outside
// [-87.3, 88.3] or a NaN, returning how many it wrote; Go handles that block.
TEXT ·expAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	VBROADCASTSS expconst<>+0(SB), Y15
	VBROADCASTSS expconst<>+4(SB), Y14
	VBROADCASTSS expconst<>+8(SB), Y13
	VBROADCASTSS expconst<>+40(SB), Y12
	VBROADCASTSS expconst<>+44(SB), Y11
	VBROADCASTSS expconst<>+36(SB), Y10
	VPBROADCASTD expconst<>+48(SB), Y9
exp_loop:
	CMPQ AX, CX
	JGE exp_done
	VMOVUPS (SI)(AX*4), Y0
	// In range and ordered: lo <= x && x <= hi (false for NaN).
	VCMPPS $0x1D, Y12, Y0, Y1 // x >= lo (GE_OQ)
	VCMPPS $0x12, Y11, Y0, Y2 // x <= hi (LE_OQ)
	VANDPS Y2, Y1, Y1
	VMOVMSKPS Y1, DX
	CMPL DX, $0xff
	JNE exp_done
	VMULPS Y15, Y0, Y1        // x*log2e
	VCVTPS2DQ Y1, Y2          // n = round to nearest
	VCVTDQ2PS Y2, Y1          // z = float(n)
	VFNMADD231PS Y14, Y1, Y0  // r = x - z*c1
	VFNMADD231PS Y13, Y1, Y0  // r -= z*c2
	VMULPS Y0, Y0, Y3         // r2
	VBROADCASTSS expconst<>+12(SB), Y4
	VBROADCASTSS expconst<>+16(SB), Y5
	VFMADD213PS Y5, Y0, Y4    // p = p*r + c
	VBROADCASTSS expconst<>+20(SB), Y5
	VFMADD213PS Y5, Y0, Y4
	VBROADCASTSS expconst<>+24(SB), Y5
	VFMADD213PS Y5, Y0, Y4
	VBROADCASTSS expconst<>+28(SB), Y5
	VFMADD213PS Y5, Y0, Y4
	VBROADCASTSS expconst<>+32(SB), Y5
	VFMADD213PS Y5, Y0, Y4
	VFMADD213PS Y0, Y3, Y4    // p*r2 + r
	VADDPS Y10, Y4, Y4        // + 1
	VPADDD Y9, Y2, Y2         // n + 127
	VPSLLD $23, Y2, Y2        // 2^n
	VMULPS Y2, Y4, Y4
	VMOVUPS Y4, (DI)(AX*4)
	ADDQ $8, AX
	JMP exp_loop
exp_done:
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET
