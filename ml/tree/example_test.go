package tree_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

func ExampleDecisionTreeClassifier() {
	// Two features; the class is 1 when the first one exceeds 2.
	X := mat.NewDense(6, 2, []float64{
		0, 5,
		1, 1,
		2, 4,
		3, 3,
		4, 2,
		5, 0,
	})
	y := []float64{0, 0, 0, 1, 1, 1}
	m := tree.NewDecisionTreeClassifier()
	if err := m.Fit(context.Background(), X, y); err != nil {
		fmt.Println(err)
		return
	}
	t := m.Tree()
	fmt.Printf("root: feature %d <= %g\n", t.Feature[0], t.Threshold[0])
	fmt.Println("depth", m.GetDepth(), "leaves", m.GetNLeaves())
	pred, _ := m.Predict(mat.NewDense(2, 2, []float64{1.5, 0, 4.5, 9}))
	fmt.Println("predict", pred)
	proba, _ := m.PredictProba(mat.NewDense(1, 2, []float64{2.6, 0}))
	fmt.Println("proba", mat.Row(nil, 0, proba))
	fmt.Println("importances", m.FeatureImportances())
	// Output:
	// root: feature 0 <= 2.5
	// depth 1 leaves 2
	// predict [0 1]
	// proba [0 1]
	// importances [1 0]
}

func ExampleDecisionTreeRegressor() {
	X := mat.NewDense(5, 1, []float64{1, 2, 3, 4, 5})
	y := []float64{1, 1, 1, 10, 12}
	m := tree.NewDecisionTreeRegressor()
	m.MaxDepth = 1
	if err := m.Fit(context.Background(), X, y); err != nil {
		fmt.Println(err)
		return
	}
	pred, _ := m.Predict(mat.NewDense(2, 1, []float64{0, 6}))
	fmt.Println(pred)
	// Output:
	// [1 11]
}

// Hyperparameters can be given as JSON with scikit-learn's names and types:
// an integer min_samples_leaf is a count, a number with a decimal point a
// fraction of the samples.
func Example_params() {
	e, err := ml.New("DecisionTreeClassifier", json.RawMessage(`{"criterion": "entropy", "max_depth": 3, "min_samples_leaf": 0.05, "max_features": "sqrt", "random_state": 7}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := e.(*tree.DecisionTreeClassifier)
	fmt.Println(m.Criterion, m.MaxDepth, m.MinSamplesLeaf, m.MaxFeatures)
	_, err = ml.New("DecisionTreeClassifier", json.RawMessage(`{"min_samples_split": 1}`))
	fmt.Println(err)
	// Output:
	// entropy 3 0.05 "sqrt"
	// min_samples_split: expected an integer ≥ 2 or a fraction of the samples in (0, 1] written with a decimal point, got 1
}
