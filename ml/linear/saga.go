package linear

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// sagaProblem is one call of scikit-learn's sag_solver with is_saga=True
// (sklearn/linear_model/_sag_fast.pyx.tp), for the log loss (K = 1, y in
// {-1, +1}) or the multinomial loss (K classes, y the class index).
type sagaProblem struct {
	X            blas64.General
	y, sw        []float64
	K            int
	multinomial  bool
	fitIntercept bool
	alpha, beta  float64 // the L2 and L1 strengths before scaling by n
	maxIter      int
	tol          float64
	seed         uint32 // make_dataset's seed: RandomState(random_state).randint(1, 2**31-1)
	maxSq        float64
	epoch        func(it int) // called after each epoch
}

var (
	errSagaStep     = errors.New("saga: the step size times alpha_scaled is 1 (alpha too large)")
	errSagaDiverged = errors.New("saga: the weights are no longer finite (diverged); scale the data or lower C")
)

type sagaResult struct {
	w         []float64 // p × K, feature-major as sklearn's coef_init
	b         []float64 // K
	nIter     int
	converged bool
}

// sagaStepSize is sklearn's get_auto_step_size for the log and multinomial
// losses with is_saga true.
func sagaStepSize(maxSq, alphaScaled float64, fitIntercept bool, n int) float64 {
	fi := 0.0
	if fitIntercept {
		fi = 1
	}
	L := 0.25*(maxSq+fi) + alphaScaled
	mun := math.Min(2*float64(n)*alphaScaled, L)
	return 1 / (2*L + mun)
}

// sagSoftThreshold is sag_fast's _soft_thresholding, fmax(x-s, 0) -
// fmax(-x-s, 0), with the same result for s ≥ 0 and no calls.
func sagSoftThreshold(x, s float64) float64 {
	if x > s {
		return x - s
	}
	if x < -s {
		return x + s
	}
	return 0
}

