//go:build ignore

// asmgen writes the package's assembly from one description of each
// kernel: gemm_amd64.s, the AVX-512 kernels, and kernels_avx2_amd64.s, the
// AVX2+FMA ones; isa holds what differs between the two. Run it with
// `go generate ./internal/f64` (or `go run asmgen.go` inside internal/f64).
//
// The GEMM kernels keep an mr x 2 register tile of C (mr <= 4 rows of two
// vectors), load two vectors of a row of B and broadcast mr values of a
// column of A per step, all masked by the columns in use. The dot kernels
// take inner products of 1 or 4 rows of A with one row of B, a vector at a
// time and a masked tail, then reduce the lanes.
package main

import (
	"fmt"

	"github.com/mlforge/mlforge/internal/asmgen"
)

// f is the file being written.
var f *asmgen.File

// i writes one instruction.
func i(format string, args ...any) { f.I(format, args...) }

// off is the address d(r), or (r) for d == 0.
var off = asmgen.Off

// isa is what differs between the AVX-512 and the AVX2 kernels.
type isa struct {
	suffix   string // of the function names
	reg      string // vector register prefix: Z or Y
	vec      int    // float64 lanes of a register
	zero     string // zeroes a register (three operands)
	load     string // masked load: addr, mask, dst
	store    string // masked store: src, mask, addr
	b0, a0   int    // first register of the B vectors and of the A broadcasts
	masks    [2]string
	maskType string // of the GEMM kernels' mask argument
	reduceX  string // the 128-bit temporary of the dot kernels' reduction
}

var avx512 = isa{
	suffix: "AVX512", reg: "Z", vec: 8, zero: "VPXORQ",
	load: "VMOVUPD.Z", store: "VMOVUPD", b0: 16, a0: 18,
	masks: [2]string{"K1", "K2"}, maskType: "int", reduceX: "X15",
}

var avx2 = isa{
	suffix: "AVX2", reg: "Y", vec: 4, zero: "VXORPD",
	load: "VMASKMOVPD", store: "VMASKMOVPD", b0: 8, a0: 10,
	masks: [2]string{"Y14", "Y15"}, maskType: "*int64", reduceX: "X10",
}

// v returns vector register n of the ISA.
func (x isa) v(n int) string { return asmgen.Reg(x.reg, n) }

// zeroes zeroes registers 0 to n-1.
func (x isa) zeroes(n int) {
	for r := range n {
		i("%s %s, %s, %s", x.zero, x.v(r), x.v(r), x.v(r))
	}
}

// rowA addresses row r < 4 of A from SI: R8 is one row stride, R9 three.
var rowA = [4]string{"(SI)", "(SI)(R8*1)", "(SI)(R8*2)", "(SI)(R9*1)"}

