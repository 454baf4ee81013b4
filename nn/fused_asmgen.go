//go:build ignore

// fused_asmgen writes fused_amd64.s, the AVX-512 kernels of the fused
// convolution, ReLU and pooling layers (see fused.go). Run it with
// `go generate ./nn` (or `go run fused_asmgen.go` inside nn/).
package main

import (
	"github.com/mlforge/mlforge/internal/asmgen"
)

// f is the file being written.
var f *asmgen.File

// i writes one instruction.
func i(format string, args ...any) { f.I(format, args...) }

// z returns register Zn.
func z(n int) string { return asmgen.Reg("Z", n) }

// lowMask sets k to the low n bits, n in CX, through AX (n < 64).
func lowMask(k string) {
	i("MOVQ $1, AX")
	i("SHLQ CX, AX")
	i("DECQ AX")
	i("KMOVW AX, %s", k)
}

// reluPool2 emits reluPool2AVX512.
func reluPool2() { reluPool2Gen(false) }

// reluPool2Ld emits reluPool2LdAVX512: reluPool2AVX512 over planes whose
// rows are ld values apart (the wide form's output, ld >= ow).
func reluPool2Ld() { reluPool2Gen(true) }

// reluPool2Gen emits reluPool2AVX512, or with ld reluPool2LdAVX512; R11
// holds the row stride (ow, or ld) and R10 the windows in a row.
func reluPool2Gen(ld bool) {
	if ld {
		f.Text("reluPool2LdAVX512", "(dst *float32, idx *int32, src *float32, planes, oh, ow, ld int)", 56,
			"See reluPool2Ld; reluPool2AVX512 with rows ld values apart.")
	} else {
		f.Text("reluPool2AVX512", "(dst *float32, idx *int32, src *float32, planes, oh, ow int)", 48,
			"See reluPool2. Each row of 2x2 windows is done 16 windows at a time with",
			"masked loads and stores for the last, partial group. The values are",
			"compared as integers after clearing negative ones (VPMAXSD with 0).")
	}
	i("MOVQ dst+0(FP), DI")
	i("MOVQ idx+8(FP), R8")
	i("MOVQ src+16(FP), SI")
	i("MOVQ planes+24(FP), R9")
	if ld {
		i("MOVQ ow+40(FP), R10")
		i("MOVQ ld+48(FP), R11")
	} else {
		i("MOVQ ow+40(FP), R11")
		i("MOVQ R11, R10")
	}
	i("SHRQ $1, R10 // R10 = pw")
	i("VMOVDQU32 poolEven<>(SB), Z20")
	i("VMOVDQU32 poolOdd<>(SB), Z21")
	i("VPXORD Z25, Z25, Z25")
	i("MOVL $1, AX")
	i("VPBROADCASTD AX, Z26 // ones")
	i("MOVL $32, AX")
	i("VPBROADCASTD AX, Z23 // 32")
	i("VPBROADCASTD R11, Z24 // ow")
	f.Label("pool_plane")
	i("TESTQ R9, R9")
	i("JEQ pool_done")
	i("MOVQ oh+32(FP), DX")
	i("SHRQ $1, DX // DX = row pairs left")
	i("XORQ R12, R12 // R12 = plane offset of the row pair")
	f.Label("pool_row")
	i("TESTQ DX, DX")
	i("JEQ pool_next_plane")
	i("LEAQ (SI)(R12*4), BX // BX = top row")
	i("MOVQ R10, R13 // windows left in the row")
	i("VPBROADCASTD R12, Z22")
	i("VPADDD Z20, Z22, Z22 // index of each window's top-left value")
	f.Label("pool_chunk")
	i("TESTQ R13, R13")
	i("JEQ pool_row_end")
	i("MOVQ R13, AX")
	i("CMPQ AX, $16")
	i("JLE pool_cnt")
	i("MOVQ $16, AX")
	f.Label("pool_cnt")
	f.P("\t// K1: CX windows; K2, K3: 2*CX values over two registers.")
	i("MOVQ AX, CX")
	lowMask("K1")
	i("SHLQ $1, CX")
	lowMask("K2")
	i("SHRQ $16, AX")
	i("KMOVW AX, K3")
	i("SHRQ $1, CX")
	// Z0, Z1: the top row's 32 values; Z2, Z3: the bottom row's.
	for r, row := range []string{"(BX)", "(BX)(R11*4)"} {
		i("VMOVUPS.Z %s, K2, %s", row, z(2*r))
		i("VMOVUPS.Z 64%s, K3, %s", row, z(2*r+1))
	}
	// Z4 to Z7: each window's top left, top right, bottom left and bottom
	// right value, picked by the even and odd permutations.
	for q, name := range []string{"a: top row, left", "b: top row, right", "c: bottom row, left", "e: bottom row, right"} {
		i("VMOVDQA32 %s, %s", z(20+q%2), z(4+q))
		i("VPERMI2D %s, %s, %s // %s", z(2*(q/2)+1), z(2*(q/2)), z(4+q), name)
	}
	for q := range 4 {
		i("VPMAXSD Z25, %s, %s", z(4+q), z(4+q))
	}
	i("VPMAXSD Z5, Z4, Z8")
	i("VPMAXSD Z7, Z6, Z9")
	i("VPMAXSD Z9, Z8, Z8")
	i("VMOVDQU32 Z8, K1, (DI)")
	i("TESTQ R8, R8")
	i("JEQ pool_advance")
	// The position of the first maximum in a, b, c, e order: start from
	// e and overwrite with c, b, a where they equal the maximum.
	i("VPADDD Z26, Z22, Z11 // b's index")
	i("VPADDD Z24, Z22, Z12 // c's index")
	i("VPADDD Z26, Z12, Z13 // e's index, the default")
	for q, idx := range []string{"Z12", "Z11", "Z22"} {
		i("VPCMPEQD %s, Z8, K%d", z(6-q), 4+q)
		i("VMOVDQA32 %s, K%d, Z13", idx, 4+q)
	}
	i("VMOVDQU32 Z13, K1, (R8)")
	i("LEAQ (R8)(CX*4), R8")
	f.Label("pool_advance")
	i("LEAQ (DI)(CX*4), DI")
	i("ADDQ $128, BX")
	i("VPADDD Z23, Z22, Z22")
	i("SUBQ CX, R13")
	i("JMP pool_chunk")
	f.Label("pool_row_end")
	i("LEAQ (R12)(R11*2), R12 // next row pair")
	i("DECQ DX")
	i("JMP pool_row")
	f.Label("pool_next_plane")
	i("MOVQ oh+32(FP), AX")
	i("IMULQ R11, AX")
	i("LEAQ (SI)(AX*4), SI")
	i("DECQ R9")
	i("JMP pool_plane")
	f.Label("pool_done")
	f.Ret()
}

