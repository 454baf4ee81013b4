// Package neighbors provides k-nearest-neighbour estimators with brute-force and k-d tree search, registered with ml by their scikit-learn class names.
//
// KNeighborsClassifier and KNeighborsRegressor follow scikit-learn 1.2: the
// same hyperparameters (n_neighbors, weights, algorithm, leaf_size, p,
// metric, n_jobs) and defaults, predict_proba, kneighbors, and the same
// voting and averaging arithmetic (numpy's pairwise summation order
// included), so on the same neighbours they return the same numbers.
//
// # Search
//
// Both searches are exact and return, for each query, the k training points
// with the smallest distance, ordered by distance with ties broken by the
// smaller training index. They compute distances identically (Σ|x−y|^p added
// feature by feature), so "brute" and "kd_tree" give bit-for-bit the same
// neighbours and distances. scikit-learn orders equal distances arbitrarily
// and its brute force returns distances from ‖x‖² + ‖y‖² − 2x·y, which are
// off in the last digits; so the neighbours can differ from scikit-learn's
// only inside groups of equal distances, and distances agree to about 1e-11
// relative (1e-15 where scikit-learn measures directly).
//
// Algorithm "auto" picks as scikit-learn does for the Minkowski metrics:
// brute force when there are more than 15 features, when n_neighbors is at
// least half the training set, or when p < 1; the k-d tree otherwise.
// "ball_tree" is accepted and runs the k-d tree (both are exact, so results
// are the same).
//
// Brute force for p = 2 screens the training points in cache-sized chunks
// with a fused GEMM-and-compare kernel (AVX2/FMA assembly on amd64, portable
// Go elsewhere) that flags the points whose ‖x‖² + ‖y‖² − 2x·y lies within
// a proven rounding margin of the query's current k-th best; only those are
// measured exactly. Other p values measure every point exactly with a SIMD
// kernel that adds the terms in feature order. The k-d tree (median splits
// on the widest dimension, tight bounding boxes, leaves of leaf_size to
// 2·leaf_size points) searches depth first, nearer child first, and scans
// leaves with the same exact kernel. Queries run on runtime.GOMAXPROCS
// goroutines unless n_jobs says otherwise.
//
// # Radius neighbours and centroids
//
// RadiusNeighborsClassifier and RadiusNeighborsRegressor (radius_estimators.go)
// vote among or average the training points within radius, found exactly
// by the same index ("auto" is brute force above 15 features, as
// scikit-learn decides without n_neighbors; the brute force screens with
// the same fused kernel, or the lanes kernel, against radius instead of a
// k-th best); a classifier's query without
// neighbours takes outlier_label (null is an error, as in scikit-learn), a
// regressor's predicts NaN. NearestCentroid (centroid.go) predicts the
// class of the nearest class mean (median for manhattan), shrunken by
// shrink_threshold as scikit-learn's nearest shrunken centroids.
package neighbors
