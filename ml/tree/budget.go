package tree

import (
	"math"

	"github.com/mlforge/mlforge/internal/budget"
)

// EstimateMemory bounds Fit's memory for n samples of p features and k
// classes (see estimate).
func (m *DecisionTreeClassifier) EstimateMemory(n, p, k int) int64 {
	return m.params().estimate(n, p, max(k, 1))
}

// EstimateMemory bounds Fit's memory for n samples of p features (see
// estimate).
func (m *DecisionTreeRegressor) EstimateMemory(n, p, k int) int64 {
	return m.params().estimate(n, p, max(k, 1))
}

// maxNodes bounds the nodes of a tree grown on n samples: a split leaves
// at least min_samples_leaf samples on each side, so there are at most
// 2·n/min_samples_leaf − 1 nodes; max_depth allows 2^(max_depth+1) − 1 and
// max_leaf_nodes 2·max_leaf_nodes − 1.
func (p *params) maxNodes(n int) int64 {
	leaf := max(p.MinSamplesLeaf.resolve(n), 1)
	nodes := budget.Mul(2, int64(max(n, 1)/leaf+1))
	if p.MaxDepth > 0 && p.MaxDepth < 62 {
		nodes = min(nodes, int64(1)<<(p.MaxDepth+1))
	}
	if p.MaxLeafNodes > 0 {
		nodes = min(nodes, budget.Mul(2, int64(p.MaxLeafNodes)))
	}
	return nodes
}

// estimate counts X as float32 columns (4·n·p bytes), three arrays of n
// (value, row) pairs for sorting (24·n), the criterion's per-class sums and,
// for absolute_error, its median heaps (32·n), and per node the seven
// arrays of the fitted tree (56 bytes), its node record (16), its k values
// (16·k with their slice) and the builder's stack entry and split records
// (about 88), twice for the slack of growing slices (2·(160 + 16·k)).
func (p *params) estimate(n, p2, k int) int64 {
	N, P, K := int64(max(n, 0)), int64(max(p2, 0)), int64(max(k, 1))
	perNode := budget.Mul(2, budget.Add(160, budget.Mul(16, K)))
	b := budget.Add(
		budget.Mul(4, N, P),
		budget.Mul(24, N),
		budget.Mul(8, N), // class indices or values of y
		budget.Mul(p.maxNodes(n), perNode),
		budget.Mul(64, K),
		budget.Mul(16, P),
		64<<10,
	)
	if p.criterion == "absolute_error" {
		b = budget.Add(b, budget.Mul(32, N))
	}
	return min(b, math.MaxInt64)
}
