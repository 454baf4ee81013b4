package linear

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name: "SGDClassifier", Task: ml.Classification, Family: "linear",
		Doc: "Linear classifier (hinge, log_loss, modified_huber, ... losses) fitted by stochastic gradient descent, one-vs-rest for more than two classes.",
		New: func() ml.Estimator { return NewSGDClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "SGDRegressor", Task: ml.Regression, Family: "linear",
		Doc: "Linear regressor (squared_error, huber, epsilon_insensitive losses) fitted by stochastic gradient descent.",
		New: func() ml.Estimator { return NewSGDRegressor() },
	})
	ml.Register(ml.ClassInfo{
		Name: "Perceptron", Task: ml.Classification, Family: "linear",
		Doc: "The perceptron: SGD with the perceptron loss and a constant learning rate, one-vs-rest for more than two classes.",
		New: func() ml.Estimator { return NewPerceptron() },
	})
	ml.Register(ml.ClassInfo{
		Name: "PassiveAggressiveClassifier", Task: ml.Classification, Family: "linear",
		Doc: "Passive-aggressive linear classifier (PA-I with hinge, PA-II with squared_hinge), one-vs-rest for more than two classes.",
		New: func() ml.Estimator { return NewPassiveAggressiveClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "PassiveAggressiveRegressor", Task: ml.Regression, Family: "linear",
		Doc: "Passive-aggressive linear regressor (PA-I with epsilon_insensitive, PA-II with squared_epsilon_insensitive).",
		New: func() ml.Estimator { return NewPassiveAggressiveRegressor() },
	})
}

// sgdCommon are the parameters every SGD-fitted class shares, with
// scikit-learn 1.2's names.
type sgdCommon struct {
	FitIntercept       bool     `json:"fit_intercept" help:"whether to fit an intercept"`
	MaxIter            int      `json:"max_iter" min:"1" help:"maximum number of epochs (passes over the training data)"`
	Tol                *float64 `json:"tol" min:"0" nullable:"true" type:"float" help:"stop when the epoch loss (or validation score) has not improved by tol for n_iter_no_change epochs; null: run max_iter epochs"`
	Shuffle            bool     `json:"shuffle" help:"shuffle the samples every epoch"`
	RandomState        int64    `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the shuffle (drawn as scikit-learn draws it) and of the validation split; null means 0"`
	EarlyStopping      bool     `json:"early_stopping" help:"stop on the score of a held-out validation split"`
	ValidationFraction float64  `json:"validation_fraction" gt:"0" lt:"1" help:"fraction held out for early stopping"`
	NIterNoChange      int      `json:"n_iter_no_change" min:"1" help:"epochs without improvement before stopping"`
}

func defaultCommon() sgdCommon {
	tol := 1e-3
	return sgdCommon{FitIntercept: true, MaxIter: 1000, Tol: &tol, Shuffle: true, ValidationFraction: 0.1, NIterNoChange: 5}
}

// sgdPenalty is the regularisation of SGDClassifier, SGDRegressor and
// Perceptron.
type sgdPenalty struct {
	Penalty string  `json:"penalty" enum:"l2,l1,elasticnet" nullable:"true" help:"l2, l1, elasticnet or null (no penalty)"`
	Alpha   float64 `json:"alpha" min:"0" help:"regularisation strength (also sets the optimal learning rate)"`
	L1Ratio float64 `json:"l1_ratio" min:"0" max:"1" help:"elastic-net mixing: 0 is l2, 1 is l1"`
}

// sgdSchedule is the learning-rate schedule of SGDClassifier and
// SGDRegressor.
type sgdSchedule struct {
	Epsilon      float64    `json:"epsilon" min:"0" help:"the epsilon of huber and of the epsilon-insensitive losses"`
	LearningRate string     `json:"learning_rate" enum:"optimal,constant,invscaling,adaptive" help:"learning-rate schedule"`
	Eta0         float64    `json:"eta0" min:"0" help:"initial learning rate (constant, invscaling, adaptive)"`
	PowerT       float64    `json:"power_t" help:"exponent of the invscaling schedule"`
	Average      SGDAverage `json:"average" help:"false, true (average the weights over all updates) or k ≥ 1 (average from the k-th update on)"`
}

// SGDAverage is the average parameter: false (0), true (1) or the update
// from which the weights are averaged.
type SGDAverage int

// UnmarshalJSON reads true, false or an integer ≥ 0.
func (a *SGDAverage) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*a = 0
		if x {
			*a = 1
		}
		return nil
	case float64:
		if x >= 0 && x == math.Trunc(x) && x < 1<<31 {
			*a = SGDAverage(x)
			return nil
		}
	}
	return fmt.Errorf("expected true, false or an integer ≥ 0, got %s", b)
}

// MarshalJSON writes false, true or the integer.
func (a SGDAverage) MarshalJSON() ([]byte, error) {
	switch a {
	case 0:
		return []byte("false"), nil
	case 1:
		return []byte("true"), nil
	}
	return json.Marshal(int(a))
}

// ParamType names the type in the catalogue.
func (SGDAverage) ParamType() (string, string) {
	return "average", "true, false or an integer ≥ 1 (average from that update on)"
}

// sgdConfig is one fit's resolved settings.
type sgdConfig struct {
	name           string
	loss           sgdLoss
	penalty        string
	alpha, l1Ratio float64
	fitIntercept   bool
	maxIter        int
	tol            float64 // -Inf: no tolerance stop
	shuffle        bool
	learningRate   string // optimal, constant, invscaling, adaptive, pa1, pa2
	eta0, powerT   float64
	average        int
	paC            float64 // C of pa1 and pa2
	earlyStopping  bool
	valFrac        float64
	nIterNoChange  int
	seed           uint32
	sw             []float64 // sample weights, nil for unit weights

	nJobs int // binary problems fitted at once (n_jobs)
	prog  *sgdProgress
}

