package neighbors

import "github.com/mlforge/mlforge/internal/budget"

// EstimateMemory bounds Fit's memory for n samples of p features (see
// estimateIndex).
func (m *KNeighborsClassifier) EstimateMemory(n, p, k int) int64 { return estimateIndex(n, p) }

// EstimateMemory bounds Fit's memory for n samples of p features (see
// estimateIndex).
func (m *KNeighborsRegressor) EstimateMemory(n, p, k int) int64 { return estimateIndex(n, p) }

// estimateIndex counts the copy of the training data the estimator keeps
// (8·n·p bytes) and its targets (8·n), the packed panels of the brute-force
// search or the k-d tree's reordered points (8·n·p more, with padding to
// whole panels), and the k-d tree's index and node boxes (at most 2·n
// nodes: 8·n + 2·n·(16 + 16·p) bytes, the tree being built with leaves of
// at least one point).
func estimateIndex(n, p int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	return budget.Add(
		budget.Mul(8, N, P),
		budget.Mul(8, N),
		budget.Mul(8, N+16, P+8),
		budget.Mul(8, N),
		budget.Mul(2, N, budget.Add(16, budget.Mul(16, P))),
		64<<10,
	)
}

// EstimateMemory bounds Fit's memory for n samples of p features (see
// estimateIndex).
func (m *RadiusNeighborsClassifier) EstimateMemory(n, p, k int) int64 { return estimateIndex(n, p) }

// EstimateMemory bounds Fit's memory for n samples of p features (see
// estimateIndex).
func (m *RadiusNeighborsRegressor) EstimateMemory(n, p, k int) int64 { return estimateIndex(n, p) }

// EstimateMemory bounds Fit's memory: the per-class row lists (8·n), one
// column of a class for the medians (8·n), the centroids and the
// shrinking's vectors (8·(k+4)·p), for k classes (at most n).
func (m *NearestCentroid) EstimateMemory(n, p, k int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	return budget.Add(budget.Mul(16, N), budget.Mul(8, N+4, P), 64<<10)
}
