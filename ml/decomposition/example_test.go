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

// ExampleNMF factorises a small non-negative matrix into two parts;
// scikit-learn 1.2.1's NMF(n_components=2, init="nndsvda",
// max_iter=500) gives the same error, iterations and components.
func ExampleNMF() {
	X := mat.NewDense(5, 3, []float64{1, 1, 0.5, 2, 1, 1, 3, 1.2, 1.5, 4, 1, 2.1, 5, 0.8, 2.4})
	m := decomposition.NewNMF()
	m.NComponents, m.Init, m.MaxIter = 2, "nndsvda", 500
	if err := m.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	fmt.Printf("%.4f %d\n%.4f\n", m.ReconstructionErr(), m.NIter(), mat.Formatted(m.Components(), mat.Squeeze()))
	// Output:
	// 0.1206 53
	// ⎡1.8986  1.9146  0.9991⎤
	// ⎣2.6794  0.3533  1.3217⎦
}