// sgdProgress reports one iter event per epoch of any binary problem, from
// any goroutine, counting up to max_iter × problems, and none once ctx is
// done.
type sgdProgress struct {
	mu    sync.Mutex
	ctx   context.Context
	r     ml.Reporter
	steps int
	total int
}

func (p *sgdProgress) epoch(loss float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil {
		return
	}
	p.steps++
	p.r.Report(ml.Event{Kind: "iter", Step: p.steps, Total: p.total, Loss: &loss})
}

// sgdWorkers maps n_jobs to a number of goroutines for k problems, as
// joblib does: 0 (null) means 1, -1 GOMAXPROCS, -2 one fewer, and so on.
func sgdWorkers(nJobs, k int) int {
	w := nJobs
	switch {
	case nJobs == 0:
		w = 1
	case nJobs < 0:
		w = runtime.GOMAXPROCS(0) + 1 + nJobs
	}
	return max(1, min(w, k))
}

func (c sgdCommon) config(name string) *sgdConfig {
	tol := math.Inf(-1)
	if c.Tol != nil {
		tol = *c.Tol
	}
	return &sgdConfig{name: name, fitIntercept: c.FitIntercept, maxIter: c.MaxIter, tol: tol, shuffle: c.Shuffle, earlyStopping: c.EarlyStopping, valFrac: c.ValidationFraction, nIterNoChange: c.NIterNoChange, seed: uint32(c.RandomState)}
}

func (c sgdCommon) check(name string) error {
	if c.Tol != nil && math.IsNaN(*c.Tol) {
		return &ml.ParamError{Param: "tol", Msg: name + ": tol is NaN, expected a number ≥ 0 or null"}
	}
	return nil
}

func (p sgdPenalty) check(name, lr string) error {
	if math.IsNaN(p.Alpha) {
		return &ml.ParamError{Param: "alpha", Msg: name + ": alpha is NaN, expected a number ≥ 0"}
	}
	if lr == "optimal" && p.Alpha == 0 {
		return &ml.ParamError{Param: "alpha", Msg: "alpha is 0, expected > 0 with learning_rate \"optimal\" (alpha sets the optimal learning rate)"}
	}
	return nil
}

func (s sgdSchedule) check(name string) error {
	if s.LearningRate != "optimal" && s.Eta0 <= 0 {
		return &ml.ParamError{Param: "eta0", Msg: fmt.Sprintf("eta0 is %v, expected > 0 with learning_rate %q", s.Eta0, s.LearningRate)}
	}
	if math.IsNaN(s.PowerT) || math.IsInf(s.PowerT, 0) {
		return &ml.ParamError{Param: "power_t", Msg: fmt.Sprintf("%s: power_t is %v, expected a finite number", name, s.PowerT)}
	}
	return nil
}

func (c *sgdConfig) setPenalty(p sgdPenalty) {
	c.penalty, c.alpha, c.l1Ratio = p.Penalty, p.Alpha, p.L1Ratio
}

func (c *sgdConfig) setSchedule(s sgdSchedule) {
	c.learningRate, c.eta0, c.powerT, c.average = s.LearningRate, s.Eta0, s.PowerT, int(s.Average)
}

// sgdLoss is one of _sgd_fast's loss functions.
type sgdLoss struct {
	kind      lossKind
	hinge     bool // Hinge (and the perceptron): the passive-aggressive classification sign
	threshold float64
	eps       float64
}

// lossKind names a loss for the per-sample switches (an integer, not the
// string, in the hot loop).
type lossKind int

const (
	lossHinge lossKind = iota // hinge and perceptron (threshold 0)
	lossSquaredHinge
	lossLog
	lossModifiedHuber
	lossSquaredError
	lossHuber
	lossEpsInsensitive
	lossSquaredEpsInsensitive
)

var lossKinds = map[string]lossKind{
	"hinge": lossHinge, "perceptron": lossHinge, "squared_hinge": lossSquaredHinge,
	"log_loss": lossLog, "log": lossLog, "modified_huber": lossModifiedHuber,
	"squared_error": lossSquaredError, "huber": lossHuber,
	"epsilon_insensitive": lossEpsInsensitive, "squared_epsilon_insensitive": lossSquaredEpsInsensitive,
}

func (l sgdLoss) loss(p, y float64) float64 {
	switch l.kind {
	case lossHinge:
		if z := l.threshold - p*y; z > 0 {
			return z
		}
		return 0
	case lossSquaredHinge:
		z := l.threshold - p*y
		if z > 0 {
			return z * z
		}
		return 0
	case lossLog:
		z := p * y
		if z > 18 {
			return math.Exp(-z)
		}
		if z < -18 {
			return -z
		}
		return math.Log(1 + math.Exp(-z))
	case lossModifiedHuber:
		z := p * y
		if z >= 1 {
			return 0
		} else if z >= -1 {
			return (1 - z) * (1 - z)
		}
		return -4 * z
	case lossSquaredError:
		return 0.5 * (p - y) * (p - y)
	case lossHuber:
		r := p - y
		if math.Abs(r) <= l.eps {
			return 0.5 * r * r
		}
		return l.eps*math.Abs(r) - 0.5*l.eps*l.eps
	case lossEpsInsensitive:
		if z := math.Abs(y-p) - l.eps; z > 0 {
			return z
		}
		return 0
	default: // squared_epsilon_insensitive
		r := math.Abs(y-p) - l.eps
		if r > 0 {
			return r * r
		}
		return 0
	}
}

