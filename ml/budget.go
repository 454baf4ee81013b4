package ml

import (
	"fmt"

	"github.com/mlforge/mlforge/internal/budget"
)

// MemoryEstimator is an estimator that can say, from its hyperparameters
// and the data's shape alone, about how many bytes its Fit will need at
// its peak: the copies of the data it keeps or makes, its working arrays,
// its fitted state. The estimate must be an upper bound within a small
// factor (mltest's memory_estimate check compares it with what Fit really
// allocates) and must not allocate in proportion to what it estimates: it
// is how a spec is checked against the memory budget before anything is
// built. Every registered estimator implements it.
type MemoryEstimator interface {
	// EstimateMemory returns the bytes Fit needs for nSamples rows of
	// nFeatures features and nOutputs outputs (the number of classes of a
	// classifier, 1 for a regressor, the output features of a transformer).
	// It saturates at math.MaxInt64 rather than overflow (budget.Mul).
	EstimateMemory(nSamples, nFeatures, nOutputs int) int64
}

// MemoryParamer is a MemoryEstimator whose estimate grows mainly with one
// of its hyperparameters (MLP's hidden_layer_sizes): an error over budget
// names it. Without it, the data is what makes the estimate large.
type MemoryParamer interface {
	MemoryParam() string
}

// EstimateMemory returns e's estimate of the memory of fitting nSamples x
// nFeatures data with nOutputs outputs. For an estimator without
// MemoryEstimator it is a conservative default: sixteen copies of the data
// and of the outputs plus a nFeatures x nFeatures matrix, in float64.
func EstimateMemory(e Estimator, nSamples, nFeatures, nOutputs int) int64 {
	if m, ok := e.(MemoryEstimator); ok {
		return m.EstimateMemory(nSamples, nFeatures, nOutputs)
	}
	return DefaultMemoryEstimate(nSamples, nFeatures, nOutputs)
}

// DefaultMemoryEstimate is the estimate EstimateMemory uses for an
// estimator without one.
func DefaultMemoryEstimate(n, p, k int) int64 {
	N, P, K := int64(max(n, 0)), int64(max(p, 0)), int64(max(k, 1))
	return budget.Add(budget.Mul(16, 8, N, budget.Add(P, K)), budget.Mul(8, P, P), 1<<20)
}

// DataBytes is the size of an n x p float64 matrix, the unit most
// estimates count in.
func DataBytes(n, p int) int64 { return budget.Mul(int64(max(n, 0)), int64(max(p, 0)), 8) }

// CheckMemory checks e's estimate for data of n rows, p features and k
// outputs against the run budget of l. The error is a *budget.Error whose
// Field is field (the spec's path of e's parameters, e.g. "model.params")
// joined with the hyperparameter that MemoryParam names, when e has one.
func CheckMemory(l budget.Limits, field string, e Estimator, n, p, k int) error {
	need := EstimateMemory(e, n, p, k)
	if mp, ok := e.(MemoryParamer); ok && mp.MemoryParam() != "" {
		field += "." + mp.MemoryParam()
	}
	return l.CheckRun(field, "fitting "+ClassName(e), need,
		fmt.Sprintf("for %s samples of %s features", budget.Count(int64(n)), budget.Count(int64(p))))
}
