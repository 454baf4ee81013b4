package ensemble

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name: "AdaBoostClassifier", Task: ml.Classification, Family: "ensemble",
		Doc: "AdaBoost (SAMME or SAMME.R): estimators fitted in turn on reweighted samples, votes weighted.",
		New: func() ml.Estimator { return NewAdaBoostClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "AdaBoostRegressor", Task: ml.Regression, Family: "ensemble",
		Doc: "AdaBoost.R2: regressors fitted in turn on weighted resamples, the weighted median predicted.",
		New: func() ml.Estimator { return NewAdaBoostRegressor() },
	})
}

const float64Eps = 2.220446049250313e-16

// AdaBoostClassifier is scikit-learn 1.2's AdaBoostClassifier: SAMME.R
// (the default) adds the estimators' log-probabilities, SAMME their
// weighted votes. The estimator must take sample weights (FitWeighted);
// SAMME.R needs its PredictProba. Each estimator's random_state is drawn
// from random_state as scikit-learn draws it.
type AdaBoostClassifier struct {
	Estimator    EstimatorSpec `json:"estimator" nullable:"true" help:"the boosted estimator, {\"class\": ..., \"params\": {...}}; null is DecisionTreeClassifier with max_depth 1"`
	NEstimators  int           `json:"n_estimators" min:"1" help:"most estimators to fit (fewer when one fits perfectly)"`
	LearningRate float64       `json:"learning_rate" gt:"0" help:"shrinkage of each estimator's weight"`
	Algorithm    string        `json:"algorithm" enum:"SAMME,SAMME.R" help:"SAMME.R (real: class probabilities) or SAMME (discrete: predictions)"`
	RandomState  int           `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the estimators' random_state; null means 0"`

	members   []ml.Estimator
	weights   []float64 // estimator_weights_, n_estimators long
	errors    []float64 // estimator_errors_
	classes   []float64
	nFeatures int
}

// AdaBoostRegressor is scikit-learn 1.2's AdaBoostRegressor (AdaBoost.R2):
// each regressor is fitted on a weighted bootstrap resample drawn as
// scikit-learn draws it, and the prediction is the weighted median of
// theirs.
type AdaBoostRegressor struct {
	Estimator    EstimatorSpec `json:"estimator" nullable:"true" help:"the boosted regressor, {\"class\": ..., \"params\": {...}}; null is DecisionTreeRegressor with max_depth 3"`
	NEstimators  int           `json:"n_estimators" min:"1" help:"most estimators to fit"`
	LearningRate float64       `json:"learning_rate" gt:"0" help:"shrinkage of each estimator's weight"`
	Loss         string        `json:"loss" enum:"linear,square,exponential" help:"how a row's error, scaled to [0, 1], updates its weight"`
	RandomState  int           `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the resamples and the estimators' random_state; null means 0"`

	members   []ml.Estimator
	weights   []float64
	errors    []float64
	nFeatures int
}

// NewAdaBoostClassifier returns scikit-learn 1.2's defaults: 50 stumps,
// learning rate 1, SAMME.R.
func NewAdaBoostClassifier() *AdaBoostClassifier {
	return &AdaBoostClassifier{NEstimators: 50, LearningRate: 1, Algorithm: "SAMME.R"}
}

// NewAdaBoostRegressor returns scikit-learn 1.2's defaults: 50 trees of
// depth 3, learning rate 1, linear loss.
func NewAdaBoostRegressor() *AdaBoostRegressor {
	return &AdaBoostRegressor{NEstimators: 50, LearningRate: 1, Loss: "linear"}
}

var (
	defaultStump  = EstimatorSpec{Class: "DecisionTreeClassifier", Params: []byte(`{"max_depth":1}`)}
	defaultTree3R = EstimatorSpec{Class: "DecisionTreeRegressor", Params: []byte(`{"max_depth":3}`)}
)