func (l sgdLoss) dloss(p, y float64) float64 {
	switch l.kind {
	case lossHinge:
		if p*y <= l.threshold {
			return -y
		}
		return 0
	case lossSquaredHinge:
		z := l.threshold - p*y
		if z > 0 {
			return -2 * y * z
		}
		return 0
	case lossLog:
		z := p * y
		if z > 18 {
			return math.Exp(-z) * -y
		}
		if z < -18 {
			return -y
		}
		return -y / (math.Exp(z) + 1)
	case lossModifiedHuber:
		z := p * y
		if z >= 1 {
			return 0
		} else if z >= -1 {
			return -2 * (1 - z) * y
		}
		return -4 * y
	case lossSquaredError:
		return p - y
	case lossHuber:
		r := p - y
		if math.Abs(r) <= l.eps {
			return r
		} else if r > 0 {
			return l.eps
		}
		return -l.eps
	case lossEpsInsensitive:
		if y-p > l.eps {
			return -1
		} else if p-y > l.eps {
			return 1
		}
		return 0
	default:
		z := y - p
		if z > l.eps {
			return -2 * (z - l.eps)
		} else if z < -l.eps {
			return 2 * (-z - l.eps)
		}
		return 0
	}
}

// newSGDLoss returns the loss called name ("log", scikit-learn 1.2's
// deprecated name of log_loss, included); eps is epsilon for the losses
// that have one.
func newSGDLoss(name string, eps float64) sgdLoss {
	l := sgdLoss{kind: lossKinds[name], eps: eps}
	switch name {
	case "hinge", "squared_hinge":
		l.threshold, l.hinge = 1, name == "hinge"
	case "perceptron":
		l.threshold, l.hinge = 0, true
	}
	return l
}

// xorshift is sklearn.utils._random.our_rand_r.
func xorshift(s *uint32) uint32 {
	if *s == 0 {
		*s = 1
	}
	*s ^= *s << 13
	*s ^= *s >> 17
	*s ^= *s << 5
	return *s % (0x7FFFFFFF + 1)
}

// sgdBuffers are the per-fit work arrays, allocated once and reused by
// every binary problem (and every epoch).
type sgdBuffers struct {
	order    []int
	w, q, aw []float64
}

func newSGDBuffers(n, nf int, c *sgdConfig) *sgdBuffers {
	b := &sgdBuffers{order: make([]int, n), w: make([]float64, nf)}
	if c.penalty == "l1" || c.penalty == "elasticnet" {
		b.q = make([]float64, nf)
	}
	if c.average > 0 {
		b.aw = make([]float64, nf)
	}
	return b
}

// sgdResult is what plainSGD returns.
type sgdResult struct {
	w, avg    []float64 // avg is nil without averaging
	b, avgB   float64
	nIter     int
	converged bool
}

