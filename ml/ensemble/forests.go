package ensemble

import (
	"context"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name: "RandomForestClassifier", Task: ml.Classification, Family: "ensemble",
		Doc: "A random forest classifier: trees grown on bootstrap samples with random feature subsets, probabilities averaged.",
		New: func() ml.Estimator { return NewRandomForestClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "RandomForestRegressor", Task: ml.Regression, Family: "ensemble",
		Doc: "A random forest regressor: trees grown on bootstrap samples, predictions averaged.",
		New: func() ml.Estimator { return NewRandomForestRegressor() },
	})
	ml.Register(ml.ClassInfo{
		Name: "ExtraTreesClassifier", Task: ml.Classification, Family: "ensemble",
		Doc: "An extremely randomized trees classifier: trees split at random thresholds, probabilities averaged.",
		New: func() ml.Estimator { return NewExtraTreesClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "ExtraTreesRegressor", Task: ml.Regression, Family: "ensemble",
		Doc: "An extremely randomized trees regressor: trees split at random thresholds, predictions averaged.",
		New: func() ml.Estimator { return NewExtraTreesRegressor() },
	})
}

// ClassifierParams are the hyperparameters of RandomForestClassifier and
// ExtraTreesClassifier.
type ClassifierParams struct {
	NEstimators int    `json:"n_estimators" min:"1" help:"number of trees"`
	Criterion   string `json:"criterion" enum:"gini,entropy,log_loss" help:"impurity measure of the trees: gini, or entropy (log_loss is the same)"`
	ForestParams
	ClassWeight ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes: null, balanced, balanced_subsample (balanced within each bootstrap sample) or an object from class values to weights"`
}

// RegressorParams are the hyperparameters of RandomForestRegressor and
// ExtraTreesRegressor.
type RegressorParams struct {
	NEstimators int    `json:"n_estimators" min:"1" help:"number of trees"`
	Criterion   string `json:"criterion" enum:"squared_error,friedman_mse,absolute_error,poisson" help:"split criterion of the trees: squared_error, friedman_mse, absolute_error (slow: quadratic in the node size, as in scikit-learn) or poisson (for counts)"`
	ForestParams
}

// RandomForestClassifier is scikit-learn's RandomForestClassifier: each
// tree is grown on a bootstrap sample of the rows with max_features
// features drawn at each split, and PredictProba is the mean of the trees'
// class probabilities.
//
// The seeds of the trees, their bootstrap samples and their feature draws
// come from scikit-learn's own generators seeded as scikit-learn seeds
// them, and the trees are scikit-learn's (package tree), so the same
// random_state grows the same forest as scikit-learn 1.2, tree for tree.
type RandomForestClassifier struct {
	ClassifierParams
	forestClassifier
}

// ExtraTreesClassifier is scikit-learn's ExtraTreesClassifier: like
// RandomForestClassifier, but each tree splits a node at one random
// threshold per examined feature, and by default on all rows (bootstrap
// false).
type ExtraTreesClassifier struct {
	ClassifierParams
	forestClassifier
}

// RandomForestRegressor is scikit-learn's RandomForestRegressor: trees on
// bootstrap samples, predictions averaged. By scikit-learn 1.2's default
// every feature is examined at each split (max_features 1.0).
type RandomForestRegressor struct {
	RegressorParams
	forestRegressor
}

// ExtraTreesRegressor is scikit-learn's ExtraTreesRegressor: random
// thresholds, all rows, predictions averaged.
type ExtraTreesRegressor struct {
	RegressorParams
	forestRegressor
}

// NewRandomForestClassifier returns scikit-learn 1.2's defaults: 100 trees,
// gini, max_features "sqrt", bootstrap.
func NewRandomForestClassifier() *RandomForestClassifier {
	return &RandomForestClassifier{ClassifierParams: ClassifierParams{NEstimators: 100, Criterion: "gini",
		ForestParams: forestDefaults(tree.MaxFeatures{Name: "sqrt"}, true)}, forestClassifier: forestClassifier{name: "RandomForestClassifier"}}
}

