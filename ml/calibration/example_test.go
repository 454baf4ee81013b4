package calibration_test

import (
	"context"
	"encoding/json"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// A GaussianNB's probabilities calibrated by isotonic regression over
// three stratified folds.
func Example() {
	X := mat.NewDense(12, 1, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	y := []float64{0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1}
	m, err := ml.New("CalibratedClassifierCV", json.RawMessage(`{"estimator": {"class": "GaussianNB"}, "method": "isotonic", "cv": 3}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Fit(context.Background(), X, y); err != nil {
		fmt.Println(err)
		return
	}
	pred, _ := m.(ml.Predictor).Predict(mat.NewDense(2, 1, []float64{0.5, 10.5}))
	fmt.Println(pred)
	// Output: [0 1]
}