// plainSGD is scikit-learn 1.2's _plain_sgd on dense data: the weights are
// kept as wscale·w (the L2 shrink scales wscale), the averaged weights as
// Bottou's (aw + a·w)/b (WeightVector's add_average, updated before the L1
// step as scikit-learn does), the "optimal" schedule starts at t0 from the
// typical-weight heuristic, L1 uses the cumulative penalty of Tsuruoka et
// al. weightPos/weightNeg multiply the updates of y > 0 and y ≤ 0. score,
// when not nil, is the validation score used for early stopping; skip marks
// the held-out rows. The result's slices are fresh.
func plainSGD(ctx context.Context, X *mat.Dense, y []float64, c *sgdConfig, bufs *sgdBuffers, weightPos, weightNeg float64, seed uint32, skip []bool, score func(w []float64, b float64) float64) (sgdResult, error) {
	n, nf := X.Dims()
	raw := X.RawMatrix()
	l := c.loss
	w, q, aw := bufs.w, bufs.q, bufs.aw
	clear(w)
	clear(q)
	clear(aw)
	wscale, avgA, avgBScale := 1.0, 0.0, 1.0
	b, avgB := 0.0, 0.0
	resetScale := func() {
		if aw != nil {
			for j := range aw {
				aw[j] = (aw[j] + avgA*w[j]) * (1 / avgBScale)
			}
			avgA, avgBScale = 0, 1
		}
		for j := range w {
			w[j] *= wscale
		}
		wscale = 1
	}
	l1ratio := c.l1Ratio
	switch c.penalty {
	case "l2":
		l1ratio = 0
	case "l1":
		l1ratio = 1
	}
	u := 0.0
	eta := c.eta0
	optimalInit := 0.0
	if c.learningRate == "optimal" {
		typw := math.Sqrt(1 / math.Sqrt(c.alpha))
		initialEta0 := typw / math.Max(1, l.dloss(-typw, 1))
		optimalInit = 1 / (initialEta0 * c.alpha)
	}
	pa := c.learningRate == "pa1" || c.learningRate == "pa2"
	pa1 := c.learningRate == "pa1"
	optimal, invscaling := c.learningRate == "optimal", c.learningRate == "invscaling"
	l2 := c.penalty == "l2" || c.penalty == "elasticnet"
	// t^power_t of invscaling: math.Pow dominated the defaults' fits, and
	// for scikit-learn's two defaults (0.25, 0.5) square roots are faster
	// and closer to the C library's pow that scikit-learn calls (on
	// t = 1 ... 200,000, Sqrt(Sqrt(t)) differs from glibc's pow(t, 0.25) in
	// 12% of cases by an ulp, math.Pow in 61%).
	powT := func(t float64) float64 { return math.Pow(t, c.powerT) }
	switch c.powerT {
	case 0.5:
		powT = math.Sqrt
	case 0.25:
		powT = func(t float64) float64 { return math.Sqrt(math.Sqrt(t)) }
	}
	order := bufs.order
	for i := range order {
		order[i] = i
	}
	trainCount := n
	for _, s := range skip {
		if s {
			trainCount--
		}
	}
	t := 1.0
	bestLoss, bestScore := math.Inf(1), math.Inf(-1)
	noImprove := 0
	res := sgdResult{}
	epoch := 0
	for epoch = 0; epoch < c.maxIter; epoch++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		sumloss := 0.0
		if c.shuffle {
			s := seed
			for i := 0; i < n-1; i++ {
				j := i + int(xorshift(&s)%uint32(n-i))
				order[i], order[j] = order[j], order[i]
			}
		}
		for _, i := range order {
			if skip != nil && skip[i] {
				continue
			}
			x := raw.Data[i*raw.Stride : i*raw.Stride+nf]
			wx := w[:len(x)] // lets the compiler drop the bounds checks
			yi := y[i]
			if optimal {
				eta = 1 / (c.alpha * (optimalInit + t - 1))
			} else if invscaling {
				eta = c.eta0 / powT(t)
			}
			dot := 0.0
			for j, v := range x {
				dot += wx[j] * v
			}
			pr := dot*wscale + b
			if !c.earlyStopping {
				sumloss += l.loss(pr, yi)
			}
			cw := weightNeg
			if yi > 0 {
				cw = weightPos
			}
			var update float64
			if pa {
				sq := 0.0
				for _, v := range x {
					sq += v * v
				}
				if pa1 {
					if sq == 0 {
						continue
					}
					update = math.Min(c.paC, l.loss(pr, yi)/sq)
				} else {
					update = l.loss(pr, yi) / (sq + 0.5/c.paC)
				}
				if l.hinge {
					update *= yi
				} else if yi-pr < 0 {
					update *= -1
				}
			} else {
				d := l.dloss(pr, yi)
				// Clipped as scikit-learn clips (MAX_DLOSS); plain
				// comparisons, as its C, not math.Max's NaN and ±0 rules.
				if d < -1e12 {
					d = -1e12
				} else if d > 1e12 {
					d = 1e12
				}
				update = -eta * d
			}
			if c.sw != nil {
				update *= cw * c.sw[i]
			} else {
				update *= cw
			}
			if l2 {
				if f := 1 - (1-l1ratio)*eta*c.alpha; f > 0 {
					wscale *= f
				} else {
					wscale = 0
				}
				if wscale < 1e-9 {
					resetScale()
				}
			}
			if update != 0 {
				k := update / wscale
				for j, v := range x {
					wx[j] += v * k
				}
				if c.fitIntercept {
					b += update
				}
			}
			if aw != nil && float64(c.average) <= t {
				num := t - float64(c.average) + 1
				k := -update / wscale
				for j, v := range x {
					aw[j] += avgA * v * k
				}
				mu := 1 / num
				if num > 1 {
					avgBScale /= 1 - mu
				}
				avgA += mu * avgBScale * wscale
				avgB += (b - avgB) / num
			}
			if q != nil {
				u += l1ratio * eta * c.alpha
				for j := range w {
					z := w[j]
					if wscale*z > 0 {
						w[j] = math.Max(0, w[j]-(u+q[j])/wscale)
					} else if wscale*z < 0 {
						w[j] = math.Min(0, w[j]+(u-q[j])/wscale)
					}
					q[j] += wscale * (w[j] - z)
				}
			}
			t++
		}
		finite := !math.IsInf(b, 0) && !math.IsNaN(b)
		for _, v := range w {
			if math.IsInf(v, 0) || math.IsNaN(v) {
				finite = false
			}
		}
		if !finite {
			return res, ml.DataErrorf("floating-point under-/overflow in epoch %d: the coefficients are not finite; scale the data or lower eta0 / alpha", epoch+1)
		}
		c.prog.epoch(sumloss)
		if score != nil {
			// scikit-learn 1.2 scores the raw weight array, without
			// wscale (validation_score_cb(weights.base, intercept)):
			// the same here, so that early stopping stops where it does.
			sc := score(w, b)
			if sc < bestScore+c.tol {
				noImprove++
			} else {
				noImprove = 0
			}
			if sc > bestScore {
				bestScore = sc
			}
		} else {
			if sumloss > bestLoss-c.tol*float64(trainCount) {
				noImprove++
			} else {
				noImprove = 0
			}
			if sumloss < bestLoss {
				bestLoss = sumloss
			}
		}
		if noImprove >= c.nIterNoChange {
			if c.learningRate == "adaptive" && eta > 1e-6 {
				eta /= 5
				noImprove = 0
			} else {
				res.converged = true
				break
			}
		}
	}
	resetScale()
	res.nIter = min(epoch+1, c.maxIter)
	res.w, res.b = slices.Clone(w), b
	if aw != nil {
		res.avg, res.avgB = slices.Clone(aw), avgB
	}
	return res, nil
}

// validationMask is the early-stopping split of scikit-learn 1.2
// (_make_validation_split): ceil(frac·n) rows held out by ShuffleSplit, or
// for classifiers (idx, the class of each row, not nil) by
// StratifiedShuffleSplit, with numpy's RandomState(seed) as both draw it.
func validationMask(n int, frac float64, seed uint32, idx []int, K int) ([]bool, error) {
	nVal := int(math.Ceil(frac * float64(n)))
	if nVal < 1 || n-nVal < 1 {
		return nil, &ml.ParamError{Param: "validation_fraction", Msg: fmt.Sprintf("validation_fraction %v leaves %d of %d samples for validation, expected at least one in each part", frac, nVal, n)}
	}
	mask := make([]bool, n)
	rng := nprand.New(seed)
	if idx == nil {
		for _, i := range rng.Permutation(n)[:nVal] {
			mask[i] = true
		}
		return mask, nil
	}
	counts := make([]int, K)
	for _, c := range idx {
		counts[c]++
	}
	members := make([][]int, K) // the rows of each class, in order
	for c := range members {
		members[c] = make([]int, 0, counts[c])
	}
	for i, c := range idx {
		members[c] = append(members[c], i)
	}
	if m := slices.Min(counts); m < 2 {
		return nil, ml.DataErrorf("early_stopping: the least populated class has %d member; the stratified validation split needs at least 2 of each class", m)
	}
	if n-nVal < K || nVal < K {
		return nil, &ml.ParamError{Param: "validation_fraction", Msg: fmt.Sprintf("validation_fraction %v holds out %d of %d samples, expected at least one of each of the %d classes in each part", frac, nVal, n, K)}
	}
	nTrain := nprand.ApproximateMode(counts, n-nVal, rng.Choice)
	left := make([]int, K)
	for c := range left {
		left[c] = counts[c] - nTrain[c]
	}
	nTest := nprand.ApproximateMode(left, nVal, rng.Choice)
	for c := range K {
		perm := rng.Permutation(counts[c])
		for _, k := range perm[nTrain[c] : nTrain[c]+nTest[c]] {
			mask[members[c][k]] = true
		}
	}
	return mask, nil
}