// NewExtraTreesClassifier returns scikit-learn 1.2's defaults: 100 trees,
// gini, max_features "sqrt", no bootstrap.
func NewExtraTreesClassifier() *ExtraTreesClassifier {
	return &ExtraTreesClassifier{ClassifierParams: ClassifierParams{NEstimators: 100, Criterion: "gini",
		ForestParams: forestDefaults(tree.MaxFeatures{Name: "sqrt"}, false)}, forestClassifier: forestClassifier{name: "ExtraTreesClassifier"}}
}

// NewRandomForestRegressor returns scikit-learn 1.2's defaults: 100 trees,
// squared_error, max_features 1.0, bootstrap.
func NewRandomForestRegressor() *RandomForestRegressor {
	return &RandomForestRegressor{RegressorParams: RegressorParams{NEstimators: 100, Criterion: "squared_error",
		ForestParams: forestDefaults(tree.MaxFeatures{Frac: 1}, true)}, forestRegressor: forestRegressor{name: "RandomForestRegressor"}}
}

// NewExtraTreesRegressor returns scikit-learn 1.2's defaults: 100 trees,
// squared_error, max_features 1.0, no bootstrap.
func NewExtraTreesRegressor() *ExtraTreesRegressor {
	return &ExtraTreesRegressor{RegressorParams: RegressorParams{NEstimators: 100, Criterion: "squared_error",
		ForestParams: forestDefaults(tree.MaxFeatures{Frac: 1}, false)}, forestRegressor: forestRegressor{name: "ExtraTreesRegressor"}}
}

func (p *ClassifierParams) config(name, splitter string) *forestConfig {
	return &forestConfig{name: name, criterion: p.Criterion, splitter: splitter, nEstimators: p.NEstimators, ForestParams: p.ForestParams, classWeight: p.ClassWeight}
}

func (p *RegressorParams) config(name, splitter string) *forestConfig {
	return &forestConfig{name: name, criterion: p.Criterion, splitter: splitter, nEstimators: p.NEstimators, ForestParams: p.ForestParams}
}

// Validate checks the rules the struct tags cannot express: the trees'
// (min_samples_split, min_samples_leaf, max_features), oob_score and
// max_samples only with bootstrap, and class_weight.
func (p *ClassifierParams) Validate() error {
	if err := p.ForestParams.validate(p.Criterion, true); err != nil {
		return err
	}
	return p.ClassWeight.Validate("balanced", "balanced_subsample")
}

// Validate checks the rules the struct tags cannot express: the trees'
// (min_samples_split, min_samples_leaf, max_features), and oob_score and
// max_samples only with bootstrap.
func (p *RegressorParams) Validate() error { return p.ForestParams.validate(p.Criterion, false) }

// Fit grows the forest on X and the class values y.
func (m *RandomForestClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight).
func (m *RandomForestClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.fit(ctx, m.config("RandomForestClassifier", "best"), X, y, w)
}

// Fit grows the forest on X and the class values y.
func (m *ExtraTreesClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights).
func (m *ExtraTreesClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.fit(ctx, m.config("ExtraTreesClassifier", "random"), X, y, w)
}

// Fit grows the forest on X and the targets y.
func (m *RandomForestRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights).
func (m *RandomForestRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.fit(ctx, m.config("RandomForestRegressor", "best"), X, y, w)
}

// Fit grows the forest on X and the targets y.
func (m *ExtraTreesRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights).
func (m *ExtraTreesRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.fit(ctx, m.config("ExtraTreesRegressor", "random"), X, y, w)
}

// EstimateMemory bounds Fit's memory (see estimateForest).
func (m *RandomForestClassifier) EstimateMemory(n, p, k int) int64 {
	return estimateForest(m.config("", "best"), n, p, k, true)
}