// convSmallK emits convSmallKAVX512: four rows of out in Z0-Z3.
func convSmallK() {
	f.Text("convSmallKAVX512", "(out, w, b, col *float32, O, K, L int)", 56,
		"out (O x L) = w (O x K) · col (K x L) + b, for O a multiple of 4: four",
		"output rows at a time, 16 columns at a time (masked at the end of a row),",
		"the sums kept in registers over the K products.")
	i("MOVQ out+0(FP), DI")
	i("MOVQ w+8(FP), R13")
	i("MOVQ b+16(FP), DX")
	i("MOVQ col+24(FP), BX")
	i("MOVQ O+32(FP), R8")
	i("SHRQ $2, R8 // R8 = blocks of four rows")
	i("MOVQ K+40(FP), AX")
	i("SHLQ $2, AX // AX = K*4 bytes: one weight row")
	i("LEAQ (AX)(AX*2), R10 // R10 = three weight rows")
	i("MOVQ L+48(FP), SI")
	i("SHLQ $2, SI // SI = L*4 bytes: one output row")
	f.Label("conv_block")
	i("TESTQ R8, R8")
	i("JEQ conv_done")
	i("XORQ R11, R11 // R11 = byte offset of the columns")
	f.Label("conv_chunk")
	i("MOVQ SI, CX")
	i("SUBQ R11, CX")
	i("SHRQ $2, CX")
	i("CMPQ CX, $16")
	i("JLE conv_mask")
	i("MOVQ $16, CX")
	f.Label("conv_mask")
	i("MOVQ $1, R9")
	i("SHLQ CX, R9")
	i("DECQ R9")
	i("KMOVW R9, K1")
	for r := range 4 {
		i("VBROADCASTSS %s, %s", asmgen.Off(4*r, "DX"), z(r))
	}
	i("MOVQ R13, R12")
	i("MOVQ K+40(FP), R9")
	i("LEAQ (BX)(R11*1), CX")
	f.Label("conv_k")
	i("VMOVUPS.Z (CX), K1, Z4")
	for r, w := range []string{"(R12)", "(R12)(AX*1)", "(R12)(AX*2)", "(R12)(R10*1)"} {
		i("VFMADD231PS.BCST %s, Z4, %s", w, z(r))
	}
	i("ADDQ $4, R12")
	i("ADDQ SI, CX")
	i("DECQ R9")
	i("JNZ conv_k")
	i("LEAQ (DI)(R11*1), CX")
	i("VMOVUPS Z0, K1, (CX)")
	i("VMOVUPS Z1, K1, (CX)(SI*1)")
	i("VMOVUPS Z2, K1, (CX)(SI*2)")
	i("ADDQ SI, CX") // no *3 scale: row 3 is row 2 from one row on
	i("VMOVUPS Z3, K1, (CX)(SI*2)")
	i("ADDQ $64, R11")
	i("CMPQ R11, SI")
	i("JLT conv_chunk")
	i("LEAQ (DI)(SI*4), DI")
	i("LEAQ (R13)(AX*4), R13")
	i("ADDQ $16, DX")
	i("DECQ R8")
	i("JMP conv_block")
	f.Label("conv_done")
	f.Ret()
}