// sgdClassifierFit is the fitted state of the SGD-fitted classifiers
// (SGDClassifier, Perceptron, PassiveAggressiveClassifier), with the
// methods they share.
type sgdClassifierFit struct {
	name      string
	classes   []float64
	coef      *mat.Dense
	intercept []float64
	nIter     int
}

// fit runs one binary problem per class (one for two classes), as
// scikit-learn's fit_binary does, with the shuffle seeds drawn from
// random_state as scikit-learn draws them: for two classes
// RandomState(random_state) gives make_dataset's seed and then the
// shuffle's; for more, it gives one seed per class, from which each
// problem draws its two as the binary case does.
func (m *sgdClassifierFit) fit(ctx context.Context, X *mat.Dense, y []float64, c *sgdConfig, cwp ml.ClassWeight) error {
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if err := ml.CheckSampleWeight(c.sw, len(y)); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	n, nf := X.Dims()
	K := len(classes)
	counts := make([]float64, K)
	for _, ci := range idx {
		counts[ci]++
	}
	cw, err := cwp.PerClass(classes, counts)
	if err != nil {
		return err
	}
	var skip []bool
	if c.earlyStopping {
		if skip, err = validationMask(n, c.valFrac, c.seed, idx, K); err != nil {
			return err
		}
	}
	k := K
	if K == 2 {
		k = 1
	}
	seeds := make([]uint32, k)
	if k == 1 {
		seeds[0] = c.seed
	} else {
		rs := nprand.New(c.seed)
		for i := range seeds {
			seeds[i] = uint32(rs.RandInt(0, math.MaxInt32))
		}
	}
	coef := mat.NewDense(k, nf, nil)
	intercept := make([]float64, k)
	avgCoef := mat.NewDense(k, nf, nil)
	avgIntercept := make([]float64, k)
	raw := X.RawMatrix()
	c.prog = &sgdProgress{ctx: ctx, r: ml.ProgressFrom(ctx), total: c.maxIter * k}
	results := make([]sgdResult, k)
	errs := make([]error, k)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// problem fits binary problem ci with the worker's buffers; the
	// problems share nothing else, so the model does not depend on n_jobs.
	problem := func(ci int, yy []float64, bufs *sgdBuffers) {
		pos := ci
		wpos, wneg := cw[ci], 1.0
		if K == 2 {
			pos, wpos, wneg = 1, cw[1], cw[0]
		}
		for i, v := range idx {
			yy[i] = -1
			if v == pos {
				yy[i] = 1
			}
		}
		var score func([]float64, float64) float64
		if skip != nil {
			score = func(w []float64, b float64) float64 {
				right, tot := 0.0, 0.0 // accuracy, weighted by sample_weight_val
				for i := 0; i < n; i++ {
					if !skip[i] {
						continue
					}
					d := b
					for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+nf] {
						d += w[j] * v
					}
					wi := 1.0
					if c.sw != nil {
						wi = c.sw[i]
					}
					if (d > 0) == (yy[i] > 0) {
						right += wi
					}
					tot += wi
				}
				return right / tot
			}
		}
		rs := nprand.New(seeds[ci])
		rs.RandInt(1, math.MaxInt32) // make_dataset's seed
		results[ci], errs[ci] = plainSGD(gctx, X, yy, c, bufs, wpos, wneg, uint32(rs.RandInt(0, math.MaxInt32)), skip, score)
		if errs[ci] != nil {
			cancel()
		}
	}
	nw := sgdWorkers(c.nJobs, k)
	if nw == 1 {
		yy, bufs := make([]float64, n), newSGDBuffers(n, nf, c)
		for ci := range k {
			if problem(ci, yy, bufs); errs[ci] != nil {
				break
			}
		}
	} else {
		next := make(chan int)
		var wg sync.WaitGroup
		for range nw {
			wg.Add(1)
			go func() {
				defer wg.Done()
				yy, bufs := make([]float64, n), newSGDBuffers(n, nf, c)
				for ci := range next {
					if gctx.Err() == nil {
						problem(ci, yy, bufs)
					}
				}
			}()
		}
		for ci := range k {
			next <- ci
		}
		close(next)
		wg.Wait()
	}
	// The first error in class order; a cancellation of the caller's
	// context wins over the cancellations it caused in other problems.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	nIter := 0
	converged := true
	for ci, res := range results {
		copy(coef.RawRowView(ci), res.w)
		intercept[ci] = res.b
		if res.avg != nil {
			copy(avgCoef.RawRowView(ci), res.avg)
			avgIntercept[ci] = res.avgB
		}
		nIter = max(nIter, res.nIter)
		converged = converged && res.converged
	}
	if !converged {
		ml.ProgressFrom(ctx).Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: maximum number of iterations (%d) reached before convergence; consider increasing max_iter", c.name, c.maxIter)})
	}
	// scikit-learn keeps the averaged weights once t_ - 1 ≥ average, t_
	// having counted n_iter_ × n_samples updates.
	if c.average > 0 && c.average <= nIter*n {
		coef, intercept = avgCoef, avgIntercept
	}
	m.classes, m.coef, m.intercept, m.nIter = classes, coef, intercept, nIter
	return nil
}

// NIter returns the number of epochs run (the largest over the classes).
func (m *sgdClassifierFit) NIter() int { return m.nIter }

