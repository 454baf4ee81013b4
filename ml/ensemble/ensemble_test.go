package ensemble_test

import (
	"testing"

	_ "github.com/mlforge/mlforge/ml/all" // the members of the voting ensembles
	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs ml/mltest's suite on every class of the package.
func TestCommonChecks(t *testing.T) {
	for _, c := range []string{"RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
		"GradientBoostingClassifier", "GradientBoostingRegressor", "AdaBoostClassifier", "AdaBoostRegressor",
		"VotingClassifier", "VotingRegressor", "StackingClassifier", "StackingRegressor"} {
		t.Run(c, func(t *testing.T) { mltest.Check(t, c) })
	}
}
