//go:build ignore

// asmgen writes the package's assembly: gemm_amd64.s, the register-blocked
// GEMM micro-kernels; pack_amd64.s, the panel copies and transposes that
// feed them (asmgen_pack.go); and elementwise_amd64.s, the AVX2 vector
// kernels (asmgen_elementwise.go). Run it with `go generate ./tensor` (or
// `go run asmgen.go asmgen_pack.go asmgen_elementwise.go` inside tensor/)
// after changing the tile shapes below.
//
// Each kernel computes an MR x NR tile C = alpha*Ap*Bp + beta*C from packed
// panels: Ap holds kc groups of MR floats (one per row), Bp kc groups of NR
// floats. Every k step loads the NR floats of Bp into vector registers,
// broadcasts the MR floats of Ap one at a time and issues one fused
// multiply-add per accumulator register. beta == 0 (or -0) never reads C.
package main

import (
	"fmt"

	"github.com/mlforge/mlforge/internal/asmgen"
)

// f is the file being written.
var f *asmgen.File

func p(format string, args ...any) { f.P(format, args...) }

// kernel emits one micro-kernel. vec is the register width in floats (16 for
// ZMM, 8 for YMM), reg the register prefix, nv the vectors per row (NR =
// nv*vec), unroll the k-loop unroll factor.
func kernel(name, reg string, vec, mr, nv, unroll int, xorOp string) {
	nr := vec * nv
	vbytes := vec * 4
	nacc := mr * nv
	bReg := func(v int) string { return fmt.Sprintf("%s%d", reg, nacc+v) }
	aReg := func(i int) string { return fmt.Sprintf("%s%d", reg, nacc+nv+i%2) }
	acc := func(r, v int) string { return fmt.Sprintf("%s%d", reg, r*nv+v) }

	p("")
	p("// func %s(kc int, ap, bp, c *float32, ldc int, alpha, beta float32)", name)
	p("// %dx%d tile, %d accumulators.", mr, nr, nacc)
	p("TEXT ·%s(SB), NOSPLIT, $0-48", name)
	p("\tMOVQ kc+0(FP), CX")
	p("\tMOVQ ap+8(FP), SI")
	p("\tMOVQ bp+16(FP), DI")
	p("\tMOVQ c+24(FP), DX")
	p("\tMOVQ ldc+32(FP), R8")
	p("\tSHLQ $2, R8")
	// Prefetch the C tile: it is read (beta != 0) or written at the end,
	// after kc steps that give the prefetches time to land.
	p("\tMOVQ DX, R9")
	for r := 0; r < mr; r++ {
		p("\tPREFETCHT0 (R9)")
		if nr*4 > 64 {
			p("\tPREFETCHT0 %d(R9)", nr*4-4)
		}
		if r < mr-1 {
			p("\tADDQ R8, R9")
		}
	}
	for i := 0; i < nacc; i++ {
		r := fmt.Sprintf("%s%d", reg, i)
		p("\t%s %s, %s, %s", xorOp, r, r, r)
	}
	step := func(q int) {
		for v := 0; v < nv; v++ {
			p("\tVMOVUPS %d(DI), %s", q*nr*4+v*vbytes, bReg(v))
		}
		for r := 0; r < mr; r++ {
			p("\tVBROADCASTSS %d(SI), %s", (q*mr+r)*4, aReg(r))
			for v := 0; v < nv; v++ {
				p("\tVFMADD231PS %s, %s, %s", bReg(v), aReg(r), acc(r, v))
			}
		}
	}
	p("%s_loop%d:", name, unroll)
	p("\tCMPQ CX, $%d", unroll)
	p("\tJLT %s_loop1", name)
	for q := 0; q < unroll; q++ {
		step(q)
	}
	p("\tADDQ $%d, SI", unroll*mr*4)
	p("\tADDQ $%d, DI", unroll*nr*4)
	p("\tSUBQ $%d, CX", unroll)
	p("\tJMP %s_loop%d", name, unroll)
	p("%s_loop1:", name)
	p("\tTESTQ CX, CX")
	p("\tJEQ %s_store", name)
	step(0)
	p("\tADDQ $%d, SI", mr*4)
	p("\tADDQ $%d, DI", nr*4)
	p("\tDECQ CX")
	p("\tJMP %s_loop1", name)

	alpha := fmt.Sprintf("%s%d", reg, nacc)
	beta := fmt.Sprintf("%s%d", reg, nacc+1)
	p("%s_store:", name)
	p("\tVBROADCASTSS alpha+40(FP), %s", alpha)
	p("\tMOVL beta+44(FP), AX")
	p("\tTESTL $0x7fffffff, AX")
	p("\tJEQ %s_beta0", name)
	p("\tVBROADCASTSS beta+44(FP), %s", beta)
	for r := 0; r < mr; r++ {
		for v := 0; v < nv; v++ {
			p("\tVMULPS %s, %s, %s", alpha, acc(r, v), acc(r, v))
			p("\tVFMADD231PS %d(DX), %s, %s", v*vbytes, beta, acc(r, v))
			p("\tVMOVUPS %s, %d(DX)", acc(r, v), v*vbytes)
		}
		if r < mr-1 {
			p("\tADDQ R8, DX")
		}
	}
	p("\tVZEROUPPER")
	p("\tRET")
	p("%s_beta0:", name)
	for r := 0; r < mr; r++ {
		for v := 0; v < nv; v++ {
			p("\tVMULPS %s, %s, %s", alpha, acc(r, v), acc(r, v))
			p("\tVMOVUPS %s, %d(DX)", acc(r, v), v*vbytes)
		}
		if r < mr-1 {
			p("\tADDQ R8, DX")
		}
	}
	p("\tVZEROUPPER")
	p("\tRET")
}

