package datasets_test

import (
	"fmt"

	"github.com/mlforge/mlforge/data/datasets"
)

func ExampleLoad() {
	f, err := datasets.Load("iris")
	if err != nil {
		panic(err)
	}
	train, test, err := f.Split(0.2, 0, true)
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Features, f.Classes)
	fmt.Println(f.Len(), "rows:", train.Len(), "to train,", test.Len(), "to test")
	// Output:
	// [sepal_length sepal_width petal_length petal_width] [setosa versicolor virginica]
	// 150 rows: 120 to train, 30 to test
}
