package svm

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// pairProblem is the binary problem of classes i < j: l = ci + cj samples,
// class i's first (y = +1), then class j's (y = -1), with their bounds.
type pairProblem struct {
	i, j int
	kern kernelSpec
	rows [][]float64
	y    []int8
	c    []float64 // the bound of each sample: C times its class's weight (and its sample weight)
	sw   []float64 // the sample weights (ν-SVC's bounds); nil for unit weights
	pool *colPool  // the kernel cache's buffers, shared by the fit's solves
}

// pairSolver solves a pair's problem and returns the signed coefficients
// (yᵢαᵢ, in the problem's order), rho, the iterations and whether it met
// tol.
type pairSolver func(prog *progress, pr *pairProblem) (solution, error)

// classifier is the fitted state of SVC and NuSVC: the classes and the
// libsvm model.
type classifier struct {
	classes []float64
	m       model
}

// fitOVO trains one machine per pair of classes, as libsvm's svm_train:
// the samples grouped by class (keeping their order within a class), the
// support vectors those with a non-zero coefficient in any pair. With
// sample weights sw (nil for none) each sample's bound is multiplied by
// its weight and the samples of weight 0 are left out, as scikit-learn's
// libsvm does (gamma "scale" still sees every row; support_ indexes the
// rows of X, where scikit-learn 1.2 indexes those of positive weight).
// check receives the classes' weighted counts.
func fitOVO(ctx context.Context, class string, X *mat.Dense, y, sw []float64, cw ml.ClassWeight, C float64, kernel string, degree int, gamma Gamma, coef0 float64, probability bool, randomState int, check func(counts []float64) error, solve pairSolver) (classifier, error) {
	if err := ml.CheckXy(X, y); err != nil {
		return classifier{}, err
	}
	if err := ml.CheckSampleWeight(sw, len(y)); err != nil {
		return classifier{}, err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return classifier{}, err
	}
	K := len(classes)
	counts := make([]float64, K)
	for _, c := range idx {
		counts[c]++
	}
	w, err := cw.PerClass(classes, counts)
	if err != nil {
		return classifier{}, err
	}
	if sw != nil {
		// The classes' weighted sums (libsvm's check of nu), then the
		// counts of the samples kept (weight > 0).
		wsum := make([]float64, K)
		clear(counts)
		for i, c := range idx {
			wsum[c] += sw[i]
			if sw[i] > 0 {
				counts[c]++
			}
		}
		for c, k := range counts {
			if k == 0 {
				return classifier{}, ml.DataErrorf("every sample of class %v has sample weight 0; give it a positive weight or leave the class out", classes[c])
			}
		}
		if check != nil {
			if err := check(wsum); err != nil {
				return classifier{}, err
			}
		}
	} else if check != nil {
		if err := check(counts); err != nil {
			return classifier{}, err
		}
	}
	if probability {
		for c, k := range counts {
			if k < 2 {
				return classifier{}, &ml.ParamError{Param: "probability", Msg: fmt.Sprintf("probability=true fits Platt scaling by 5-fold cross-validation, which cannot both hold out and train on class %v: it has %v sample; give every class at least 2 samples, or set probability to false", classes[c], k)}
			}
		}
	}
	var seed uint32
	var probA, probB []float64
	if probability {
		seed = libsvmSeed(randomState)
	}
	x, n, p := rowsOf(X)
	kern := kernelOf(kernel, degree, gamma, coef0, x, p)
	if kern.kind == kPrecomputed {
		if x, p, err = precomputedRows(class, x, n, p); err != nil {
			return classifier{}, err
		}
	}
	start := make([]int, K+1)
	for c := range K {
		start[c+1] = start[c] + int(counts[c])
	}
	perm := make([]int, 0, n)
	for c := range K {
		for i, ci := range idx {
			if ci == c && (sw == nil || sw[i] > 0) {
				perm = append(perm, i)
			}
		}
	}
	rep := ml.ProgressFrom(ctx)
	prog := &progress{ctx: ctx, rep: rep, msg: class + ": SMO"}
	nPairs := K * (K - 1) / 2
	alphas := make([][]float64, nPairs)
	rho := make([]float64, nPairs)
	nIter := make([]int, nPairs)
	converged := true
	nonzero := make([]bool, n) // by position in perm
	pool := &colPool{}
	pair := 0
	for i := 0; i < K; i++ {
		for j := i + 1; j < K; j++ {
			si, sj := start[i], start[j]
			ci, cj := start[i+1]-si, start[j+1]-sj
			l := ci + cj
			pr := &pairProblem{i: i, j: j, kern: kern, pool: pool, rows: make([][]float64, l), y: make([]int8, l), c: make([]float64, l)}
			if sw != nil {
				pr.sw = make([]float64, l)
			}
			for t := range l {
				var r int
				if t < ci {
					r, pr.y[t], pr.c[t] = perm[si+t], 1, C*w[i]
				} else {
					r, pr.y[t], pr.c[t] = perm[sj+t-ci], -1, C*w[j]
				}
				if sw != nil {
					pr.sw[t] = sw[r]
					pr.c[t] = sw[r] * pr.c[t] // libsvm's W[i]·(C·weight)
				}
				pr.rows[t] = x[r*p : (r+1)*p]
			}
			if probability {
				a, b, err := plattCV(prog, pr, seed, solve)
				if err != nil {
					return classifier{}, err
				}
				probA, probB = append(probA, a), append(probB, b)
			}
			sol, err := solve(prog, pr)
			if err != nil {
				return classifier{}, err
			}
			for t := range l {
				if math.Abs(sol.alpha[t]) > 0 {
					if t < ci {
						nonzero[si+t] = true
					} else {
						nonzero[sj+t-ci] = true
					}
				}
			}
			if !sol.converged {
				converged = false
				rep.Report(ml.Event{Kind: "log", Message: convergenceMessage(fmt.Sprintf("%s (classes %v and %v)", class, classes[i], classes[j]), sol.iters)})
			}
			alphas[pair], rho[pair], nIter[pair] = sol.alpha, sol.rho, sol.iters
			pair++
		}
	}
	nSupport := make([]int, K)
	var svRows []int
	nzStart := make([]int, K)
	for c := range K {
		nzStart[c] = len(svRows)
		for t := start[c]; t < start[c+1]; t++ {
			if nonzero[t] {
				nSupport[c]++
				svRows = append(svRows, perm[t])
			}
		}
	}
	nsv := len(svRows)
	coef := make([]float64, (K-1)*nsv)
	pair = 0
	for i := 0; i < K; i++ {
		for j := i + 1; j < K; j++ {
			si, sj := start[i], start[j]
			ci := start[i+1] - si
			a := alphas[pair]
			q := nzStart[i]
			for t := si; t < start[i+1]; t++ {
				if nonzero[t] {
					coef[(j-1)*nsv+q] = a[t-si]
					q++
				}
			}
			q = nzStart[j]
			for t := sj; t < start[j+1]; t++ {
				if nonzero[t] {
					coef[i*nsv+q] = a[ci+t-sj]
					q++
				}
			}
			pair++
		}
	}
	var fit model
	fit.kernel = kern
	fit.support, fit.nSupport, fit.coef, fit.rho, fit.nIter, fit.converged = svRows, nSupport, coef, rho, nIter, converged
	fit.probA, fit.probB = probA, probB
	if err := fit.checkFitted(); err != nil {
		return classifier{}, err
	}
	fit.setSV(x, p, svRows)
	return classifier{classes: classes, m: fit}, nil
}