// stridedKernel emits a micro-kernel like kernel's that reads its operands
// in place: element (r, q) of the MR x kc block of A at a + (r*rsa +
// q*csa) floats, and the NR floats of B's row q at b + q*ldb floats. A
// packed panel is the case rsa = 1, csa = MR (or ldb = NR); a row-major A
// is rsa = lda, csa = 1, a transposed one rsa = 1, csa = lda, and a
// row-major B is ldb itself. Short reductions (a convolution's K of a few
// dozen, attention's head size) then skip the packing copies, which at
// that K cost about as much as the multiply-adds. The rows are addressed
// from base registers three rows apart (row 3j+i at base j plus i*rsa by
// the scaled index), each advanced by csa per k step.
func stridedKernel(name, reg string, vec, mr, nv, unroll int, xorOp string) {
	nr := vec * nv
	vbytes := vec * 4
	nacc := mr * nv
	bReg := func(v int) string { return fmt.Sprintf("%s%d", reg, nacc+v) }
	aReg := func(i int) string { return fmt.Sprintf("%s%d", reg, nacc+nv+i%2) }
	acc := func(r, v int) string { return fmt.Sprintf("%s%d", reg, r*nv+v) }
	bases := []string{"SI", "R11", "R14", "R15"}[:(mr+2)/3]
	rowAddr := func(r int) string {
		b := bases[r/3]
		if r%3 == 0 {
			return "(" + b + ")"
		}
		return fmt.Sprintf("(%s)(R10*%d)", b, r%3)
	}

	p("")
	p("// func %s(kc int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)", name)
	p("// %dx%d tile, %d accumulators, operands read in place.", mr, nr, nacc)
	p("TEXT ·%s(SB), NOSPLIT, $0-72", name)
	p("	MOVQ kc+0(FP), CX")
	p("	MOVQ a+8(FP), SI")
	p("	MOVQ rsa+16(FP), R10")
	p("	SHLQ $2, R10")
	p("	MOVQ csa+24(FP), R12")
	p("	SHLQ $2, R12")
	p("	MOVQ b+32(FP), DI")
	p("	MOVQ ldb+40(FP), R13")
	p("	SHLQ $2, R13")
	p("	MOVQ c+48(FP), DX")
	p("	MOVQ ldc+56(FP), R8")
	p("	SHLQ $2, R8")
	for j := 1; j < len(bases); j++ {
		p("	LEAQ (%s)(R10*2), %s", bases[j-1], bases[j])
		p("	ADDQ R10, %s", bases[j])
	}
	p("	MOVQ DX, R9")
	for r := 0; r < mr; r++ {
		p("	PREFETCHT0 (R9)")
		if nr*4 > 64 {
			p("	PREFETCHT0 %d(R9)", nr*4-4)
		}
		if r < mr-1 {
			p("	ADDQ R8, R9")
		}
	}
	for i := 0; i < nacc; i++ {
		r := fmt.Sprintf("%s%d", reg, i)
		p("	%s %s, %s, %s", xorOp, r, r, r)
	}
	step := func() {
		for v := 0; v < nv; v++ {
			p("	VMOVUPS %d(DI), %s", v*vbytes, bReg(v))
		}
		for r := 0; r < mr; r++ {
			p("	VBROADCASTSS %s, %s", rowAddr(r), aReg(r))
			for v := 0; v < nv; v++ {
				p("	VFMADD231PS %s, %s, %s", bReg(v), aReg(r), acc(r, v))
			}
		}
		p("	ADDQ R13, DI")
		for _, b := range bases {
			p("	ADDQ R12, %s", b)
		}
	}
	p("%s_loop%d:", name, unroll)
	p("	CMPQ CX, $%d", unroll)
	p("	JLT %s_loop1", name)
	for q := 0; q < unroll; q++ {
		step()
	}
	p("	SUBQ $%d, CX", unroll)
	p("	JMP %s_loop%d", name, unroll)
	p("%s_loop1:", name)
	p("	TESTQ CX, CX")
	p("	JEQ %s_store", name)
	step()
	p("	DECQ CX")
	p("	JMP %s_loop1", name)

	alpha := fmt.Sprintf("%s%d", reg, nacc)
	beta := fmt.Sprintf("%s%d", reg, nacc+1)
	p("%s_store:", name)
	p("	VBROADCASTSS alpha+64(FP), %s", alpha)
	p("	MOVL beta+68(FP), AX")
	p("	TESTL $0x7fffffff, AX")
	p("	JEQ %s_beta0", name)
	p("	VBROADCASTSS beta+68(FP), %s", beta)
	for r := 0; r < mr; r++ {
		for v := 0; v < nv; v++ {
			p("	VMULPS %s, %s, %s", alpha, acc(r, v), acc(r, v))
			p("	VFMADD231PS %d(DX), %s, %s", v*vbytes, beta, acc(r, v))
			p("	VMOVUPS %s, %d(DX)", acc(r, v), v*vbytes)
		}
		if r < mr-1 {
			p("	ADDQ R8, DX")
		}
	}
	p("	VZEROUPPER")
	p("	RET")
	p("%s_beta0:", name)
	for r := 0; r < mr; r++ {
		for v := 0; v < nv; v++ {
			p("	VMULPS %s, %s, %s", alpha, acc(r, v), acc(r, v))
			p("	VMOVUPS %s, %d(DX)", acc(r, v), v*vbytes)
		}
		if r < mr-1 {
			p("	ADDQ R8, DX")
		}
	}
	p("	VZEROUPPER")
	p("	RET")
}

func main() {
	f = asmgen.New("asmgen.go")
	// 8x32 measured faster here than 12x32 and 14x32 (107 against 102 and
	// 96 GFLOP/s on one core at 512^3, best of 5 interleaved runs) and
	// divides the 32/64/128-channel M of convolutions evenly.
	kernel("gemmKernelAVX512", "Z", 16, 8, 2, 4, "VPXORD")
	kernel("gemmKernelAVX2", "Y", 8, 6, 2, 4, "VXORPS")
	stridedKernel("gemmKernelAVX2S", "Y", 8, 6, 2, 4, "VXORPS")
	f.Write("gemm_amd64.s")

	f = asmgen.New("asmgen.go")
	pack()
	f.Write("pack_amd64.s")

	f = asmgen.New("asmgen.go")
	elementwise()
	f.Write("elementwise_amd64.s")
}
