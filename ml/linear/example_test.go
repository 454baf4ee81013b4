package linear_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/linear"
	"gonum.org/v1/gonum/mat"
)

func ExampleLinearRegression() {
	// y = 1 + 2·x0 + 3·x1 exactly.
	X := mat.NewDense(4, 2, []float64{
		1, 1,
		1, 2,
		2, 2,
		2, 3,
	})
	y := []float64{6, 9, 11, 14}
	m := linear.NewLinearRegression()
	if err := m.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	pred, _ := m.Predict(mat.NewDense(1, 2, []float64{3, 5}))
	fmt.Printf("coef %.3f intercept %.3f\n", m.Coef(), m.Intercept())
	fmt.Printf("prediction for [3 5]: %.3f\n", pred[0])
	// Output:
	// coef [2.000 3.000] intercept 1.000
	// prediction for [3 5]: 22.000
}

func ExampleRidge() {
	X := mat.NewDense(4, 1, []float64{0, 1, 2, 3})
	y := []float64{0, 1, 2, 3}
	m := linear.NewRidge() // alpha 1 shrinks the slope below 1
	if err := m.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	fmt.Printf("coef %.4f intercept %.4f solver %s\n", m.Coef(), m.Intercept(), m.SolverUsed())
	// Output:
	// coef [0.8333] intercept 0.2500 solver cholesky
}

func ExampleLogisticRegression() {
	// Two well separated groups along x.
	X := mat.NewDense(6, 1, []float64{-3, -2, -1, 1, 2, 3})
	y := []float64{0, 0, 0, 1, 1, 1}
	m := linear.NewLogisticRegression()
	if err := m.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	Xt := mat.NewDense(2, 1, []float64{-0.5, 2.5})
	pred, _ := m.Predict(Xt)
	P, _ := m.PredictProba(Xt)
	r, c := m.Coef().Dims()
	fmt.Printf("coef is %d×%d, predictions %v\n", r, c, pred)
	// scikit-learn 1.2 gives 0.9405 for the same fit.
	fmt.Printf("P(class 1 | x=2.5) = %.3f\n", P.At(1, 1))
	// Output:
	// coef is 1×1, predictions [0 1]
	// P(class 1 | x=2.5) = 0.941
}

// ExampleLogisticRegression_registry builds the estimator from its
// scikit-learn class name and JSON parameters, as the training spec does.
func ExampleLogisticRegression_registry() {
	e, err := ml.New("LogisticRegression", json.RawMessage(`{"C": 0.5, "penalty": "l2", "max_iter": 200}`))
	if err != nil {
		panic(err)
	}
	m := e.(*linear.LogisticRegression)
	fmt.Println(m.C, m.MaxIter, m.Solver)
	_, err = ml.New("LogisticRegression", json.RawMessage(`{"solver": "newton-cg"}`))
	fmt.Println(err)
	// Output:
	// 0.5 200 lbfgs
	// solver: expected one of "lbfgs", "saga", "liblinear", got "newton-cg"
}

func ExampleSGDClassifier() {
	X := mat.NewDense(6, 1, []float64{-3, -2, -1, 1, 2, 3})
	y := []float64{0, 0, 0, 1, 1, 1}
	est, err := ml.New("SGDClassifier", json.RawMessage(`{"random_state": 0}`))
	if err != nil {
		panic(err)
	}
	if err := est.Fit(context.Background(), X, y); err != nil {
		panic(err)
	}
	m := est.(*linear.SGDClassifier)
	pred, _ := m.Predict(mat.NewDense(2, 1, []float64{-0.5, 2.5}))
	// scikit-learn 1.2's SGDClassifier(random_state=0) fits the same
	// numbers (coef_ 19.21229587, intercept_ -10, n_iter_ 7): the same
	// shuffles, the same updates.
	fmt.Printf("coef %.4f intercept %.4f n_iter %d predictions %v\n", m.Coef().At(0, 0), m.Intercept()[0], m.NIter(), pred)
	// Output:
	// coef 19.2123 intercept -10.0000 n_iter 7 predictions [0 1]
}
