package svm

import (
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the suite every registered estimator passes, and
// again for the classifiers with probability estimates (PredictProba is
// then checked too).
func TestCommonChecks(t *testing.T) {
	for _, class := range []string{"SVC", "SVR", "NuSVC", "NuSVR", "OneClassSVM", "LinearSVC", "LinearSVR"} {
		t.Run(class, func(t *testing.T) { mltest.Check(t, class) })
	}
	for _, class := range []string{"SVC", "NuSVC"} {
		t.Run(class+"/probability", func(t *testing.T) {
			opts := mltest.OptionsFor(class)
			opts.Params = []byte(`{"probability": true, "random_state": 0}`)
			mltest.CheckWith(t, class, opts)
		})
	}
}
