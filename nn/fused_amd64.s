//go:build amd64 && !purego

#include "textflag.h"

// Permutation indices picking the even and the odd elements of 32 floats
// held in two registers; the even ones are also 2*lane.
DATA poolEven<>+0(SB)/4, $0
DATA poolEven<>+4(SB)/4, $2
DATA poolEven<>+8(SB)/4, $4
DATA poolEven<>+12(SB)/4, $6
DATA poolEven<>+16(SB)/4, $8
DATA poolEven<>+20(SB)/4, $10
DATA poolEven<>+24(SB)/4, $12
DATA poolEven<>+28(SB)/4, $14
DATA poolEven<>+32(SB)/4, $16
DATA poolEven<>+36(SB)/4, $18
DATA poolEven<>+40(SB)/4, $20
DATA poolEven<>+44(SB)/4, $22
DATA poolEven<>+48(SB)/4, $24
DATA poolEven<>+52(SB)/4, $26
DATA poolEven<>+56(SB)/4, $28
DATA poolEven<>+60(SB)/4, $30
GLOBL poolEven<>(SB), RODATA|NOPTR, $64

DATA poolOdd<>+0(SB)/4, $1
DATA poolOdd<>+4(SB)/4, $3
DATA poolOdd<>+8(SB)/4, $5
DATA poolOdd<>+12(SB)/4, $7
DATA poolOdd<>+16(SB)/4, $9
DATA poolOdd<>+20(SB)/4, $11
DATA poolOdd<>+24(SB)/4, $13
DATA poolOdd<>+28(SB)/4, $15
DATA poolOdd<>+32(SB)/4, $17
DATA poolOdd<>+36(SB)/4, $19
DATA poolOdd<>+40(SB)/4, $21
DATA poolOdd<>+44(SB)/4, $23
DATA poolOdd<>+48(SB)/4, $25
DATA poolOdd<>+52(SB)/4, $27
DATA poolOdd<>+56(SB)/4, $29
DATA poolOdd<>+60(SB)/4, $31
GLOBL poolOdd<>(SB), RODATA|NOPTR, $64

// func reluPool2AVX512(dst *float32, idx *int32, src *float32, planes, oh, ow int)
// See reluPool2. Each row of 2x2 windows is done 16 windows at a time with
// masked loads and stores for the last, partial group. The values are
// compared as integers after clearing negative ones (VPMAXSD with 0).
TEXT ·reluPool2AVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ idx+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ planes+24(FP), R9
	MOVQ ow+40(FP), R11
	MOVQ R11, R10
	SHRQ $1, R10                 // R10 = pw
	VMOVDQU32 poolEven<>(SB), Z20
	VMOVDQU32 poolOdd<>(SB), Z21
	VPXORD Z25, Z25, Z25
	MOVL $1, AX
	VPBROADCASTD AX, Z26          // ones
	MOVL $32, AX
	VPBROADCASTD AX, Z23          // 32
	VPBROADCASTD R11, Z24         // ow
pool_plane:
	TESTQ R9, R9
	JEQ pool_done
	MOVQ oh+32(FP), DX
	SHRQ $1, DX                  // DX = row pairs left
	XORQ R12, R12                // R12 = plane offset of the row pair
pool_row:
	TESTQ DX, DX
	JEQ pool_next_plane
	LEAQ (SI)(R12*4), BX         // BX = top row
	MOVQ R10, R13                // windows left in the row
	VPBROADCASTD R12, Z22
	VPADDD Z20, Z22, Z22         // index of each window's top-left value
pool_chunk:
	TESTQ R13, R13
	JEQ pool_row_end
	MOVQ R13, AX
	CMPQ AX, $16
	JLE pool_cnt
	MOVQ $16, AX
pool_cnt:
	// K1: CX windows; K2, K3: 2*CX values over two registers.
	MOVQ AX, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	SHLQ $1, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K2
	SHRQ $16, AX
	KMOVW AX, K3
	SHRQ $1, CX
	VMOVUPS.Z (BX), K2, Z0
	VMOVUPS.Z 64(BX), K3, Z1
	VMOVUPS.Z (BX)(R11*4), K2, Z2
	VMOVUPS.Z 64(BX)(R11*4), K3, Z3
	VMOVDQA32 Z20, Z4
	VPERMI2D Z1, Z0, Z4          // a: top row, left
	VMOVDQA32 Z21, Z5
	VPERMI2D Z1, Z0, Z5          // b: top row, right
	VMOVDQA32 Z20, Z6
	VPERMI2D Z3, Z2, Z6          // c: bottom row, left
	VMOVDQA32 Z21, Z7
	VPERMI2D Z3, Z2, Z7          // e: bottom row, right
	VPMAXSD Z25, Z4, Z4
	VPMAXSD Z25, Z5, Z5
	VPMAXSD Z25, Z6, Z6
	VPMAXSD Z25, Z7, Z7
	VPMAXSD Z5, Z4, Z8
	VPMAXSD Z7, Z6, Z9
	VPMAXSD Z9, Z8, Z8
	VMOVDQU32 Z8, K1, (DI)
	TESTQ R8, R8
	JEQ pool_advance
	VPADDD Z26, Z22, Z11         // b's index
	VPADDD Z24, Z22, Z12         // c's index
	VPADDD Z26, Z12, Z13         // e's index, the default
	VPCMPEQD Z6, Z8, K4
	VMOVDQA32 Z12, K4, Z13
	VPCMPEQD Z5, Z8, K5
	VMOVDQA32 Z11, K5, Z13
	VPCMPEQD Z4, Z8, K6
	VMOVDQA32 Z22, K6, Z13
	VMOVDQU32 Z13, K1, (R8)
	LEAQ (R8)(CX*4), R8
