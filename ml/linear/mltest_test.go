package linear

import (
	"encoding/json"
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the suite every registered estimator passes.
func TestCommonChecks(t *testing.T) {
	for _, class := range []string{"LinearRegression", "Ridge", "LogisticRegression", "Lasso", "ElasticNet", "RidgeClassifier", "RidgeCV", "LassoCV", "ElasticNetCV", "SGDClassifier", "SGDRegressor", "Perceptron", "PassiveAggressiveClassifier", "PassiveAggressiveRegressor"} {
		t.Run(class, func(t *testing.T) { mltest.Check(t, class) })
	}
}

// TestCommonChecksSaga runs the suite on LogisticRegression's saga solver
// with each penalty it adds.
func TestCommonChecksSaga(t *testing.T) {
	for _, params := range []string{
		`{"solver":"saga","penalty":"l1","random_state":0}`,
		`{"solver":"saga","penalty":"elasticnet","l1_ratio":0.5,"class_weight":"balanced","random_state":0}`,
	} {
		t.Run(params, func(t *testing.T) {
			opts := mltest.OptionsFor("LogisticRegression")
			opts.Params = json.RawMessage(params)
			mltest.CheckWith(t, "LogisticRegression", opts)
		})
	}
}
