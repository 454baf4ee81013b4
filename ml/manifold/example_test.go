package manifold_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml/manifold"
)

// ExampleTrustworthiness scores an embedding that keeps the first two of
// three coordinates: the neighbourhoods in the plane are mostly those in
// space. (scikit-learn 1.2.1's trustworthiness of the same data, k 3:
// 0.996031746031746.)
func ExampleTrustworthiness() {
	X := mat.NewDense(12, 3, nil)
	E := mat.NewDense(12, 2, nil)
	for i := 0; i < 12; i++ {
		x, y, z := float64(i%4)+0.01*float64(i), float64(i/4)+0.003*float64(i*i), 0.3*float64(i%3)
		X.SetRow(i, []float64{x, y, z})
		E.SetRow(i, []float64{x, y})
	}
	t, err := manifold.Trustworthiness(X, E, 3)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", t)
	// Output:
	// 0.9960
}
