package linear

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mlforge/mlforge/internal/f64"
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

// forBlocks runs fn(w, b, lo, hi) for the row blocks b = [lo, hi) of an
// n-row matrix on up to GOMAXPROCS goroutines, w being the goroutine's index
// (for per-goroutine scratch space); the last block absorbs a remainder
// smaller than minRows. It returns the number of blocks.
func forBlocks(n, minRows int, fn func(w, b, lo, hi int)) int {
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
			fn(0, b, bd[0], bd[1])
		}
		return len(bounds)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1)) - 1
				if b >= len(bounds) {
					return
				}
				fn(w, b, bounds[b][0], bounds[b][1])
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

// blockT writes rows [lo, hi) of [X | y] transposed into buf: (p+1) × m,
// one row per column. Tiles of 8 rows keep the 8-value runs written to each
// output row within one cache line.
func blockT(buf []float64, X *mat.Dense, y []float64, lo, hi int) blas64.General {
	raw := X.RawMatrix()
	p := raw.Cols
	m := hi - lo
	const tile = 8
	for t := lo; t < hi; t += tile {
		te := min(t+tile, hi)
		for j := 0; j < p; j++ {
			dst := buf[j*m+t-lo : j*m+te-lo]
			for r := range dst {
				dst[r] = raw.Data[(t+r)*raw.Stride+j]
			}
		}
		copy(buf[p*m+t-lo:p*m+te-lo], y[t:te])
	}
	return blas64.General{Rows: p + 1, Cols: m, Stride: m, Data: buf[:(p+1)*m]}
}

// augmentedGram returns the upper triangle of AᵀA for the centred augmented
// matrix A = [Xc | yc], (p+1) × (p+1) (XcᵀXc in the leading block, Xcᵀyc in
// the last column), and the means of X's columns and of y (zeros without an
// intercept). Each row block is transposed, centred on its own means and
// multiplied in parallel; the blocks are combined with Chan, Golub and
// LeVeque's update G = Σ G_b + n_b·(m_b - m)(m_b - m)ᵀ, which is as stable as
// centring on the global means and needs no separate pass over X for them.
func augmentedGram(X *mat.Dense, y []float64, fitIntercept bool) (G blas64.Symmetric, xMean []float64, yMean float64) {
	n, p := X.Dims()
	q := p + 1
	type part struct {
		G    []float64
		mean []float64
		n    float64
	}
	var parts []part
	var mu sync.Mutex
	bufs := make([][]float64, runtime.GOMAXPROCS(0))
	nb := forBlocks(n, 0, func(w, b, lo, hi int) {
		if len(bufs[w]) < (hi-lo)*q {
			bufs[w] = make([]float64, (hi-lo)*q)
		}
		At := blockT(bufs[w], X, y, lo, hi)
		m := hi - lo
		mean := make([]float64, q)
		for j := 0; j < q; j++ {
			row := At.Data[j*m : j*m+m]
			s := 0.0
			for _, v := range row {
				s += v
			}
			mean[j] = s / float64(m)
			for i := range row {
				row[i] -= mean[j]
			}
		}
		Gb := blas64.Symmetric{N: q, Stride: q, Uplo: blas.Upper, Data: make([]float64, q*q)}
		// AᵀA = At·Atᵀ with the block transposed (both triangles; the
		// upper one is read).
		f64.Gemm(false, true, q, q, m, At.Data, m, At.Data, m, 0, Gb.Data, q)
		mu.Lock()
		for len(parts) <= b {
			parts = append(parts, part{})
		}
		parts[b] = part{Gb.Data, mean, float64(m)}
		mu.Unlock()
	})
	all := make([]float64, q)
	if fitIntercept {
		for b := 0; b < nb; b++ {
			for j, v := range parts[b].mean {
				all[j] += parts[b].n * v
			}
		}
		for j := range all {
			all[j] /= float64(n)
		}
	}
	G = blas64.Symmetric{N: q, Stride: q, Uplo: blas.Upper, Data: make([]float64, q*q)}
	d := make([]float64, q)
	for b := 0; b < nb; b++ {
		pt := parts[b]
		for j := range d {
			d[j] = pt.mean[j] - all[j]
		}
		for i := 0; i < q; i++ {
			for j := i; j < q; j++ {
				G.Data[i*q+j] += pt.G[i*q+j] + pt.n*d[i]*d[j]
			}
		}
	}
	return G, all[:p], all[p]
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
	bufs := make([][]float64, runtime.GOMAXPROCS(0))
	nb := forBlocks(n, q, func(w, b, lo, hi int) {
		if len(bufs[w]) < (hi-lo)*q {
			bufs[w] = make([]float64, (hi-lo)*q)
		}
		A := centredBlock(bufs[w], X, y, xMean, yMean, lo, hi)
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