// Validate checks that the estimator is a classifier that takes sample
// weights (and has PredictProba for SAMME.R).
func (m *AdaBoostClassifier) Validate() error {
	e, err := m.Estimator.orDefault(defaultStump).build(-1)
	if err != nil {
		return &ml.ParamError{Param: "estimator", Msg: err.Error()}
	}
	if _, ok := e.(ml.Classifier); !ok {
		return &ml.ParamError{Param: "estimator", Msg: fmt.Sprintf("%s is not a classifier", ml.ClassName(e))}
	}
	if _, ok := e.(weightedFitter); !ok {
		return &ml.ParamError{Param: "estimator", Msg: fmt.Sprintf("%s does not take sample weights, which AdaBoost needs", ml.ClassName(e))}
	}
	if _, ok := e.(ml.ProbaPredictor); !ok && m.Algorithm == "SAMME.R" {
		return &ml.ParamError{Param: "algorithm", Msg: fmt.Sprintf("SAMME.R needs class probabilities, which %s does not give: use SAMME", ml.ClassName(e))}
	}
	return nil
}

// Validate checks that the estimator is a regressor.
func (m *AdaBoostRegressor) Validate() error {
	e, err := m.Estimator.orDefault(defaultTree3R).build(-1)
	if err != nil {
		return &ml.ParamError{Param: "estimator", Msg: err.Error()}
	}
	if _, ok := e.(ml.Predictor); !ok {
		return &ml.ParamError{Param: "estimator", Msg: fmt.Sprintf("%s does not predict", ml.ClassName(e))}
	}
	if _, ok := e.(ml.Classifier); ok {
		return &ml.ParamError{Param: "estimator", Msg: fmt.Sprintf("%s is a classifier, not a regressor", ml.ClassName(e))}
	}
	return nil
}

// initialWeights returns the normalised sample weights.
func initialWeights(w []float64, n int) ([]float64, error) {
	sw := make([]float64, n)
	if w == nil {
		for i := range sw {
			sw[i] = 1
		}
	} else {
		if err := checkWeights(w, n); err != nil {
			return nil, err
		}
		copy(sw, w)
	}
	sum := f64.PairwiseSum(sw)
	for i := range sw {
		sw[i] /= sum
	}
	return sw, nil
}

