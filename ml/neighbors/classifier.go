package neighbors

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// KNeighborsClassifier is scikit-learn's KNeighborsClassifier: it predicts the
// class most common among the n_neighbors nearest training points, each vote
// weighted equally or by inverse distance.
//
// Neighbours are exact under both search methods and come ordered by
// distance, ties broken by the smaller training index. Where distances tie
// at the k-th place, scikit-learn may keep a different point of the tie, so
// predictions can differ from it there and only there.
type KNeighborsClassifier struct {
	Params

	ix       *index
	leafSize int
	classes  []float64
	y        []int // class index of each training point
}

// NewKNeighborsClassifier returns a classifier with scikit-learn's defaults:
// 5 neighbours, uniform weights, algorithm "auto", leaf_size 30, p 2,
// metric "minkowski".
func NewKNeighborsClassifier() *KNeighborsClassifier {
	return &KNeighborsClassifier{Params: defaultParams()}
}

const classifierName = "KNeighborsClassifier"

// Validate checks the rules between hyperparameters that the tags cannot:
// p < 1 needs algorithm "brute" or "auto".
func (c *KNeighborsClassifier) Validate() error { return c.Params.validate() }

// Fit stores the training data and builds the search index. It fails when
// n_neighbors exceeds the number of samples.
func (c *KNeighborsClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(c); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, yi, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	ix, err := fitIndex(ctx, &c.Params, X)
	if err != nil {
		return err
	}
	c.ix, c.leafSize, c.classes, c.y = ix, c.LeafSize, classes, yi
	return nil
}

// Classes returns the sorted class values seen by Fit; nil before Fit.
func (c *KNeighborsClassifier) Classes() []float64 { return append([]float64(nil), c.classes...) }

// NFeaturesIn returns the number of features seen by Fit, 0 before Fit.
func (c *KNeighborsClassifier) NFeaturesIn() int {
	if c.ix == nil {
		return 0
	}
	return c.ix.d
}

// NSamplesFit returns the number of training samples, 0 before Fit.
func (c *KNeighborsClassifier) NSamplesFit() int {
	if c.ix == nil {
		return 0
	}
	return c.ix.n
}

// FitMethod returns the search in use, "brute" or "kd_tree" (scikit-learn's
// _fit_method); "" before Fit.
func (c *KNeighborsClassifier) FitMethod() string {
	if c.ix == nil {
		return ""
	}
	return c.ix.method
}

// EffectiveMetric returns "euclidean" (p = 2), "manhattan" (p = 1) or
// "minkowski" as scikit-learn's effective_metric_; "" before Fit.
func (c *KNeighborsClassifier) EffectiveMetric() string {
	if c.ix == nil {
		return ""
	}
	return c.ix.metricName()
}

// KNeighbors returns the k nearest training points of each row of X as
// scikit-learn's kneighbors: distances (rows × k) and training indices,
// nearest first, ties by the smaller index. k ≤ 0 means n_neighbors. With X
// nil it returns the neighbours of each training point, leaving the point
// itself out.
func (c *KNeighborsClassifier) KNeighbors(X *mat.Dense, k int) (*mat.Dense, [][]int, error) {
	if c.ix == nil {
		return nil, nil, ml.NotFittedError(classifierName)
	}
	if k <= 0 {
		k = c.NNeighbors
	}
	return c.ix.kneighborsResult(X, k, c.NJobs)
}

// neighbors validates the state and hyperparameters for prediction and
// searches the n_neighbors nearest training points of each row of X.
func (c *KNeighborsClassifier) neighbors(X *mat.Dense) ([]float64, []int, error) {
	if c.ix == nil {
		return nil, nil, ml.NotFittedError(classifierName)
	}
	if err := ml.ValidateParams(c); err != nil {
		return nil, nil, err
	}
	return c.ix.query(X, c.NNeighbors, c.NJobs)
}

// Predict returns the winning class of each row of X. A tie goes to the
// smallest class, as scikit-learn's mode and weighted_mode do.
func (c *KNeighborsClassifier) Predict(X *mat.Dense) ([]float64, error) {
	dist, ind, err := c.neighbors(X)
	if err != nil {
		return nil, err
	}
	return c.predictFrom(dist, ind, c.NNeighbors), nil
}

