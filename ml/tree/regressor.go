package tree

import (
	"context"
	"fmt"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// DecisionTreeRegressor is scikit-learn's DecisionTreeRegressor: a binary
// tree whose leaves predict the mean target of their training samples,
// grown by choosing at each node the split that most decreases the squared
// error (or the absolute error, or the Poisson deviance). Like DecisionTreeClassifier it reproduces scikit-learn 1.2's trees.

type DecisionTreeRegressor struct {
	Criterion string `json:"criterion" enum:"squared_error,friedman_mse,absolute_error,poisson" help:"squared_error; friedman_mse (squared error with Friedman's improvement score); absolute_error (leaves predict medians; as slow as scikit-learn's, quadratic in the node size); poisson (half Poisson deviance, for counts: y ≥ 0 with a positive sum)"`
	Params

	treeAccessors
}

// NewDecisionTreeRegressor returns a regressor with scikit-learn's
// defaults: squared_error, best splitter, unlimited depth,
// min_samples_split 2, min_samples_leaf 1, all features.
func NewDecisionTreeRegressor() *DecisionTreeRegressor {
	return &DecisionTreeRegressor{Criterion: "squared_error", Params: defaultParams()}
}

func (m *DecisionTreeRegressor) params() *params {
	return &params{criterion: m.Criterion, Params: m.Params}
}

// Validate checks min_samples_split, min_samples_leaf and max_features,
// whose rules the struct tags cannot express.
func (m *DecisionTreeRegressor) Validate() error { return m.params().validate() }

// Fit grows the tree on X and the targets y.
func (m *DecisionTreeRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return m.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight). Weights must be finite and ≥ 0;
// samples of weight 0 are ignored.
func (m *DecisionTreeRegressor) FitWeighted(ctx context.Context, X *mat.Dense, y, sampleWeight []float64) error {
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	if m.Criterion == "poisson" {
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
	t, err := grow(ctx, m.params(), X, target{values: y}, sampleWeight)
	if err != nil {
		return err
	}
	m.tree = t
	return nil
}

func (m *DecisionTreeRegressor) fitted(X *mat.Dense) error {
	if m.tree == nil {
		return ml.NotFittedError("DecisionTreeRegressor")
	}
	return checkPredictX(X, m.tree.NFeatures)
}

// Predict returns the value of the leaf each row reaches.
func (m *DecisionTreeRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.fitted(X); err != nil {
		return nil, err
	}
	leaves := m.tree.Apply(X)
	out := make([]float64, len(leaves))
	for i, l := range leaves {
		out[i] = m.tree.Value[l]
	}
	return out, nil
}

// Apply returns the index of the leaf each row of X reaches.
func (m *DecisionTreeRegressor) Apply(X *mat.Dense) ([]int, error) {
	if err := m.fitted(X); err != nil {
		return nil, err
	}
	return m.tree.Apply(X), nil
}

// MarshalState returns the tree's arrays.
func (m *DecisionTreeRegressor) MarshalState() (*ml.State, error) {
	if m.tree == nil {
		return nil, ml.NotFittedError("DecisionTreeRegressor")
	}
	s := ml.NewState()
	m.tree.MarshalState(s, "")
	return s, nil
}

// UnmarshalState restores a state written by MarshalState, validating the
// tree's structure and that it holds one value per node.
func (m *DecisionTreeRegressor) UnmarshalState(s *ml.State) error {
	t, err := UnmarshalTree(s, "")
	if err != nil {
		return fmt.Errorf("DecisionTreeRegressor: %w", err)
	}
	if t.NValues != 1 {
		return fmt.Errorf("DecisionTreeRegressor: state: the tree has %d values per node, expected 1", t.NValues)
	}
	m.tree = t
	return nil
}