// Fit fits the boosted classifiers on X and the class values y.
func (m *AdaBoostClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with initial sample weights (nil for uniform).
func (m *AdaBoostClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, _, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	n, p := X.Dims()
	sw, err := initialWeights(w, n)
	if err != nil {
		return err
	}
	spec := m.Estimator.orDefault(defaultStump)
	seeded := hasParam(spec.Class, "random_state")
	rs := tree.NewRandomState(uint32(m.RandomState))
	zero := make([]bool, n)
	for i, v := range sw {
		zero[i] = v == 0
	}
	K := len(classes)
	real := m.Algorithm == "SAMME.R"
	var members []ml.Estimator
	weights, errs := make([]float64, m.NEstimators), make([]float64, m.NEstimators)
	for i := range errs {
		errs[i] = 1
	}
	inc := make([]float64, n)
	rep := ml.ProgressFrom(ctx)
	for ib := range m.NEstimators {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range sw {
			sw[i] = max(sw[i], float64Eps)
			if zero[i] {
				sw[i] = 0
			}
		}
		seed := -1
		if seeded {
			seed = rs.Randint(math.MaxInt32)
		}
		est, err := spec.build(seed)
		if err != nil {
			return err
		}
		if err := est.(weightedFitter).FitWeighted(ctx, X, y, sw); err != nil {
			return err
		}
		members = append(members, est)
		var pred []float64
		var proba *mat.Dense
		if real {
			if proba, err = est.(ml.ProbaPredictor).PredictProba(X); err != nil {
				return err
			}
			ec := est.(ml.Classifier).Classes()
			pred = make([]float64, n)
			raw := proba.RawMatrix()
			for i := range pred {
				pred[i] = ec[argmax(raw.Data[i*raw.Stride:i*raw.Stride+K])]
			}
		} else if pred, err = est.(ml.Predictor).Predict(X); err != nil {
			return err
		}
		for i := range inc {
			inc[i] = 0
			if pred[i] != y[i] {
				inc[i] = sw[i]
			}
		}
		estErr := f64.PairwiseSum(inc) / f64.PairwiseSum(sw)
		stop := false
		last := ib == m.NEstimators-1
		ew := 1.0
		switch {
		case estErr <= 0:
			weights[ib], errs[ib] = 1, 0
			stop = true
		case real:
			raw := proba.RawMatrix()
			code := -1.0 / float64(K-1)
			scale := -1.0 * m.LearningRate * (float64(K-1) / float64(K))
			terms := make([]float64, K)
			for i := range sw {
				row := raw.Data[i*raw.Stride : i*raw.Stride+K]
				for c, pv := range row {
					pv = max(pv, float64Eps)
					coding := code
					if classes[c] == y[i] {
						coding = 1
					}
					terms[c] = coding * math.Log(pv)
				}
				e := scale * f64.PairwiseSum(terms)
				if !last && (sw[i] > 0 || e < 0) {
					sw[i] *= math.Exp(e)
				}
			}
			weights[ib], errs[ib] = 1, estErr
		default:
			if estErr >= 1-1/float64(K) {
				members = members[:len(members)-1]
				if len(members) == 0 {
					return ml.DataErrorf("AdaBoostClassifier: the first %s is worse than random (weighted error %.4g ≥ %.4g): the ensemble cannot be fitted", spec.Class, estErr, 1-1/float64(K))
				}
				stop = true
				break
			}
			ew = m.LearningRate * (math.Log((1-estErr)/estErr) + math.Log(float64(K)-1))
			if !last {
				for i := range sw {
					if pred[i] != y[i] && sw[i] > 0 {
						sw[i] = math.Exp(math.Log(sw[i]) + ew)
					}
				}
			}
			weights[ib], errs[ib] = ew, estErr
		}
		if stop && (len(members) < ib+1 || errs[ib] == 0) {
			if errs[ib] == 0 {
				rep.Report(ml.Event{Kind: "iter", Step: ib + 1, Total: m.NEstimators, Metrics: map[string]float64{"estimator_error": 0}})
			}
			break
		}
		rep.Report(ml.Event{Kind: "iter", Step: ib + 1, Total: m.NEstimators, Metrics: map[string]float64{"estimator_error": estErr}})
		sum := f64.PairwiseSum(sw)
		if math.IsInf(sum, 0) || math.IsNaN(sum) {
			rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("AdaBoostClassifier: sample weights overflowed at iteration %d: stopped; try a lower learning_rate", ib)})
			break
		}
		if sum <= 0 {
			break
		}
		if !last {
			for i := range sw {
				sw[i] /= sum
			}
		}
	}
	m.members, m.weights, m.errors, m.classes, m.nFeatures = members, weights, errs, classes, p
	return nil
}

func (m *AdaBoostClassifier) check(X *mat.Dense) error {
	if m.members == nil {
		return ml.NotFittedError("AdaBoostClassifier")
	}
	return ml.CheckX(X, m.nFeatures)
}

// DecisionFunction returns scikit-learn's decision_function: the sum of
// the estimators' SAMME.R terms, or of their weighted votes, over the sum
// of the weights; one column (second class minus first) for two classes.
func (m *AdaBoostClassifier) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	d, err := m.decision(X, len(m.members))
	if err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	return mat.NewDense(n, len(d)/n, d), nil
}