// kernel emits kernel{mr}x{2 vectors}: C[0:mr, 0:nr] (= or +=) A·B over k.
func kernel(x isa, mr int) {
	nr := 2 * x.vec
	vb := 8 * x.vec
	name := fmt.Sprintf("kernel%dx%d%s", mr, nr, x.suffix)
	var comment []string
	if x == avx512 {
		comment = []string{
			fmt.Sprintf("C[0:%d, 0:%d] (= or +=) Σ_p A[i,p]·B[p,0:%d], A[i,p] at a[i·rs + p·ks], B[p,j] at b[p·ldb + j],", mr, nr, nr),
			fmt.Sprintf("C[i,j] at c[i·ldc + j]; the low %d bits of mask select the columns.", nr),
		}
	} else {
		comment = []string{
			fmt.Sprintf("C[0:%d, 0:%d] (= or +=) Σ_p A[i,p]·B[p,0:%d], strides as in kernel4x16AVX512; mask points", mr, nr, nr),
			fmt.Sprintf("at %d lane masks (all ones for the columns to read and write).", nr),
		}
	}
	f.Text(name, "(k int, a *float64, rs, ks int, b *float64, ldb int, c *float64, ldc int, mask "+x.maskType+", acc bool)", 73, comment...)
	i("MOVQ k+0(FP), CX")
	i("MOVQ a+8(FP), SI")
	i("MOVQ rs+16(FP), R8")
	i("SHLQ $3, R8")
	i("MOVQ ks+24(FP), R11")
	i("SHLQ $3, R11")
	i("LEAQ (R8)(R8*2), R9")
	i("MOVQ b+32(FP), DI")
	i("MOVQ ldb+40(FP), R12")
	i("SHLQ $3, R12")
	i("MOVQ c+48(FP), DX")
	i("MOVQ ldc+56(FP), R13")
	i("SHLQ $3, R13")
	i("MOVQ mask+64(FP), AX")
	if x == avx512 {
		// The low 8 bits mask the first vector, the next 8 the second.
		i("KMOVW AX, K1")
		i("KSHIFTRW $8, K1, K2")
	} else {
		i("VMOVDQU (AX), Y14")
		i("VMOVDQU 32(AX), Y15")
	}
	acc := func(r, h int) string { return x.v(2*r + h) }
	x.zeroes(2 * mr)
	i("TESTQ CX, CX")
	i("JLE %s_store", name)
	f.Label(name + "_loop")
	for h := range 2 {
		i("%s %s, %s, %s", x.load, off(h*vb, "DI"), x.masks[h], x.v(x.b0+h))
	}
	for r := range mr {
		i("VBROADCASTSD %s, %s", rowA[r], x.v(x.a0+r))
	}
	for r := range mr {
		for h := range 2 {
			i("VFMADD231PD %s, %s, %s", x.v(x.b0+h), x.v(x.a0+r), acc(r, h))
		}
	}
	i("ADDQ R11, SI")
	i("ADDQ R12, DI")
	i("DECQ CX")
	i("JNZ %s_loop", name)
	f.Label(name + "_store")
	i("MOVBLZX acc+72(FP), BX")
	i("TESTQ BX, BX")
	i("JZ %s_put", name)
	for r := range mr {
		for h := range 2 {
			i("%s %s, %s, %s", x.load, off(h*vb, "DX"), x.masks[h], x.v(x.b0+h))
		}
		for h := range 2 {
			i("VADDPD %s, %s, %s", x.v(x.b0+h), acc(r, h), acc(r, h))
		}
		for h := range 2 {
			i("%s %s, %s, %s", x.store, acc(r, h), x.masks[h], off(h*vb, "DX"))
		}
		if r < mr-1 {
			i("ADDQ R13, DX")
		}
	}
	f.Ret()
	f.Label(name + "_put")
	for r := range mr {
		for h := range 2 {
			i("%s %s, %s, %s", x.store, acc(r, h), x.masks[h], off(h*vb, "DX"))
		}
		if r < mr-1 {
			i("ADDQ R13, DX")
		}
	}
	f.Ret()
}