// reduce16 adds the 16 lanes of register n (Z17 for the bias) to the
// float32 at addr, through Y18/X18 and X19.
func reduce16(n int, addr string) {
	i("VEXTRACTF64X4 $1, Z%d, Y18", n)
	i("VADDPS Y18, Y%d, Y18", n)
	i("VEXTRACTF32X4 $1, Y18, X19")
	i("VADDPS X19, X18, X18")
	i("VMOVHLPS X18, X19, X19")
	i("VADDPS X19, X18, X18")
	i("VMOVSHDUP X18, X19")
	i("VADDSS X19, X18, X18")
	i("VADDSS %s, X18, X18", addr)
	i("VMOVSS X18, %s", addr)
}

// convGradSmallK emits convGradSmallKAVX512: the sums of column k of gw
// in Zk for k < K (a ladder of compares stops at K), the bias's in Z17.
func convGradSmallK() {
	const maxK = 16
	f.Text("convGradSmallKAVX512", "(gw, gb, dy, col *float32, O, K, L int)", 56,
		"gw (O x K) += dy (O x L) · colᵀ (col is K x L) and, when gb is not nil,",
		"gb (O) += the row sums of dy; K is 1 to 16. For each row of dy it keeps",
		"K sums of 16 lanes in Z0..Z15 and the row sum in Z17, running over the",
		"columns 16 at a time (masked at the end), then reduces them.")
	i("MOVQ gw+0(FP), DI")
	i("MOVQ gb+8(FP), DX")
	i("MOVQ dy+16(FP), BX")
	i("MOVQ col+24(FP), CX")
	i("MOVQ O+32(FP), R8")
	i("MOVQ K+40(FP), R9")
	i("MOVQ L+48(FP), SI")
	i("SHLQ $2, SI // SI = L*4 bytes")
	f.Label("cg_row")
	i("TESTQ R8, R8")
	i("JEQ cg_done")
	for k := range maxK {
		i("VPXORD %s, %s, %s", z(k), z(k), z(k))
	}
	i("VPXORD Z17, Z17, Z17")
	i("XORQ R11, R11 // byte offset of the chunk")
	f.Label("cg_chunk")
	i("MOVQ SI, AX")
	i("SUBQ R11, AX")
	i("SHRQ $2, AX")
	i("CMPQ AX, $16")
	i("JLE cg_mask")
	i("MOVQ $16, AX")
	f.Label("cg_mask")
	i("MOVQ AX, R10")
	i("MOVQ CX, AX")
	i("MOVQ R10, CX")
	i("MOVQ $1, R10")
	i("SHLQ CX, R10")
	i("DECQ R10")
	i("KMOVW R10, K1")
	i("MOVQ AX, CX // CX is the columns' base again")
	i("VMOVUPS.Z (BX)(R11*1), K1, Z16")
	i("VADDPS Z16, Z17, Z17")
	i("LEAQ (CX)(R11*1), R12")
	for k := range maxK {
		if k > 0 {
			i("CMPQ R9, $%d", k)
			i("JEQ cg_next")
			i("ADDQ SI, R12")
		}
		i("VFMADD231PS (R12), Z16, K1, %s", z(k))
	}
	f.Label("cg_next")
	i("ADDQ $64, R11")
	i("CMPQ R11, SI")
	i("JLT cg_chunk")
	f.P("\t// Reduce: gw[k] += the sum of Zk's lanes, for k < K.")
	for k := range maxK {
		if k > 0 {
			i("CMPQ R9, $%d", k)
			i("JEQ cg_bias")
		}
		reduce16(k, asmgen.Off(4*k, "DI"))
	}
	f.Label("cg_bias")
	i("TESTQ DX, DX")
	i("JEQ cg_advance")
	reduce16(17, "(DX)")
	i("ADDQ $4, DX")
	f.Label("cg_advance")
	i("LEAQ (DI)(R9*4), DI")
	i("ADDQ SI, BX")
	i("DECQ R8")
	i("JMP cg_row")
	f.Label("cg_done")
	f.Ret()
}

