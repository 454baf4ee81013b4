// Package ensemble provides scikit-learn 1.2's ensembles of estimators,
// registered with ml by their class names: RandomForestClassifier,
// RandomForestRegressor, ExtraTreesClassifier, ExtraTreesRegressor,
// GradientBoostingClassifier, GradientBoostingRegressor,
// HistGradientBoostingClassifier, HistGradientBoostingRegressor,
// AdaBoostClassifier, AdaBoostRegressor, VotingClassifier,
// VotingRegressor, StackingClassifier and StackingRegressor.
//
// The forests draw the seeds of their trees, the bootstrap samples and the
// trees' feature draws from scikit-learn's own generators (numpy's legacy
// MT19937, tree.RandomState), and their trees are package tree's, which are
// scikit-learn's node for node; so the same random_state grows the same
// forest as scikit-learn, tree for tree (the tests compare every tree's
// node count, the test probabilities to 1e-12 and the out-of-bag scores on
// the built-in data sets and 10,000-row synthetic sets). Trees grow
// concurrently on n_jobs goroutines (null: all processors); each tree's
// seed is drawn before any grows, so the forest does not depend on
// n_jobs. PredictProba is the mean of the trees' class fractions, summed
// in tree order.
//
// Gradient boosting and AdaBoost draw from a generator shared with their
// trees in scikit-learn's order (row subsamples, splitter seeds, the early
// stopping split, weighted resamples) and follow scikit-learn's losses,
// initial estimators and leaf updates operation for operation (numpy's
// pairwise sums, _weighted_percentile, np.percentile). Regressors agree
// with scikit-learn to 1e-8; classifiers need exp and log, whose last bits
// differ between numpy's vectorised routines, glibc and Go, which can
// change which split a tree takes where two are equal up to rounding: the
// tests state the tolerances.
//
// Histogram gradient boosting bins each feature as _BinMapper does
// (thresholds at the midpoints of at most max_bins distinct values, or at
// numpy's "midpoint" percentiles, on at most 200,000 rows drawn by
// RandomState.choice; NaN in a bin of its own), computes float32 gradients
// and hessians as scikit-learn's losses do, sums them into float64
// histograms (the larger child's by subtraction) and grows each tree best
// first with scikit-learn's gain, its heap order and its scans in both
// directions for features with missing values, so that the trees are
// scikit-learn's node for node (the tests compare every tree's node count
// and the test predictions to 1e-9 on iris, breast_cancer, diabetes, the
// last two with NaN injected, and 14,000-row synthetic sets with early
// stopping "auto"). Categorical features (categorical_features: indices
// of features encoded as integers in [0, max_bins)) split as scikit-learn
// splits them: the categories with support sorted by their smoothed
// gradient ratio (glibc's qsort order on ties) and scanned from both
// ends; categories unseen by Fit are missing values. FitWeighted weights
// the gradients, hessians, baseline and scores as scikit-learn's
// sample_weight does (not the binning, as in 1.2). The trees of the
// classes grow concurrently and each histogram is built over features on
// the remaining processors. Not available: monotonic_cst (refused when
// not null), interaction_cst, a boolean mask for categorical_features,
// scoring other than "loss".
//
// AdaBoost's estimator, the voting and stacking ensembles' members and
// stacking's final estimator are any registered estimators, given as
// {"class": ..., "params": {...}} (EstimatorSpec; a member has a "name"
// too). Stacking's cross-validation folds are scikit-learn's unshuffled
// StratifiedKFold and KFold, so its final estimator is trained on the same
// data as scikit-learn's.
//
// Differences from scikit-learn: random_state null means 0 (every mlforge
// model is seeded); warm_start, ccp_alpha, verbose, monotonic constraints,
// multi-output targets and sparse input are not available; gradient
// boosting's init is null or "zero" (not an estimator); a voting or
// stacking member cannot be "drop"; stacking's cv is a number of folds
// (not a splitter or "prefit") and StackingRegressor's default final
// estimator is Ridge (scikit-learn's RidgeCV is not in mlforge yet);
// class_weight keys are class values written as JSON strings.
package ensemble