// decision is decision_function over the first limit estimators.
func (m *AdaBoostClassifier) decision(X *mat.Dense, limit int) ([]float64, error) {
	n, _ := X.Dims()
	K := len(m.classes)
	pred := make([]float64, n*K)
	norm := 0.0
	for j, e := range m.members[:limit] {
		if m.Algorithm == "SAMME.R" {
			p, err := e.(ml.ProbaPredictor).PredictProba(X)
			if err != nil {
				return nil, err
			}
			raw := p.RawMatrix()
			lp := make([]float64, K)
			for i := range n {
				for c := range K {
					lp[c] = math.Log(max(raw.Data[i*raw.Stride+c], float64Eps))
				}
				s := f64.PairwiseSum(lp)
				for c := range K {
					pred[i*K+c] += float64(K-1) * (lp[c] - (1.0/float64(K))*s)
				}
			}
		} else {
			yp, err := e.(ml.Predictor).Predict(X)
			if err != nil {
				return nil, err
			}
			for i, v := range yp {
				if c, ok := slices.BinarySearch(m.classes, v); ok {
					pred[i*K+c] += m.weights[j]
				}
			}
		}
		norm += m.weights[j]
	}
	if limit == len(m.members) {
		norm = f64.PairwiseSum(m.weights)
	}
	for i := range pred {
		pred[i] /= norm
	}
	if K == 2 {
		out := make([]float64, n)
		for i := range out {
			out[i] = -pred[2*i] + pred[2*i+1]
		}
		return out, nil
	}
	return pred, nil
}

// Predict returns the class of largest decision (the second of two when
// the decision is positive).
func (m *AdaBoostClassifier) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	d, err := m.decision(X, len(m.members))
	if err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	out := make([]float64, n)
	K := len(m.classes)
	for i := range out {
		if K == 2 {
			out[i] = m.classes[0]
			if d[i] > 0 {
				out[i] = m.classes[1]
			}
			continue
		}
		out[i] = m.classes[argmax(d[i*K:(i+1)*K])]
	}
	return out, nil
}

// PredictProba returns the softmax of the decision divided by K-1 (for two
// classes, of (-d, d)/2), as scikit-learn's predict_proba.
func (m *AdaBoostClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	d, err := m.decision(X, len(m.members))
	if err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	K := len(m.classes)
	z := make([]float64, n*K)
	if K == 2 {
		for i, v := range d {
			z[2*i], z[2*i+1] = -v/2, v/2
		}
	} else {
		for i, v := range d {
			z[i] = v / float64(K-1)
		}
	}
	for i := range n {
		softmax(z[i*K : (i+1)*K])
	}
	return mat.NewDense(n, K, z), nil
}

// softmax is scipy.special.softmax of one row, in place.
func softmax(v []float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = max(mx, x)
	}
	s := 0.0
	for i, x := range v {
		v[i] = math.Exp(x - mx)
		s += v[i]
	}
	for i := range v {
		v[i] /= s
	}
}

// Classes returns the sorted class values seen by Fit.
func (m *AdaBoostClassifier) Classes() []float64 { return slices.Clone(m.classes) }

// EstimatorWeights returns estimator_weights_ (n_estimators long, 0 for
// estimators not fitted).
func (m *AdaBoostClassifier) EstimatorWeights() []float64 { return slices.Clone(m.weights) }

// EstimatorErrors returns estimator_errors_.
func (m *AdaBoostClassifier) EstimatorErrors() []float64 { return slices.Clone(m.errors) }

// Estimators returns the fitted estimators (shared, not to be modified).
func (m *AdaBoostClassifier) Estimators() []ml.Estimator { return m.members }

// FeatureImportances returns the weighted mean of the estimators'
// feature_importances_, or nil when they have none.
func (m *AdaBoostClassifier) FeatureImportances() []float64 {
	return weightedImportances(m.members, m.weights, m.nFeatures)
}

func weightedImportances(members []ml.Estimator, weights []float64, p int) []float64 {
	if members == nil {
		return nil
	}
	out := make([]float64, p)
	for j, e := range members {
		fi, ok := e.(interface{ FeatureImportances() []float64 })
		if !ok {
			return nil
		}
		for f, v := range fi.FeatureImportances() {
			out[f] += weights[j] * v
		}
	}
	norm := f64.PairwiseSum(weights)
	for f := range out {
		out[f] /= norm
	}
	return out
}

