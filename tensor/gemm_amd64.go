//go:build amd64 && !purego

package tensor

import "golang.org/x/sys/cpu"

//go:generate go run asmgen.go asmgen_pack.go asmgen_elementwise.go

//go:noescape
func gemmKernelAVX512(kc int, ap, bp, c *float32, ldc int, alpha, beta float32)

//go:noescape
func gemmKernelAVX2(kc int, ap, bp, c *float32, ldc int, alpha, beta float32)

//go:noescape
func gemmKernelAVX2S(kc int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// The wrappers pass the first element of each slice; gemmSerial guarantees
// that the slices cover the whole tile.
func kernelAVX512(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	gemmKernelAVX512(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
}

func kernelAVX2(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	gemmKernelAVX2(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
}

// kernelAVX2S is the AVX2 kernel on operands in place (see
// stridedKernel); it checks that the slices hold the tile's last elements.
func kernelAVX2S(kc int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[5*rsa+(kc-1)*csa]
	_ = b[(kc-1)*ldb+15]
	_ = c[5*ldc+15]
	gemmKernelAVX2S(kc, &a[0], rsa, csa, &b[0], ldb, &c[0], ldc, alpha, beta)
}

var (
	// Blocking for 1 MiB of L2 per core: a kc x nc block of B (512 KiB at
	// 256 x 512) stays in L2 and its 32-column panels stream through L1 while
	// an 8 x kc panel of A (8 KiB) stays in L1. KC 192..384 and NC 320..1280
	// measured within noise of each other on this shared machine; KC 512 lost
	// 20-40%.
	avx512Config = gemmConfig{name: "avx512", mr: 8, nr: 32, mc: 192, kc: 256, nc: 512, kernel: kernelAVX512}
	avx2Config   = gemmConfig{name: "avx2", mr: 6, nr: 16, mc: 144, kc: 256, nc: 1024, kernel: kernelAVX2, strided: kernelAVX2S}
)

func init() {
	switch {
	case cpu.X86.HasAVX512F:
		active = avx512Config
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		active = avx2Config
	default:
		active = genericConfig
	}
}

// availableConfigs lists the kernel configurations this CPU can run.
func availableConfigs() []gemmConfig {
	cfgs := []gemmConfig{genericConfig}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		cfgs = append(cfgs, avx2Config)
	}
	if cpu.X86.HasAVX512F {
		cfgs = append(cfgs, avx512Config)
	}
	return cfgs
}

//go:noescape
func copyRows32AVX512(dst, src *float32, ld, rows int)

//go:noescape
func copyRows16AVX(dst, src *float32, ld, rows int)

//go:noescape
func copyRows8AVX(dst, src *float32, ld, rows int)

//go:noescape
func packT8AVX(dst, src *float32, ld, kc, stride int)

var (
	hasAVX    = cpu.X86.HasAVX
	hasAVX512 = cpu.X86.HasAVX512F
)

// copyRows copies rows rows of width floats (src rows ld apart) densely into
// dst with vector moves, reporting false when no assembly path fits.
func copyRows(dst, src []float32, ld, rows, width int) bool {
	if rows == 0 {
		return true
	}
	_ = src[(rows-1)*ld+width-1]
	_ = dst[rows*width-1]
	switch {
	case width == 32 && hasAVX512:
		copyRows32AVX512(&dst[0], &src[0], ld, rows)
	case width == 16 && hasAVX:
		copyRows16AVX(&dst[0], &src[0], ld, rows)
	case width == 8 && hasAVX:
		copyRows8AVX(&dst[0], &src[0], ld, rows)
	default:
		return false
	}
	return true
}

// packA8 packs 8 full rows of a non-transposed A (see packA8Go), 8 columns
// at a time by 8x8 transposes in AVX registers.
func packA8(a []float32, lda, kc int, p []float32) {
	v := kc &^ 7
	if !hasAVX || v == 0 {
		packA8Go(a, lda, kc, p)
		return
	}
	_ = a[7*lda+kc-1]
	_ = p[8*kc-1]
	packT8AVX(&p[0], &a[0], lda, v, 8)
	if v < kc {
		packA8Go(a[v:], lda, kc-v, p[8*v:])
	}
}

// packA6 packs 6 full rows of a non-transposed A (see packA6Go) with the
// 8x8 transposes of packT8AVX at a stride of 6: each group of 8 holds the
// panel's 6 rows and 2 rows past them, which the next group's store
// overwrites. So a must hold 2 more rows (a and p extend past the panel:
// the rest of A and of the buffer) and p 2 more floats, or the columns
// that would need them are packed in Go.
func packA6(a []float32, lda, kc int, p []float32) {
	v := kc &^ 7
	if v > 0 && len(a) < 7*lda+v {
		v = 0
	}
	if v > 0 && len(p) < 6*v+2 {
		v -= 8
	}
	if !hasAVX || v <= 0 {
		packA6Go(a, lda, kc, p)
		return
	}
	_ = a[7*lda+v-1]
	_ = p[6*v+1]
	packT8AVX(&p[0], &a[0], lda, v, 6)
	if v < kc {
		packA6Go(a[v:], lda, kc-v, p[6*v:])
	}
}

// packBTrans fills a full nr-column panel p (kc groups of nr) from the
// transposed B: p[q*nr+c] = b[c*ldb+q], 8 source rows at a time.
func packBTrans(p, b []float32, ldb, kc, nr int) bool {
	v := kc &^ 7
	if !hasAVX || v == 0 || nr%8 != 0 {
		return false
	}
	_ = b[(nr-1)*ldb+kc-1]
	_ = p[nr*kc-1]
	for c := 0; c < nr; c += 8 {
		packT8AVX(&p[c], &b[c*ldb], ldb, v, nr)
		for q := v; q < kc; q++ {
			d := p[q*nr+c : q*nr+c+8]
			for r := range d {
				d[r] = b[(c+r)*ldb+q]
			}
		}
	}
	return true
}