func (c *classifier) check(class string, X *mat.Dense) error {
	if !c.m.fitted() {
		return ml.NotFittedError(class)
	}
	return c.m.checkPredictX(class, X)
}

// ovo returns libsvm's pairwise decision values, n × k(k-1)/2.
func (c *classifier) ovo(X *mat.Dense) *mat.Dense {
	n, _ := X.Dims()
	out := mat.NewDense(n, len(c.m.rho), nil)
	c.m.kernelValues(X, func(i int, kv []float64) { c.m.pairValues(kv, out.RawRowView(i)) })
	return out
}

// ovrOf turns pairwise decision values into one column per class, as
// scikit-learn's _ovr_decision_function(dec < 0, -dec, k): the votes of
// each class plus its summed confidences squashed into (-1/3, 1/3).
func ovrOf(dec []float64, k int, out []float64) {
	conf := make([]float64, k)
	for c := range out {
		out[c] = 0
	}
	p := 0
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			d := -dec[p]
			conf[i] -= d
			conf[j] += d
			if dec[p] < 0 {
				out[j]++
			} else {
				out[i]++
			}
			p++
		}
	}
	for c := range out {
		out[c] += conf[c] / (3 * (math.Abs(conf[c]) + 1))
	}
}

func (c *classifier) decisionFunction(class string, X *mat.Dense, shape string) (*mat.Dense, error) {
	if err := c.check(class, X); err != nil {
		return nil, err
	}
	dec := c.ovo(X)
	n, _ := dec.Dims()
	k := len(c.classes)
	if k == 2 {
		d := mat.NewDense(n, 1, nil)
		for i := range n {
			d.Set(i, 0, -dec.At(i, 0))
		}
		return d, nil
	}
	if shape == "ovo" {
		return dec, nil
	}
	out := mat.NewDense(n, k, nil)
	for i := range n {
		ovrOf(dec.RawRowView(i), k, out.RawRowView(i))
	}
	return out, nil
}