// Fit fits the boosted regressors on X and y.
func (m *AdaBoostRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with initial sample weights (nil for uniform).
func (m *AdaBoostRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	n, p := X.Dims()
	sw, err := initialWeights(w, n)
	if err != nil {
		return err
	}
	spec := m.Estimator.orDefault(defaultTree3R)
	seeded := hasParam(spec.Class, "random_state")
	rs := tree.NewRandomState(uint32(m.RandomState))
	zero := make([]bool, n)
	for i, v := range sw {
		zero[i] = v == 0
	}
	var members []ml.Estimator
	weights, errs := make([]float64, m.NEstimators), make([]float64, m.NEstimators)
	for i := range errs {
		errs[i] = 1
	}
	cdf := make([]float64, n)
	idx := make([]int, n)
	errv := make([]float64, n)
	terms := make([]float64, 0, n)
	rep := ml.ProgressFrom(ctx)
	for ib := range m.NEstimators {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range sw {
			sw[i] = max(sw[i], float64Eps)
			if zero[i] {
				sw[i] = 0
			}
		}
		seed := -1
		if seeded {
			seed = rs.Randint(math.MaxInt32)
		}
		est, err := spec.build(seed)
		if err != nil {
			return err
		}
		// random_state.choice(n, n, p=sample_weight): the normalised
		// cumulative weights searched for n uniform draws.
		c := 0.0
		for i, v := range sw {
			c += v
			cdf[i] = c
		}
		for i := range cdf {
			cdf[i] /= c
		}
		for i := range idx {
			u := rs.RandomSample()
			idx[i] = min(sort.Search(n, func(j int) bool { return cdf[j] > u }), n-1)
		}
		if err := est.Fit(ctx, takeRows(X, idx), take(y, idx)); err != nil {
			return err
		}
		members = append(members, est)
		pred, err := est.(ml.Predictor).Predict(X)
		if err != nil {
			return err
		}
		emax := 0.0
		for i := range errv {
			errv[i] = math.Abs(pred[i] - y[i])
			if sw[i] > 0 {
				emax = max(emax, errv[i])
			}
		}
		terms = terms[:0]
		for i, e := range errv {
			if emax != 0 {
				e /= emax
			}
			switch m.Loss {
			case "square":
				e *= e
			case "exponential":
				e = 1 - math.Exp(-e)
			}
			errv[i] = e
			if sw[i] > 0 {
				terms = append(terms, sw[i]*e)
			}
		}
		estErr := f64.PairwiseSum(terms)
		if estErr <= 0 {
			weights[ib], errs[ib] = 1, 0
			rep.Report(ml.Event{Kind: "iter", Step: ib + 1, Total: m.NEstimators, Metrics: map[string]float64{"estimator_error": 0}})
			break
		}
		if estErr >= 0.5 {
			if len(members) > 1 {
				members = members[:len(members)-1]
			}
			break
		}
		beta := estErr / (1 - estErr)
		weights[ib], errs[ib] = m.LearningRate*math.Log(1/beta), estErr
		if ib != m.NEstimators-1 {
			for i := range sw {
				if sw[i] > 0 {
					sw[i] *= math.Pow(beta, (1-errv[i])*m.LearningRate)
				}
			}
		}
		rep.Report(ml.Event{Kind: "iter", Step: ib + 1, Total: m.NEstimators, Metrics: map[string]float64{"estimator_error": estErr}})
		sum := f64.PairwiseSum(sw)
		if math.IsInf(sum, 0) || math.IsNaN(sum) {
			rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("AdaBoostRegressor: sample weights overflowed at iteration %d: stopped; try a lower learning_rate", ib)})
			break
		}
		if sum <= 0 {
			break
		}
		if ib < m.NEstimators-1 {
			for i := range sw {
				sw[i] /= sum
			}
		}
	}
	m.members, m.weights, m.errors, m.nFeatures = members, weights, errs, p
	return nil
}