// predictFrom votes with the neighbours found (k per row, row-major).
func (c *KNeighborsClassifier) predictFrom(dist []float64, ind []int, k int) []float64 {
	out := make([]float64, len(ind)/k)
	votes := make([]float64, len(c.classes))
	w := make([]float64, k)
	tmpl := make([]float64, k)
	for i := range out {
		wi := neighborWeights(c.Weights, dist[i*k:(i+1)*k], w)
		out[i] = c.classes[c.vote(ind[i*k:(i+1)*k], wi, votes, tmpl)]
	}
	return out
}

// vote returns the class index that wins among the neighbours ind with
// weights w (nil: uniform). It mirrors scikit-learn: with uniform weights
// the most frequent class; with weights, weighted_mode, which sums each
// class's weights over the neighbour row with the other entries zero
// (numpy's pairwise order) and keeps the first class whose sum is strictly
// larger.
func (c *KNeighborsClassifier) vote(ind []int, w, votes, tmpl []float64) int {
	if w == nil {
		clear(votes)
		for _, t := range ind {
			votes[c.y[t]]++
		}
		best := 0
		for j, v := range votes {
			if v > votes[best] {
				best = j
			}
		}
		return best
	}
	best, bestSum := 0, 0.0
	clear(votes)
	for _, t := range ind {
		votes[c.y[t]] = 1 // marks the classes present
	}
	for j, present := range votes {
		if present == 0 {
			continue
		}
		for r, t := range ind {
			if c.y[t] == j {
				tmpl[r] = w[r]
			} else {
				tmpl[r] = 0
			}
		}
		if s := pairwiseSum(tmpl); s > bestSum {
			best, bestSum = j, s
		}
	}
	return best
}

// PredictProba returns, for each row of X, the share of the neighbours' votes
// that each class received (columns in the order of Classes). With uniform
// weights that is count/k exactly; with distance weights the weights are
// added in neighbour order and divided by their total, as scikit-learn does.
func (c *KNeighborsClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	dist, ind, err := c.neighbors(X)
	if err != nil {
		return nil, err
	}
	return c.probaFrom(dist, ind, c.NNeighbors), nil
}

// probaFrom turns the neighbours found (k per row, row-major) into class
// probabilities.
func (c *KNeighborsClassifier) probaFrom(dist []float64, ind []int, k int) *mat.Dense {
	nc := len(c.classes)
	m := len(ind) / k
	out := mat.NewDense(m, nc, nil)
	raw := out.RawMatrix()
	w := make([]float64, k)
	for i := 0; i < m; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+nc]
		wi := neighborWeights(c.Weights, dist[i*k:(i+1)*k], w)
		for r, t := range ind[i*k : (i+1)*k] {
			if wi == nil {
				row[c.y[t]]++
			} else {
				row[c.y[t]] += wi[r]
			}
		}
		norm := pairwiseSum(row)
		if norm == 0 {
			norm = 1
		}
		for j := range row {
			row[j] /= norm
		}
	}
	return out
}

// MarshalState returns the training data (X, the class index of each sample
// in y, the class values) and the search settings fixed at Fit.
func (c *KNeighborsClassifier) MarshalState() (*ml.State, error) {
	if c.ix == nil {
		return nil, ml.NotFittedError(classifierName)
	}
	st := ml.NewState()
	marshalIndex(st, c.ix, c.leafSize)
	st.SetInts("y", c.y)
	st.SetFloats("classes", c.classes)
	return st, nil
}

// UnmarshalState restores a state written by MarshalState and rebuilds the
// search index.
func (c *KNeighborsClassifier) UnmarshalState(st *ml.State) error {
	ix, leafSize, err := unmarshalIndex(st)
	if err != nil {
		return err
	}
	classes, _, err := st.Floats("classes", -1)
	if err != nil {
		return err
	}
	if len(classes) < 2 {
		return fmt.Errorf("state: %d classes, expected at least 2", len(classes))
	}
	for i, v := range classes {
		if math.IsNaN(v) || math.IsInf(v, 0) || i > 0 && !(v > classes[i-1]) {
			return fmt.Errorf("state: classes[%d] = %v, expected finite values in increasing order", i, v)
		}
	}
	y, _, err := st.Ints("y", 0, len(classes)-1, ix.n)
	if err != nil {
		return err
	}
	c.ix, c.leafSize, c.classes, c.y = ix, leafSize, append([]float64(nil), classes...), y
	return nil
}

func init() {
	ml.Register(ml.ClassInfo{
		Name:   classifierName,
		Task:   ml.Classification,
		Family: "neighbors",
		Doc:    "k-nearest-neighbours vote (brute force or k-d tree search)",
		New:    func() ml.Estimator { return NewKNeighborsClassifier() },
	})
}