pool_advance:
	LEAQ (DI)(CX*4), DI
	ADDQ $128, BX
	VPADDD Z23, Z22, Z22
	SUBQ CX, R13
	JMP pool_chunk
pool_row_end:
	LEAQ (R12)(R11*2), R12       // next row pair
	DECQ DX
	JMP pool_row
pool_next_plane:
	MOVQ oh+32(FP), AX
	IMULQ R11, AX
	LEAQ (SI)(AX*4), SI
	DECQ R9
	JMP pool_plane
pool_done:
	VZEROUPPER
	RET

// func convSmallKAVX512(out, w, b, col *float32, O, K, L int)
// out (O x L) = w (O x K) · col (K x L) + b, for O a multiple of 4: four
// output rows at a time, 16 columns at a time (masked at the end of a row),
// the sums kept in registers over the K products.
TEXT ·convSmallKAVX512(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), R13
	MOVQ b+16(FP), DX
	MOVQ col+24(FP), BX
	MOVQ O+32(FP), R8
	SHRQ $2, R8                  // R8 = blocks of four rows
	MOVQ K+40(FP), AX
	SHLQ $2, AX                  // AX = K*4 bytes: one weight row
	LEAQ (AX)(AX*2), R10         // R10 = three weight rows
	MOVQ L+48(FP), SI
	SHLQ $2, SI                  // SI = L*4 bytes: one output row
conv_block:
	TESTQ R8, R8
	JEQ conv_done
	XORQ R11, R11                // R11 = byte offset of the columns
conv_chunk:
	MOVQ SI, CX
	SUBQ R11, CX
	SHRQ $2, CX
	CMPQ CX, $16
	JLE conv_mask
	MOVQ $16, CX
conv_mask:
	MOVQ $1, R9
	SHLQ CX, R9
	DECQ R9
	KMOVW R9, K1
	VBROADCASTSS (DX), Z0
	VBROADCASTSS 4(DX), Z1
	VBROADCASTSS 8(DX), Z2
	VBROADCASTSS 12(DX), Z3
	MOVQ R13, R12
	MOVQ K+40(FP), R9
	LEAQ (BX)(R11*1), CX
conv_k:
	VMOVUPS.Z (CX), K1, Z4
	VFMADD231PS.BCST (R12), Z4, Z0
	VFMADD231PS.BCST (R12)(AX*1), Z4, Z1
	VFMADD231PS.BCST (R12)(AX*2), Z4, Z2
	VFMADD231PS.BCST (R12)(R10*1), Z4, Z3
	ADDQ $4, R12
	ADDQ SI, CX
	DECQ R9
	JNZ conv_k
	LEAQ (DI)(R11*1), CX
	VMOVUPS Z0, K1, (CX)
	VMOVUPS Z1, K1, (CX)(SI*1)
	VMOVUPS Z2, K1, (CX)(SI*2)
	ADDQ SI, CX
	VMOVUPS Z3, K1, (CX)(SI*2)
	ADDQ $64, R11
	CMPQ R11, SI
	JLT conv_chunk
	LEAQ (DI)(SI*4), DI
	LEAQ (R13)(AX*4), R13
	ADDQ $16, DX
	DECQ R8
	JMP conv_block
conv_done:
	VZEROUPPER
	RET

// func convGradSmallKAVX512(gw, gb, dy, col *float32, O, K, L int)
// gw (O x K) += dy (O x L) · colᵀ (col is K x L) and, when gb is not nil,
// gb (O) += the row sums of dy; K is 1 to 16. For each row of dy it keeps
// K sums of 16 lanes in Z0..Z15 and the row sum in Z17, running over the
// columns 16 at a time (masked at the end), then reduces them.
TEXT ·convGradSmallKAVX512(SB), NOSPLIT, $0-56
	MOVQ gw+0(FP), DI
	MOVQ gb+8(FP), DX
	MOVQ dy+16(FP), BX
	MOVQ col+24(FP), CX
	MOVQ O+32(FP), R8
	MOVQ K+40(FP), R9
	MOVQ L+48(FP), SI
	SHLQ $2, SI                  // SI = L*4 bytes
