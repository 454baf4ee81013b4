package linear

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// tsqrMinWork is the size n·q under which leftSVD does not split the rows
// (the goroutines would cost more than they save).
const tsqrMinWork = 1 << 15

// leftSVD returns the thin SVD's left singular vectors U (n × k, k =
// min(n, q)) and singular values of the n × q matrix A, which it
// overwrites. For a tall A it is a tall-skinny QR on the cores: the row
// blocks are factored at once (A_b = Q_b·R_b), the stacked R_b's SVD
// (R = U_R·S·Vᵀ) gives S, and U's block b is Q_b times U_R's block b; the
// result spans the same space to rounding as one Gesvd of A, which it is
// otherwise (wide A, small A, one core). The signs and order of the
// columns may differ from Gesvd's; RidgeCV uses only U·diag(f)·Uᵀ and the
// |⟨u_j, v⟩|, which do not depend on them.
func leftSVD(A blas64.General) (blas64.General, []float64, bool) {
	n, q := A.Rows, A.Cols
	blocks := min(runtime.GOMAXPROCS(0), n/(4*max(q, 1)))
	if blocks < 2 || n*q < tsqrMinWork {
		return gesvdLeft(A)
	}
	bounds := make([]int, blocks+1)
	for b := range bounds {
		bounds[b] = b * n / blocks
	}
	view := func(M blas64.General, r0, r1 int) blas64.General {
		return blas64.General{Rows: r1 - r0, Cols: M.Cols, Stride: M.Stride, Data: M.Data[r0*M.Stride : (r1-1)*M.Stride+M.Cols]}
	}
	R := blas64.General{Rows: blocks * q, Cols: q, Stride: q, Data: make([]float64, blocks*q*q)}
	var wg sync.WaitGroup
	for b := range blocks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Ab := view(A, bounds[b], bounds[b+1])
			tau := make([]float64, q)
			qw, ow := []float64{0}, []float64{0}
			lapack64.Geqrf(Ab, tau, qw, -1)
			lapack64.Orgqr(Ab, tau, ow, -1)
			lw := max(int(qw[0]), int(ow[0]), q)
			work := make([]float64, lw)
			lapack64.Geqrf(Ab, tau, work, lw)
			for i := range q {
				copy(R.Data[(b*q+i)*q+i:(b*q+i+1)*q], Ab.Data[i*Ab.Stride+i:i*Ab.Stride+q])
			}
			lapack64.Orgqr(Ab, tau, work, lw) // Ab is now Q_b
		}()
	}
	wg.Wait()
	UR, s, ok := gesvdLeft(R)
	if !ok {
		return UR, s, false
	}
	k := q
	U := blas64.General{Rows: n, Cols: k, Stride: k, Data: make([]float64, n*k)}
	for b := range blocks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, view(A, bounds[b], bounds[b+1]), view(UR, b*q, (b+1)*q), 0, view(U, bounds[b], bounds[b+1]))
		}()
	}
	wg.Wait()
	return U, s, true
}

// gesvdLeft is one LAPACK Gesvd of A (overwritten) for U and the singular
// values.
func gesvdLeft(A blas64.General) (blas64.General, []float64, bool) {
	n, q := A.Rows, A.Cols
	k := min(n, q)
	s := make([]float64, k)
	U := blas64.General{Rows: n, Cols: k, Stride: k, Data: make([]float64, n*k)}
	var vt blas64.General
	work := make([]float64, 1)
	lapack64.Gesvd(lapack.SVDStore, lapack.SVDNone, A, U, vt, s, work, -1)
	work = make([]float64, int(work[0]))
	ok := lapack64.Gesvd(lapack.SVDStore, lapack.SVDNone, A, U, vt, s, work, len(work))
	return U, s, ok
}

// onRowBlocks calls f on consecutive row ranges covering [0, n), one per
// core at once when the n × k work is large enough, else on [0, n).
func onRowBlocks(n, k int, f func(r0, r1 int)) {
	blocks := min(runtime.GOMAXPROCS(0), n/64)
	if blocks < 2 || n*k < tsqrMinWork {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for b := range blocks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(b*n/blocks, (b+1)*n/blocks)
		}()
	}
	wg.Wait()
}
