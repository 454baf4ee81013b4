package naivebayes

import (
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the suite every registered estimator passes.
func TestCommonChecks(t *testing.T) {
	for _, class := range []string{"GaussianNB", "MultinomialNB", "ComplementNB", "BernoulliNB", "CategoricalNB"} {
		t.Run(class, func(t *testing.T) { mltest.Check(t, class) })
	}
}