// DecisionFunction returns X·coefᵀ + intercept.
func (m *sgdClassifierFit) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError(m.name)
	}
	return ml.LinearDecision(X, m.coef, m.intercept)
}

// Predict returns the class of the largest decision value.
func (m *sgdClassifierFit) Predict(X *mat.Dense) ([]float64, error) {
	d, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	return ml.DecisionClasses(d, m.classes), nil
}

// Classes returns the sorted class values.
func (m *sgdClassifierFit) Classes() []float64 { return slices.Clone(m.classes) }

// Coef returns coef_ (one row for two classes, one per class otherwise).
func (m *sgdClassifierFit) Coef() *mat.Dense {
	if m.coef == nil {
		return nil
	}
	return mat.DenseCopyOf(m.coef)
}

// Intercept returns intercept_.
func (m *sgdClassifierFit) Intercept() []float64 { return slices.Clone(m.intercept) }

// MarshalState returns the classes, coefficients and intercepts.
func (m *sgdClassifierFit) MarshalState() (*ml.State, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError(m.name)
	}
	k, p := m.coef.Dims()
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	s.SetFloats("coef", m.coef.RawMatrix().Data, k, p)
	s.SetFloats("intercept", m.intercept)
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *sgdClassifierFit) UnmarshalState(s *ml.State) error {
	classes, coef, p, b, err := ml.LinearClassifierState(m.name, s)
	if err != nil {
		return err
	}
	if err := checkFinite("coef", coef); err != nil {
		return fmt.Errorf("%s: state: %w", m.name, err)
	}
	if err := checkFinite("intercept", b); err != nil {
		return fmt.Errorf("%s: state: %w", m.name, err)
	}
	m.classes, m.coef, m.intercept = slices.Clone(classes), mat.NewDense(len(b), p, slices.Clone(coef)), slices.Clone(b)
	return nil
}

// estimateSGD bounds the Fit of an SGD-fitted class on n samples of p
// features with k classes (k ≤ 1 for a regressor) and n_jobs nJobs: in
// float64, for a classifier the class indices and, per worker, the ±1
// targets and the sample order (n + 2·n·workers), for a regressor the
// sample order (n); with early stopping 2·n more for the split's
// permutations and class lists, and the validation mask (n bytes); per
// worker the weights with their L1 and average buffers (4·p), and per
// binary problem the copies it returns and the coefficients with their
// averaged copy (4·p); plus 64 KiB for the fixed overhead (progress
// events, the class map).
func estimateSGD(n, p, k, nJobs int, earlyStopping bool) int64 {
	problems, rows := 1, int64(1)
	if k > 1 {
		if problems = k; k == 2 {
			problems = 1
		}
		rows = 1 + 2*int64(sgdWorkers(nJobs, problems))
	}
	if earlyStopping {
		rows += 2
	}
	N, P := int64(max(n, 1)), int64(max(p, 1))
	W, K := int64(sgdWorkers(nJobs, problems)), int64(problems)
	v := budget.Add(budget.Mul(rows, N), budget.Mul(4, W, P), budget.Mul(4, K, P), budget.Mul(4, K))
	return budget.Add(budget.Mul(8, v), N, 64<<10)
}

// SGDClassifier is sklearn.linear_model.SGDClassifier on dense data: a
// linear model fitted by _plain_sgd's update rule, one binary problem per
// class (one-vs-rest) for more than two classes. Everything random is
// drawn as scikit-learn 1.2 draws it from random_state (numpy's
// RandomState): the shuffle seeds of fit_binary, the xorshift permutation
// and the early-stopping split (StratifiedShuffleSplit), so the
// coefficients agree with scikit-learn's for the same random_state (null
// means 0 here, where scikit-learn would draw one). The regression losses
// are accepted as scikit-learn 1.2 accepts them (on ±1 targets).
type SGDClassifier struct {
	Loss string `json:"loss" enum:"hinge,log_loss,log,modified_huber,squared_hinge,perceptron,squared_error,huber,epsilon_insensitive,squared_epsilon_insensitive" help:"loss function (log is log_loss's deprecated name)"`
	sgdPenalty
	sgdCommon
	sgdSchedule
	ClassWeight ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes: null, balanced or an object from class values to weights"`
	NJobs       int            `json:"n_jobs" nullable:"true" help:"binary problems (one per class) fitted at once: null means 1, -1 all processors; the model does not depend on it"`

	sgdClassifierFit
}

// NewSGDClassifier returns scikit-learn 1.2's defaults: loss hinge,
// penalty l2, alpha 1e-4, l1_ratio 0.15, max_iter 1000, tol 1e-3, shuffle,
// epsilon 0.1, learning_rate optimal, eta0 0, power_t 0.5,
// validation_fraction 0.1, n_iter_no_change 5, average false.
func NewSGDClassifier() *SGDClassifier {
	return &SGDClassifier{
		Loss:             "hinge",
		sgdPenalty:       sgdPenalty{Penalty: "l2", Alpha: 1e-4, L1Ratio: 0.15},
		sgdCommon:        defaultCommon(),
		sgdSchedule:      sgdSchedule{Epsilon: 0.1, LearningRate: "optimal", PowerT: 0.5},
		sgdClassifierFit: sgdClassifierFit{name: "SGDClassifier"},
	}
}

// Validate checks the parameter combinations scikit-learn refuses.
func (m *SGDClassifier) Validate() error {
	if err := m.ClassWeight.Validate("balanced"); err != nil {
		return err
	}
	if err := m.sgdCommon.check("SGDClassifier"); err != nil {
		return err
	}
	if err := m.sgdPenalty.check("SGDClassifier", m.LearningRate); err != nil {
		return err
	}
	return m.sgdSchedule.check("SGDClassifier")
}

