package linear

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// chunkRows is the number of samples each loss/gradient task handles. It
// keeps gonum's Dgemm on its serial path (fewer than 4 blocks of 64 rows),
// so the only parallelism is ours, and it fixes the summation order: results
// do not depend on the number of CPUs.
const chunkRows = 192

// logLoss is scikit-learn's LinearModelLoss for HalfBinomialLoss (k = 1) or
// HalfMultinomialLoss (k ≥ 2): the sum over samples of the log-loss plus
// lambda/2·||W||², the intercepts not penalised. The parameter vector holds k
// rows of q = p (+1 with an intercept) values: the coefficients, then the
// intercept.
type logLoss struct {
	X         blas64.General
	target    []int // class index (k ≥ 2) or 0/1 (k = 1) per sample
	k, p, q   int
	intercept bool
	lambda    float64

	chunks []lossChunk
}

type lossChunk struct {
	lo, hi int
	z      []float64 // rows × k raw predictions, then residuals
	grad   []float64 // k × q
	loss   float64
}

func newLogLoss(X blas64.General, target []int, k int, intercept bool, lambda float64) *logLoss {
	n, p := X.Rows, X.Cols
	q := p
	if intercept {
		q++
	}
	l := &logLoss{X: X, target: target, k: k, p: p, q: q, intercept: intercept, lambda: lambda}
	for lo := 0; lo < n; lo += chunkRows {
		hi := min(lo+chunkRows, n)
		l.chunks = append(l.chunks, lossChunk{lo: lo, hi: hi, z: make([]float64, (hi-lo)*k), grad: make([]float64, k*q)})
	}
	return l
}

// eval writes the gradient at w into grad and returns the objective.
func (l *logLoss) eval(w, grad []float64) float64 {
	workers := min(runtime.GOMAXPROCS(0), len(l.chunks))
	if workers <= 1 {
		for i := range l.chunks {
			l.chunk(&l.chunks[i], w)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(l.chunks) {
						return
					}
					l.chunk(&l.chunks[i], w)
				}
			}()
		}
		wg.Wait()
	}
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

// chunk computes the loss and gradient of the samples [c.lo, c.hi).
func (l *logLoss) chunk(c *lossChunk, w []float64) {
	rows, k, q, p := c.hi-c.lo, l.k, l.q, l.p
	Xc := blas64.General{Rows: rows, Cols: p, Stride: l.X.Stride, Data: l.X.Data[c.lo*l.X.Stride:]}
	W := blas64.General{Rows: k, Cols: p, Stride: q, Data: w}
	Z := blas64.General{Rows: rows, Cols: k, Stride: k, Data: c.z}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, Xc, W, 0, Z)
	gradB := c.grad // intercept gradients live at c*q + p
	loss := 0.0
	if k == 1 {
		b := 0.0
		if l.intercept {
			b = w[p]
		}
		gb := 0.0
		for i, z := range c.z {
			z += b
			t := float64(l.target[c.lo+i])
			// One exponential serves both the loss and the gradient:
			// log(1+exp(z)) = max(z, 0) + log1p(exp(-|z|)), and
			// expit(z) = 1/(1+e) or e/(1+e) with e = exp(-|z|).
			e := math.Exp(-math.Abs(z))
			var sig float64
			if z >= 0 {
				loss += z + math.Log1p(e) - t*z
				sig = 1 / (1 + e)
			} else {
				loss += math.Log1p(e) - t*z
				sig = e / (1 + e)
			}
			r := sig - t
			c.z[i] = r
			gb += r
		}
		if l.intercept {
			gradB[p] = gb
		}
	} else {
		var gb [16]float64
		gbs := gb[:0]
		if k <= len(gb) {
			gbs = gb[:k]
		} else {
			gbs = make([]float64, k)
		}
		for i := 0; i < rows; i++ {
			z := c.z[i*k : i*k+k]
			mx := math.Inf(-1)
			for j := range z {
				if l.intercept {
					z[j] += w[j*q+p]
				}
				mx = math.Max(mx, z[j])
			}
			t := l.target[c.lo+i]
			// log-loss = logsumexp(z) - z_t = max + log(Σ exp(z - max)) - z_t.
			loss += mx - z[t]
			sum := 0.0
			for j, v := range z {
				e := math.Exp(v - mx)
				z[j] = e
				sum += e
			}
			loss += math.Log(sum)
			inv := 1 / sum
			for j := range z {
				z[j] *= inv
				gbs[j] += z[j]
			}
			z[t]--
			gbs[t]--
		}
		if l.intercept {
			for j := 0; j < k; j++ {
				gradB[j*q+p] = gbs[j]
			}
		}
	}
	G := blas64.General{Rows: k, Cols: p, Stride: q, Data: c.grad}
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, Z, Xc, 0, G)
	c.loss = loss
}

// expit returns 1/(1 + exp(-z)) without overflow.
func expit(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