// EstimateMemory bounds Fit's memory (see estimateForest).
func (m *ExtraTreesClassifier) EstimateMemory(n, p, k int) int64 {
	return estimateForest(m.config("", "random"), n, p, k, true)
}

// EstimateMemory bounds Fit's memory (see estimateForest).
func (m *RandomForestRegressor) EstimateMemory(n, p, k int) int64 {
	return estimateForest(m.config("", "best"), n, p, 1, false)
}

// EstimateMemory bounds Fit's memory (see estimateForest).
func (m *ExtraTreesRegressor) EstimateMemory(n, p, k int) int64 {
	return estimateForest(m.config("", "random"), n, p, 1, false)
}

// forestClassifier is the fitted state and the prediction methods of the
// forest classifiers.
type forestClassifier struct {
	forest
	classes []float64
	name    string
}

func (f *forestClassifier) fit(ctx context.Context, c *forestConfig, X *mat.Dense, y, w []float64) error {
	f.name = c.name
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	if !c.classWeight.IsZero() && c.classWeight.Weights != nil {
		// Class weights name class values: check them against y's.
		if _, err := c.classWeight.PerClass(classes, make([]float64, len(classes))); err != nil {
			return err
		}
		cw := ClassWeight{ml.ClassWeight{Weights: map[float64]float64{}}}
		for i, v := range classes {
			if wv, ok := c.classWeight.Weights[v]; ok {
				cw.Weights[float64(i)] = wv
			}
		}
		c.classWeight = cw
	}
	var fr forest
	if err := fr.grow(ctx, c, X, nil, idx, len(classes), w); err != nil {
		return err
	}
	f.forest, f.classes = fr, classes
	return nil
}

// Classes returns the sorted class values seen by Fit, or nil before Fit.
func (f *forestClassifier) Classes() []float64 { return append([]float64(nil), f.classes...) }

// PredictProba returns the mean over the trees of their class
// probabilities; columns follow Classes.
func (f *forestClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if err := f.checkPredict(f.name, X); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	return mat.NewDense(n, len(f.classes), f.average(X)), nil
}

// PredictLogProba returns the logarithm of PredictProba (-Inf for 0).
func (f *forestClassifier) PredictLogProba(X *mat.Dense) (*mat.Dense, error) {
	p, err := f.PredictProba(X)
	if err != nil {
		return nil, err
	}
	raw := p.RawMatrix().Data
	for i, v := range raw {
		raw[i] = math.Log(v)
	}
	return p, nil
}

// Predict returns the class of highest mean probability (the first in
// Classes order on ties).
func (f *forestClassifier) Predict(X *mat.Dense) ([]float64, error) {
	if err := f.checkPredict(f.name, X); err != nil {
		return nil, err
	}
	proba := f.average(X)
	k := len(f.classes)
	n, _ := X.Dims()
	out := make([]float64, n)
	for i := range out {
		out[i] = f.classes[argmax(proba[i*k:(i+1)*k])]
	}
	return out, nil
}

// Estimators returns the fitted trees (shared, not to be modified), or nil
// before Fit.
func (f *forest) Estimators() []*tree.Tree { return f.trees }

// FeatureImportances returns the impurity-based importances, as
// scikit-learn's feature_importances_, or nil before Fit.
func (f *forest) FeatureImportances() []float64 { return f.featureImportances() }

// NFeaturesIn returns the number of features seen by Fit, or 0 before Fit.
func (f *forest) NFeaturesIn() int { return f.nFeatures }

// OOBScoreResult returns oob_score_ (the out-of-bag accuracy of a classifier,
// R² of a regressor) and whether it was computed (oob_score true).
func (f *forest) OOBScoreResult() (float64, bool) { return f.oobScore, f.oob != nil }

