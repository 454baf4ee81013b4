//go:build amd64 && !purego

package neighbors

import "testing"

// TestPortableKernelsSearch runs the search check with the assembly kernels
// switched off, so the portable kernels are covered on amd64 too.
func TestPortableKernelsSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("short: the portable kernels are checked against the assembly in TestKernelMatchesPortable and TestLanesMatchPortable")
	}
	if !useAsm {
		t.Skip("no AVX2/FMA: the portable kernels already ran")
	}
	useAsm = false
	defer func() { useAsm = true }()
	TestSearchesMatchNaive(t)
}
