package decomposition_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml/decomposition"
)

func ExamplePCA() {
	X := mat.NewDense(4, 2, []float64{1, 1, 2, 2, 3, 3, 4, 4.5})
	pc := decomposition.NewPCA()
	pc.NComponents = decomposition.NComponents{Count: 1}
	if err := pc.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	fmt.Printf("%.4f %.4f\n", pc.ExplainedVarianceRatio(), mat.Formatted(pc.Components(), mat.Squeeze()))
	// Output:
	// [0.9972] [0.6538  0.7567]
}