// dot emits dot{mr}: c[r·ldc] (= or +=) the inner product of row r of A
// with b, for r < mr.
func dot(x isa, mr int) {
	name := fmt.Sprintf("dot%d%s", mr, x.suffix)
	vb := 8 * x.vec
	if x == avx512 {
		f.Text(name, "(k int, a *float64, lda int, b *float64, c *float64, ldc int, acc bool)", 49,
			fmt.Sprintf("c[i·ldc] (= or +=) Σ_p a[i·lda + p]·b[p] for i < %d.", mr))
	} else {
		f.Text(name, "(k int, a *float64, lda int, b *float64, c *float64, ldc int, acc bool, tail *int64)", 64,
			fmt.Sprintf("c[i·ldc] (= or +=) Σ_p a[i·lda + p]·b[p] for i < %d; tail points at the 4 lane", mr),
			"masks of the last k mod 4 elements.")
	}
	i("MOVQ k+0(FP), CX")
	i("MOVQ a+8(FP), SI")
	i("MOVQ lda+16(FP), R8")
	i("SHLQ $3, R8")
	i("LEAQ (R8)(R8*2), R9")
	i("MOVQ b+24(FP), DI")
	i("MOVQ c+32(FP), DX")
	i("MOVQ ldc+40(FP), R13")
	i("SHLQ $3, R13")
	x.zeroes(mr)
	b0, b1 := x.v(x.b0), x.v(x.b0+1)
	f.Label(name + "_loop")
	i("CMPQ CX, $%d", x.vec)
	i("JLT %s_tail", name)
	i("VMOVUPD (DI), %s", b0)
	for r := range mr {
		i("VFMADD231PD %s, %s, %s", rowA[r], b0, x.v(r))
	}
	i("ADDQ $%d, SI", vb)
	i("ADDQ $%d, DI", vb)
	i("SUBQ $%d, CX", x.vec)
	i("JMP %s_loop", name)
	f.Label(name + "_tail")
	i("TESTQ CX, CX")
	i("JLE %s_sum", name)
	var mask string
	if x == avx512 {
		i("MOVQ $-1, AX")
		i("SHLQ CX, AX")
		i("NOTQ AX")
		i("KMOVB AX, K1")
		mask = "K1"
	} else {
		i("MOVQ tail+56(FP), AX")
		i("VMOVDQU (AX), Y15")
		mask = "Y15"
	}
	i("%s (DI), %s, %s", x.load, mask, b0)
	for r := range mr {
		i("%s %s, %s, %s", x.load, rowA[r], mask, b1)
		i("VFMADD231PD %s, %s, %s", b1, b0, x.v(r))
	}
	f.Label(name + "_sum")
	t := x.reduceX
	for r := range mr {
		if x == avx512 {
			i("VEXTRACTF64X4 $1, Z%d, Y17", r)
			i("VADDPD Y17, Y%d, Y%d", r, r)
		}
		i("VEXTRACTF128 $1, Y%d, %s", r, t)
		i("VADDPD %s, X%d, X%d", t, r, r)
		i("VPERMILPD $1, X%d, %s", r, t)
		i("VADDSD %s, X%d, X%d", t, r, r)
	}
	i("MOVBLZX acc+48(FP), BX")
	i("TESTQ BX, BX")
	i("JZ %s_put", name)
	for r := range mr {
		i("VADDSD (DX), X%d, X%d", r, r)
		i("VMOVSD X%d, (DX)", r)
		if r < mr-1 {
			i("ADDQ R13, DX")
		}
	}
	f.Ret()
	f.Label(name + "_put")
	for r := range mr {
		i("VMOVSD X%d, (DX)", r)
		if r < mr-1 {
			i("ADDQ R13, DX")
		}
	}
	f.Ret()
}

// tailMask512 sets mask register k to the first min(CX, 8) lanes, then
// falls through to label lbl_mask with the KMOVB done.
func tailMask512(lbl, k string) {
	i("MOVQ $-1, AX")
	i("CMPQ CX, $8")
	i("JGE %s_full", lbl)
	i("SHLQ CX, AX")
	i("NOTQ AX")
	i("JMP %s_mask", lbl)
	f.Label(lbl + "_full")
	i("MOVQ $0xff, AX")
	f.Label(lbl + "_mask")
	i("KMOVB AX, %s", k)
}

// relu512 emits reluAVX512: four vectors a step, then masked vectors.
func relu512() {
	const nv = 4
	f.Text("reluAVX512", "(x *float64, n int)", 16, "x[i] = max(x[i], 0) for i < n, keeping NaNs.")
	i("MOVQ x+0(FP), SI")
	i("MOVQ n+8(FP), CX")
	i("VPXORQ Z31, Z31, Z31")
	f.Label(fmt.Sprintf("relu_loop%d", 8*nv))
	i("CMPQ CX, $%d", 8*nv)
	i("JLT relu_tail")
	for v := range nv {
		i("VMOVUPD %s, Z%d", off(64*v, "SI"), v)
	}
	for v := range nv {
		i("VMAXPD Z%d, Z31, Z%d", v, v)
	}
	for v := range nv {
		i("VMOVUPD Z%d, %s", v, off(64*v, "SI"))
	}
	i("ADDQ $%d, SI", 64*nv)
	i("SUBQ $%d, CX", 8*nv)
	i("JMP relu_loop%d", 8*nv)
	f.Label("relu_tail")
	i("TESTQ CX, CX")
	i("JLE relu_done")
	tailMask512("relu", "K1")
	i("VMOVUPD.Z (SI), K1, Z0")
	i("VMAXPD Z0, Z31, Z0")
	i("VMOVUPD Z0, K1, (SI)")
	i("ADDQ $64, SI")
	i("SUBQ $8, CX")
	i("JMP relu_tail")
	f.Label("relu_done")
	f.Ret()
}

