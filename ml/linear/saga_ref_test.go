package linear

import (
	"context"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
)

// sagaSolveRef is sagaSolve as it was before the fused pass (commit
// 072d5eb), kept to prove the fused pass gives the same bits: SAGA with
// just-in-time (lagged) updates of the L2 scale and the L1 proximal steps
// exactly as sag_fast does, sample by sample in the order of
// ArrayDataset.random (our_rand_r modulo n).
func sagaSolveRef(ctx context.Context, pr *sagaProblem) (sagaResult, error) {
	n, p, K := pr.X.Rows, pr.X.Cols, pr.K
	alpha := pr.alpha / float64(n)
	beta := pr.beta / float64(n)
	step := sagaStepSize(pr.maxSq, alpha, pr.fitIntercept, n)
	if step*alpha == 1 {
		return sagaResult{}, errSagaStep
	}
	prox := beta > 0
	w := make([]float64, p*K)
	b := make([]float64, K)
	sumGrad := make([]float64, p*K)
	interceptSumGrad := make([]float64, K)
	gradMem := make([]float64, n*K)
	seen := make([]bool, n)
	numSeen := 0
	cum := make([]float64, n)
	var cumProx []float64
	if prox {
		cumProx = make([]float64, n)
	}
	// sag_fast keeps the last update of each feature; a dense row has
	// every feature, so all features share one (hist).
	hist := 0
	prev := make([]float64, p*K)
	pred := make([]float64, K)
	grad := make([]float64, K)
	wscale := 1.0
	wscaleUpdate := 1 - step*alpha
	seed := pr.seed

	// lagged brings every feature up to date with the steps before
	// sampleItr; with reset, it also folds wscale into the weights.
	lagged := func(sampleItr int, reset bool) error {
		c := cum[sampleItr-1]
		var cp float64
		if prox {
			cp = cumProx[sampleItr-1]
		}
		if h := hist; h != 0 {
			c -= cum[h-1]
			if prox {
				cp -= cumProx[h-1]
			}
		}
		// One step behind, sag_fast's loop over the missed steps does
		// one step, with c and cp: the same operations as the first case.
		lag1 := hist == sampleItr-1
		for idx := range w {
			if !prox {
				w[idx] -= c * sumGrad[idx]
			} else if lag1 || math.Abs(sumGrad[idx]*c) < cp {
				w[idx] -= c * sumGrad[idx]
				w[idx] = sagSoftThreshold(w[idx], cp)
			} else {
				last := hist
				for li := sampleItr - 1; li > last-1; li-- {
					var gs, ps float64
					if li > 0 {
						gs = cum[li] - cum[li-1]
						ps = cumProx[li] - cumProx[li-1]
					} else {
						gs, ps = cum[li], cumProx[li]
					}
					w[idx] -= sumGrad[idx] * gs
					w[idx] = sagSoftThreshold(w[idx], ps)
				}
			}
			if reset {
				w[idx] *= wscale
				if math.IsNaN(w[idx]) || math.IsInf(w[idx], 0) {
					return errSagaDiverged
				}
			}
		}
		if reset {
			hist = sampleItr % n
			cum[sampleItr-1] = 0
			if prox {
				cumProx[sampleItr-1] = 0
			}
		} else {
			hist = sampleItr
		}
		return nil
	}
	scale := func(sampleItr int) error {
		if err := lagged(sampleItr+1, true); err != nil {
			return err
		}
		wscale = 1
		return nil
	}

	res := sagaResult{w: w, b: b}
	for it := 0; it < pr.maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		for si := 0; si < n; si++ {
			if si&4095 == 4095 {
				if err := ctx.Err(); err != nil {
					return res, err
				}
			}
			i := int(xorshift(&seed) % uint32(n))
			x := pr.X.Data[i*pr.X.Stride : i*pr.X.Stride+p]
			sw := pr.sw[i]
			if !seen[i] {
				numSeen++
				seen[i] = true
			}
			if si > 0 {
				if err := lagged(si, false); err != nil {
					return res, err
				}
			}
			for k := 0; k < K; k++ {
				s := 0.0
				for f, v := range x {
					s += w[f*K+k] * v
				}
				pred[k] = wscale*s + b[k]
			}
			if pr.multinomial {
				mx := math.Inf(-1)
				for _, v := range pred {
					mx = math.Max(mx, v)
				}
				sum := 0.0
				for _, v := range pred {
					sum += math.Exp(v - mx)
				}
				lse := math.Log(sum) + mx
				yc := int(pr.y[i])
				for k := range grad {
					grad[k] = math.Exp(pred[k] - lse)
					if k == yc {
						grad[k] -= 1
					}
					grad[k] *= sw
				}
			} else {
				grad[0] = logDLoss(pred[0], pr.y[i]) * sw
			}
			wscale *= wscaleUpdate
			gm := gradMem[i*K : i*K+K]
			seenFrac := 1 - 1/float64(numSeen)
			for f, v := range x {
				for k := 0; k < K; k++ {
					gc := v * (grad[k] - gm[k])
					w[f*K+k] -= gc * step * seenFrac / wscale // ((gc·step)·(1-1/num_seen))/wscale, as sag_fast
					sumGrad[f*K+k] += gc
				}
			}
			if pr.fitIntercept {
				for k := 0; k < K; k++ {
					gc := grad[k] - gm[k]
					interceptSumGrad[k] += gc
					gc *= step * (1 - 1/float64(numSeen))
					b[k] -= step*interceptSumGrad[k]/float64(numSeen) + gc // intercept_decay is 1 for dense X
					if math.IsNaN(b[k]) || math.IsInf(b[k], 0) {
						return res, errSagaDiverged
					}
				}
			}
			copy(gm, grad)
			if si == 0 {
				cum[0] = step / (wscale * float64(numSeen))
				if prox {
					cumProx[0] = step * beta / wscale
				}
			} else {
				cum[si] = cum[si-1] + step/(wscale*float64(numSeen))
				if prox {
					cumProx[si] = cumProx[si-1] + step*beta/wscale
				}
			}
			if wscale < 1e-9 {
				if err := scale(si); err != nil {
					return res, err
				}
			}
		}
		if err := scale(n - 1); err != nil {
			return res, err
		}
		res.nIter = it + 1
		if pr.epoch != nil {
			pr.epoch(it + 1)
		}
		maxChange, maxWeight := 0.0, 0.0
		for j, v := range w {
			maxWeight = math.Max(maxWeight, math.Abs(v))
			maxChange = math.Max(maxChange, math.Abs(v-prev[j]))
			prev[j] = v
		}
		if maxWeight != 0 && maxChange/maxWeight <= pr.tol || maxWeight == 0 && maxChange == 0 {
			res.converged = true
			break
		}
	}
	return res, nil
}

