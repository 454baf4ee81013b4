package linear

import (
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// blockRows is the number of samples per block in the fused passes below.
// Blocks are fixed by the data size, not the CPU count, so results do not
// depend on the machine.
const blockRows = 2048

// means returns the column means of X and the mean of y (zeros when
// fitIntercept is false).
func means(X *mat.Dense, y []float64, fitIntercept bool) ([]float64, float64) {
	r, c := X.Dims()
	xMean := make([]float64, c)
	yMean := 0.0
	if !fitIntercept {
		return xMean, 0
	}
	raw := X.RawMatrix()
	for i := 0; i < r; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		for j, v := range row {
			xMean[j] += v
		}
		yMean += y[i]
	}
	inv := 1 / float64(r)
	for j := range xMean {
		xMean[j] *= inv
	}
	return xMean, yMean * inv
}

// forBlocks runs fn(b, lo, hi) for the row blocks of an n-row matrix on up to
// GOMAXPROCS goroutines; the last block absorbs a remainder smaller than
// minRows.
func forBlocks(n, minRows int, fn func(b, lo, hi int)) int {
	var bounds [][2]int
	for lo := 0; lo < n; lo += blockRows {
		hi := min(lo+blockRows, n)
		if n-hi < minRows {
			hi = n
		}
		bounds = append(bounds, [2]int{lo, hi})
		if hi == n {
			break
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(bounds))
	if workers <= 1 {
		for b, bd := range bounds {
			fn(b, bd[0], bd[1])
		}
		return len(bounds)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1)) - 1
				if b >= len(bounds) {
					return
				}
				fn(b, bounds[b][0], bounds[b][1])
			}
		}()
	}
	wg.Wait()
	return len(bounds)
}

// centredBlock writes rows [lo, hi) of [X - xMean | y - yMean] into buf
// (row stride p+1) and returns it as a matrix.
func centredBlock(buf []float64, X *mat.Dense, y []float64, xMean []float64, yMean float64, lo, hi int) blas64.General {
	raw := X.RawMatrix()
	p := raw.Cols
	q := p + 1
	for i := lo; i < hi; i++ {
		src := raw.Data[i*raw.Stride : i*raw.Stride+p]
		dst := buf[(i-lo)*q : (i-lo)*q+q]
		for j, v := range src {
			dst[j] = v - xMean[j]
		}
		dst[p] = y[i] - yMean
	}
	return blas64.General{Rows: hi - lo, Cols: q, Stride: q, Data: buf[:(hi-lo)*q]}
}

// centredBlockT is centredBlock transposed: (p+1) × (hi-lo), one row per
// column of [Xc | yc].
func centredBlockT(buf []float64, X *mat.Dense, y []float64, xMean []float64, yMean float64, lo, hi int) blas64.General {
	raw := X.RawMatrix()
	p := raw.Cols
	m := hi - lo
	// Tiles of 8 rows keep the 8-value runs written to each output row in
	// one cache line.
	const tile = 8
	for t := lo; t < hi; t += tile {
		te := min(t+tile, hi)
		for j := 0; j < p; j++ {
			mu := xMean[j]
			dst := buf[j*m+t-lo : j*m+te-lo]
			for r := range dst {
				dst[r] = raw.Data[(t+r)*raw.Stride+j] - mu
			}
		}
		dst := buf[p*m+t-lo : p*m+te-lo]
		for r := range dst {
			dst[r] = y[t+r] - yMean
		}
	}
	return blas64.General{Rows: p + 1, Cols: m, Stride: m, Data: buf[:(p+1)*m]}
}

// augmentedGram returns the upper triangle of AᵀA for the centred augmented
// matrix A = [Xc | yc], (p+1) × (p+1): XcᵀXc in the leading block and Xcᵀyc
// in the last column. Blocks are centred on the fly and summed in order.
func augmentedGram(X *mat.Dense, y []float64, xMean []float64, yMean float64) blas64.Symmetric {
	n, p := X.Dims()
	q := p + 1
	var parts []blas64.Symmetric
	var mu sync.Mutex
	nb := forBlocks(n, 0, func(b, lo, hi int) {
		buf := make([]float64, (hi-lo)*q)
		At := centredBlockT(buf, X, y, xMean, yMean, lo, hi)
		G := blas64.Symmetric{N: q, Stride: q, Uplo: blas.Upper, Data: make([]float64, q*q)}
		// With the block transposed, each entry of AᵀA is one long
		// contiguous dot product, gonum's fastest kernel.
		blas64.Syrk(blas.NoTrans, 1, At, 0, G)
		mu.Lock()
		for len(parts) <= b {
			parts = append(parts, blas64.Symmetric{})
		}
		parts[b] = G
		mu.Unlock()
	})
	G := parts[0]
	for b := 1; b < nb; b++ {
		for i, v := range parts[b].Data {
			G.Data[i] += v
		}
	}
	return G
}

// augmentedR returns the (p+1) × (p+1) triangular factor R of the centred
// augmented matrix A = [Xc | yc] = QR, by tall-skinny QR: each row block is
// factored in parallel and the stacked block factors are factored again. The
// leading p × p block is R of Xc and the last column's first p entries are
// Qᵀyc. It needs n ≥ p+1.
func augmentedR(X *mat.Dense, y []float64, xMean []float64, yMean float64) blas64.General {
	n, p := X.Dims()
	q := p + 1
	var parts [][]float64
	var mu sync.Mutex
	nb := forBlocks(n, q, func(b, lo, hi int) {
		buf := make([]float64, (hi-lo)*q)
		A := centredBlock(buf, X, y, xMean, yMean, lo, hi)
		R := qrR(A)
		mu.Lock()
		for len(parts) <= b {
			parts = append(parts, nil)
		}
		parts[b] = R
		mu.Unlock()
	})
	if nb == 1 {
		return blas64.General{Rows: q, Cols: q, Stride: q, Data: parts[0]}
	}
	stack := blas64.General{Rows: nb * q, Cols: q, Stride: q, Data: make([]float64, 0, nb*q*q)}
	for _, R := range parts {
		stack.Data = append(stack.Data, R...)
	}
	return blas64.General{Rows: q, Cols: q, Stride: q, Data: qrR(stack)}
}

// qrR factors A (m × q, m ≥ q, overwritten) and returns its q × q upper
// triangular R, row-major.
func qrR(A blas64.General) []float64 {
	q := A.Cols
	tau := make([]float64, q)
	work := make([]float64, 1)
	lapack64.Geqrf(A, tau, work, -1)
	work = make([]float64, max(int(work[0]), q))
	lapack64.Geqrf(A, tau, work, len(work))
	R := make([]float64, q*q)
	for i := 0; i < q; i++ {
		copy(R[i*q+i:i*q+q], A.Data[i*A.Stride+i:i*A.Stride+q])
	}
	return R
}