// reluGrad512 emits reluGradAVX512: two vectors a step, then masked
// vectors; the comparison a > 0 (ordered, so NaN is false) is the mask
// of the deltas kept.
func reluGrad512() {
	const nv = 2
	f.Text("reluGradAVX512", "(a, delta *float64, n int)", 24, "delta[i] = 0 where a[i] ≤ 0, for i < n (NaN activations keep their delta).")
	i("MOVQ a+0(FP), SI")
	i("MOVQ delta+8(FP), DI")
	i("MOVQ n+16(FP), CX")
	i("VPXORQ Z31, Z31, Z31")
	f.Label(fmt.Sprintf("rg_loop%d", 8*nv))
	i("CMPQ CX, $%d", 8*nv)
	i("JLT rg_tail")
	for v := range nv {
		i("VMOVUPD %s, Z%d", off(64*v, "SI"), v)
	}
	for v := range nv {
		i("VCMPPD $6, Z31, Z%d, K%d", v, v+1)
	}
	for v := range nv {
		i("VMOVUPD.Z %s, K%d, Z%d", off(64*v, "DI"), v+1, nv+v)
	}
	for v := range nv {
		i("VMOVUPD Z%d, %s", nv+v, off(64*v, "DI"))
	}
	i("ADDQ $%d, SI", 64*nv)
	i("ADDQ $%d, DI", 64*nv)
	i("SUBQ $%d, CX", 8*nv)
	i("JMP rg_loop%d", 8*nv)
	f.Label("rg_tail")
	i("TESTQ CX, CX")
	i("JLE rg_done")
	tailMask512("rg", "K3")
	i("VMOVUPD.Z (SI), K3, Z0")
	i("VCMPPD $6, Z31, Z0, K3, K1")
	i("VMOVUPD.Z (DI), K1, Z2")
	i("VMOVUPD Z2, K3, (DI)")
	i("ADDQ $64, SI")
	i("ADDQ $64, DI")
	i("SUBQ $8, CX")
	i("JMP rg_tail")
	f.Label("rg_done")
	f.Ret()
}

// relu2 emits reluAVX2, one vector a step (the caller does the tail).
func relu2() {
	f.Text("reluAVX2", "(x *float64, n int)", 16, "x[i] = max(x[i], 0) for i < n, n a multiple of 4, keeping NaNs.")
	i("MOVQ x+0(FP), SI")
	i("MOVQ n+8(FP), CX")
	i("VXORPD Y15, Y15, Y15")
	f.Label("relu2_loop")
	i("CMPQ CX, $4")
	i("JLT relu2_done")
	i("VMOVUPD (SI), Y0")
	i("VMAXPD Y0, Y15, Y0")
	i("VMOVUPD Y0, (SI)")
	i("ADDQ $32, SI")
	i("SUBQ $4, CX")
	i("JMP relu2_loop")
	f.Label("relu2_done")
	f.Ret()
}

// reluGrad2 emits reluGradAVX2, one vector a step (the caller does the
// tail).
func reluGrad2() {
	f.Text("reluGradAVX2", "(a, delta *float64, n int)", 24, "delta[i] = 0 where a[i] ≤ 0, for i < n, n a multiple of 4.")
	i("MOVQ a+0(FP), SI")
	i("MOVQ delta+8(FP), DI")
	i("MOVQ n+16(FP), CX")
	i("VXORPD Y15, Y15, Y15")
	f.Label("rg2_loop")
	i("CMPQ CX, $4")
	i("JLT rg2_done")
	i("VMOVUPD (SI), Y0")
	i("VCMPPD $6, Y15, Y0, Y1")
	i("VANDPD (DI), Y1, Y1")
	i("VMOVUPD Y1, (DI)")
	i("ADDQ $32, SI")
	i("ADDQ $32, DI")
	i("SUBQ $4, CX")
	i("JMP rg2_loop")
	f.Label("rg2_done")
	f.Ret()
}

func main() {
	for _, x := range []isa{avx512, avx2} {
		f = asmgen.New("asmgen.go")
		for mr := 4; mr >= 1; mr-- {
			kernel(x, mr)
		}
		dot(x, 4)
		dot(x, 1)
		if x == avx512 {
			relu512()
			reluGrad512()
			f.Write("gemm_amd64.s")
		} else {
			relu2()
			reluGrad2()
			f.Write("kernels_avx2_amd64.s")
		}
	}
}