// countMasks sets, for the CX = min(DX, 16) pairs of this step, K1 to CX
// bits and K2, K3 to the 2*CX values' bits over two registers, through AX;
// CX stays the pair count.
func countMasks(lbl string) {
	i("MOVQ DX, CX")
	i("CMPQ CX, $16")
	i("JLE %s", lbl)
	i("MOVQ $16, CX")
	f.Label(lbl)
	lowMask("K1")
	i("SHLQ $1, CX")
	lowMask("K2")
	i("SHRQ $16, AX")
	i("KMOVW AX, K3")
	i("SHRQ $1, CX")
}

// reluPairs emits reluPairsAVX512.
func reluPairs() {
	f.Text("reluPairsAVX512", "(d *float32, ix *int32, r *float32, n int)", 32,
		"See reluPairs: 16 pairs at a time, masked at the end. ReLU is VMAXPS",
		"with zero as the first source (NaN and -0 pass); the second value of a",
		"pair wins where greater (ordered) or NaN.")
	i("MOVQ d+0(FP), DI")
	i("MOVQ ix+8(FP), R8")
	i("MOVQ r+16(FP), SI")
	i("MOVQ n+24(FP), DX")
	i("VMOVDQU32 poolEven<>(SB), Z20")
	i("VMOVDQU32 poolOdd<>(SB), Z21")
	i("VPXORD Z25, Z25, Z25")
	i("MOVL $1, AX")
	i("VPBROADCASTD AX, Z26 // ones")
	i("MOVL $32, AX")
	i("VPBROADCASTD AX, Z23 // 32")
	i("VMOVDQA32 Z20, Z22 // the first value's offset of each pair")
	f.Label("rp_loop")
	i("TESTQ DX, DX")
	i("JEQ rp_done")
	countMasks("rp_cnt")
	i("VMOVUPS.Z (SI), K2, Z0")
	i("VMOVUPS.Z 64(SI), K3, Z1")
	i("VMOVDQA32 Z20, Z2")
	i("VPERMI2D Z1, Z0, Z2 // a: the first of each pair")
	i("VMOVDQA32 Z21, Z3")
	i("VPERMI2D Z1, Z0, Z3 // b: the second")
	i("VMAXPS Z2, Z25, Z2")
	i("VMAXPS Z3, Z25, Z3")
	i("VCMPPS $0x1e, Z2, Z3, K4 // b > a, ordered")
	i("VCMPPS $3, Z3, Z3, K5 // b is NaN")
	i("KORW K5, K4, K4")
	i("VBLENDMPS Z3, Z2, K4, Z4")
	i("VMOVDQA32 Z22, Z5")
	i("VPADDD Z26, Z22, K4, Z5")
	i("VMOVUPS Z4, K1, (DI)")
	i("VMOVDQU32 Z5, K1, (R8)")
	i("ADDQ $128, SI")
	i("ADDQ $64, DI")
	i("ADDQ $64, R8")
	i("VPADDD Z23, Z22, Z22")
	i("SUBQ CX, DX")
	i("JMP rp_loop")
	f.Label("rp_done")
	f.Ret()
}

