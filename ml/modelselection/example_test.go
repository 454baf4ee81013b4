package modelselection_test

import (
	"fmt"

	"github.com/mlforge/mlforge/ml/modelselection"
)

func ExampleTrainTestSplit() {
	y := []float64{0, 0, 0, 0, 1, 1, 1, 1, 1, 1}
	train, test, err := modelselection.TrainTestSplit(len(y), modelselection.Split{TestSize: 0.3, RandomState: 42, Stratify: y})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(train), len(test))
	// Output:
	// 7 3
}

// The folds are scikit-learn 1.2's for the same random_state:
// StratifiedKFold(3, shuffle=True, random_state=0).split(X, y) gives these
// test indices.
func ExampleNewSplitter() {
	cv, err := modelselection.NewSplitter("StratifiedKFold", []byte(`{"n_splits": 3, "shuffle": true, "random_state": 0}`))
	if err != nil {
		panic(err)
	}
	y := []float64{0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1}
	folds, _ := cv.Split(len(y), y, nil)
	for _, f := range folds {
		fmt.Println(f.Test)
	}
	// Output:
	// [2 3 7 8]
	// [1 4 6 9]
	// [0 5 10 11]
}