// sagaSolve runs SAGA with just-in-time (lagged) updates of the L2 scale and
// the L1 proximal steps exactly as sag_fast does, sample by sample in the
// order of ArrayDataset.random (our_rand_r modulo n).
//
// A dense row has every feature, so between rescalings every step's lagged
// update is one step behind: the weight update of step t, the lagged update
// of step t+1 and the dot product of step t+1 run in one pass over the
// weights (sagaUpdate.fused), each weight going through sag_fast's
// operations in sag_fast's order, so the results are the same bits as the
// step-by-step loop (sagaSolveRef in the tests). Steps next to a rescaling
// (wscale below 1e-9, the end of an epoch) take the general path.
func sagaSolve(ctx context.Context, pr *sagaProblem) (sagaResult, error) {
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
	diff := make([]float64, K)
	sums := make([]float64, K)
	wscale := 1.0
	wscaleUpdate := 1 - step*alpha
	seed := pr.seed
	row := func(i int) []float64 { return pr.X.Data[i*pr.X.Stride : i*pr.X.Stride+p] }

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
	i := int(xorshift(&seed) % uint32(n))
	// ready: pred holds sample i's prediction, the fused pass of the step
	// before having done its lagged update and dot product.
	ready := false
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
			x := row(i)
			sw := pr.sw[i]
			if !seen[i] {
				numSeen++
				seen[i] = true
			}
			if !ready {
				if si > 0 {
					if err := lagged(si, false); err != nil {
						return res, err
					}
				}
				sagaDot(w, x, sums)
				for k, s := range sums {
					pred[k] = wscale*s + b[k]
				}
			}
			ready = false
			if pr.multinomial {
				mx := math.Inf(-1)
				for _, v := range pred {
					mx = max(mx, v) // math.Max's result, without the call
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
			for k := range diff {
				diff[k] = grad[k] - gm[k]
			}
			seenFrac := 1 - 1/float64(numSeen)
			if pr.fitIntercept {
				for k := 0; k < K; k++ {
					gc := diff[k]
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
			next := int(xorshift(&seed) % uint32(n))
			if wscale >= 1e-9 && si+1 < n {
				// The next step's lagged update is one step behind
				// (hist == si): sag_fast's first case, with these c, cp.
				c := cum[si]
				cp := 0.0
				if prox {
					cp = cumProx[si]
				}
				if hist != 0 {
					c -= cum[hist-1]
					if prox {
						cp -= cumProx[hist-1]
					}
				}
				u := sagaUpdate{step: step, seenFrac: seenFrac, wscale: wscale, c: c, cp: cp, prox: prox}
				u.fused(w, sumGrad, x, row(next), diff, sums)
				for k, s := range sums {
					pred[k] = wscale*s + b[k]
				}
				hist = si + 1
				ready = true
			} else {
				for f, v := range x {
					for k := 0; k < K; k++ {
						gc := v * diff[k]
						w[f*K+k] -= gc * step * seenFrac / wscale // ((gc·step)·(1-1/num_seen))/wscale, as sag_fast
						sumGrad[f*K+k] += gc
					}
				}
				if wscale < 1e-9 {
					if err := scale(si); err != nil {
						return res, err
					}
				}
			}
			i = next
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

// sagaDot sets sums[k] to Σ_f w[f·K+k]·x[f], summed in feature order as
// sag_fast's predict_sample (K = len(sums)).
func sagaDot(w, x, sums []float64) {
	K := len(sums)
	for k := range sums {
		sums[k] = 0
	}
	for f, v := range x {
		ws := w[f*K : f*K+K : f*K+K]
		for k, wv := range ws {
			sums[k] += wv * v
		}
	}
}

// sagaUpdate holds one step's scalars for its fused pass.
type sagaUpdate struct {
	step, seenFrac, wscale float64 // the weight update of step t
	c, cp                  float64 // the lagged update of step t+1: gradient and proximal sums
	prox                   bool
}

// fused runs, for every weight (feature f, class k) in turn, step t's
// update with its gradient correction x[f]·diff[k] (sag_fast's saga update
// and sum_gradient), then step t+1's one-step lagged update (the gradient
// step c·sum_gradient and, with prox, the soft threshold at cp), and adds
// the weight times xn[f] to sums[k] for step t+1's prediction.
func (u *sagaUpdate) fused(w, sumGrad, x, xn, diff, sums []float64) {
	switch len(diff) {
	case 1:
		sums[0] = u.fused1(w, sumGrad, x, xn, diff[0])
	case 3:
		sums[0], sums[1], sums[2] = u.fused3(w, sumGrad, x, xn, diff[0], diff[1], diff[2])
	default:
		u.fusedK(w, sumGrad, x, xn, diff, sums)
	}
}

func (u *sagaUpdate) fusedK(w, sumGrad, x, xn, diff, sums []float64) {
	K := len(diff)
	step, seenFrac, wscale, c, cp, prox := u.step, u.seenFrac, u.wscale, u.c, u.cp, u.prox
	for k := range sums {
		sums[k] = 0
	}
	xn = xn[:len(x)]
	for f, v := range x {
		vn := xn[f]
		ws := w[f*K : f*K+K : f*K+K]
		gs := sumGrad[f*K : f*K+K : f*K+K]
		gs = gs[:len(ws)]
		for k := range ws {
			gc := v * diff[k]
			wk := ws[k] - gc*step*seenFrac/wscale
			g := gs[k] + gc
			gs[k] = g
			wk -= c * g
			if prox {
				wk = sagSoftThreshold(wk, cp)
			}
			ws[k] = wk
			sums[k] += wk * vn
		}
	}
}

func (u *sagaUpdate) fused1(w, sumGrad, x, xn []float64, d float64) float64 {
	step, seenFrac, wscale, c, cp, prox := u.step, u.seenFrac, u.wscale, u.c, u.cp, u.prox
	w = w[:len(x)]
	sumGrad = sumGrad[:len(x)]
	xn = xn[:len(x)]
	s := 0.0
	for f, v := range x {
		gc := v * d
		wk := w[f] - gc*step*seenFrac/wscale
		g := sumGrad[f] + gc
		sumGrad[f] = g
		wk -= c * g
		if prox {
			wk = sagSoftThreshold(wk, cp)
		}
		w[f] = wk
		s += wk * xn[f]
	}
	return s
}

func (u *sagaUpdate) fused3(w, sumGrad, x, xn []float64, d0, d1, d2 float64) (s0, s1, s2 float64) {
	step, seenFrac, wscale, c, cp, prox := u.step, u.seenFrac, u.wscale, u.c, u.cp, u.prox
	xn = xn[:len(x)]
	for f, v := range x {
		ws := w[3*f : 3*f+3 : 3*f+3]
		gs := sumGrad[3*f : 3*f+3 : 3*f+3]
		vn := xn[f]
		gc0, gc1, gc2 := v*d0, v*d1, v*d2
		w0 := ws[0] - gc0*step*seenFrac/wscale
		w1 := ws[1] - gc1*step*seenFrac/wscale
		w2 := ws[2] - gc2*step*seenFrac/wscale
		g0, g1, g2 := gs[0]+gc0, gs[1]+gc1, gs[2]+gc2
		gs[0], gs[1], gs[2] = g0, g1, g2
		w0 -= c * g0
		w1 -= c * g1
		w2 -= c * g2
		if prox {
			w0 = sagSoftThreshold(w0, cp)
			w1 = sagSoftThreshold(w1, cp)
			w2 = sagSoftThreshold(w2, cp)
		}
		ws[0], ws[1], ws[2] = w0, w1, w2
		s0 += w0 * vn
		s1 += w1 * vn
		s2 += w2 * vn
	}
	return
}

// logDLoss is the derivative of sklearn's Log loss (_sgd_fast.Log._dloss).
func logDLoss(p, y float64) float64 {
	z := p * y
	if z > 18 {
		return math.Exp(-z) * -y
	}
	if z < -18 {
		return -y
	}
	return -y / (math.Exp(z) + 1)
}

// fitSaga fits LogisticRegression with solver "saga" as
// _logistic_regression_path does: penalty l1 puts 1/C on the L1 term,
// l2 on the L2 term, elasticnet splits it by l1_ratio, none is l2 with C = ∞;
// class weights scale the sample weights (a dict, and "balanced" for the
// multinomial loss, by the original classes; "balanced" for one-vs-rest by
// each problem's two labels).
func (m *LogisticRegression) fitSaga(ctx context.Context, X *mat.Dense, classes []float64, idx []int, sampleWeight []float64) error {
	raw := X.RawMatrix()
	n, p := raw.Rows, raw.Cols
	K := len(classes)
	var alpha, beta float64
	switch m.Penalty {
	case "l1":
		beta = 1 / m.C
	case "l2":
		alpha = 1 / m.C
	case "elasticnet":
		alpha = (1 / m.C) * (1 - *m.L1Ratio)
		beta = (1 / m.C) * *m.L1Ratio
	}
	maxSq := 0.0
	for i := 0; i < n; i++ {
		sq := 0.0
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+p] {
			sq += v * v
		}
		maxSq = math.Max(maxSq, sq)
	}
	multinomial := m.MultiClass == "multinomial" || m.MultiClass == "auto" && K > 2
	sw, err := m.baseWeights(classes, idx, multinomial)
	if err != nil {
		return err
	}
	sw = ml.ScaleWeights(sw, sampleWeight)
	if sw == nil {
		sw = make([]float64, n)
		for i := range sw {
			sw[i] = 1
		}
	}
	seed := uint32(nprand.New(uint32(m.RandomState)).RandInt(1, math.MaxInt32))
	rep := ml.ProgressFrom(ctx)
	nProblems := 1
	if !multinomial && K > 2 {
		nProblems = K
	}
	stepsDone := 0
	prob := func(y, w []float64, k int, multi bool, label string) *sagaProblem {
		return &sagaProblem{X: raw, y: y, sw: w, K: k, multinomial: multi, fitIntercept: m.FitIntercept,
			alpha: alpha, beta: beta, maxIter: m.MaxIter, tol: m.Tol, seed: seed, maxSq: maxSq,
			epoch: func(it int) {
				rep.Report(ml.Event{Kind: "iter", Step: stepsDone + it, Total: m.MaxIter * nProblems, Message: label})
			}}
	}
	warn := func(label string, r sagaResult) {
		if !r.converged {
			rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("LogisticRegression%s: saga reached max_iter (%d epochs) before converging; increase max_iter or scale the data", label, r.nIter)})
		}
	}
	var rows int
	var coefRows [][]float64
	var intercepts []float64
	var nIter []int
	converged := true
	if multinomial {
		y := make([]float64, n)
		for i, c := range idx {
			y[i] = float64(c)
		}
		r, err := sagaSolve(ctx, prob(y, sw, K, true, ""))
		if err != nil {
			return err
		}
		warn("", r)
		first := 0
		rows = K
		if K == 2 {
			first, rows = 1, 1 // scikit-learn keeps the second class's row
		}
		for k := first; k < K; k++ {
			row := make([]float64, p)
			for f := range row {
				row[f] = r.w[f*K+k]
			}
			coefRows = append(coefRows, row)
			intercepts = append(intercepts, r.b[k])
		}
		nIter, converged = []int{r.nIter}, r.converged
	} else {
		rows = nProblems
		y := make([]float64, n)
		w := make([]float64, n)
		for c := 0; c < nProblems; c++ {
			pos := c
			if K == 2 {
				pos = 1
			}
			npos := 0.0
			for i, v := range idx {
				y[i] = -1
				if v == pos {
					y[i] = 1
					npos++
				}
			}
			copy(w, sw)
			if m.ClassWeight.Name == "balanced" {
				balanceOVR(w, y, npos)
			}
			label := ""
			if nProblems > 1 {
				label = fmt.Sprintf(" (class %v vs rest)", classes[c])
			}
			r, err := sagaSolve(ctx, prob(y, w, 1, false, label))
			if err != nil {
				return err
			}
			stepsDone += r.nIter
			warn(label, r)
			coefRows = append(coefRows, r.w)
			intercepts = append(intercepts, r.b[0])
			nIter = append(nIter, r.nIter)
			converged = converged && r.converged
		}
	}
	coef := mat.NewDense(rows, p, nil)
	for r := range coefRows {
		coef.SetRow(r, coefRows[r])
	}
	if err := checkFinite("coef", coef.RawMatrix().Data); err != nil {
		return err
	}
	m.classes, m.coef, m.intercept, m.nIter, m.converged, m.multinomial = classes, coef, intercepts, nIter, converged, multinomial
	return nil
}

// baseWeights returns the sample weights _logistic_regression_path starts
// from: class_weight per original class when it is a dict, or "balanced"
// with the multinomial loss; nil when every sample weighs 1 so far.
func (m *LogisticRegression) baseWeights(classes []float64, idx []int, multinomial bool) ([]float64, error) {
	if m.ClassWeight.IsZero() || m.ClassWeight.Name != "" && !multinomial {
		return nil, nil
	}
	counts := make([]float64, len(classes))
	for _, c := range idx {
		counts[c]++
	}
	cw, err := m.ClassWeight.PerClass(classes, counts)
	if err != nil {
		return nil, err
	}
	sw := make([]float64, len(idx))
	for i, c := range idx {
		sw[i] = cw[c]
	}
	return sw, nil
}

// balanceOVR multiplies w by compute_class_weight("balanced") over the two
// labels of a one-vs-rest problem (y > 0 is the positive class, npos of the
// samples), as _logistic_regression_path does for "balanced".
func balanceOVR(w, y []float64, npos float64) {
	n := float64(len(w))
	wneg, wpos := n/(2*(n-npos)), n/(2*npos)
	for i := range w {
		if y[i] > 0 {
			w[i] *= wpos
		} else {
			w[i] *= wneg
		}
	}
}
