package neighbors

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// KNeighborsRegressor is scikit-learn's KNeighborsRegressor: it predicts the
// mean target of the n_neighbors nearest training points, plain or weighted
// by inverse distance. Neighbours are found as by KNeighborsClassifier.
type KNeighborsRegressor struct {
	Params

	ix       *index
	leafSize int
	y        []float64
}

// NewKNeighborsRegressor returns a regressor with scikit-learn's defaults:
// 5 neighbours, uniform weights, algorithm "auto", leaf_size 30, p 2,
// metric "minkowski".
func NewKNeighborsRegressor() *KNeighborsRegressor {
	return &KNeighborsRegressor{Params: defaultParams()}
}

const regressorName = "KNeighborsRegressor"

// Validate checks the rules between hyperparameters that the tags cannot:
// p < 1 needs algorithm "brute" or "auto".
func (r *KNeighborsRegressor) Validate() error { return r.Params.validate() }

// Fit stores the training data and builds the search index. It fails when
// n_neighbors exceeds the number of samples.
func (r *KNeighborsRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(r); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	ix, err := fitIndex(ctx, &r.Params, X)
	if err != nil {
		return err
	}
	r.ix, r.leafSize, r.y = ix, r.LeafSize, append([]float64(nil), y...)
	return nil
}

// NFeaturesIn returns the number of features seen by Fit, 0 before Fit.
func (r *KNeighborsRegressor) NFeaturesIn() int {
	if r.ix == nil {
		return 0
	}
	return r.ix.d
}

// NSamplesFit returns the number of training samples, 0 before Fit.
func (r *KNeighborsRegressor) NSamplesFit() int {
	if r.ix == nil {
		return 0
	}
	return r.ix.n
}

// FitMethod returns the search in use, "brute" or "kd_tree" (scikit-learn's
// _fit_method); "" before Fit.
func (r *KNeighborsRegressor) FitMethod() string {
	if r.ix == nil {
		return ""
	}
	return r.ix.method
}

// EffectiveMetric returns "euclidean" (p = 2), "manhattan" (p = 1) or
// "minkowski" as scikit-learn's effective_metric_; "" before Fit.
func (r *KNeighborsRegressor) EffectiveMetric() string {
	if r.ix == nil {
		return ""
	}
	return r.ix.metricName()
}

// KNeighbors returns the k nearest training points of each row of X as
// scikit-learn's kneighbors: distances (rows × k) and training indices,
// nearest first, ties by the smaller index. k ≤ 0 means n_neighbors. With X
// nil it returns the neighbours of each training point, leaving the point
// itself out.
func (r *KNeighborsRegressor) KNeighbors(X *mat.Dense, k int) (*mat.Dense, [][]int, error) {
	if r.ix == nil {
		return nil, nil, ml.NotFittedError(regressorName)
	}
	if k <= 0 {
		k = r.NNeighbors
	}
	return r.ix.kneighborsResult(X, k, r.NJobs)
}

// Predict returns, for each row of X, the mean target of its neighbours, or
// with distance weights Σwᵢyᵢ / Σwᵢ; sums are added in numpy's pairwise
// order, as scikit-learn's np.mean and np.sum do.
func (r *KNeighborsRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if r.ix == nil {
		return nil, ml.NotFittedError(regressorName)
	}
	if err := ml.ValidateParams(r); err != nil {
		return nil, err
	}
	dist, ind, err := r.ix.query(X, r.NNeighbors, r.NJobs)
	if err != nil {
		return nil, err
	}
	return r.predictFrom(dist, ind, r.NNeighbors), nil
}

// predictFrom averages the targets of the neighbours found (k per row,
// row-major).
func (r *KNeighborsRegressor) predictFrom(dist []float64, ind []int, k int) []float64 {
	out := make([]float64, len(ind)/k)
	w := make([]float64, k)
	vals := make([]float64, k)
	for i := range out {
		wi := neighborWeights(r.Weights, dist[i*k:(i+1)*k], w)
		for j, t := range ind[i*k : (i+1)*k] {
			vals[j] = r.y[t]
			if wi != nil {
				vals[j] = float64(r.y[t] * wi[j])
			}
		}
		if wi == nil {
			out[i] = pairwiseSum(vals) / float64(k)
		} else {
			out[i] = pairwiseSum(vals) / pairwiseSum(wi)
		}
	}
	return out
}

// MarshalState returns the training data (X, y) and the search settings
// fixed at Fit.
func (r *KNeighborsRegressor) MarshalState() (*ml.State, error) {
	if r.ix == nil {
		return nil, ml.NotFittedError(regressorName)
	}
	st := ml.NewState()
	marshalIndex(st, r.ix, r.leafSize)
	st.SetFloats("y", r.y)
	return st, nil
}

// UnmarshalState restores a state written by MarshalState and rebuilds the
// search index.
func (r *KNeighborsRegressor) UnmarshalState(st *ml.State) error {
	ix, leafSize, err := unmarshalIndex(st)
	if err != nil {
		return err
	}
	y, _, err := st.Floats("y", ix.n)
	if err != nil {
		return err
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("state: y[%d] is %v, expected a finite value", i, v)
		}
	}
	r.ix, r.leafSize, r.y = ix, leafSize, append([]float64(nil), y...)
	return nil
}

func init() {
	ml.Register(ml.ClassInfo{
		Name:   regressorName,
		Task:   ml.Regression,
		Family: "neighbors",
		Doc:    "k-nearest-neighbours mean (brute force or k-d tree search)",
		New:    func() ml.Estimator { return NewKNeighborsRegressor() },
	})
}
