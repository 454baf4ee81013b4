package tree

import (
	"context"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "DecisionTreeClassifier",
		Task:   ml.Classification,
		Family: "tree",
		Doc:    "A decision tree classifier (CART), split by Gini impurity or entropy.",
		New:    func() ml.Estimator { return NewDecisionTreeClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name:   "DecisionTreeRegressor",
		Task:   ml.Regression,
		Family: "tree",
		Doc:    "A decision tree regressor (CART), split by squared error.",
		New:    func() ml.Estimator { return NewDecisionTreeRegressor() },
	})
}

// DecisionTreeClassifier is scikit-learn's DecisionTreeClassifier: a binary
// tree grown depth first (or best first when MaxLeafNodes is set) by
// choosing at each node the split that most decreases the impurity.
//
// Features are compared in float32, as in scikit-learn, and the features
// examined at each node are drawn with scikit-learn's own generator seeded
// as scikit-learn seeds it, so for the same random_state the tree is the
// same as scikit-learn 1.2's, node for node, even with max_features set.
type DecisionTreeClassifier struct {
	Criterion string `json:"criterion" enum:"gini,entropy,log_loss" help:"impurity measure: gini, or entropy (log_loss is the same)"`
	Params

	classes []float64
	treeAccessors
}

// NewDecisionTreeClassifier returns a classifier with scikit-learn's
// defaults: gini, best splitter, unlimited depth, min_samples_split 2,
// min_samples_leaf 1, all features.
func NewDecisionTreeClassifier() *DecisionTreeClassifier {
	return &DecisionTreeClassifier{Criterion: "gini", Params: defaultParams()}
}

func (m *DecisionTreeClassifier) params() *params {
	return &params{criterion: m.Criterion, Params: m.Params}
}

// Validate checks min_samples_split, min_samples_leaf and max_features,
// whose rules the struct tags cannot express.
func (m *DecisionTreeClassifier) Validate() error { return m.params().validate() }

// Fit grows the tree on X and the class values y.
func (m *DecisionTreeClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight). Weights must be finite and ≥ 0;
// samples of weight 0 are ignored, but their classes still count in
// Classes.
func (m *DecisionTreeClassifier) FitWeighted(ctx context.Context, X *mat.Dense, y, sampleWeight []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
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
	yc := make([]int32, len(idx))
	for i, k := range idx {
		yc[i] = int32(k)
	}
	t, err := grow(ctx, m.params(), X, target{classes: yc, nClass: len(classes)}, sampleWeight)
	if err != nil {
		return err
	}
	m.classes, m.tree = classes, t
	return nil
}

func (m *DecisionTreeClassifier) fitted(X *mat.Dense) error {
	if m.tree == nil {
		return ml.NotFittedError("DecisionTreeClassifier")
	}
	return checkPredictX(X, m.tree.NFeatures)
}

// Predict returns the most probable class of each row (the first in
// Classes order on ties, as numpy's argmax).
func (m *DecisionTreeClassifier) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.fitted(X); err != nil {
		return nil, err
	}
	leaves := m.tree.Apply(X)
	out := make([]float64, len(leaves))
	for i, l := range leaves {
		v := m.tree.NodeValue(l)
		best := 0
		for k := 1; k < len(v); k++ {
			if v[k] > v[best] {
				best = k
			}
		}
		out[i] = m.classes[best]
	}
	return out, nil
}

// PredictProba returns, for each row, the class fractions of the leaf it
// reaches; columns follow Classes.
func (m *DecisionTreeClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if err := m.fitted(X); err != nil {
		return nil, err
	}
	leaves := m.tree.Apply(X)
	k := len(m.classes)
	out := mat.NewDense(len(leaves), k, nil)
	raw := out.RawMatrix().Data
	for i, l := range leaves {
		copy(raw[i*k:(i+1)*k], m.tree.NodeValue(l))
	}
	return out, nil
}

// PredictLogProba returns the natural logarithm of PredictProba (-Inf for
// a probability of 0), as scikit-learn's predict_log_proba.
func (m *DecisionTreeClassifier) PredictLogProba(X *mat.Dense) (*mat.Dense, error) {
	p, err := m.PredictProba(X)
	if err != nil {
		return nil, err
	}
	raw := p.RawMatrix().Data
	for i, v := range raw {
		raw[i] = math.Log(v)
	}
	return p, nil
}

// Apply returns the index of the leaf each row of X reaches.
func (m *DecisionTreeClassifier) Apply(X *mat.Dense) ([]int, error) {
	if err := m.fitted(X); err != nil {
		return nil, err
	}
	return m.tree.Apply(X), nil
}

// Classes returns the sorted class values seen by Fit, or nil before Fit.
func (m *DecisionTreeClassifier) Classes() []float64 { return append([]float64(nil), m.classes...) }

// MarshalState returns the classes and the tree's arrays.
func (m *DecisionTreeClassifier) MarshalState() (*ml.State, error) {
	if m.tree == nil {
		return nil, ml.NotFittedError("DecisionTreeClassifier")
	}
	s := ml.NewState()
	s.SetFloats("classes", m.classes)
	m.tree.MarshalState(s, "")
	return s, nil
}

// UnmarshalState restores a state written by MarshalState, validating the
// tree's structure and that its values have one column per class.
func (m *DecisionTreeClassifier) UnmarshalState(s *ml.State) error {
	classes, _, err := s.Floats("classes", -1)
	if err != nil {
		return err
	}
	for i, c := range classes {
		if math.IsNaN(c) || math.IsInf(c, 0) || i > 0 && c <= classes[i-1] {
			return fmt.Errorf("DecisionTreeClassifier: state: classes must be finite and strictly increasing")
		}
	}
	t, err := UnmarshalTree(s, "")
	if err != nil {
		return fmt.Errorf("DecisionTreeClassifier: %w", err)
	}
	if len(classes) < 2 || t.NValues != len(classes) {
		return fmt.Errorf("DecisionTreeClassifier: state: %d classes but the tree's values have %d columns", len(classes), t.NValues)
	}
	m.classes, m.tree = append([]float64(nil), classes...), t
	return nil
}