// Predict returns the weighted median of the regressors' predictions:
// per row, the first prediction in sorted order whose cumulative weight
// reaches half the total.
func (m *AdaBoostRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("AdaBoostRegressor")
	}
	if err := ml.CheckX(X, m.nFeatures); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	nm := len(m.members)
	preds := make([][]float64, nm)
	for j, e := range m.members {
		p, err := e.(ml.Predictor).Predict(X)
		if err != nil {
			return nil, err
		}
		preds[j] = p
	}
	out := make([]float64, n)
	order := make([]int, nm)
	for i := range out {
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case preds[a][i] < preds[b][i]:
				return -1
			case preds[a][i] > preds[b][i]:
				return 1
			}
			return 0
		})
		total := 0.0
		for _, j := range order {
			total += m.weights[j]
		}
		c := 0.0
		pick := order[0]
		for _, j := range order {
			c += m.weights[j]
			if c >= 0.5*total {
				pick = j
				break
			}
		}
		out[i] = preds[pick][i]
	}
	return out, nil
}

// EstimatorWeights returns estimator_weights_.
func (m *AdaBoostRegressor) EstimatorWeights() []float64 { return slices.Clone(m.weights) }

// EstimatorErrors returns estimator_errors_.
func (m *AdaBoostRegressor) EstimatorErrors() []float64 { return slices.Clone(m.errors) }

// Estimators returns the fitted estimators (shared, not to be modified).
func (m *AdaBoostRegressor) Estimators() []ml.Estimator { return m.members }

// FeatureImportances returns the weighted mean of the estimators'
// feature_importances_, or nil when they have none.
func (m *AdaBoostRegressor) FeatureImportances() []float64 {
	return weightedImportances(m.members, m.weights, m.nFeatures)
}

// marshalMembers stores the members' states and the weights in s.
func marshalMembers(s *ml.State, members []ml.Estimator, weights, errs []float64, nFeatures int) error {
	s.SetAttr("n_members", len(members))
	s.SetAttr("n_features_in", nFeatures)
	s.SetFloats("estimator_weights", weights)
	s.SetFloats("estimator_errors", errs)
	for i, e := range members {
		st, ok := e.(ml.Stateful)
		if !ok {
			return fmt.Errorf("ensemble: %s cannot be saved", ml.ClassName(e))
		}
		sub, err := st.MarshalState()
		if err != nil {
			return err
		}
		mergeState(s, sub, fmt.Sprintf("estimators.%d.", i))
	}
	return nil
}

// unmarshalMembers restores what marshalMembers wrote, building each
// member from spec.
func unmarshalMembers(s *ml.State, name string, spec EstimatorSpec, nMax int) (members []ml.Estimator, weights, errs []float64, nFeatures int, err error) {
	bad := func(err error) ([]ml.Estimator, []float64, []float64, int, error) {
		return nil, nil, nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	var nm int
	if err := s.Attr("n_members", &nm); err != nil {
		return bad(err)
	}
	if err := s.Attr("n_features_in", &nFeatures); err != nil {
		return bad(err)
	}
	if nm < 1 || nm > nMax || nFeatures < 1 {
		return bad(fmt.Errorf("state: %d estimators of %d features, expected 1 to %d estimators", nm, nFeatures, nMax))
	}
	w, _, err := s.Floats("estimator_weights", nMax)
	if err != nil {
		return bad(err)
	}
	e, _, err := s.Floats("estimator_errors", nMax)
	if err != nil {
		return bad(err)
	}
	for _, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return bad(fmt.Errorf("state: estimator weight %v is not finite", v))
		}
	}
	for i := range nm {
		est, err := spec.build(-1)
		if err != nil {
			return bad(err)
		}
		st, ok := est.(ml.Stateful)
		if !ok {
			return bad(fmt.Errorf("%s cannot be loaded", spec.Class))
		}
		if err := st.UnmarshalState(subState(s, fmt.Sprintf("estimators.%d.", i))); err != nil {
			return bad(fmt.Errorf("estimator %d: %w", i, err))
		}
		members = append(members, est)
	}
	return members, slices.Clone(w), slices.Clone(e), nFeatures, nil
}

