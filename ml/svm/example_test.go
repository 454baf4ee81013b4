package svm_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	_ "github.com/mlforge/mlforge/ml/svm"
)

func ExampleSVC() {
	X := mat.NewDense(6, 2, []float64{
		0, 0, 1, 1, 1, 0,
		4, 4, 5, 4, 4, 5,
	})
	y := []float64{0, 0, 0, 1, 1, 1}
	m, err := ml.New("SVC", []byte(`{"kernel": "linear", "C": 1}`))
	if err != nil {
		panic(err)
	}
	if err := m.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	pred, _ := m.(ml.Predictor).Predict(mat.NewDense(2, 2, []float64{0.5, 0.5, 4.5, 4.5}))
	fmt.Println(pred)
	// Output: [0 1]
}