// OOBDecisionFunction returns oob_decision_function_: for each training
// row the mean probabilities of the trees that did not see it (0 for rows
// every tree saw), or nil without oob_score.
func (f *forestClassifier) OOBDecisionFunction() *mat.Dense {
	if f.oob == nil {
		return nil
	}
	return mat.NewDense(len(f.oob)/len(f.classes), len(f.classes), append([]float64(nil), f.oob...))
}

// MarshalState returns the classes, the trees and the out-of-bag results.
func (f *forestClassifier) MarshalState() (*ml.State, error) {
	if f.trees == nil {
		return nil, ml.NotFittedError(f.name)
	}
	s := ml.NewState()
	s.SetFloats("classes", f.classes)
	f.marshal(s)
	return s, nil
}

func (f *forestClassifier) unmarshal(name string, s *ml.State) error {
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for i, c := range classes {
		if math.IsNaN(c) || math.IsInf(c, 0) || i > 0 && c <= classes[i-1] {
			return fmt.Errorf("%s: state: classes must be finite and strictly increasing", name)
		}
	}
	if len(classes) < 2 {
		return fmt.Errorf("%s: state: %d classes, expected at least 2", name, len(classes))
	}
	fr, err := unmarshalForest(s, name, len(classes))
	if err != nil {
		return err
	}
	f.forest, f.classes, f.name = fr, append([]float64(nil), classes...), name
	return nil
}

// UnmarshalState restores a state written by MarshalState.
func (m *RandomForestClassifier) UnmarshalState(s *ml.State) error {
	return m.unmarshal("RandomForestClassifier", s)
}

// UnmarshalState restores a state written by MarshalState.
func (m *ExtraTreesClassifier) UnmarshalState(s *ml.State) error {
	return m.unmarshal("ExtraTreesClassifier", s)
}

// forestRegressor is the fitted state and the prediction methods of the
// forest regressors.
type forestRegressor struct {
	forest
	name string
}

func (f *forestRegressor) fit(ctx context.Context, c *forestConfig, X *mat.Dense, y, w []float64) error {
	f.name = c.name
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if c.criterion == "poisson" {
		sum := 0.0
		for i, v := range y {
			if v < 0 {
				return ml.DataErrorf("y[%d] is %v: criterion poisson needs targets ≥ 0", i, v)
			}
			sum += v
		}
		if !(sum > 0) {
			return ml.DataErrorf("y sums to %v: criterion poisson needs a positive sum", sum)
		}
	}
	var fr forest
	if err := fr.grow(ctx, c, X, y, nil, 0, w); err != nil {
		return err
	}
	f.forest = fr
	return nil
}

// Predict returns the mean of the trees' predictions.
func (f *forestRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if err := f.checkPredict(f.name, X); err != nil {
		return nil, err
	}
	return f.average(X), nil
}

// OOBPrediction returns oob_prediction_: for each training row the mean
// prediction of the trees that did not see it, or nil without oob_score.
func (f *forestRegressor) OOBPrediction() []float64 {
	return append([]float64(nil), f.oob...)
}

// MarshalState returns the trees and the out-of-bag results.
func (f *forestRegressor) MarshalState() (*ml.State, error) {
	if f.trees == nil {
		return nil, ml.NotFittedError(f.name)
	}
	s := ml.NewState()
	f.marshal(s)
	return s, nil
}

func (f *forestRegressor) unmarshal(name string, s *ml.State) error {
	fr, err := unmarshalForest(s, name, 1)
	if err != nil {
		return err
	}
	f.forest, f.name = fr, name
	return nil
}

// UnmarshalState restores a state written by MarshalState.
func (m *RandomForestRegressor) UnmarshalState(s *ml.State) error {
	return m.unmarshal("RandomForestRegressor", s)
}

// UnmarshalState restores a state written by MarshalState.
func (m *ExtraTreesRegressor) UnmarshalState(s *ml.State) error {
	return m.unmarshal("ExtraTreesRegressor", s)
}
