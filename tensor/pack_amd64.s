//go:build amd64 && !purego

#include "textflag.h"

// func copyRows32AVX512(dst, src *float32, ld, rows int)
// Copies rows rows of 32 floats, src rows ld floats apart, into dst densely.
TEXT ·copyRows32AVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	SHLQ $2, DX
	MOVQ rows+24(FP), CX
	TESTQ CX, CX
	JEQ c32_done
c32_loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ DX, SI
	ADDQ $128, DI
	DECQ CX
	JNE c32_loop
c32_done:
	VZEROUPPER
	RET

// func copyRows16AVX(dst, src *float32, ld, rows int)
TEXT ·copyRows16AVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	SHLQ $2, DX
	MOVQ rows+24(FP), CX
	TESTQ CX, CX
	JEQ c16_done
c16_loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ DX, SI
	ADDQ $64, DI
	DECQ CX
	JNE c16_loop
c16_done:
	VZEROUPPER
	RET

// func packT8AVX(dst, src *float32, ld, kc, stride int)
// Transposes 8 rows of src (ld floats apart) into dst: dst[q*stride+r] =
// src[r*ld+q] for r < 8 and q < kc, kc a multiple of 8, by 8x8 transposes
// in YMM registers. stride 8 packs an A panel; 16 or 32 fill 8 columns of a
// transposed B panel.
TEXT ·packT8AVX(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	SHLQ $2, DX
	MOVQ kc+24(FP), CX
	MOVQ stride+32(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11 // 3*stride
	LEAQ (DX)(DX*2), R8  // 3*ld
	LEAQ (SI)(DX*4), R9  // row 4
	TESTQ CX, CX
	JEQ pa_done
pa_loop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(DX*1), Y1
	VMOVUPS (SI)(DX*2), Y2
	VMOVUPS (SI)(R8*1), Y3
	VMOVUPS (R9), Y4
	VMOVUPS (R9)(DX*1), Y5
	VMOVUPS (R9)(DX*2), Y6
	VMOVUPS (R9)(R8*1), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	LEAQ (DI)(R10*4), R12
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R10*1)
	VMOVUPS Y10, (DI)(R10*2)
	VMOVUPS Y11, (DI)(R11*1)
	VMOVUPS Y12, (R12)
	VMOVUPS Y13, (R12)(R10*1)
	VMOVUPS Y14, (R12)(R10*2)
	VMOVUPS Y15, (R12)(R11*1)
	ADDQ $32, SI
	ADDQ $32, R9
	LEAQ (R12)(R10*4), DI
	SUBQ $8, CX
	JNE pa_loop
pa_done:
	VZEROUPPER
	RET

// func copyRows8AVX(dst, src *float32, ld, rows int)
TEXT ·copyRows8AVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	SHLQ $2, DX
	MOVQ rows+24(FP), CX
	TESTQ CX, CX
	JEQ c8_done
c8_loop:
	VMOVUPS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ DX, SI
	ADDQ $32, DI
	DECQ CX
	JNE c8_loop
c8_done:
	VZEROUPPER
	RET
