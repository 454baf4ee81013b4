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
	Criterion             string      `json:"criterion" enum:"squared_error,friedman_mse,absolute_error,poisson" help:"squared_error; friedman_mse (squared error with Friedman's improvement score); absolute_error (leaves predict medians; as slow as scikit-learn's, quadratic in the node size); poisson (half Poisson deviance, for counts: y ≥ 0 with a positive sum)"`
	Splitter              string      `json:"splitter" enum:"best,random" help:"best: the best split of each examined feature; random: one random threshold per feature"`
	MaxDepth              int         `json:"max_depth" min:"1" nullable:"true" help:"maximum depth of the tree; null (or 0) grows until leaves are pure or too small"`
	MinSamplesSplit       Count       `json:"min_samples_split" expect:"an integer ≥ 2 or a fraction of the samples in (0, 1] written with a decimal point" help:"minimum samples a node needs to be split"`
	MinSamplesLeaf        Count       `json:"min_samples_leaf" expect:"an integer ≥ 1 or a fraction of the samples in (0, 1) written with a decimal point" help:"minimum samples in each leaf"`
	MinWeightFractionLeaf float64     `json:"min_weight_fraction_leaf" min:"0" max:"0.5" help:"minimum fraction of the total sample weight in each leaf"`
	MaxFeatures           MaxFeatures `json:"max_features" nullable:"true" expect:"null, an integer ≥ 1, a number in (0, 1], \"sqrt\", \"log2\" or \"auto\"" help:"features examined per split; null (or the deprecated auto) means all"`
	RandomState           int         `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the feature draws; null means 0 (mlforge is always seeded)"`
	MaxLeafNodes          int         `json:"max_leaf_nodes" min:"2" nullable:"true" help:"grow best first up to this many leaves; null (or 0) means unlimited, grown depth first"`
	MinImpurityDecrease   float64     `json:"min_impurity_decrease" min:"0" help:"split a node only if the weighted impurity decrease is at least this"`

	treeAccessors
}

// NewDecisionTreeRegressor returns a regressor with scikit-learn's
// defaults: squared_error, best splitter, unlimited depth,
// min_samples_split 2, min_samples_leaf 1, all features.
func NewDecisionTreeRegressor() *DecisionTreeRegressor {
	return &DecisionTreeRegressor{
		Criterion:       "squared_error",
		Splitter:        "best",
		MinSamplesSplit: Count{N: 2},
		MinSamplesLeaf:  Count{N: 1},
	}
}

func (m *DecisionTreeRegressor) params() *params {
	return &params{criterion: m.Criterion, splitter: m.Splitter, maxDepth: m.MaxDepth,
		minSamplesSplit: m.MinSamplesSplit, minSamplesLeaf: m.MinSamplesLeaf,
		minWeightFractionLeaf: m.MinWeightFractionLeaf, maxFeatures: m.MaxFeatures,
		randomState: m.RandomState, maxLeafNodes: m.MaxLeafNodes, minImpurityDecrease: m.MinImpurityDecrease}
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
