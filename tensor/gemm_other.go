//go:build !amd64 || purego

package tensor

func init() { active = genericConfig }

// availableConfigs lists the kernel configurations this build can run.
func availableConfigs() []gemmConfig { return []gemmConfig{genericConfig} }

func copyRows(dst, src []float32, ld, rows, width int) bool { return false }

func packA8(a []float32, lda, kc int, p []float32) { packA8Go(a, lda, kc, p) }

func packA6(a []float32, lda, kc int, p []float32) { packA6Go(a, lda, kc, p) }

func packBTrans(p, b []float32, ldb, kc, nr int) bool { return false }
