//go:build amd64 && !purego

package neighbors

//go:generate go run asmgen.go

import "golang.org/x/sys/cpu"

// useAsm is true when the AVX2/FMA kernel can run.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotMask6x8 is distMaskGo in AVX2/FMA assembly; k ≥ 1 and np ≥ 1.
//
//go:noescape
func dotMask6x8(k int, a, b, yy, thr *float64, np int, mask *byte)

// distMask runs the fastest available kernel; see distMaskGo.
func distMask(k int, a, b, yy, thr []float64, np int, mask []byte) {
	if np == 0 {
		return
	}
	if !useAsm {
		distMaskGo(k, a, b, yy, thr, np, mask)
		return
	}
	// Bounds checks for what the assembly will read and write.
	_ = a[k*mr-1]
	_ = b[np*k*nr-1]
	_ = yy[np*nr-1]
	_ = thr[mr-1]
	_ = mask[np*mr-1]
	dotMask6x8(k, &a[0], &b[0], &yy[0], &thr[0], np, &mask[0])
}

// lanes8 is lanesGo in AVX2 assembly for kinds L1 (0), L2 (1) and integer
// powers (2, exponent ip); k ≥ 1.
//
//go:noescape
func lanes8(kind, ip, k int, x, b *float64, np int, thr float64, out *float64, mask *byte)

// lanes runs the fastest available lanes kernel; see lanesGo.
func lanes(m metric, x, b []float64, np int, thr float64, out []float64, mask []byte) {
	if np == 0 {
		return
	}
	if !useAsm || m.kind == kindPow {
		lanesGo(m, x, b, np, thr, out, mask)
		return
	}
	k := len(x)
	_ = b[np*k*nr-1]
	_ = out[np*nr-1]
	_ = mask[np-1]
	kind := 0
	switch m.kind {
	case kindL2:
		kind = 1
	case kindIPow:
		kind = 2
	}
	lanes8(kind, m.ip, k, &x[0], &b[0], np, thr, &out[0], &mask[0])
}
