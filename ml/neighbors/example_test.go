package neighbors_test

import (
	"context"
	"encoding/json"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/neighbors"
)

func ExampleKNeighborsClassifier() {
	X := mat.NewDense(4, 1, []float64{0, 1, 2, 3})
	y := []float64{0, 0, 1, 1}
	clf := neighbors.NewKNeighborsClassifier()
	clf.NNeighbors = 3
	if err := clf.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	Q := mat.NewDense(1, 1, []float64{1.1})
	pred, _ := clf.Predict(Q)
	proba, _ := clf.PredictProba(Q)
	fmt.Println(pred)
	fmt.Printf("%.4f\n", mat.Formatted(proba))
	// Output:
	// [0]
	// [0.6667  0.3333]
}

func ExampleKNeighborsRegressor() {
	X := mat.NewDense(4, 1, []float64{0, 1, 2, 3})
	y := []float64{0, 0, 1, 1}
	reg := neighbors.NewKNeighborsRegressor()
	reg.NNeighbors = 2
	if err := reg.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	pred, _ := reg.Predict(mat.NewDense(1, 1, []float64{1.5}))
	fmt.Println(pred)
	reg.Weights = "distance"
	pred, _ = reg.Predict(mat.NewDense(1, 1, []float64{1.25}))
	fmt.Printf("%.2f\n", pred)
	// Output:
	// [0.5]
	// [0.25]
}

// The example of scikit-learn's kneighbors documentation.
func ExampleKNeighborsClassifier_KNeighbors() {
	samples := mat.NewDense(3, 3, []float64{
		0, 0, 0,
		0, 0.5, 0,
		1, 1, 0.5,
	})
	clf := neighbors.NewKNeighborsClassifier()
	clf.NNeighbors = 1
	if err := clf.Fit(context.Background(), samples, []float64{0, 0, 1}); err != nil {
		panic(err)
	}
	dist, ind, _ := clf.KNeighbors(mat.NewDense(1, 3, []float64{1, 1, 1}), 0)
	fmt.Println(mat.Formatted(dist), ind)
	// Output:
	// [0.5] [[2]]
}

// Estimators are also built by class name with JSON parameters, as a
// training spec does.
func Example_registry() {
	est, err := ml.New("KNeighborsClassifier", json.RawMessage(`{"n_neighbors": 1, "weights": "distance", "algorithm": "brute", "p": 1}`))
	if err != nil {
		panic(err)
	}
	X := mat.NewDense(3, 2, []float64{0, 0, 5, 5, 10, 0})
	if err := est.Fit(context.Background(), X, []float64{7, 8, 9}); err != nil {
		panic(err)
	}
	pred, _ := est.(ml.Predictor).Predict(mat.NewDense(2, 2, []float64{4, 4, 9, 1}))
	fmt.Println(pred, est.(*neighbors.KNeighborsClassifier).FitMethod())

	_, err = ml.New("KNeighborsRegressor", json.RawMessage(`{"weights": "gaussian"}`))
	fmt.Println(err)
	// Output:
	// [8 9] brute
	// weights: expected one of "uniform", "distance", got "gaussian"
}
