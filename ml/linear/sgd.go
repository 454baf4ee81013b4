package linear

import (
	"context"
	"fmt"
	"math"
	"slices"

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
		Doc: "The perceptron: SGD with the perceptron loss and a constant learning rate.",
		New: func() ml.Estimator { return NewPerceptron() },
	})
}

// sgdParams are the parameters SGDClassifier and SGDRegressor share, with
// scikit-learn 1.2's names.
type sgdParams struct {
	Penalty        string  `json:"penalty" enum:"l2,l1,elasticnet" nullable:"true" help:"l2, l1, elasticnet or null (no penalty)"`
	Alpha          float64 `json:"alpha" min:"0" help:"regularisation strength (also sets the optimal learning rate)"`
	L1Ratio        float64 `json:"l1_ratio" min:"0" max:"1" help:"elastic-net mixing: 0 is l2, 1 is l1"`
	FitIntercept   bool    `json:"fit_intercept" help:"whether to fit an intercept"`
	MaxIter        int     `json:"max_iter" min:"1" help:"maximum number of epochs"`
	Tol            float64 `json:"tol" help:"stop when the epoch loss (or validation score) does not improve by tol for n_iter_no_change epochs; negative disables"`
	Shuffle        bool    `json:"shuffle" help:"shuffle the samples every epoch"`
	Epsilon        float64 `json:"epsilon" min:"0" help:"the epsilon of huber and the epsilon-insensitive losses"`
	RandomState    int     `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the shuffle and the validation split; null means 0"`
	LearningRate   string  `json:"learning_rate" enum:"optimal,constant,invscaling,adaptive" help:"learning-rate schedule"`
	Eta0           float64 `json:"eta0" min:"0" help:"initial learning rate (constant, invscaling, adaptive)"`
	PowerT         float64 `json:"power_t" help:"exponent of the invscaling schedule"`
	EarlyStopping  bool    `json:"early_stopping" help:"stop on the score of a held-out validation split"`
	ValidationFrac float64 `json:"validation_fraction" gt:"0" lt:"1" help:"fraction held out for early stopping"`
	NIterNoChange  int     `json:"n_iter_no_change" min:"1" help:"epochs without improvement before stopping"`
	Average        int     `json:"average" min:"0" help:"0: no averaging; k ≥ 1: average the weights from the k-th update on (1 is scikit-learn's true)"`

	paC              float64
	steps, stepTotal int // progress: epochs reported so far, of max_iter × problems // C of the passive-aggressive schedules (pa1, pa2)
}

func (p *sgdParams) check(cls string) error {
	if p.LearningRate != "optimal" && p.Eta0 <= 0 {
		return &ml.ParamError{Param: "eta0", Msg: fmt.Sprintf("eta0 is %v, expected > 0 with learning_rate %q", p.Eta0, p.LearningRate)}
	}
	if p.LearningRate == "optimal" && p.Alpha == 0 {
		return &ml.ParamError{Param: "alpha", Msg: "alpha is 0, expected > 0 with learning_rate \"optimal\" (alpha sets the optimal learning rate)"}
	}
	if math.IsNaN(p.Tol) || math.IsNaN(p.Alpha) || math.IsNaN(p.PowerT) {
		return &ml.ParamError{Param: "tol", Msg: cls + ": tol, alpha and power_t must be numbers"}
	}
	return nil
}

// sgdLoss is one of _sgd_fast's loss functions.
type sgdLoss struct {
	name      string
	hinge     bool
	threshold float64
	eps       float64
}

