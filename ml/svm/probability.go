package svm

import (
	"math"

	"github.com/mlforge/mlforge/internal/nprand"
)

// Platt scaling as libsvm's svm_binary_svc_probability: for each pair of
// classes, decision values from a 5-fold cross-validation of the pair's
// own problem, then a sigmoid 1/(1+exp(A·f+B)) fitted to them by Newton's
// method with backtracking (Lin, Lin and Weng, "A note on Platt's
// probabilistic outputs for support vector machines", 2007). The folds
// shuffle the pair's samples with scikit-learn's libsvm generator: an
// MT19937 seeded with random_seed (reseeded by every inner fit, so each
// pair's shuffle starts from the seed) and Lemire's bounded integers.

// libsvmSeed is the random_seed scikit-learn passes to libsvm:
// check_random_state(random_state).randint(np.iinfo("i").max).
func libsvmSeed(randomState int) uint32 {
	return uint32(nprand.New(uint32(randomState)).RandInt(0, math.MaxInt32))
}

// plattCV returns the sigmoid's A and B for a pair's problem.
func plattCV(prog *progress, pr *pairProblem, seed uint32, solve pairSolver) (float64, float64, error) {
	const folds = 5
	l := len(pr.y)
	rng := nprand.New(seed)
	perm := make([]int, l)
	for i := range perm {
		perm[i] = i
	}
	for i := range l {
		j := i + int(rng.Bounded(uint32(l-i)))
		perm[i], perm[j] = perm[j], perm[i]
	}
	dec := make([]float64, l)
	for f := range folds {
		begin, end := f*l/folds, (f+1)*l/folds
		var neg, pos []int // the training samples of each sign, in fold order
		for _, t := range perm[:begin] {
			if pr.y[t] == 1 {
				pos = append(pos, t)
			} else {
				neg = append(neg, t)
			}
		}
		for _, t := range perm[end:] {
			if pr.y[t] == 1 {
				pos = append(pos, t)
			} else {
				neg = append(neg, t)
			}
		}
		switch {
		case len(pos) == 0 && len(neg) == 0:
			for _, t := range perm[begin:end] {
				dec[t] = 0
			}
			continue
		case len(neg) == 0:
			for _, t := range perm[begin:end] {
				dec[t] = 1
			}
			continue
		case len(pos) == 0:
			for _, t := range perm[begin:end] {
				dec[t] = -1
			}
			continue
		}
		// The inner fit is libsvm's svm_train on labels ±1, which it
		// sorts: the -1 samples are its first class.
		order := append(neg, pos...)
		in := &pairProblem{kern: pr.kern, pool: pr.pool, rows: make([][]float64, len(order)), y: make([]int8, len(order)), c: make([]float64, len(order))}
		if pr.sw != nil {
			in.sw = make([]float64, len(order))
		}
		for k, t := range order {
			in.rows[k], in.c[k] = pr.rows[t], pr.c[t]
			if pr.sw != nil {
				in.sw[k] = pr.sw[t]
			}
			in.y[k] = 1
			if k >= len(neg) {
				in.y[k] = -1
			}
		}
		sol, err := solve(prog, in)
		if err != nil {
			return 0, 0, err
		}
		for _, t := range perm[begin:end] {
			s := 0.0
			for k, a := range sol.alpha {
				if a != 0 {
					s += a * pr.kern.predictEval(in.rows[k], pr.rows[t])
				}
			}
			// Positive for the inner first class (-1): turned to the
			// pair's sign.
			dec[t] = -(s - sol.rho)
		}
	}
	a, b := sigmoidTrain(dec, pr.y)
	return a, b, nil
}

