package neural

import (
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
)

// EstimateMemory bounds Fit's memory for n samples of p features and
// nClasses classes (see estimate).
func (m *MLPClassifier) EstimateMemory(n, p, nClasses int) int64 {
	k := nClasses
	if k <= 2 {
		k = 1 // one logistic output
	}
	return m.config().estimate(n, p, k)
}

// EstimateMemory bounds Fit's memory for n samples of p features and k
// targets (see estimate).
func (m *MLPRegressor) EstimateMemory(n, p, k int) int64 {
	return m.config().estimate(n, p, max(k, 1))
}

// MemoryParam names hidden_layer_sizes, which drives the estimate.
func (m *MLPClassifier) MemoryParam() string { return "hidden_layer_sizes" }

// MemoryParam names hidden_layer_sizes, which drives the estimate.
func (m *MLPRegressor) MemoryParam() string { return "hidden_layer_sizes" }

// estimate counts float64 values, for k outputs:
//
//   - W, the weights and intercepts of every layer, times the copies the
//     solver keeps: weights, gradients, the best weights and, for adam, two
//     moment estimates (5); for sgd a velocity (4); for lbfgs the flat
//     parameter and gradient vectors, a few line-search vectors and 10
//     pairs of history (2·10 + 6);
//   - the activations and deltas of every layer for a batch (min(200, n) or
//     batch_size; all n rows for lbfgs), twice (the last, smaller batch of
//     an epoch has its own workspace), and for prediction;
//   - the one-hot targets, the batch buffers and, with early stopping, the
//     split copies of X and y.
func (c *config) estimate(n, p, k int) int64 {
	sizes := layerSizes(p, c.hidden, k)
	var W, units int64
	for i := 0; i+1 < len(sizes); i++ {
		W = budget.Add(W, budget.Mul(int64(sizes[i])+1, int64(sizes[i+1])))
		units = budget.Add(units, int64(sizes[i+1]))
	}
	copies := int64(5)
	bs := int64(min(200, n))
	if c.batch > 0 {
		bs = int64(min(int(c.batch), n))
	}
	switch c.solver {
	case "sgd":
		copies = 4
	case "lbfgs":
		copies, bs = 2*10+6, int64(n)
	}
	N, P, K := int64(max(n, 1)), int64(p), int64(k)
	values := budget.Add(
		budget.Mul(copies, W),
		budget.Mul(max(bs, 1), units, 2, 2),
		budget.Mul(min(N, 4096), units), // prediction works in chunks
		budget.Mul(N, K),
		budget.Mul(max(bs, 1), P+K),
	)
	if c.early {
		values = budget.Add(values, budget.Mul(N, P+K+1))
	}
	return budget.Add(budget.Mul(values, 8), 64<<10)
}

var (
	_ ml.MemoryEstimator = (*MLPClassifier)(nil)
	_ ml.MemoryParamer   = (*MLPRegressor)(nil)
)
