//go:build ignore

// asmgen writes the package's AVX2/FMA screening kernels: kernel_amd64.s
// (dotMask6x8, the 6-query x 8-row dot products for the Euclidean metric)
// and lanes_amd64.s (lanes8, one query's L1, L2 and integer-power sums).
// Run it with `go generate ./ml/neighbors` (or `go run asmgen.go` inside
// ml/neighbors).
//
// The training rows come in panels of nr = 8 rows, feature-major: one
// feature of the 8 rows is two YMM vectors. Both kernels end a panel by
// comparing its 8 values with a threshold and storing the 8 results as
// the bits of one mask byte.
package main

import "github.com/mlforge/mlforge/internal/asmgen"

const (
	mr = 6 // queries of dotMask6x8
	nr = 8 // rows of a panel
)

// f is the file being written.
var f *asmgen.File

// i writes one instruction.
func i(format string, args ...any) { f.I(format, args...) }

// off is the address d(r), or (r) for d == 0.
var off = asmgen.Off

// y returns register Yn.
func y(n int) string { return asmgen.Reg("Y", n) }

// maskByte stores the sign bits of the comparison results lo (rows 0-3)
// and hi (rows 4-7) as one byte at addr, through registers ra and rb.
func maskByte(lo, hi, ra, rb, addr string) {
	i("VMOVMSKPD %s, %s", lo, ra)
	i("VMOVMSKPD %s, %s", hi, rb)
	i("SHLQ $4, %s", rb)
	i("ORQ %s, %s", rb, ra)
	i("MOVB %s, %s", ra, addr)
}

// dotMask emits dotMask6x8. The 6x8 dot products accumulate in Y4-Y15
// (query r in Y(4+2r), Y(5+2r)); yy - 2*dot <= thr is the mask.
func dotMask() {
	f.Text("dotMask6x8", "(k int, a, b, yy, thr *float64, np int, mask *byte)", 56,
		"For each of np panels of 8 training rows (feature-major, k features) it",
		"accumulates the 6x8 dot products with 6 packed queries in Y4-Y15, then",
		"for query r sets bit t of mask[r*np+p] when yy[t] - 2*dot <= thr[r].")
	i("MOVQ k+0(FP), CX")
	i("MOVQ a+8(FP), SI")
	i("MOVQ b+16(FP), BX")
	i("MOVQ yy+24(FP), DX")
	i("MOVQ thr+32(FP), R8")
	i("MOVQ np+40(FP), R9")
	i("MOVQ mask+48(FP), DI")
	f.P("\t// CX = end of the packed queries (a + k*%d); R10 = end of yy (yy + np*%d).", 8*mr, 8*nr)
	i("IMULQ $%d, CX", 8*mr)
	i("ADDQ SI, CX")
	i("MOVQ R9, R10")
	i("SHLQ $6, R10")
	i("ADDQ DX, R10")
	f.P("")
	f.Label("panel")
	for r := 4; r < 4+2*mr; r++ {
		i("VXORPD %s, %s, %s", y(r), y(r), y(r))
	}
	i("MOVQ SI, AX")
	f.P("")
	f.Label("loopj")
	i("VMOVUPD (BX), Y0")
	i("VMOVUPD 32(BX), Y1")
	for r := range mr {
		a := y(2 + r%2) // alternate broadcasts, so the next load need not wait
		i("VBROADCASTSD %s, %s", off(8*r, "AX"), a)
		i("VFMADD231PD Y0, %s, %s", a, y(4+2*r))
		i("VFMADD231PD Y1, %s, %s", a, y(5+2*r))
	}
	i("ADDQ $%d, AX", 8*mr)
	i("ADDQ $%d, BX", 8*nr)
	i("CMPQ AX, CX")
	i("JNE loopj")
	f.P("")
	i("VMOVUPD (DX), Y0")
	i("VMOVUPD 32(DX), Y1")
	i("MOVQ DI, R11")
	for r := range mr {
		lo, hi := y(4+2*r), y(5+2*r)
		f.P("\t// query %d", r)
		i("VADDPD %s, %s, %s", lo, lo, lo)
		i("VADDPD %s, %s, %s", hi, hi, hi)
		i("VSUBPD %s, Y0, %s", lo, lo)
		i("VSUBPD %s, Y1, %s", hi, hi)
		i("VBROADCASTSD %s, Y2", off(8*r, "R8"))
		i("VCMPPD $2, Y2, %s, %s", lo, lo)
		i("VCMPPD $2, Y2, %s, %s", hi, hi)
		maskByte(lo, hi, "R12", "R13", "(R11)")
		if r < mr-1 {
			i("ADDQ R9, R11")
		}
	}
	f.P("")
	i("ADDQ $%d, DX", 8*nr)
	i("INCQ DI")
	i("CMPQ DX, R10")
	i("JNE panel")
	f.Ret()
}