// poolGradPairs emits poolGradPairsAVX512.
func poolGradPairs() {
	f.Text("poolGradPairsAVX512", "(d, y, gy *float32, ix *int32, n int)", 40,
		"See poolGradPairs: 16 pairs at a time, masked at the end; the two",
		"values of each pair are built apart (the gradient in the one the",
		"position's low bit names, zero in the other) and interleaved.")
	i("MOVQ d+0(FP), DI")
	i("MOVQ y+8(FP), SI")
	i("MOVQ gy+16(FP), BX")
	i("MOVQ ix+24(FP), R8")
	i("MOVQ n+32(FP), DX")
	i("VMOVDQU32 poolLo<>(SB), Z20")
	i("VMOVDQU32 poolHi<>(SB), Z21")
	i("VPXORD Z25, Z25, Z25")
	i("MOVL $1, AX")
	i("VPBROADCASTD AX, Z26 // ones")
	f.Label("pg_loop")
	i("TESTQ DX, DX")
	i("JEQ pg_done")
	countMasks("pg_cnt")
	i("VMOVUPS.Z (SI), K1, Z0 // y")
	i("VMOVUPS.Z (BX), K1, Z1 // gy")
	i("VMOVDQU32.Z (R8), K1, Z2 // positions")
	i("VADDPS Z25, Z1, Z1 // +0 plus the gradient, as on a zeroed buffer")
	i("VPCMPGTD Z25, Z0, K4 // y's bits above zero: ReLU's mask")
	i("VMOVAPS.Z Z1, K4, Z3")
	i("VPTESTMD Z26, Z2, K5 // the second value of the pair")
	i("KNOTW K5, K6")
	i("VMOVAPS.Z Z3, K6, Z4 // the first values")
	i("VMOVAPS.Z Z3, K5, Z5 // the second values")
	i("VMOVDQA32 Z20, Z6")
	i("VPERMI2D Z5, Z4, Z6")
	i("VMOVDQA32 Z21, Z7")
	i("VPERMI2D Z5, Z4, Z7")
	i("VMOVUPS Z6, K2, (DI)")
	i("VMOVUPS Z7, K3, 64(DI)")
	i("ADDQ $64, SI")
	i("ADDQ $64, BX")
	i("ADDQ $64, R8")
	i("ADDQ $128, DI")
	i("SUBQ CX, DX")
	i("JMP pg_loop")
	f.Label("pg_done")
	f.Ret()
}

func main() {
	f = asmgen.New("fused_asmgen.go")
	f.P("")
	f.Comment("Permutation indices picking the even and the odd elements of 32 floats",
		"held in two registers; the even ones are also 2*lane.")
	var even, odd []uint64
	for l := range uint64(16) {
		even = append(even, 2*l)
		odd = append(odd, 2*l+1)
	}
	f.Table("poolEven", 4, even...)
	f.P("")
	f.Table("poolOdd", 4, odd...)
	f.P("")
	f.Comment("Permutation indices interleaving two registers of 16 floats, the",
		"first 16 values of the result and the last 16.")
	var lo, hi []uint64
	for l := range uint64(16) {
		lo = append(lo, l/2+16*(l%2))
		hi = append(hi, 8+l/2+16*(l%2))
	}
	f.Table("poolLo", 4, lo...)
	f.P("")
	f.Table("poolHi", 4, hi...)
	reluPool2()
	convSmallK()
	convGradSmallK()
	reluPairs()
	poolGradPairs()
	reluPool2Ld()
	poolGradDense()
	f.Write("fused_amd64.s")
}

