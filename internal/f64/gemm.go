// Package f64 is a float64 matrix product for the small, skinny shapes of
// the multi-layer perceptrons (a 200-row batch times a 64 × 100 weight
// matrix, and so on), where gonum's general Dgemm spends more time in
// blocking and dispatch than in arithmetic. On amd64 it runs a 4 × 16
// register-tiled FMA kernel with AVX-512 (4 × 8 with AVX2+FMA) that reads A
// with any row and column stride, so op(A) = Aᵀ costs no copy, and B's rows
// in place, with masked loads and stores for the last columns; products
// with fewer than 16 columns run as transposes or dot products. Elsewhere,
// or with the purego build tag, it calls gonum's Dgemm tile by tile, so
// that it runs serially and allocates nothing. The ReLU kernels of the
// perceptrons live here too, and Exp, the fast e^x of the logistic loss and
// the rbf kernel.
package f64

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// kc is the depth of one pass of the kernels.
const kc = 256

// Gemm computes C = op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or its transpose: op(A) is m × k, op(B) is k × n and C is
// m × n, with row strides lda, ldb and ldc. beta 0 overwrites C (NaNs
// included), as in BLAS. op(B) = Bᵀ is copied into a pooled buffer first;
// op(A) = Aᵀ is read in place. Gemm panics if a slice is too short for its
// dimensions or a stride is smaller than its row.
func Gemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	check(transA, m, k, a, lda, "A")
	check(transB, k, n, b, ldb, "B")
	check(false, m, n, c, ldc, "C")
	if m == 0 || n == 0 {
		return
	}
	if beta != 0 && beta != 1 {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if k == 0 {
		if beta == 0 {
			for i := range m {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	if n < 16 && m >= 32 && hasKernels() {
		gemmSmallN(transA, transB, m, n, k, a, lda, b, ldb, beta != 0, c, ldc)
		return
	}
	rs, ks := lda, 1
	if transA {
		rs, ks = 1, lda
	}
	if transB {
		buf := pool.Get().(*[]float64)
		if cap(*buf) < k*n {
			*buf = make([]float64, k*n)
		}
		bt := (*buf)[:k*n]
		for j := range n {
			row := b[j*ldb : j*ldb+k]
			for p, v := range row {
				bt[p*n+j] = v
			}
		}
		gemmNN(m, n, k, a, rs, ks, bt, n, c, ldc, beta != 0)
		pool.Put(buf)
		return
	}
	gemmNN(m, n, k, a, rs, ks, b, ldb, c, ldc, beta != 0)
}

// gemmSmallN computes a product with fewer than 16 columns, which would fill
// few lanes of the 16-wide tile. With op(A) = Aᵀ it computes the transpose,
// Cᵀ = op(B)ᵀ·A, reading both in place, and adds or copies Cᵀ into C;
// otherwise it takes the m·n dot products of A's rows with op(B)'s columns
// (B's rows when transB, else a transposed copy of B).
func gemmSmallN(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	buf := pool.Get().(*[]float64)
	defer pool.Put(buf)
	if !transA {
		bt, ldbt := b, ldb
		if !transB {
			if cap(*buf) < n*k {
				*buf = make([]float64, n*k)
			}
			bt, ldbt = (*buf)[:n*k], k
			for p := range k {
				for j, v := range b[p*ldb : p*ldb+n] {
					bt[j*k+p] = v
				}
			}
		}
		gemmDotsAsm(m, n, k, a, lda, bt, ldbt, c, ldc, acc)
		return
	}
	// op(B)ᵀ[j,p] = op(B)[p,j].
	rs, ks := 1, ldb
	if transB {
		rs, ks = ldb, 1
	}
	if cap(*buf) < n*m {
		*buf = make([]float64, n*m)
	}
	ct := (*buf)[:n*m]
	gemmNN(n, m, k, b, rs, ks, a, lda, ct, m, false)
	for i := range m {
		crow := c[i*ldc : i*ldc+n]
		if acc {
			for j := range crow {
				crow[j] += ct[j*m+i]
			}
		} else {
			for j := range crow {
				crow[j] = ct[j*m+i]
			}
		}
	}
}

var pool = sync.Pool{New: func() any { return new([]float64) }}

func gemmNN(m, n, k int, a []float64, rs, ks int, b []float64, ldb int, c []float64, ldc int, acc bool) {
	if gemmNNAsm(m, n, k, a, rs, ks, b, ldb, c, ldc, acc) {
		return
	}
	gemmNNGeneric(m, n, k, a, rs, ks, b, ldb, c, ldc, acc)
}

// gemmNNGeneric is the portable C (=, +=) A·B: gonum's Dgemm, which is
// written in Go with SSE2 loops. A is read as stored (ks == 1) or
// transposed (rs == 1).
//
// Dgemm hands a product of 4 or more 64 × 64 blocks of C to goroutines, one
// per block, with a channel and closures allocated on every call (0.4 MB
// over a logistic-regression fit); for the small shapes here that costs more
// than it gains. So C is cut into tiles of genericRows × genericCols, 3
// blocks each, which Dgemm computes serially. Every element of C is still
// the sum over p = 0, 1, …, k-1 in order, as in the serial and the parallel
// path alike (op(B) is never transposed here, and both paths run the k
// dimension in order for such products), so the result does not depend on
// the tiling.
func gemmNNGeneric(m, n, k int, a []float64, rs, ks int, b []float64, ldb int, c []float64, ldc int, acc bool) {
	beta := 0.0
	if acc {
		beta = 1
	}
	impl := blas64.Implementation()
	for i0 := 0; i0 < m; i0 += genericRows {
		mm := min(genericRows, m-i0)
		// Both strides are 1 for a single row or column; the bounds on lda
		// only matter for the rows or columns actually read.
		tA, lda := blas.NoTrans, max(rs, k, 1)
		if ks != 1 || rs < k && mm > 1 {
			tA, lda = blas.Trans, max(ks, mm, 1)
		}
		at := a[i0*rs:]
		for j0 := 0; j0 < n; j0 += genericCols {
			nn := min(genericCols, n-j0)
			impl.Dgemm(tA, blas.NoTrans, mm, nn, k, 1, at, lda, b[j0:], ldb, beta, c[i0*ldc+j0:], ldc)
		}
	}
}

// genericRows × genericCols is a tile of C of 1 × 3 of gonum's 64 × 64
// blocks, below the 4 at which its Dgemm goes parallel.
const genericRows, genericCols = 64, 192

// check panics when x, read as an r × c matrix (c × r when trans) with row
// stride ld, does not fit.
func check(trans bool, r, c int, x []float64, ld int, name string) {
	if trans {
		r, c = c, r
	}
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("f64: negative dimension of %s: %d × %d", name, r, c))
	}
	if ld < max(c, 1) {
		panic(fmt.Sprintf("f64: stride of %s %d is below its %d columns", name, ld, c))
	}
	if r > 0 && c > 0 && len(x) < (r-1)*ld+c {
		panic(fmt.Sprintf("f64: %s has %d elements, %d × %d with stride %d needs %d", name, len(x), r, c, ld, (r-1)*ld+c))
	}
}
