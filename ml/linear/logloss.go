package linear

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mlforge/mlforge/internal/f64"
	"gonum.org/v1/gonum/blas/blas64"
)

// chunkRows is the number of samples each loss/gradient task handles. The
// chunks are fixed by the data size, which fixes the summation order: results
// do not depend on the number of CPUs.
const chunkRows = 1024

// xChunks is X cut into blocks of chunkRows samples, each stored transposed
// (features × samples), so that the products with the coefficients are
// matrix products that read it in place (internal/f64's kernels). It is built once per Fit and shared
// by the one-vs-rest problems.
type xChunks struct {
	p      int
	blocks []xBlock
}

type xBlock struct {
	lo, hi int
	xt     []float64 // p × (hi-lo)
}

func newXChunks(X blas64.General) *xChunks {
	n, p := X.Rows, X.Cols
	xc := &xChunks{p: p}
	for lo := 0; lo < n; lo += chunkRows {
		hi := min(lo+chunkRows, n)
		xc.blocks = append(xc.blocks, xBlock{lo: lo, hi: hi})
	}
	parallelFor(len(xc.blocks), func(b int) {
		blk := &xc.blocks[b]
		m := blk.hi - blk.lo
		xt := make([]float64, p*m)
		// Tiles of 8 samples keep the runs written to each feature's row
		// within one cache line.
		for t := blk.lo; t < blk.hi; t += 8 {
			te := min(t+8, blk.hi)
			for j := 0; j < p; j++ {
				dst := xt[j*m+t-blk.lo : j*m+te-blk.lo]
				for r := range dst {
					dst[r] = X.Data[(t+r)*X.Stride+j]
				}
			}
		}
		blk.xt = xt
	})
	return xc
}

