package svm

import (
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the suite every registered estimator passes.
func TestCommonChecks(t *testing.T) {
	for _, class := range []string{"SVC", "SVR", "NuSVC", "NuSVR", "OneClassSVM"} {
		t.Run(class, func(t *testing.T) { mltest.Check(t, class) })
	}
}