// poolGradDense emits poolGradDenseAVX512.
func poolGradDense() {
	f.Text("poolGradDenseAVX512", "(d, y, gy *float32, idx *int32, planes, oh, ow, ld int)", 64,
		"See poolGradDense: each row of 2x2 windows 16 windows at a time, masked",
		"at the end; each window's four values are built apart (the kept",
		"gradient where the position names the value, zero elsewhere) and the",
		"top and the bottom pairs interleaved into two rows of 32 values.")
	i("MOVQ d+0(FP), DI")
	i("MOVQ y+8(FP), SI")
	i("MOVQ gy+16(FP), BX")
	i("MOVQ idx+24(FP), R8")
	i("MOVQ planes+32(FP), R9")
	i("MOVQ ow+48(FP), R10")
	i("SHRQ $1, R10 // R10 = pw")
	i("MOVQ ld+56(FP), R11")
	i("VMOVDQU32 poolEven<>(SB), Z20")
	i("VMOVDQU32 poolLo<>(SB), Z21")
	i("VMOVDQU32 poolHi<>(SB), Z22")
	i("VPXORD Z25, Z25, Z25")
	i("MOVL $1, AX")
	i("VPBROADCASTD AX, Z26 // ones")
	i("MOVL $32, AX")
	i("VPBROADCASTD AX, Z23 // 32")
	i("VPBROADCASTD R11, Z24 // ld")
	i("VPADDD Z26, Z24, Z27 // ld+1")
	i("VPTERNLOGD $0xff, Z28, Z28, Z28 // -1")
	f.Label("pd_plane")
	i("TESTQ R9, R9")
	i("JEQ pd_done")
	i("MOVQ oh+40(FP), DX")
	i("SHRQ $1, DX // DX = row pairs left")
	i("XORQ R12, R12 // R12 = plane offset of the row pair")
	f.Label("pd_row")
	i("TESTQ DX, DX")
	i("JEQ pd_next_plane")
	i("LEAQ (DI)(R12*4), R14 // R14 = top row")
	i("MOVQ R10, R13 // windows left in the row")
	i("VPBROADCASTD R12, Z29")
	i("VPADDD Z20, Z29, Z29 // index of each window's top-left value")
	f.Label("pd_chunk")
	i("TESTQ R13, R13")
	i("JEQ pd_row_end")
	i("MOVQ R13, AX")
	i("CMPQ AX, $16")
	i("JLE pd_cnt")
	i("MOVQ $16, AX")
	f.Label("pd_cnt")
	i("MOVQ AX, CX")
	lowMask("K1")
	i("SHLQ $1, CX")
	lowMask("K2")
	i("SHRQ $16, AX")
	i("KMOVW AX, K3")
	i("SHRQ $1, CX")
	i("VMOVDQU32.Z (SI), K1, Z0 // y")
	i("VMOVDQU32.Z (BX), K1, Z1 // gy")
	i("VMOVDQU32.Z (R8), K1, Z2 // positions")
	i("VPADDD Z28, Z0, Z0")
	i("VPCMPGTD Z28, Z0, K4 // y's bits minus 1 (wrapping) not negative, as poolGradScatterGo's")
	i("VMOVDQA32.Z Z1, K4, Z1 // the kept gradient")
	i("VPSUBD Z29, Z2, Z3 // the position in the window: 0, 1, ld or ld+1")
	for q, ref := range []string{"Z25", "Z26", "Z24", "Z27"} {
		i("VPCMPEQD %s, Z3, K5", ref)
		i("VMOVDQA32.Z Z1, K5, %s", z(4+q))
	}
	for r, row := range []string{"(R14)", "(R14)(R11*4)"} {
		i("VMOVDQA32 Z21, Z8")
		i("VPERMI2D %s, %s, Z8", z(5+2*r), z(4+2*r))
		i("VMOVDQA32 Z22, Z9")
		i("VPERMI2D %s, %s, Z9", z(5+2*r), z(4+2*r))
		i("VMOVDQU32 Z8, K2, %s", row)
		i("VMOVDQU32 Z9, K3, 64%s", row)
	}
	i("LEAQ (SI)(CX*4), SI")
	i("LEAQ (BX)(CX*4), BX")
	i("LEAQ (R8)(CX*4), R8")
	i("ADDQ $128, R14")
	i("VPADDD Z23, Z29, Z29")
	i("SUBQ CX, R13")
	i("JMP pd_chunk")
	f.Label("pd_row_end")
	i("LEAQ (R12)(R11*2), R12 // next row pair")
	i("DECQ DX")
	i("JMP pd_row")
	f.Label("pd_next_plane")
	i("MOVQ oh+40(FP), AX")
	i("IMULQ R11, AX")
	i("LEAQ (DI)(AX*4), DI")
	i("DECQ R9")
	i("JMP pd_plane")
	f.Label("pd_done")
	f.Ret()
}
