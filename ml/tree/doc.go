// Package tree provides decision trees for classification and regression,
// registered with ml by their scikit-learn class names:
// DecisionTreeClassifier and DecisionTreeRegressor.
//
// The trees are scikit-learn 1.2's, node for node. The builder, the best and
// random splitters, the criteria (gini, entropy/log_loss, squared_error,
// friedman_mse, absolute_error, poisson) and the best-first growth used
// with max_leaf_nodes follow scikit-learn's algorithms and order of floating-point operations;
// features are compared as float32, as scikit-learn converts X to float32;
// and the random draws of features and thresholds use scikit-learn's own
// generator, seeded from random_state as numpy.random.RandomState seeds it.
// The tests compare whole trees (structure, features, thresholds, values,
// impurities, importances) and held-out predictions with scikit-learn on
// the built-in data sets and 10,000-row synthetic sets.
//
// Differences from scikit-learn: random_state null means 0 (every mlforge
// model is seeded); class_weight, ccp_alpha, monotonic constraints,
// multi-output targets and sparse input are not available; sample weights
// must be ≥ 0 (FitWeighted); max_depth and max_leaf_nodes of 0 mean null;
// Tree.Value holds class fractions where scikit-learn 1.2 keeps weighted
// counts.
//
// Speed: splits are searched exactly, as scikit-learn's BestSplitter does,
// by sorting each node's samples along each examined feature. Where the
// order of tied values cannot change the result (unweighted
// classification), nodes are sorted with radix sort or quicksort; otherwise
// those sorts are tried and scikit-learn's introsort redoes the work only
// when the node holds tied values, so that sums run in scikit-learn's order.
// Gini and squared error have scans specialised for unit weights.
// Prediction walks a packed node array and splits large inputs over
// goroutines.
package tree
