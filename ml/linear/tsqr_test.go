package linear

import (
	"math"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
)

// TestLeftSVDMatchesGesvd checks the row-block (tall-skinny QR) SVD that
// RidgeCV uses against one Gesvd of the same tall matrix: the singular
// values to 1e-12 relative, and what RidgeCV takes from U, the projection
// U·diag(f)·Uᵀy and the leverages Σ_j u_ij² f_j for f_j = 1/(s_j²+1), to
// 1e-10 relative (measured: about 1e-14; the signs of U's columns differ).
func TestLeftSVDMatchesGesvd(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	X, y, _ := benchData(6000, 21)
	raw := X.RawMatrix()
	mk := func() blas64.General {
		return blas64.General{Rows: raw.Rows, Cols: raw.Cols, Stride: raw.Cols, Data: slices.Clone(raw.Data)}
	}
	U1, s1, ok1 := leftSVD(mk())
	U2, s2, ok2 := gesvdLeft(mk())
	if !ok1 || !ok2 {
		t.Fatal("SVD did not converge")
	}
	if len(s1) != len(s2) {
		t.Fatalf("%d singular values, Gesvd %d", len(s1), len(s2))
	}
	for j := range s1 {
		if math.Abs(s1[j]-s2[j]) > 1e-12*s2[0] {
			t.Errorf("s[%d] = %.17g, Gesvd %.17g", j, s1[j], s2[j])
		}
	}
	derived := func(U blas64.General, s []float64) (proj, lev []float64) {
		n, k := U.Rows, U.Cols
		uty := make([]float64, k)
		for i := range n {
			for j := range k {
				uty[j] += U.Data[i*k+j] * y[i]
			}
		}
		proj, lev = make([]float64, n), make([]float64, n)
		for i := range n {
			for j := range k {
				f := 1 / (s[j]*s[j] + 1)
				u := U.Data[i*k+j]
				proj[i] += u * f * uty[j]
				lev[i] += u * u * f
			}
		}
		return proj, lev
	}
	p1, l1 := derived(U1, s1)
	p2, l2 := derived(U2, s2)
	worst := 0.0
	for i := range p1 {
		worst = max(worst, math.Abs(p1[i]-p2[i])/math.Max(1e-300, math.Abs(p2[i])+1e-3), math.Abs(l1[i]-l2[i])/l2[i])
	}
	t.Logf("largest relative difference: %g", worst)
	if worst > 1e-10 {
		t.Errorf("largest relative difference from Gesvd %g, want ≤ 1e-10", worst)
	}
}
