package ensemble

import (
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml/tree"
)

// estimateForest bounds a forest's Fit for n rows of p features and k
// classes (1 for a regressor): the data converted once for the trees
// (tree.DataBytes) and the class indices (12·n), then per tree its fitted
// arrays for the most nodes its parameters allow on its rows (the
// bootstrap sample's, when that is smaller), and per concurrent worker
// one tree's working memory with its weights and bootstrap counts (12·n),
// and the out-of-bag sums (8·n·(k+1)) when oob_score is set.
func estimateForest(c *forestConfig, n, p, k int, classifier bool) int64 {
	N, K := int64(max(n, 0)), int64(max(k, 1))
	opts := tree.GrowOptions{Criterion: c.criterion, Params: c.treeParams(c.splitter)}
	rows := n
	if c.Bootstrap {
		if b, err := c.MaxSamples.resolve(n); err == nil {
			rows = min(rows, b)
		}
	}
	perTree := opts.FittedBytes(rows, k)
	work := budget.Add(opts.WorkBytes(n, p, k), budget.Mul(12, N))
	b := budget.Add(
		tree.DataBytes(n, p),
		budget.Mul(12, N),
		budget.Mul(int64(max(c.nEstimators, 1)), budget.Add(perTree, 64)),
		budget.Mul(int64(workers(c.NJobs, max(c.nEstimators, 1))), work),
		1<<20,
	)
	if c.OOBScore {
		b = budget.Add(b, budget.Mul(8, N, K+1), budget.Mul(4, N))
	}
	return b
}