// TestSagaSolveSameBits: the fused pass gives sagaSolveRef's coefficients,
// intercepts, n_iter and convergence bit for bit: the log loss and the
// multinomial loss (2, 3 and 4 classes), with and without an intercept,
// sample weights, every mix of L2 and L1, and an L2 strong enough that
// wscale falls below 1e-9 every few dozen steps (rescaling mid-epoch and,
// for some n, at the epoch's last step).
func TestSagaSolveSameBits(t *testing.T) {
	var state uint64 = 7
	next := func() float64 {
		state = state*6364136223846793005 + 1442695040888963407
		return float64(state>>11) * 0x1p-53
	}
	type penalty struct{ alpha, beta float64 }
	cases := 0
	// Every n from 20 to 130 for the strong L2: the rescaling falls on
	// an epoch's last step for some of them.
	ns := []int{1, 2, 153, 200}
	for n := 20; n <= 130; n++ {
		ns = append(ns, n)
	}
	for _, n := range ns {
		for _, K := range []int{1, 2, 3, 4} {
			p := 3 + n%5
			X := blas64.General{Rows: n, Cols: p, Stride: p + 1, Data: make([]float64, n*(p+1))}
			for j := range X.Data {
				X.Data[j] = 4*next() - 2
			}
			y := make([]float64, n)
			sw := make([]float64, n)
			maxSq := 0.0
			for i := range y {
				if K == 1 {
					y[i] = -1
					if next() < 0.5 {
						y[i] = 1
					}
				} else {
					y[i] = float64(int(next() * float64(K)))
				}
				sw[i] = 0.5 + next()
				sq := 0.0
				for _, v := range X.Data[i*X.Stride : i*X.Stride+p] {
					sq += v * v
				}
				maxSq = math.Max(maxSq, sq)
			}
			pens := []penalty{{10 * float64(n), 0}, {10 * float64(n), 2}}
			tols := []float64{0}
			if n%17 == 0 || n < 20 || n > 130 {
				pens = append(pens, penalty{0, 0}, penalty{1, 0}, penalty{0, 0.5}, penalty{0.3, 0.7}, penalty{0, 5 * float64(n)})
				tols = append(tols, 1e-4)
			}
			for _, pen := range pens {
				for _, fi := range []bool{true, false} {
					for _, tol := range tols {
						pr := sagaProblem{X: X, y: y, sw: sw, K: K, multinomial: K > 1, fitIntercept: fi,
							alpha: pen.alpha, beta: pen.beta, maxIter: 15, tol: tol, seed: uint32(1 + n*K), maxSq: maxSq}
						want, werr := sagaSolveRef(context.Background(), &pr)
						got, gerr := sagaSolve(context.Background(), &pr)
						name := fmt.Sprintf("n=%d K=%d alpha=%g beta=%g intercept=%v tol=%g", n, K, pen.alpha, pen.beta, fi, tol)
						cases++
						if werr != gerr {
							t.Fatalf("%s: error %v, reference %v", name, gerr, werr)
						}
						if werr != nil {
							continue
						}
						if got.nIter != want.nIter || got.converged != want.converged {
							t.Errorf("%s: n_iter %d converged %v, reference %d %v", name, got.nIter, got.converged, want.nIter, want.converged)
						}
						if !sameBits(got.w, want.w) || !sameBits(got.b, want.b) {
							t.Errorf("%s: w %v b %v\nreference w %v b %v", name, got.w, got.b, want.w, want.b)
						}
					}
				}
			}
		}
	}
	t.Logf("%d problems", cases)
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}
