//go:build amd64 && !purego

package tensor

import (
	"os"

	"golang.org/x/sys/cpu"
)

//go:generate go run asmgen.go

//go:noescape
func gemmKernelAVX512(kc int, ap, bp, c *float32, ldc int, alpha, beta float32)

//go:noescape
func gemmKernelAVX2(kc int, ap, bp, c *float32, ldc int, alpha, beta float32)

// The wrappers pass the first element of each slice; gemmSerial guarantees
// that the slices cover the whole tile.
func kernelAVX512(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	gemmKernelAVX512(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
}

func kernelAVX2(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	gemmKernelAVX2(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
}

var (
	// Blocking for 1 MiB of L2 per core: a kc x nc block of B (about 1 MiB at
	// 384 x 640) streams from L2 while an 8 x kc panel of A (12 KiB) stays in
	// L1. KC 256..384 and NC 320..1280 measured within noise of each other;
	// KC 512 lost 20-40%.
	avx512Config = gemmConfig{name: "avx512", mr: 8, nr: 32, mc: 192, kc: 384, nc: 640, kernel: kernelAVX512}
	avx2Config   = gemmConfig{name: "avx2", mr: 6, nr: 16, mc: 144, kc: 256, nc: 1024, kernel: kernelAVX2}
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
	if os.Getenv("TAVX2") != "" {
		active = avx2Config
	}
	tuneFromEnv()
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
