package naivebayes_test

import (
	"context"
	"fmt"

	"github.com/mlforge/mlforge/ml/naivebayes"
	"gonum.org/v1/gonum/mat"
)

func ExampleGaussianNB() {
	X := mat.NewDense(6, 2, []float64{
		-1, -1,
		-2, -1,
		-3, -2,
		1, 1,
		2, 1,
		3, 2,
	})
	y := []float64{1, 1, 1, 2, 2, 2}
	m := naivebayes.NewGaussianNB()
	if err := m.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	Xt := mat.NewDense(1, 2, []float64{-0.8, -1})
	pred, _ := m.Predict(Xt)
	P, _ := m.PredictProba(Xt)
	fmt.Println("prediction:", pred[0])
	fmt.Printf("P(1), P(2): %.4f %.4f\n", P.At(0, 0), P.At(0, 1))
	fmt.Printf("theta:\n%.3f\n", mat.Formatted(m.Theta()))
	// Output:
	// prediction: 1
	// P(1), P(2): 1.0000 0.0000
	// theta:
	// ⎡-2.000  -1.333⎤
	// ⎣ 2.000   1.333⎦
}