// sigmoidTrain fits P(y=1|f) = 1/(1+exp(A·f+B)) to the decision values by
// Newton's method with backtracking, on Platt's smoothed targets.
func sigmoidTrain(dec []float64, y []int8) (float64, float64) {
	var prior1, prior0 float64
	for _, v := range y {
		if v > 0 {
			prior1++
		} else {
			prior0++
		}
	}
	const (
		maxIter = 100
		minStep = 1e-10
		sigma   = 1e-12
		eps     = 1e-5
	)
	hi, lo := (prior1+1)/(prior1+2), 1/(prior0+2)
	t := make([]float64, len(y))
	for i, v := range y {
		t[i] = lo
		if v > 0 {
			t[i] = hi
		}
	}
	objective := func(A, B float64) float64 {
		f := 0.0
		for i, d := range dec {
			z := d*A + B
			if z >= 0 {
				f += t[i]*z + math.Log(1+math.Exp(-z))
			} else {
				f += (t[i]-1)*z + math.Log(1+math.Exp(z))
			}
		}
		return f
	}
	A, B := 0.0, math.Log((prior0+1)/(prior1+1))
	fval := objective(A, B)
	for range maxIter {
		h11, h22, h21, g1, g2 := sigma, sigma, 0.0, 0.0, 0.0
		for i, d := range dec {
			z := d*A + B
			var p, q float64
			if z >= 0 {
				e := math.Exp(-z)
				p, q = e/(1+e), 1/(1+e)
			} else {
				e := math.Exp(z)
				p, q = 1/(1+e), e/(1+e)
			}
			d2 := p * q
			h11 += d * d * d2
			h22 += d2
			h21 += d * d2
			d1 := t[i] - p
			g1 += d * d1
			g2 += d1
		}
		if math.Abs(g1) < eps && math.Abs(g2) < eps {
			break
		}
		det := h11*h22 - h21*h21
		dA := -(h22*g1 - h21*g2) / det
		dB := -(-h21*g1 + h11*g2) / det
		gd := g1*dA + g2*dB
		step := 1.0
		for step >= minStep {
			nA, nB := A+step*dA, B+step*dB
			nf := objective(nA, nB)
			if nf < fval+0.0001*step*gd {
				A, B, fval = nA, nB, nf
				break
			}
			step /= 2
		}
		if step < minStep {
			break // the line search failed, as libsvm reports
		}
	}
	return A, B
}

// sigmoidPredict is 1/(1+exp(A·f+B)), computed without overflow.
func sigmoidPredict(f, A, B float64) float64 {
	z := f*A + B
	if z >= 0 {
		e := math.Exp(-z)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(z))
}

// coupleProbabilities turns the pairwise probabilities r (k × k, r[i][j]
// the probability of i against j) into class probabilities p, by the
// second method of Wu, Lin and Weng (2004), as libsvm's
// multiclass_probability.
func coupleProbabilities(k int, r [][]float64, p []float64) {
	maxIter := max(100, k)
	Q := make([][]float64, k)
	for t := range Q {
		Q[t] = make([]float64, k)
	}
	Qp := make([]float64, k)
	eps := 0.005 / float64(k)
	for t := range k {
		p[t] = 1 / float64(k)
		Q[t][t] = 0
		for j := 0; j < t; j++ {
			Q[t][t] += r[j][t] * r[j][t]
			Q[t][j] = Q[j][t]
		}
		for j := t + 1; j < k; j++ {
			Q[t][t] += r[j][t] * r[j][t]
			Q[t][j] = -r[j][t] * r[t][j]
		}
	}
	for range maxIter {
		pQp := 0.0
		for t := range k {
			Qp[t] = 0
			for j := range k {
				Qp[t] += Q[t][j] * p[j]
			}
			pQp += p[t] * Qp[t]
		}
		maxErr := 0.0
		for t := range k {
			maxErr = math.Max(maxErr, math.Abs(Qp[t]-pQp))
		}
		if maxErr < eps {
			break
		}
		for t := range k {
			diff := (-Qp[t] + pQp) / Q[t][t]
			p[t] += diff
			pQp = (pQp + diff*(diff*Q[t][t]+2*Qp[t])) / (1 + diff) / (1 + diff)
			for j := range k {
				Qp[j] = (Qp[j] + diff*Q[t][j]) / (1 + diff)
				p[j] /= 1 + diff
			}
		}
	}
}

// probabilities returns the class probabilities of one row from its
// pairwise decision values dec, as libsvm's svm_predict_probability.
func probabilities(dec, probA, probB []float64, k int, out []float64) {
	const minProb = 1e-7
	r := make([][]float64, k)
	for i := range r {
		r[i] = make([]float64, k)
	}
	p := 0
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			v := min(max(sigmoidPredict(dec[p], probA[p], probB[p]), minProb), 1-minProb)
			r[i][j], r[j][i] = v, 1-v
			p++
		}
	}
	// Two classes too go through the coupling, as scikit-learn's libsvm
	// does (libsvm 3.x returns r[0][1], r[1][0] directly).
	coupleProbabilities(k, r, out)
}