// Fit runs SGD, one binary problem per class for more than two classes.
func (m *SGDClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's update is scaled
// by its weight (times its class weight), and early stopping's validation
// score is weighted.
func (m *SGDClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if m.Loss == "log" {
		ml.ProgressFrom(ctx).Report(ml.Event{Kind: "log", Message: `SGDClassifier: loss "log" is scikit-learn 1.1's deprecated name of "log_loss" (removed in 1.3); fitting with log_loss`})
	}
	c := m.config("SGDClassifier")
	c.loss = newSGDLoss(m.Loss, m.Epsilon)
	c.setPenalty(m.sgdPenalty)
	c.setSchedule(m.sgdSchedule)
	m.name, c.nJobs = c.name, m.NJobs
	c.sw = w
	return m.fit(ctx, X, y, c, m.ClassWeight)
}

func (m *SGDClassifier) hasProba() bool {
	return m.Loss == "log_loss" || m.Loss == "log" || m.Loss == "modified_huber"
}

// HasPredictProba reports whether the loss gives probabilities
// (log_loss, modified_huber), as scikit-learn's predict_proba does.
func (m *SGDClassifier) HasPredictProba() bool { return m.hasProba() }

// PredictProba is scikit-learn's: for log_loss the sigmoid of the
// decision values (normalised over the classes for one-vs-rest), for
// modified_huber (clip(d, -1, 1) + 1) / 2, normalised likewise (uniform
// where every class gets 0). Other losses have no probabilities.
func (m *SGDClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if !m.hasProba() {
		return nil, &ml.ParamError{Param: "loss", Msg: fmt.Sprintf("probability estimates are not available for loss %q, only for log_loss and modified_huber", m.Loss)}
	}
	d, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	logistic := m.Loss != "modified_huber"
	f := func(v float64) float64 {
		if logistic {
			return 1 / (1 + math.Exp(-v))
		}
		return (math.Max(-1, math.Min(1, v)) + 1) / 2
	}
	n, k := d.Dims()
	K := len(m.classes)
	out := mat.NewDense(n, K, nil)
	for i := 0; i < n; i++ {
		row, o := d.RawRowView(i), out.RawRowView(i)
		if k == 1 {
			pv := f(row[0])
			o[0], o[1] = 1-pv, pv
			continue
		}
		s := 0.0
		for c, v := range row {
			o[c] = f(v)
			s += o[c]
		}
		if s == 0 {
			for c := range o {
				o[c] = 1
			}
			s = float64(K)
		}
		for c := range o {
			o[c] /= s
		}
	}
	return out, nil
}

// EstimateMemory bounds Fit's memory (see estimateSGD).
func (m *SGDClassifier) EstimateMemory(n, p, k int) int64 {
	return estimateSGD(n, p, k, m.NJobs, m.EarlyStopping)
}

// Perceptron is sklearn.linear_model.Perceptron: the SGD of SGDClassifier
// with the perceptron loss and a constant learning rate eta0; it has no
// loss, epsilon or schedule parameters of its own.
type Perceptron struct {
	sgdPenalty
	sgdCommon
	Eta0        float64        `json:"eta0" gt:"0" help:"constant learning rate (the size of each update)"`
	ClassWeight ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes: null, balanced or an object from class values to weights"`
	NJobs       int            `json:"n_jobs" nullable:"true" help:"binary problems (one per class) fitted at once: null means 1, -1 all processors; the model does not depend on it"`

	sgdClassifierFit
}

// NewPerceptron returns scikit-learn 1.2's Perceptron defaults: no
// penalty, alpha 1e-4, l1_ratio 0.15, max_iter 1000, tol 1e-3, shuffle,
// eta0 1, random_state 0, validation_fraction 0.1, n_iter_no_change 5.
func NewPerceptron() *Perceptron {
	return &Perceptron{
		sgdPenalty:       sgdPenalty{Alpha: 1e-4, L1Ratio: 0.15},
		sgdCommon:        defaultCommon(),
		Eta0:             1,
		sgdClassifierFit: sgdClassifierFit{name: "Perceptron"},
	}
}

// Validate checks the parameter combinations scikit-learn refuses.
func (m *Perceptron) Validate() error {
	if err := m.ClassWeight.Validate("balanced"); err != nil {
		return err
	}
	if err := m.sgdCommon.check("Perceptron"); err != nil {
		return err
	}
	return m.sgdPenalty.check("Perceptron", "constant")
}

// Fit runs the perceptron, one binary problem per class for more than two
// classes.
func (m *Perceptron) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's update is scaled
// by its weight (times its class weight), and early stopping's validation
// score is weighted.
func (m *Perceptron) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	c := m.config("Perceptron")
	c.loss = newSGDLoss("perceptron", 0)
	c.setPenalty(m.sgdPenalty)
	c.learningRate, c.eta0, c.powerT = "constant", m.Eta0, 0.5
	m.name, c.nJobs = c.name, m.NJobs
	c.sw = w
	return m.fit(ctx, X, y, c, m.ClassWeight)
}

// EstimateMemory bounds Fit's memory (see estimateSGD).
func (m *Perceptron) EstimateMemory(n, p, k int) int64 {
	return estimateSGD(n, p, k, m.NJobs, m.EarlyStopping)
}

// sgdRegressorFit is the fitted state of SGDRegressor and
// PassiveAggressiveRegressor, with the methods they share.
type sgdRegressorFit struct {
	name      string
	coef      []float64
	intercept float64
	nIter     int
	fitted    bool
}