func (c *classifier) predict(class string, X *mat.Dense, breakTies bool) ([]float64, error) {
	if err := c.check(class, X); err != nil {
		return nil, err
	}
	dec := c.ovo(X)
	n, _ := dec.Dims()
	k := len(c.classes)
	out := make([]float64, n)
	votes := make([]float64, k)
	for r := range n {
		row := dec.RawRowView(r)
		if breakTies && k > 2 {
			ovrOf(row, k, votes)
			out[r] = c.classes[argmax(votes)]
			continue
		}
		for i := range votes {
			votes[i] = 0
		}
		p := 0
		for i := 0; i < k; i++ {
			for j := i + 1; j < k; j++ {
				if row[p] > 0 {
					votes[i]++
				} else {
					votes[j]++
				}
				p++
			}
		}
		out[r] = c.classes[argmax(votes)]
	}
	return out, nil
}

func argmax(v []float64) int {
	b := 0
	for i, x := range v {
		if x > v[b] {
			b = i
		}
	}
	return b
}

// predictProba returns libsvm's probability estimates, one column per
// class.
func (c *classifier) predictProba(class string, X *mat.Dense) (*mat.Dense, error) {
	if err := c.check(class, X); err != nil {
		return nil, err
	}
	if len(c.m.probA) == 0 {
		return nil, fmt.Errorf("%s: predict_proba is not available: the model was fitted with probability=false", class)
	}
	dec := c.ovo(X)
	n, _ := dec.Dims()
	k := len(c.classes)
	out := mat.NewDense(n, k, nil)
	for i := range n {
		probabilities(dec.RawRowView(i), c.m.probA, c.m.probB, k, out.RawRowView(i))
	}
	return out, nil
}

func (c *classifier) dualCoef() *mat.Dense {
	if !c.m.fitted() || c.m.nSV() == 0 {
		return nil
	}
	d := mat.NewDense(len(c.classes)-1, c.m.nSV(), slices.Clone(c.m.coef))
	if len(c.classes) == 2 {
		d.Scale(-1, d)
	}
	return d
}

func (c *classifier) intercept() []float64 {
	out := make([]float64, len(c.m.rho))
	for i, r := range c.m.rho {
		out[i] = -r
		if len(c.classes) == 2 {
			out[i] = r
		}
	}
	return out
}

func (c *classifier) marshal(class string) (*ml.State, error) {
	if !c.m.fitted() {
		return nil, ml.NotFittedError(class)
	}
	s := ml.NewState()
	s.SetFloats("classes", c.classes)
	c.m.putState(s)
	return s, nil
}

func (c *classifier) unmarshal(class string, s *ml.State) error {
	if s == nil {
		return fmt.Errorf("%s: state: nil", class)
	}
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("%s: %w", class, err)
	}
	if len(classes) < 2 || !slices.IsSorted(classes) {
		return fmt.Errorf("%s: state: classes %v, expected at least 2 sorted values", class, classes)
	}
	var fit model
	if err := fit.getState(s, len(classes)); err != nil {
		return fmt.Errorf("%s: %w", class, err)
	}
	*c = classifier{classes: slices.Clone(classes), m: fit}
	return nil
}
