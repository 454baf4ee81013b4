package naivebayes

import (
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the suite every registered estimator passes.
func TestCommonChecks(t *testing.T) {
	mltest.Check(t, "GaussianNB")
}