// lanesBody emits one pass of lanes8 over np (1 or 2) panels for kind
// (l1, l2 or pw), its labels prefixed by lbl: the sums of panel p are in
// Y(2p), Y(2p+1); the differences of a feature in Y5 to Y(4+2np) and,
// for pw, their powers in Y9 to Y(8+2np).
func lanesBody(kind, lbl string, np int) {
	nv := 2 * np
	for v := range nv {
		i("VXORPD %s, %s, %s", y(v), y(v), y(v))
	}
	i("MOVQ SI, AX")
	i("MOVQ BX, R12")
	i("MOVQ CX, R13")
	f.Label(lbl + "j")
	i("VBROADCASTSD (AX), Y4")
	for v := range nv {
		addr := off(32*(v%2), "R12")
		if v >= 2 {
			addr += "(R11*1)" // the second panel, one panel size on
		}
		i("VSUBPD %s, Y4, %s", addr, y(5+v))
	}
	sums := 5 // the registers added to the accumulators
	switch kind {
	case "l1":
		for v := range nv {
			i("VANDPD Y15, %s, %s", y(5+v), y(5+v))
		}
	case "l2":
		for v := range nv {
			i("VMULPD %s, %s, %s", y(5+v), y(5+v), y(5+v))
		}
	case "pw":
		for v := range nv {
			i("VANDPD Y15, %s, %s", y(5+v), y(5+v))
			i("VMOVAPD %s, %s", y(5+v), y(9+v))
		}
		i("MOVQ R9, R14")
		f.Label(lbl + "jpow")
		i("DECQ R14")
		i("JZ %sjpowdone", lbl)
		for v := range nv {
			i("VMULPD %s, %s, %s", y(5+v), y(9+v), y(9+v))
		}
		i("JMP %sjpow", lbl)
		f.Label(lbl + "jpowdone")
		sums = 9
	}
	for v := range nv {
		i("VADDPD %s, %s, %s", y(sums+v), y(v), y(v))
	}
	i("ADDQ $8, AX")
	i("ADDQ $%d, R12", 8*nr)
	i("DECQ R13")
	i("JNZ %sj", lbl)
	for v := range nv {
		i("VMOVUPD %s, %s", y(v), off(32*v, "DI"))
	}
	for p := range np {
		i("VCMPPD $2, Y14, %s, Y5", y(2*p))
		i("VCMPPD $2, Y14, %s, Y6", y(2*p+1))
		maskByte("Y5", "Y6", "R13", "R14", off(p, "R10"))
	}
}

// lanes emits lanes8: for each kind two panels at a time, then the last
// one alone.
func lanes() {
	f.P("")
	f.Table("absmask", 8, 0x7fffffffffffffff)
	f.Text("lanes8", "(kind, ip, k int, x, b *float64, np int, thr float64, out *float64, mask *byte)", 72,
		"For query x (k features) and np panels of 8 rows at b (feature-major,",
		"panel p at b+p*k*64) it computes each row's reduced distance as the",
		"scalar code does, one IEEE operation at a time in feature order:",
		"kind 0 sums |x-y|, kind 1 sums (x-y)*(x-y), kind 2 sums |x-y|^ip by",
		"repeated multiplication. It stores the sums in out[p*8+t] and sets bit t",
		"of mask[p] when the sum is <= thr. Two panels are done at a time, so",
		"four accumulators hide the addition latency.")
	i("MOVQ kind+0(FP), R8")
	i("MOVQ ip+8(FP), R9")
	i("MOVQ k+16(FP), CX")
	i("MOVQ x+24(FP), SI")
	i("MOVQ b+32(FP), BX")
	i("MOVQ np+40(FP), DX")
	i("VBROADCASTSD thr+48(FP), Y14")
	i("MOVQ out+56(FP), DI")
	i("MOVQ mask+64(FP), R10")
	i("VBROADCASTSD absmask<>(SB), Y15")
	i("MOVQ CX, R11")
	i("SHLQ $6, R11 // R11 = panel size in bytes (k*64)")
	f.P("")
	i("CMPQ R8, $1")
	i("JEQ l2pair")
	i("JGT pwpair")
	for _, kind := range []string{"l1", "l2", "pw"} {
		f.Label(kind + "pair")
		i("CMPQ DX, $2")
		i("JLT %ssingle", kind)
		lanesBody(kind, kind+"pair", 2)
		i("LEAQ (BX)(R11*2), BX")
		i("ADDQ $%d, DI", 2*8*nr)
		i("ADDQ $2, R10")
		i("SUBQ $2, DX")
		i("JMP %spair", kind)
		f.Label(kind + "single")
		i("TESTQ DX, DX")
		i("JZ done")
		lanesBody(kind, kind+"single", 1)
		i("JMP done")
	}
	f.Label("done")
	f.Ret()
}

func main() {
	f = asmgen.New("asmgen.go")
	dotMask()
	f.Write("kernel_amd64.s")

	f = asmgen.New("asmgen.go")
	lanes()
	f.Write("lanes_amd64.s")
}