func (l sgdLoss) loss(p, y float64) float64 {
	switch l.name {
	case "hinge", "perceptron":
		return math.Max(0, l.threshold-p*y)
	case "squared_hinge":
		z := l.threshold - p*y
		if z > 0 {
			return z * z
		}
		return 0
	case "log_loss":
		z := p * y
		if z > 18 {
			return math.Exp(-z)
		}
		if z < -18 {
			return -z
		}
		return math.Log(1 + math.Exp(-z))
	case "modified_huber":
		z := p * y
		if z >= 1 {
			return 0
		} else if z >= -1 {
			return (1 - z) * (1 - z)
		}
		return -4 * z
	case "squared_error":
		return 0.5 * (p - y) * (p - y)
	case "huber":
		r := p - y
		if math.Abs(r) <= l.eps {
			return 0.5 * r * r
		}
		return l.eps*math.Abs(r) - 0.5*l.eps*l.eps
	case "epsilon_insensitive":
		return math.Max(0, math.Abs(y-p)-l.eps)
	default: // squared_epsilon_insensitive
		r := math.Abs(y-p) - l.eps
		if r > 0 {
			return r * r
		}
		return 0
	}
}

func (l sgdLoss) dloss(p, y float64) float64 {
	switch l.name {
	case "hinge", "perceptron":
		if p*y <= l.threshold {
			return -y
		}
		return 0
	case "squared_hinge":
		z := l.threshold - p*y
		if z > 0 {
			return -2 * y * z
		}
		return 0
	case "log_loss":
		z := p * y
		if z > 18 {
			return math.Exp(-z) * -y
		}
		if z < -18 {
			return -y
		}
		return -y / (math.Exp(z) + 1)
	case "modified_huber":
		z := p * y
		if z >= 1 {
			return 0
		} else if z >= -1 {
			return -2 * (1 - z) * y
		}
		return -4 * y
	case "squared_error":
		return p - y
	case "huber":
		r := p - y
		if math.Abs(r) <= l.eps {
			return r
		} else if r > 0 {
			return l.eps
		}
		return -l.eps
	case "epsilon_insensitive":
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

func newSGDLoss(name string, eps float64) sgdLoss {
	l := sgdLoss{name: name, eps: eps}
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

// sgdResult is what plainSGD returns.
type sgdResult struct {
	w         []float64
	b         float64
	nIter     int
	converged bool
}

// plainSGD is scikit-learn's _plain_sgd on dense data: the weights are
// kept as wscale·w (the L2 shrink scales wscale), the "optimal" schedule
// starts at t0 from the typical-weight heuristic, L1 uses the cumulative
// penalty of Tsuruoka et al., averaging is from update `average` on.
// weightPos/weightNeg multiply the updates of y > 0 and y ≤ 0. score, when
// not nil, is the validation score used for early stopping; skip marks the
// held-out rows.
func plainSGD(ctx context.Context, X *mat.Dense, y, sw []float64, p *sgdParams, l sgdLoss, weightPos, weightNeg float64, seed uint32, skip []bool, score func(w []float64, b float64) float64) (sgdResult, error) {
	n, nf := X.Dims()
	raw := X.RawMatrix()
	rep := ml.ProgressFrom(ctx)
	w := make([]float64, nf)
	wscale := 1.0
	var avg []float64
	avgB := 0.0
	if p.Average > 0 {
		avg = make([]float64, nf)
	}
	b := 0.0
	l1ratio := p.L1Ratio
	switch p.Penalty {
	case "l2":
		l1ratio = 0
	case "l1":
		l1ratio = 1
	}
	var q []float64
	u := 0.0
	if p.Penalty == "l1" || p.Penalty == "elasticnet" {
		q = make([]float64, nf)
	}
	eta := p.Eta0
	optimalInit := 0.0
	if p.LearningRate == "optimal" {
		typw := math.Sqrt(1 / math.Sqrt(p.Alpha))
		initialEta0 := typw / math.Max(1, l.dloss(-typw, 1))
		optimalInit = 1 / (initialEta0 * p.Alpha)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	t := 1.0
	bestLoss, bestScore := math.Inf(1), math.Inf(-1)
	noImprove := 0
	res := sgdResult{}
	tol := p.Tol
	if tol < 0 {
		tol = math.Inf(-1)
	}
	epoch := 0
	for epoch = 0; epoch < p.MaxIter; epoch++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		sumloss := 0.0
		if p.Shuffle {
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
			yi := y[i]
			switch p.LearningRate {
			case "optimal":
				eta = 1 / (p.Alpha * (optimalInit + t - 1))
			case "invscaling":
				eta = p.Eta0 / math.Pow(t, p.PowerT)
			}
			dot := 0.0
			for j, v := range x {
				dot += w[j] * v
			}
			pr := dot*wscale + b
			if !p.EarlyStopping {
				sumloss += l.loss(pr, yi)
			}
			cw := weightNeg
			if yi > 0 {
				cw = weightPos
			}
			var update float64
			if p.LearningRate == "pa1" || p.LearningRate == "pa2" {
				sq := 0.0
				for _, v := range x {
					sq += v * v
				}
				if p.LearningRate == "pa1" {
					if sq == 0 {
						continue
					}
					update = math.Min(p.paC, l.loss(pr, yi)/sq)
				} else {
					update = l.loss(pr, yi) / (sq + 0.5/p.paC)
				}
				if l.hinge {
					update *= yi
				} else if yi-pr < 0 {
					update *= -1
				}
			} else {
				d := l.dloss(pr, yi)
				d = math.Max(-1e12, math.Min(1e12, d))
				update = -eta * d
			}
			s := 1.0
			if sw != nil {
				s = sw[i]
			}
			update *= cw * s
			if p.Penalty != "" {
				wscale *= math.Max(0, 1-(1-l1ratio)*eta*p.Alpha)
				if wscale < 1e-9 {
					for j := range w {
						w[j] *= wscale
					}
					wscale = 1
				}
			}
			if update != 0 {
				c := update / wscale
				for j, v := range x {
					w[j] += v * c
				}
				if p.FitIntercept {
					b += update
				}
			}
			if q != nil {
				u += l1ratio * eta * p.Alpha
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
			if avg != nil && float64(p.Average) <= t {
				k := t - float64(p.Average) + 1
				for j := range avg {
					avg[j] += (w[j]*wscale - avg[j]) / k
				}
				avgB += (b - avgB) / k
			}
			t++
		}
		finite := !math.IsInf(b, 0) && !math.IsNaN(b)
		for _, v := range w {
			if math.IsInf(v*wscale, 0) || math.IsNaN(v) {
				finite = false
			}
		}
		if !finite {
			return res, ml.DataErrorf("SGD: floating-point under-/overflow in epoch %d: the coefficients are not finite; scale the data or lower eta0 / alpha", epoch+1)
		}
		if rep != nil {
			lv := sumloss
			p.steps++
			rep.Report(ml.Event{Kind: "iter", Step: p.steps, Total: max(p.stepTotal, p.MaxIter), Loss: &lv})
		}
		if score != nil {
			ws := make([]float64, nf)
			for j := range w {
				ws[j] = w[j] * wscale
			}
			sc := score(ws, b)
			if sc < bestScore+tol {
				noImprove++
			} else {
				noImprove = 0
			}
			if sc > bestScore {
				bestScore = sc
			}
		} else {
			if sumloss > bestLoss-tol*float64(n) {
				noImprove++
			} else {
				noImprove = 0
			}
			if sumloss < bestLoss {
				bestLoss = sumloss
			}
		}
		if noImprove >= p.NIterNoChange {
			if p.LearningRate == "adaptive" && eta > 1e-6 {
				eta /= 5
				noImprove = 0
			} else {
				res.converged = true
				break
			}
		}
	}
	for j := range w {
		w[j] *= wscale
	}
	res.nIter = min(epoch+1, p.MaxIter)
	// scikit-learn keeps the averaged weights once t_ - 1 ≥ average.
	if avg != nil && float64(p.Average) <= float64(res.nIter*n) {
		w, b = avg, avgB
	}
	res.w, res.b = w, b
	return res, nil
}

// validationMask holds out ceil(frac·n) rows chosen by a seeded shuffle
// (stratified by class for classifiers, idx != nil).
func validationMask(n int, frac float64, seed uint32, idx []int, K int) ([]bool, error) {
	nVal := int(math.Ceil(frac * float64(n)))
	if nVal < 1 || n-nVal < 1 {
		return nil, &ml.ParamError{Param: "validation_fraction", Msg: fmt.Sprintf("validation_fraction %v leaves %d of %d samples for validation, expected at least one in each part", frac, nVal, n)}
	}
	mask := make([]bool, n)
	s := seed
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < n-1; i++ {
		j := i + int(xorshift(&s)%uint32(n-i))
		perm[i], perm[j] = perm[j], perm[i]
	}
	if idx == nil {
		for _, i := range perm[:nVal] {
			mask[i] = true
		}
		return mask, nil
	}
	counts := make([]int, K)
	for _, c := range idx {
		counts[c]++
	}
	take := make([]int, K)
	for c := range take {
		take[c] = int(math.Round(frac * float64(counts[c])))
	}
	for _, i := range perm {
		if c := idx[i]; take[c] > 0 {
			mask[i] = true
			take[c]--
		}
	}
	return mask, nil
}

// SGDClassifier is sklearn.linear_model.SGDClassifier on dense data: a
// linear model fitted by _plain_sgd's update rule, one binary problem per
// class (one-vs-rest) for more than two classes. With shuffle false the
// coefficients agree with scikit-learn's; with shuffle the permutation is
// scikit-learn's xorshift shuffle, seeded from random_state directly (not
// through numpy's RandomState), and the early-stopping split is mlforge's
// own, so the fits agree in quality, not digit for digit.
type SGDClassifier struct {
	Loss string `json:"loss" enum:"hinge,log_loss,modified_huber,squared_hinge,perceptron,squared_error,huber,epsilon_insensitive,squared_epsilon_insensitive" help:"loss function"`
	sgdParams
	ClassWeight ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes: null, balanced or an object from class values to weights"`

	name      string
	classes   []float64
	coef      *mat.Dense
	intercept []float64
	nIter     int
}

// NewSGDClassifier returns scikit-learn 1.2's defaults: loss hinge,
// penalty l2, alpha 1e-4, l1_ratio 0.15, max_iter 1000, tol 1e-3, shuffle,
// epsilon 0.1, learning_rate optimal, eta0 0, power_t 0.5,
// validation_fraction 0.1, n_iter_no_change 5.
func NewSGDClassifier() *SGDClassifier {
	return &SGDClassifier{Loss: "hinge", name: "SGDClassifier", sgdParams: sgdParams{Penalty: "l2", Alpha: 1e-4, L1Ratio: 0.15, FitIntercept: true, MaxIter: 1000, Tol: 1e-3, Shuffle: true, Epsilon: 0.1, LearningRate: "optimal", PowerT: 0.5, ValidationFrac: 0.1, NIterNoChange: 5}}
}

// Perceptron is sklearn.linear_model.Perceptron: SGDClassifier with loss
// perceptron, learning_rate constant, eta0 1, no penalty and
// random_state 0.
type Perceptron struct{ SGDClassifier }

// NewPerceptron returns scikit-learn 1.2's Perceptron defaults.
func NewPerceptron() *Perceptron {
	m := NewSGDClassifier()
	m.name, m.Loss, m.Penalty, m.LearningRate, m.Eta0 = "Perceptron", "perceptron", "", "constant", 1
	return &Perceptron{*m}
}

// Validate checks the parameter combinations scikit-learn refuses.
func (m *SGDClassifier) Validate() error {
	if err := m.ClassWeight.Validate("balanced"); err != nil {
		return err
	}
	return m.check(m.name)
}

// Fit runs SGD, one binary problem per class for more than two classes.
func (m *SGDClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.name == "" {
		m.name = "SGDClassifier"
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	n, nf := X.Dims()
	K := len(classes)
	counts := make([]float64, K)
	for _, c := range idx {
		counts[c]++
	}
	cw, err := m.ClassWeight.PerClass(classes, counts)
	if err != nil {
		return err
	}
	seed := uint32(m.RandomState)
	var skip []bool
	if m.EarlyStopping {
		if skip, err = validationMask(n, m.ValidationFrac, seed^0x9E3779B9, idx, K); err != nil {
			return err
		}
	}
	loss := newSGDLoss(m.Loss, m.Epsilon)
	k := K
	if K == 2 {
		k = 1
	}
	coef := mat.NewDense(k, nf, nil)
	intercept := make([]float64, k)
	raw := X.RawMatrix()
	nIter := 0
	converged := true
	yy := make([]float64, n)
	m.steps, m.stepTotal = 0, m.MaxIter*k
	for c := 0; c < k; c++ {
		pos := c
		wpos, wneg := cw[c], 1.0
		if K == 2 {
			pos, wpos, wneg = 1, cw[1], cw[0]
		}
		for i, ci := range idx {
			yy[i] = -1
			if ci == pos {
				yy[i] = 1
			}
		}
		var score func([]float64, float64) float64
		if skip != nil {
			score = func(w []float64, b float64) float64 {
				right, tot := 0, 0
				for i := 0; i < n; i++ {
					if !skip[i] {
						continue
					}
					d := b
					for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+nf] {
						d += w[j] * v
					}
					if (d > 0) == (yy[i] > 0) {
						right++
					}
					tot++
				}
				return float64(right) / float64(tot)
			}
		}
		res, err := plainSGD(ctx, X, yy, nil, &m.sgdParams, loss, wpos, wneg, seed+uint32(c)*2654435761, skip, score)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		copy(coef.RawRowView(c), res.w)
		intercept[c] = res.b
		nIter = max(nIter, res.nIter)
		converged = converged && res.converged
	}
	if !converged {
		ml.ProgressFrom(ctx).Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: maximum number of iterations (%d) reached before convergence; consider increasing max_iter", m.name, m.MaxIter)})
	}
	m.classes, m.coef, m.intercept, m.nIter = classes, coef, intercept, nIter
	return nil
}

// NIter returns the number of epochs run (the largest over the classes).
func (m *SGDClassifier) NIter() int { return m.nIter }

// DecisionFunction returns X·coefᵀ + intercept.
func (m *SGDClassifier) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if m.coef == nil {
		return nil, ml.NotFittedError(m.name)
	}
	k, p := m.coef.Dims()
	if err := ml.CheckX(X, p); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	out := mat.NewDense(n, k, nil)
	out.Mul(X, m.coef.T())
	for i := 0; i < n; i++ {
		row := out.RawRowView(i)
		for c := range row {
			row[c] += m.intercept[c]
		}
	}
	return out, nil
}

// Predict returns the class of the largest decision value.
func (m *SGDClassifier) Predict(X *mat.Dense) ([]float64, error) {
	d, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	n, k := d.Dims()
	out := make([]float64, n)
	for i := 0; i < n; i++ {
		row := d.RawRowView(i)
		if k == 1 {
			out[i] = m.classes[0]
			if row[0] > 0 {
				out[i] = m.classes[1]
			}
			continue
		}
		out[i] = m.classes[argmax(row)]
	}
	return out, nil
}

// PredictProba is scikit-learn's: for log_loss the sigmoid of the
// decision values (normalised over the classes for one-vs-rest), for
// modified_huber (clip(d, -1, 1) + 1) / 2, normalised likewise (uniform
// where every class gets 0). Other losses have no probabilities.
func (m *SGDClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if m.Loss != "log_loss" && m.Loss != "modified_huber" {
		return nil, &ml.ParamError{Param: "loss", Msg: fmt.Sprintf("probability estimates are not available for loss %q, only for log_loss and modified_huber", m.Loss)}
	}
	d, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	n, k := d.Dims()
	K := len(m.classes)
	out := mat.NewDense(n, K, nil)
	for i := 0; i < n; i++ {
		row, o := d.RawRowView(i), out.RawRowView(i)
		f := func(v float64) float64 {
			if m.Loss == "log_loss" {
				return 1 / (1 + math.Exp(-v))
			}
			return (math.Max(-1, math.Min(1, v)) + 1) / 2
		}
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

// HasPredictProba reports whether the loss gives probabilities
// (log_loss, modified_huber), as scikit-learn's predict_proba does.
func (m *SGDClassifier) HasPredictProba() bool {
	return m.Loss == "log_loss" || m.Loss == "modified_huber"
}

// Classes returns the sorted class values.
func (m *SGDClassifier) Classes() []float64 { return slices.Clone(m.classes) }

// Coef returns coef_ (one row for two classes, one per class otherwise).
func (m *SGDClassifier) Coef() *mat.Dense {
	if m.coef == nil {
		return nil
	}
	return mat.DenseCopyOf(m.coef)
}

// Intercept returns intercept_.
func (m *SGDClassifier) Intercept() []float64 { return slices.Clone(m.intercept) }

// MarshalState returns the classes, coefficients and intercepts.
func (m *SGDClassifier) MarshalState() (*ml.State, error) {
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
func (m *SGDClassifier) UnmarshalState(s *ml.State) error {
	if m.name == "" {
		m.name = "SGDClassifier"
	}
	if s == nil {
		return fmt.Errorf("%s: state: nil", m.name)
	}
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	if len(classes) < 2 || !slices.IsSorted(classes) {
		return fmt.Errorf("%s: state: classes %v, expected at least 2 sorted values", m.name, classes)
	}
	k := len(classes)
	if k == 2 {
		k = 1
	}
	coef, shape, err := s.Floats("coef", k, -1)
	if err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	if shape[1] < 1 {
		return fmt.Errorf("%s: state: coef has shape %v, expected (%d, n_features)", m.name, shape, k)
	}
	b, _, err := s.Floats("intercept", k)
	if err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	if err := checkFinite("coef", coef); err != nil {
		return fmt.Errorf("%s: state: %w", m.name, err)
	}
	if err := checkFinite("intercept", b); err != nil {
		return fmt.Errorf("%s: state: %w", m.name, err)
	}
	m.classes, m.coef, m.intercept = slices.Clone(classes), mat.NewDense(k, shape[1], slices.Clone(coef)), slices.Clone(b)
	return nil
}

// EstimateMemory bounds Fit's memory: the ±1 targets, the weights, the
// L1 and average buffers and the coefficients.
func (m *SGDClassifier) EstimateMemory(n, p, k int) int64 {
	return 8 * (3*int64(max(n, 1)) + int64(max(p, 1))*(4+int64(max(k, 2))))
}

// SGDRegressor is sklearn.linear_model.SGDRegressor on dense data (see
// SGDClassifier for what agrees with scikit-learn).
type SGDRegressor struct {
	Loss string `json:"loss" enum:"squared_error,huber,epsilon_insensitive,squared_epsilon_insensitive" help:"loss function"`
	sgdParams

	coef      []float64
	intercept float64
	nIter     int
	fitted    bool
}

// NewSGDRegressor returns scikit-learn 1.2's defaults: loss squared_error,
// penalty l2, alpha 1e-4, l1_ratio 0.15, max_iter 1000, tol 1e-3,
// shuffle, epsilon 0.1, learning_rate invscaling, eta0 0.01, power_t 0.25.
func NewSGDRegressor() *SGDRegressor {
	return &SGDRegressor{Loss: "squared_error", sgdParams: sgdParams{Penalty: "l2", Alpha: 1e-4, L1Ratio: 0.15, FitIntercept: true, MaxIter: 1000, Tol: 1e-3, Shuffle: true, Epsilon: 0.1, LearningRate: "invscaling", Eta0: 0.01, PowerT: 0.25, ValidationFrac: 0.1, NIterNoChange: 5}}
}

// Validate checks the parameter combinations scikit-learn refuses.
func (m *SGDRegressor) Validate() error { return m.check("SGDRegressor") }

// Fit runs SGD on the targets y.
func (m *SGDRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	n, nf := X.Dims()
	seed := uint32(m.RandomState)
	var skip []bool
	var score func([]float64, float64) float64
	if m.EarlyStopping {
		var err error
		if skip, err = validationMask(n, m.ValidationFrac, seed^0x9E3779B9, nil, 0); err != nil {
			return err
		}
		raw := X.RawMatrix()
		score = func(w []float64, b float64) float64 {
			var mean, cnt float64
			for i := range y {
				if skip[i] {
					mean += y[i]
					cnt++
				}
			}
			mean /= cnt
			var ss, st float64
			for i := 0; i < n; i++ {
				if !skip[i] {
					continue
				}
				d := b
				for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+nf] {
					d += w[j] * v
				}
				ss += (y[i] - d) * (y[i] - d)
				st += (y[i] - mean) * (y[i] - mean)
			}
			if st == 0 {
				return 0
			}
			return 1 - ss/st
		}
	}
	m.steps, m.stepTotal = 0, m.MaxIter
	res, err := plainSGD(ctx, X, y, nil, &m.sgdParams, newSGDLoss(m.Loss, m.Epsilon), 1, 1, seed, skip, score)
	if err != nil {
		return fmt.Errorf("SGDRegressor: %w", err)
	}
	if !res.converged {
		ml.ProgressFrom(ctx).Report(ml.Event{Kind: "log", Message: fmt.Sprintf("SGDRegressor: maximum number of iterations (%d) reached before convergence; consider increasing max_iter", m.MaxIter)})
	}
	m.coef, m.intercept, m.nIter, m.fitted = res.w, res.b, res.nIter, true
	return nil
}

// NIter returns the number of epochs run.
func (m *SGDRegressor) NIter() int { return m.nIter }

// Predict returns X·coef + intercept.
func (m *SGDRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if !m.fitted {
		return nil, ml.NotFittedError("SGDRegressor")
	}
	if err := ml.CheckX(X, len(m.coef)); err != nil {
		return nil, err
	}
	return linearPredict(X, m.coef, m.intercept), nil
}

// Coef returns coef_.
func (m *SGDRegressor) Coef() []float64 { return slices.Clone(m.coef) }

// Intercept returns intercept_[0].
func (m *SGDRegressor) Intercept() float64 { return m.intercept }

// MarshalState returns the coefficients and the intercept.
func (m *SGDRegressor) MarshalState() (*ml.State, error) {
	if !m.fitted {
		return nil, ml.NotFittedError("SGDRegressor")
	}
	s := ml.NewState()
	s.SetFloats("coef", m.coef)
	s.SetFloats("intercept", []float64{m.intercept})
	return s, nil
}

// UnmarshalState restores state written by MarshalState.
func (m *SGDRegressor) UnmarshalState(s *ml.State) error {
	if s == nil {
		return fmt.Errorf("SGDRegressor: state: nil")
	}
	coef, _, err := s.Floats("coef", -1)
	if err != nil {
		return fmt.Errorf("SGDRegressor: %w", err)
	}
	if len(coef) < 1 {
		return fmt.Errorf("SGDRegressor: state: coef is empty")
	}
	b, _, err := s.Floats("intercept", 1)
	if err != nil {
		return fmt.Errorf("SGDRegressor: %w", err)
	}
	if err := checkFinite("coef", coef); err != nil {
		return fmt.Errorf("SGDRegressor: state: %w", err)
	}
	if err := checkFinite("intercept", b); err != nil {
		return fmt.Errorf("SGDRegressor: state: %w", err)
	}
	m.coef, m.intercept, m.fitted = slices.Clone(coef), b[0], true
	return nil
}

// EstimateMemory bounds Fit's memory.
func (m *SGDRegressor) EstimateMemory(n, p, k int) int64 {
	return 8 * (2*int64(max(n, 1)) + 5*int64(max(p, 1)))
}
