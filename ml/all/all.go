// Package all registers every estimator family with ml. Import it for its
// side effect wherever estimators are built by class name.
package all

import (
	// Each family registers its classes in init.
	_ "github.com/mlforge/mlforge/ml/calibration"
	_ "github.com/mlforge/mlforge/ml/cluster"
	_ "github.com/mlforge/mlforge/ml/decomposition"
	_ "github.com/mlforge/mlforge/ml/ensemble"
	_ "github.com/mlforge/mlforge/ml/linear"
	_ "github.com/mlforge/mlforge/ml/manifold"
	_ "github.com/mlforge/mlforge/ml/naivebayes"
	_ "github.com/mlforge/mlforge/ml/neighbors"
	_ "github.com/mlforge/mlforge/ml/neural"
	_ "github.com/mlforge/mlforge/ml/preprocessing"
	_ "github.com/mlforge/mlforge/ml/svm"
	_ "github.com/mlforge/mlforge/ml/tree"
)
