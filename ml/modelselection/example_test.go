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