// fit runs _plain_sgd on the targets y, the shuffle seeded as
// scikit-learn's _fit_regressor seeds it (RandomState(random_state) gives
// the shuffle's seed, then make_dataset's).
func (m *sgdRegressorFit) fit(ctx context.Context, X *mat.Dense, y []float64, c *sgdConfig) error {
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if err := ml.CheckSampleWeight(c.sw, len(y)); err != nil {
		return err
	}
	n, nf := X.Dims()
	var skip []bool
	var score func([]float64, float64) float64
	if c.earlyStopping {
		var err error
		if skip, err = validationMask(n, c.valFrac, c.seed, nil, 0); err != nil {
			return err
		}
		raw := X.RawMatrix()
		wt := func(i int) float64 {
			if c.sw == nil {
				return 1
			}
			return c.sw[i]
		}
		var mean, cnt float64 // R² weighted by sample_weight_val
		for i := range y {
			if skip[i] {
				mean += wt(i) * y[i]
				cnt += wt(i)
			}
		}
		mean /= cnt
		score = func(w []float64, b float64) float64 {
			var ss, st float64
			for i := 0; i < n; i++ {
				if !skip[i] {
					continue
				}
				d := b
				for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+nf] {
					d += w[j] * v
				}
				ss += wt(i) * (y[i] - d) * (y[i] - d)
				st += wt(i) * (y[i] - mean) * (y[i] - mean)
			}
			if st == 0 {
				return 0
			}
			return 1 - ss/st
		}
	}
	c.prog = &sgdProgress{ctx: ctx, r: ml.ProgressFrom(ctx), total: c.maxIter}
	rs := nprand.New(c.seed)
	seed := uint32(rs.RandInt(0, math.MaxInt32))
	res, err := plainSGD(ctx, X, y, c, newSGDBuffers(n, nf, c), 1, 1, seed, skip, score)
	if err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	if !res.converged {
		ml.ProgressFrom(ctx).Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: maximum number of iterations (%d) reached before convergence; consider increasing max_iter", c.name, c.maxIter)})
	}
	coef, b := res.w, res.b
	if c.average > 0 && c.average <= res.nIter*n {
		coef, b = res.avg, res.avgB
	}
	m.coef, m.intercept, m.nIter, m.fitted = coef, b, res.nIter, true
	return nil
}

// NIter returns the number of epochs run.
func (m *sgdRegressorFit) NIter() int { return m.nIter }

// Predict returns X·coef + intercept.
func (m *sgdRegressorFit) Predict(X *mat.Dense) ([]float64, error) {
	if !m.fitted {
		return nil, ml.NotFittedError(m.name)
	}
	if err := ml.CheckX(X, len(m.coef)); err != nil {
		return nil, err
	}
	return linearPredict(X, m.coef, m.intercept), nil
}

// Coef returns coef_.
func (m *sgdRegressorFit) Coef() []float64 { return slices.Clone(m.coef) }

// Intercept returns intercept_[0].
func (m *sgdRegressorFit) Intercept() float64 { return m.intercept }

// MarshalState returns the coefficients and the intercept.
func (m *sgdRegressorFit) MarshalState() (*ml.State, error) {
	if !m.fitted {
		return nil, ml.NotFittedError(m.name)
	}
	s := ml.NewState()
	s.SetFloats("coef", m.coef)
	s.SetFloats("intercept", []float64{m.intercept})
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *sgdRegressorFit) UnmarshalState(s *ml.State) error {
	if s == nil {
		return fmt.Errorf("%s: state: nil", m.name)
	}
	coef, _, err := s.Floats("coef", -1)
	if err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	if len(coef) < 1 {
		return fmt.Errorf("%s: state: coef is empty", m.name)
	}
	b, _, err := s.Floats("intercept", 1)
	if err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	if err := checkFinite("coef", coef); err != nil {
		return fmt.Errorf("%s: state: %w", m.name, err)
	}
	if err := checkFinite("intercept", b); err != nil {
		return fmt.Errorf("%s: state: %w", m.name, err)
	}
	m.coef, m.intercept, m.fitted = slices.Clone(coef), b[0], true
	return nil
}

// SGDRegressor is sklearn.linear_model.SGDRegressor on dense data (see
// SGDClassifier for what agrees with scikit-learn).
type SGDRegressor struct {
	Loss string `json:"loss" enum:"squared_error,huber,epsilon_insensitive,squared_epsilon_insensitive" help:"loss function"`
	sgdPenalty
	sgdCommon
	sgdSchedule

	sgdRegressorFit
}

// NewSGDRegressor returns scikit-learn 1.2's defaults: loss squared_error,
// penalty l2, alpha 1e-4, l1_ratio 0.15, max_iter 1000, tol 1e-3,
// shuffle, epsilon 0.1, learning_rate invscaling, eta0 0.01, power_t 0.25,
// validation_fraction 0.1, n_iter_no_change 5, average false.
func NewSGDRegressor() *SGDRegressor {
	return &SGDRegressor{
		Loss:            "squared_error",
		sgdPenalty:      sgdPenalty{Penalty: "l2", Alpha: 1e-4, L1Ratio: 0.15},
		sgdCommon:       defaultCommon(),
		sgdSchedule:     sgdSchedule{Epsilon: 0.1, LearningRate: "invscaling", Eta0: 0.01, PowerT: 0.25},
		sgdRegressorFit: sgdRegressorFit{name: "SGDRegressor"},
	}
}

// Validate checks the parameter combinations scikit-learn refuses.
func (m *SGDRegressor) Validate() error {
	if err := m.sgdCommon.check("SGDRegressor"); err != nil {
		return err
	}
	if err := m.sgdPenalty.check("SGDRegressor", m.LearningRate); err != nil {
		return err
	}
	return m.sgdSchedule.check("SGDRegressor")
}

// Fit runs SGD on the targets y.
func (m *SGDRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): each sample's update is scaled
// by its weight (times its class weight), and early stopping's validation
// score is weighted.
func (m *SGDRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	c := m.config("SGDRegressor")
	c.loss = newSGDLoss(m.Loss, m.Epsilon)
	c.setPenalty(m.sgdPenalty)
	c.setSchedule(m.sgdSchedule)
	m.name = c.name
	c.sw = w
	return m.fit(ctx, X, y, c)
}

// EstimateMemory bounds Fit's memory (see estimateSGD).
func (m *SGDRegressor) EstimateMemory(n, p, k int) int64 {
	return estimateSGD(n, p, 0, 1, m.EarlyStopping)
}
