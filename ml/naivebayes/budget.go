package naivebayes

import "github.com/mlforge/mlforge/internal/budget"

// EstimateMemory bounds Fit's memory for n samples of p features and k
// classes: in float64, the class index of every sample and the per-class
// sums (2·n), a row-sorted copy of X for the per-class statistics (n·p),
// and the class means, variances and counts (3·k·p + 3·k).
func (m *GaussianNB) EstimateMemory(n, p, k int) int64 {
	N, P, K := int64(max(n, 1)), int64(max(p, 1)), int64(max(k, 1))
	v := budget.Add(budget.Mul(2, N), budget.Mul(N, P), budget.Mul(3, K, P), budget.Mul(3, K), budget.Mul(16, P))
	return budget.Add(budget.Mul(8, v), 64<<10)
}