// MarshalState returns the classes, the weights and the estimators' states.
func (m *AdaBoostClassifier) MarshalState() (*ml.State, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("AdaBoostClassifier")
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	return s, marshalMembers(s, m.members, m.weights, m.errors, m.nFeatures)
}

// UnmarshalState restores a state written by MarshalState.
func (m *AdaBoostClassifier) UnmarshalState(s *ml.State) error {
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("AdaBoostClassifier: %w", err)
	}
	for i, c := range classes {
		if math.IsNaN(c) || math.IsInf(c, 0) || i > 0 && c <= classes[i-1] {
			return fmt.Errorf("AdaBoostClassifier: state: classes must be finite and strictly increasing")
		}
	}
	if len(classes) < 2 {
		return fmt.Errorf("AdaBoostClassifier: state: %d classes, expected at least 2", len(classes))
	}
	members, w, e, p, err := unmarshalMembers(s, "AdaBoostClassifier", m.Estimator.orDefault(defaultStump), m.NEstimators)
	if err != nil {
		return err
	}
	for i, est := range members {
		c, ok := est.(ml.Classifier)
		if !ok || !slices.Equal(c.Classes(), classes) {
			return fmt.Errorf("AdaBoostClassifier: state: estimator %d does not have the ensemble's classes", i)
		}
	}
	m.members, m.weights, m.errors, m.nFeatures, m.classes = members, w, e, p, slices.Clone(classes)
	return nil
}

// MarshalState returns the weights and the estimators' states.
func (m *AdaBoostRegressor) MarshalState() (*ml.State, error) {
	if m.members == nil {
		return nil, ml.NotFittedError("AdaBoostRegressor")
	}
	s := ml.NewState()
	return s, marshalMembers(s, m.members, m.weights, m.errors, m.nFeatures)
}

// UnmarshalState restores a state written by MarshalState.
func (m *AdaBoostRegressor) UnmarshalState(s *ml.State) error {
	members, w, e, p, err := unmarshalMembers(s, "AdaBoostRegressor", m.Estimator.orDefault(defaultTree3R), m.NEstimators)
	if err != nil {
		return err
	}
	m.members, m.weights, m.errors, m.nFeatures = members, w, e, p
	return nil
}

// EstimateMemory counts n_estimators times the estimator's own estimate
// (each is fitted on its own copy of the data), with the weights.
func (m *AdaBoostClassifier) EstimateMemory(n, p, k int) int64 {
	e, err := m.Estimator.orDefault(defaultStump).build(-1)
	if err != nil {
		return ml.DefaultMemoryEstimate(n, p, k)
	}
	return budget.Add(budget.Mul(int64(max(m.NEstimators, 1)), ml.EstimateMemory(e, n, p, k)), budget.Mul(40, int64(max(n, 0)), int64(max(k, 1))), 1<<20)
}

// EstimateMemory counts n_estimators times the estimator's own estimate
// (each is fitted on a resampled copy of the data, counted too).
func (m *AdaBoostRegressor) EstimateMemory(n, p, k int) int64 {
	e, err := m.Estimator.orDefault(defaultTree3R).build(-1)
	if err != nil {
		return ml.DefaultMemoryEstimate(n, p, k)
	}
	per := budget.Add(ml.EstimateMemory(e, n, p, 1), ml.DataBytes(n, p+1))
	return budget.Add(budget.Mul(int64(max(m.NEstimators, 1)), per), budget.Mul(48, int64(max(n, 0))), 1<<20)
}
