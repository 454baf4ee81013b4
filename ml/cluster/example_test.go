package cluster_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml/cluster"
)

func ExampleKMeans() {
	X := mat.NewDense(6, 2, []float64{1, 2, 1, 4, 1, 0, 10, 2, 10, 4, 10, 0})
	km := cluster.NewKMeans()
	km.NClusters = 2
	km.Init = cluster.Init{Centers: [][]float64{{1, 2}, {10, 2}}}
	if err := km.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	fmt.Println(km.Labels(), km.Inertia())
	pred, _ := km.Predict(mat.NewDense(2, 2, []float64{0, 0, 12, 3}))
	fmt.Println(pred)
	// Output:
	// [0 0 0 1 1 1] 16
	// [0 1]
}

func ExampleAgglomerativeClustering() {
	X := mat.NewDense(5, 1, []float64{0, 1, 5, 6, 20})
	a := cluster.NewAgglomerativeClustering()
	a.NClusters = 3
	a.Linkage = "single"
	if err := a.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	fmt.Println(a.Children(), a.Distances(), a.Labels())
	// Output:
	// [[0 1] [2 3] [5 6] [7 4]] [1 1 4 14] [2 2 0 0 1]
}
