package ensemble_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/ensemble"
	"github.com/mlforge/mlforge/ml/mltest"
)

// A random forest built by class name, as a spec builds it, with its
// out-of-bag score and importances.
func Example_randomForest() {
	X, y := mltest.Blobs(1, 90, 4, []float64{0, 1, 2})
	e, err := ml.New("RandomForestClassifier", json.RawMessage(`{"n_estimators": 50, "oob_score": true, "random_state": 0}`))
	if err != nil {
		panic(err)
	}
	if err := e.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	f := e.(*ensemble.RandomForestClassifier)
	score, _ := f.OOBScoreResult()
	sum := 0.0
	for _, v := range f.FeatureImportances() {
		sum += v
	}
	fmt.Println("trees:", len(f.Estimators()))
	fmt.Println("out-of-bag accuracy above 0.9:", score > 0.9)
	fmt.Printf("importances sum to %.1f\n", sum)
	// Output:
	// trees: 50
	// out-of-bag accuracy above 0.9: true
	// importances sum to 1.0
}

// Soft voting over two registered classifiers.
func Example_voting() {
	X, y := mltest.Blobs(2, 60, 3, []float64{0, 1})
	e, err := ml.New("VotingClassifier", json.RawMessage(`{"voting": "soft", "estimators": [
		{"name": "tree", "class": "DecisionTreeClassifier", "params": {"max_depth": 2}},
		{"name": "knn", "class": "KNeighborsClassifier", "params": {"n_neighbors": 5}}]}`))
	if err != nil {
		panic(err)
	}
	if err := e.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	p, err := e.(ml.ProbaPredictor).PredictProba(X)
	if err != nil {
		panic(err)
	}
	r, c := p.Dims()
	fmt.Println(r, "rows,", c, "classes")
	// Output:
	// 60 rows, 2 classes
}

// Histogram gradient boosting takes missing values (NaN) as they are:
// each split learns which side they go to.
func Example_histGradientBoosting() {
	X, y := mltest.Blobs(1, 200, 4, []float64{0, 1})
	X.Set(3, 0, math.NaN())
	X.Set(10, 2, math.NaN())
	e, err := ml.New("HistGradientBoostingClassifier", json.RawMessage(`{"max_iter": 20}`))
	if err != nil {
		panic(err)
	}
	if err := e.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	m := e.(*ensemble.HistGradientBoostingClassifier)
	pred, _ := m.Predict(X)
	right := 0
	for i := range pred {
		if pred[i] == y[i] {
			right++
		}
	}
	fmt.Println("iterations:", m.NIter())
	fmt.Println("training accuracy above 0.9:", float64(right)/float64(len(y)) > 0.9)
	// Output:
	// iterations: 20
	// training accuracy above 0.9: true
}
