package linear

import "github.com/mlforge/mlforge/internal/budget"

// EstimateMemory bounds Fit's memory (see estimateLeastSquares).
func (m *LinearRegression) EstimateMemory(n, p, k int) int64 { return estimateLeastSquares(n, p, k) }

// EstimateMemory bounds Fit's memory (see estimateLeastSquares).
func (m *Ridge) EstimateMemory(n, p, k int) int64 { return estimateLeastSquares(n, p, k) }

// estimateLeastSquares counts, in float64, the centred copy of X (n·p), a
// second n·p for the QR factorisation or SVD's U, a third for the √w-scaled
// copy of a weighted fit, the p x p normal matrix
// and its factor (2·p²; with the intercept p+1), the centred targets and
// the coefficients (n·k and p·k each twice), and p-sized work vectors.
func estimateLeastSquares(n, p, k int) int64 {
	N, P, K := int64(max(n, 1)), int64(max(p, 1))+1, int64(max(k, 1))
	v := budget.Add(
		budget.Mul(3, N, P),
		budget.Mul(2, P, P),
		budget.Mul(2, N, K),
		budget.Mul(4, P, K),
		budget.Mul(64, P),
	)
	return budget.Add(budget.Mul(8, v), 64<<10)
}

// EstimateMemory bounds Fit's memory for n samples of p features and k
// classes: in float64, a copy of X with the intercept column (n·(p+1)), the
// probabilities and their gradient (3·n·k), the coefficients with their
// gradient and L-BFGS's 10 pairs of history and line-search vectors
// (26·(p+1)·k), and per-thread partial gradients and the Hessian-sized
// blocks of the fused kernel ((p+1)² twice plus 16·(p+1)·k); liblinear's
// solvers need the copy of X and at most 8·n more (liblinear.go).
func (m *LogisticRegression) EstimateMemory(n, p, k int) int64 {
	N, P, K := int64(max(n, 1)), int64(max(p, 1))+1, int64(max(k, 2))
	v := budget.Add(
		budget.Mul(N, P),
		budget.Mul(3, N, K),
		budget.Mul(2, N),
		budget.Mul(42, P, K),
		budget.Mul(2, P, P),
		budget.Mul(64, P),
	)
	return budget.Add(budget.Mul(8, v), 64<<10)
}
