package linear

import (
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the suite every registered estimator passes.
func TestCommonChecks(t *testing.T) {
	for _, class := range []string{"LinearRegression", "Ridge", "LogisticRegression", "Lasso", "ElasticNet", "RidgeClassifier", "RidgeCV", "LassoCV", "ElasticNetCV", "SGDClassifier", "SGDRegressor", "Perceptron", "PassiveAggressiveClassifier", "PassiveAggressiveRegressor"} {
		t.Run(class, func(t *testing.T) { mltest.Check(t, class) })
	}
}
