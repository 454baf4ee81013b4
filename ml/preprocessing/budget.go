package preprocessing

import "github.com/mlforge/mlforge/internal/budget"

// estimateColumns counts what a per-column statistic needs: in float64,
// copies per feature vectors of length p and, for fitting column by
// column, one column of n values (twice: the column and its sorted copy).
func estimateColumns(n, p, copies int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	return budget.Add(budget.Mul(8, budget.Add(budget.Mul(int64(copies), P), budget.Mul(2, N))), 64<<10)
}

// EstimateMemory bounds Fit's memory: the mean, variance and scale of
// every feature and one column at a time. Transform, which the pipeline
// calls after Fit, makes a copy of X (8·n·p bytes), counted too.
func (m *StandardScaler) EstimateMemory(n, p, k int) int64 {
	return budget.Add(estimateColumns(n, p, 8), budget.Mul(8, int64(max(n, 1)), int64(max(p, 1))))
}

// EstimateMemory bounds Fit's memory: the minimum, maximum, range and
// scale of every feature, plus the copy of X that Transform makes.
func (m *MinMaxScaler) EstimateMemory(n, p, k int) int64 {
	return budget.Add(estimateColumns(n, p, 8), budget.Mul(8, int64(max(n, 1)), int64(max(p, 1))))
}

// EstimateMemory bounds Fit's memory: the statistic of every feature and,
// for median and most_frequent, a sorted copy of each column (counted as
// a copy of X), plus the copy of X that Transform makes.
func (m *SimpleImputer) EstimateMemory(n, p, k int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	return budget.Add(estimateColumns(n, p, 8), budget.Mul(16, N, P))
}