// parallelFor calls fn(i) for i in [0, n) on up to GOMAXPROCS goroutines.
func parallelFor(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// logLoss is scikit-learn's LinearModelLoss for HalfBinomialLoss (k = 1) or
// HalfMultinomialLoss (k ≥ 2): the sum over samples of the log-loss plus
// lambda/2·||W||², the intercepts not penalised. The parameter vector holds k
// rows of q = p (+1 with an intercept) values: the coefficients, then the
// intercept.
type logLoss struct {
	X         *xChunks
	target    []int // class index (k ≥ 2) or 0/1 (k = 1) per sample
	k, p, q   int
	intercept bool
	lambda    float64
	sw        []float64 // sample weights (class_weight); nil means all 1

	chunks []lossChunk
}

type lossChunk struct {
	z    []float64 // k × rows raw predictions, then residuals
	gt   []float64 // p × k: the coefficients' gradient, transposed
	grad []float64 // k × q
	loss float64
}

func newLogLoss(X *xChunks, target []int, k int, intercept bool, lambda float64) *logLoss {
	p := X.p
	q := p
	if intercept {
		q++
	}
	l := &logLoss{X: X, target: target, k: k, p: p, q: q, intercept: intercept, lambda: lambda}
	for _, b := range X.blocks {
		l.chunks = append(l.chunks, lossChunk{z: make([]float64, (b.hi-b.lo)*k), gt: make([]float64, p*k), grad: make([]float64, k*q)})
	}
	return l
}

// eval writes the gradient at w into grad and returns the objective.
func (l *logLoss) eval(w, grad []float64) float64 {
	parallelFor(len(l.chunks), func(i int) { l.chunk(i, w) })
	for i := range grad {
		grad[i] = 0
	}
	loss := 0.0
	for i := range l.chunks {
		c := &l.chunks[i]
		loss += c.loss
		for j, v := range c.grad {
			grad[j] += v
		}
	}
	if l.lambda > 0 {
		norm2 := 0.0
		for c := 0; c < l.k; c++ {
			row := w[c*l.q : c*l.q+l.p]
			g := grad[c*l.q : c*l.q+l.p]
			for j, v := range row {
				norm2 += v * v
				g[j] += l.lambda * v
			}
		}
		loss += 0.5 * l.lambda * norm2
	}
	return loss
}

// chunk computes the loss and gradient of the samples of block bi.
func (l *logLoss) chunk(bi int, w []float64) {
	blk := &l.X.blocks[bi]
	c := &l.chunks[bi]
	rows, k, q, p := blk.hi-blk.lo, l.k, l.q, l.p
	xt := blk.xt
	// Z = b + W·Xᵀ (k × rows): the intercepts, plus the coefficients (k
	// rows of stride q) times the transposed block.
	for cl := 0; cl < k; cl++ {
		zc := c.z[cl*rows : cl*rows+rows]
		b := 0.0
		if l.intercept {
			b = w[cl*q+p]
		}
		for i := range zc {
			zc[i] = b
		}
	}
	f64.Gemm(false, false, k, rows, p, w, q, xt, rows, 1, c.z, rows)
	target := l.target[blk.lo:blk.hi]
	loss := 0.0
	if l.sw != nil {
		loss = l.weightedResiduals(c.z, target, l.sw[blk.lo:blk.hi], rows)
	} else if k == 1 {
		zc := c.z[:rows]
		// One exponential serves both the loss and the gradient:
		// log(1+exp(z)) = max(z, 0) + log(1 + e) and expit(z) = 1/(1+e) or
		// e/(1+e), with e = exp(-|z|). The factors 1+e lie in (1, 2], so
		// the logarithm of the product of 16 of them is taken at once; its
		// absolute error, which is what matters in a sum, is that of
		// log1p's.
		prod := 1.0
		for i, z := range zc {
			t := float64(target[i])
			e := f64.Exp(-math.Abs(z))
			prod *= 1 + e
			var sig float64
			if z >= 0 {
				loss += z - t*z
				sig = 1 / (1 + e)
			} else {
				loss -= t * z
				sig = e / (1 + e)
			}
			zc[i] = sig - t
			if i%16 == 15 {
				loss += math.Log(prod)
				prod = 1
			}
		}
		loss += math.Log(prod)
	} else {
		// log-loss = logsumexp(z) - z_t = max + log(Σ exp(z - max)) - z_t.
		// The sums lie in [1, k], so the logarithm of the product of 16 of
		// them is taken at once.
		prod := 1.0
		for i := 0; i < rows; i++ {
			mx := math.Inf(-1)
			for cl := 0; cl < k; cl++ {
				mx = math.Max(mx, c.z[cl*rows+i])
			}
			t := target[i]
			loss += mx - c.z[t*rows+i]
			sum := 0.0
			for cl := 0; cl < k; cl++ {
				e := f64.Exp(c.z[cl*rows+i] - mx)
				c.z[cl*rows+i] = e
				sum += e
			}
			inv := 1 / sum
			for cl := 0; cl < k; cl++ {
				c.z[cl*rows+i] *= inv
			}
			c.z[t*rows+i]--
			prod *= sum
			if i%16 == 15 {
				loss += math.Log(prod)
				prod = 1
			}
		}
		loss += math.Log(prod)
	}
	// grad_cj = Σ_i r_ci · x_ij: Gᵀ = Xᵀ·Rᵀ (p × k), which reads both the
	// block and the residuals R (k × rows) in place; the intercept's is
	// Σ_i r_ci.
	f64.Gemm(false, true, p, k, rows, xt, rows, c.z, rows, 0, c.gt, k)
	for cl := 0; cl < k; cl++ {
		r := c.z[cl*rows : cl*rows+rows]
		g := c.grad[cl*q : cl*q+q]
		for j := 0; j < p; j++ {
			g[j] = c.gt[j*k+cl]
		}
		if l.intercept {
			s := 0.0
			for _, v := range r {
				s += v
			}
			g[p] = s
		}
	}
	c.loss = loss
}

// weightedResiduals replaces the raw predictions z (k × rows) by the
// residuals times the sample weights and returns Σ_i sw_i·loss_i, sample by
// sample (the weighted sums rule out the batched logarithms of chunk).
func (l *logLoss) weightedResiduals(z []float64, target []int, sw []float64, rows int) float64 {
	k := l.k
	loss := 0.0
	if k == 1 {
		for i := 0; i < rows; i++ {
			t, zi := float64(target[i]), z[i]
			e := math.Exp(-math.Abs(zi))
			var li, sig float64
			if zi >= 0 {
				li, sig = zi-t*zi, 1/(1+e)
			} else {
				li, sig = -t*zi, e/(1+e)
			}
			loss += sw[i] * (li + math.Log1p(e))
			z[i] = sw[i] * (sig - t)
		}
		return loss
	}
	for i := 0; i < rows; i++ {
		mx := math.Inf(-1)
		for cl := 0; cl < k; cl++ {
			mx = math.Max(mx, z[cl*rows+i])
		}
		t := target[i]
		li := mx - z[t*rows+i]
		sum := 0.0
		for cl := 0; cl < k; cl++ {
			e := math.Exp(z[cl*rows+i] - mx)
			z[cl*rows+i] = e
			sum += e
		}
		loss += sw[i] * (li + math.Log(sum))
		for cl := 0; cl < k; cl++ {
			z[cl*rows+i] /= sum
		}
		z[t*rows+i]--
		for cl := 0; cl < k; cl++ {
			z[cl*rows+i] *= sw[i]
		}
	}
	return loss
}

// expit returns 1/(1 + exp(-z)) without overflow.
func expit(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
