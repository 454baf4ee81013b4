package neighbors_test

import (
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecksNew runs the suite every registered estimator passes
// over the radius estimators and NearestCentroid.
func TestCommonChecksNew(t *testing.T) {
	for _, class := range []string{"RadiusNeighborsClassifier", "RadiusNeighborsRegressor", "NearestCentroid"} {
		t.Run(class, func(t *testing.T) { mltest.Check(t, class) })
	}
}
