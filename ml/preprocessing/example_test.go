package preprocessing_test

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/preprocessing"
)

func ExampleStandardScaler() {
	X := mat.NewDense(3, 2, []float64{
		1, 10,
		2, math.NaN(),
		3, 30,
	})
	s := preprocessing.NewStandardScaler()
	if err := s.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	Z, _ := s.Transform(X)
	fmt.Println(s.Mean(), s.Scale())
	fmt.Printf("%.4g\n", mat.Formatted(Z))
	// Output:
	// [2 20] [0.816496580927726 10]
	// ⎡-1.225      -1⎤
	// ⎢     0     NaN⎥
	// ⎣ 1.225       1⎦
}

func ExampleSimpleImputer() {
	// Built by name with JSON parameters, as a training spec does.
	e, err := ml.New("SimpleImputer", []byte(`{"strategy": "median"}`))
	if err != nil {
		panic(err)
	}
	X := mat.NewDense(4, 1, []float64{1, math.NaN(), 4, 10})
	if err := e.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	Z, _ := e.(ml.Transformer).Transform(X)
	fmt.Println(e.(*preprocessing.SimpleImputer).Statistics(), mat.Col(nil, 0, Z))
	// Output:
	// [4] [1 4 4 10]
}

func ExampleMinMaxScaler() {
	s := preprocessing.NewMinMaxScaler()
	s.FeatureRange = preprocessing.FeatureRange{-1, 1}
	s.Clip = true
	X := mat.NewDense(3, 1, []float64{0, 5, 10})
	if err := s.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	Z, _ := s.Transform(mat.NewDense(3, 1, []float64{5, 10, 20}))
	fmt.Println(mat.Col(nil, 0, Z))
	// Output:
	// [0 1 1]
}

func ExampleOneHotEncoder() {
	e, err := ml.New("OneHotEncoder", []byte(`{"drop": "if_binary", "handle_unknown": "ignore"}`))
	if err != nil {
		panic(err)
	}
	// Column 0 has categories 1, 2 and 3; column 1 is binary (0 and 5).
	X := mat.NewDense(4, 2, []float64{
		1, 0,
		2, 5,
		3, 0,
		2, 5,
	})
	if err := e.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	// 7 is a category Fit did not see: ignored, its columns are zeros.
	Z, _ := e.(ml.Transformer).Transform(mat.NewDense(2, 2, []float64{3, 5, 7, 0}))
	fmt.Println(e.(*preprocessing.OneHotEncoder).CategoriesFitted())
	fmt.Println(mat.Formatted(Z))
	// Output:
	// [[1 2 3] [0 5]]
	// ⎡0  0  1  1⎤
	// ⎣0  0  0  0⎦
}

func ExamplePowerTransformer() {
	X := mat.NewDense(5, 1, []float64{1, 2, 3, 10, 100})
	p := preprocessing.NewPowerTransformer()
	if err := p.Fit(context.Background(), X, nil); err != nil {
		panic(err)
	}
	Z, _ := p.Transform(X)
	fmt.Printf("lambda %.4f\n", p.Lambdas()[0])
	fmt.Printf("%.4f\n", mat.Formatted(Z.T()))
	// scikit-learn 1.2: lambda -0.5115, [-1.2687 -0.6541 -0.2892 0.6407 1.5712].
	// Output:
	// lambda -0.5115
	// [-1.2687  -0.6541  -0.2892   0.6407   1.5712]
}