cg_row:
	TESTQ R8, R8
	JEQ cg_done
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z17, Z17, Z17
	XORQ R11, R11                // byte offset of the chunk
cg_chunk:
	MOVQ SI, AX
	SUBQ R11, AX
	SHRQ $2, AX
	CMPQ AX, $16
	JLE cg_mask
	MOVQ $16, AX
cg_mask:
	MOVQ AX, R10
	MOVQ CX, AX
	MOVQ R10, CX
	MOVQ $1, R10
	SHLQ CX, R10
	DECQ R10
	KMOVW R10, K1
	MOVQ AX, CX                  // CX is the columns' base again
	VMOVUPS.Z (BX)(R11*1), K1, Z16
	VADDPS Z16, Z17, Z17
	LEAQ (CX)(R11*1), R12
	VFMADD231PS (R12), Z16, K1, Z0
	CMPQ R9, $1
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z1
	CMPQ R9, $2
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z2
	CMPQ R9, $3
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z3
	CMPQ R9, $4
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z4
	CMPQ R9, $5
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z5
	CMPQ R9, $6
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z6
	CMPQ R9, $7
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z7
	CMPQ R9, $8
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z8
	CMPQ R9, $9
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z9
	CMPQ R9, $10
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z10
	CMPQ R9, $11
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z11
	CMPQ R9, $12
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z12
	CMPQ R9, $13
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z13
	CMPQ R9, $14
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z14
	CMPQ R9, $15
	JEQ cg_next
	ADDQ SI, R12
	VFMADD231PS (R12), Z16, K1, Z15
cg_next:
	ADDQ $64, R11
	CMPQ R11, SI
	JLT cg_chunk
	// Reduce: gw[k] += the sum of Zk's lanes, for k < K.
#define CG_REDUCE(zr, xr, yr, k) \
	VEXTRACTF64X4 $1, zr, Y18 \
	VADDPS Y18, yr, Y18 \
	VEXTRACTF32X4 $1, Y18, X19 \
	VADDPS X19, X18, X18 \
	VMOVHLPS X18, X19, X19 \
	VADDPS X19, X18, X18 \
	VMOVSHDUP X18, X19 \
	VADDSS X19, X18, X18 \
	VADDSS (k*4)(DI), X18, X18 \
	VMOVSS X18, (k*4)(DI)
	CG_REDUCE(Z0, X0, Y0, 0)
	CMPQ R9, $1
	JEQ cg_bias
	CG_REDUCE(Z1, X1, Y1, 1)
	CMPQ R9, $2
	JEQ cg_bias
	CG_REDUCE(Z2, X2, Y2, 2)
	CMPQ R9, $3
	JEQ cg_bias
	CG_REDUCE(Z3, X3, Y3, 3)
	CMPQ R9, $4
	JEQ cg_bias
	CG_REDUCE(Z4, X4, Y4, 4)
	CMPQ R9, $5
	JEQ cg_bias
	CG_REDUCE(Z5, X5, Y5, 5)
	CMPQ R9, $6
	JEQ cg_bias
	CG_REDUCE(Z6, X6, Y6, 6)
	CMPQ R9, $7
	JEQ cg_bias
	CG_REDUCE(Z7, X7, Y7, 7)
	CMPQ R9, $8
	JEQ cg_bias
	CG_REDUCE(Z8, X8, Y8, 8)
	CMPQ R9, $9
	JEQ cg_bias
	CG_REDUCE(Z9, X9, Y9, 9)
	CMPQ R9, $10
	JEQ cg_bias
	CG_REDUCE(Z10, X10, Y10, 10)
	CMPQ R9, $11
	JEQ cg_bias
	CG_REDUCE(Z11, X11, Y11, 11)
	CMPQ R9, $12
	JEQ cg_bias
	CG_REDUCE(Z12, X12, Y12, 12)
	CMPQ R9, $13
	JEQ cg_bias
	CG_REDUCE(Z13, X13, Y13, 13)
	CMPQ R9, $14
	JEQ cg_bias
	CG_REDUCE(Z14, X14, Y14, 14)
	CMPQ R9, $15
	JEQ cg_bias
	CG_REDUCE(Z15, X15, Y15, 15)
cg_bias:
	TESTQ DX, DX
	JEQ cg_advance
	VEXTRACTF64X4 $1, Z17, Y18
	VADDPS Y18, Y17, Y18
	VEXTRACTF32X4 $1, Y18, X19
	VADDPS X19, X18, X18
	VMOVHLPS X18, X19, X19
	VADDPS X19, X18, X18
	VMOVSHDUP X18, X19
	VADDSS X19, X18, X18
	VADDSS (DX), X18, X18
	VMOVSS X18, (DX)
	ADDQ $4, DX
cg_advance:
	LEAQ (DI)(R9*4), DI
	ADDQ SI, BX
	DECQ R8
	JMP cg_row
cg_done:
	VZEROUPPER
	RET
